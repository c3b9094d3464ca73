-- Completion (结果考核): a class closes, each trainee completes or not.
ALTER TABLE classes DROP CONSTRAINT classes_status_check;
ALTER TABLE classes ADD CONSTRAINT classes_status_check CHECK (status IN ('filed', 'approved', 'closed'));
ALTER TABLE classes ADD COLUMN closed_at timestamptz;
ALTER TABLE enrolments ADD COLUMN outcome text CHECK (outcome IN ('completed', 'not_completed'));
ALTER TABLE enrolments ADD COLUMN attended_hours double precision;
