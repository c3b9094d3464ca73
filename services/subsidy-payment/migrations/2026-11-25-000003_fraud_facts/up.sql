-- Facts the fraud rules read, kept from other services' events.

-- Per enrolment (delivery): age and sex from the citizen ID, when the
-- class runs.
CREATE TABLE enrolment_facts (
    enrolment_id      uuid PRIMARY KEY,
    person_id         text NOT NULL,
    class_id          uuid NOT NULL,
    target_group      text NOT NULL,
    age_at_enrolment  integer,
    male              boolean,
    enrolled_on       date NOT NULL,
    class_starts_at   timestamptz,
    class_ends_at     timestamptz,
    withdrawn         boolean NOT NULL DEFAULT false
);
CREATE INDEX enrolment_facts_by_person ON enrolment_facts (person_id);

-- Supervision alerts on classes (delivery): a teacher or venue in two
-- sessions at once.
CREATE TABLE class_alerts (
    alert_id        uuid PRIMARY KEY,
    kind            text NOT NULL,
    class_id        uuid NOT NULL,
    other_class_id  uuid NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX class_alerts_by_class ON class_alerts (class_id);
CREATE INDEX class_alerts_by_other_class ON class_alerts (other_class_id);

-- Exam results per assessment body (assessment), for pass-rate spikes.
CREATE TABLE assessment_results (
    result_id    uuid PRIMARY KEY,
    body_id      uuid NOT NULL,
    passed       boolean NOT NULL,
    assessed_on  date NOT NULL
);
CREATE INDEX assessment_results_by_body ON assessment_results (body_id, assessed_on);

ALTER TABLE certificates ADD COLUMN body_id uuid;
