ALTER TABLE enrolments DROP COLUMN attended_hours;
ALTER TABLE enrolments DROP COLUMN outcome;
ALTER TABLE classes DROP COLUMN closed_at;
ALTER TABLE classes DROP CONSTRAINT classes_status_check;
ALTER TABLE classes ADD CONSTRAINT classes_status_check CHECK (status IN ('filed', 'approved'));
