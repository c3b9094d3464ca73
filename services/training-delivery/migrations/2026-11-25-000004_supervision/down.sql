ALTER TABLE enrolments DROP COLUMN withdrawal_reason;
ALTER TABLE enrolments DROP COLUMN withdrawn_at;
DROP TABLE inspections;
