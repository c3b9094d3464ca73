-- Supervision (过程监督): officers' inspections, and withdrawal of enrolments.
CREATE TABLE inspections (
    id           uuid PRIMARY KEY,
    class_id     uuid NOT NULL REFERENCES classes (id),
    inspector    text NOT NULL,
    at           timestamptz NOT NULL,
    findings     text NOT NULL,
    photo_urls   text[] NOT NULL
);
CREATE INDEX inspections_by_class ON inspections (class_id, at);
ALTER TABLE enrolments ADD COLUMN withdrawn_at timestamptz;
ALTER TABLE enrolments ADD COLUMN withdrawal_reason text;
