DROP INDEX enrolment_facts_by_phone;
ALTER TABLE enrolment_facts DROP COLUMN phone_lookup;
