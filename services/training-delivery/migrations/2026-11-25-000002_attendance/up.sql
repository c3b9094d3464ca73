-- Attendance (过程监督): check-ins and check-outs, each chained to the
-- class's previous record by hash, so a record changed afterwards shows.
CREATE TABLE attendance (
    seq           bigserial PRIMARY KEY,
    class_id      uuid NOT NULL REFERENCES classes (id),
    enrolment_id  uuid NOT NULL REFERENCES enrolments (id),
    session_seq   integer NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('check_in', 'check_out')),
    at            timestamptz NOT NULL,
    recorded_by   text NOT NULL,
    prev_hash     text NOT NULL,
    hash          text NOT NULL,
    UNIQUE (enrolment_id, session_seq, kind)
);
CREATE INDEX attendance_by_class ON attendance (class_id, seq);
