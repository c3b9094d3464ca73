ALTER TABLE certificates DROP COLUMN body_id;
DROP TABLE assessment_results;
DROP TABLE class_alerts;
DROP TABLE enrolment_facts;
