-- Performance evaluation's tables, in the performance_evaluation schema.
-- People appear only by their pseudonymous person_id, and only in the read
-- models that need it to count each person once or to check who answers a
-- survey; no report returns it.

-- Read models of other services' events --------------------------------

-- The registry's institutions (names for scorecards, the organisation
-- whose operators may read them).
CREATE TABLE institutions (
    institution_id  uuid PRIMARY KEY,
    credit_code     text NOT NULL,
    name            text NOT NULL,
    status          text NOT NULL,
    rating          text,
    under_review    boolean NOT NULL DEFAULT false
);
CREATE INDEX institutions_by_code ON institutions (credit_code);

-- Delivery's classes: their capacity is the plan when officers set none.
CREATE TABLE classes (
    class_id        uuid PRIMARY KEY,
    institution_id  uuid NOT NULL,
    year            integer NOT NULL,
    capacity        integer NOT NULL,
    status          text NOT NULL
);
CREATE INDEX classes_by_institution ON classes (institution_id, year);

-- Delivery's results per enrolment; completed ones are subsidised
-- trainings (人次) of the statistical year of completed_on.
CREATE TABLE completions (
    enrolment_id      uuid PRIMARY KEY,
    class_id          uuid NOT NULL,
    institution_id    uuid NOT NULL,
    person_id         text NOT NULL,
    skill_level       text NOT NULL,
    completed         boolean NOT NULL,
    completed_on      date NOT NULL,
    statistical_year  integer NOT NULL
);
CREATE INDEX completions_by_year ON completions (statistical_year, institution_id) WHERE completed;
CREATE INDEX completions_by_class ON completions (class_id, person_id);

-- Assessment's certificates; a revocation is final whatever order the
-- events arrive in.
CREATE TABLE certificates (
    certificate_id    uuid PRIMARY KEY,
    person_id         text NOT NULL,
    skill_level       text NOT NULL,
    high_skilled      boolean NOT NULL,
    issued_on         date NOT NULL,
    statistical_year  integer NOT NULL,
    class_id          uuid,
    institution_id    uuid,
    status            text NOT NULL CHECK (status IN ('valid', 'revoked'))
);
CREATE INDEX certificates_by_year ON certificates (statistical_year) WHERE status = 'valid';
CREATE INDEX certificates_by_class ON certificates (class_id, person_id) WHERE status = 'valid';

-- Employment tracking's outcomes, final once published.
CREATE TABLE outcomes (
    enrolment_id      uuid PRIMARY KEY,
    institution_id    uuid NOT NULL,
    employed          boolean NOT NULL,
    statistical_year  integer NOT NULL
);
CREATE INDEX outcomes_by_year ON outcomes (statistical_year, institution_id);

-- The registry's training brands (培训品牌).
CREATE TABLE brands (
    brand_id          uuid PRIMARY KEY,
    name              text NOT NULL,
    registered_on     date NOT NULL,
    statistical_year  integer NOT NULL
);

-- Assessment's high-skill leading talents (高技能领军人才).
CREATE TABLE leading_talents (
    talent_id       uuid PRIMARY KEY,
    person_id       text NOT NULL,
    selection_year  integer NOT NULL
);

-- Fraud findings against institutions, one per claim.
CREATE TABLE fraud_findings (
    claim_id          uuid PRIMARY KEY,
    institution_id    uuid NOT NULL,
    statistical_year  integer NOT NULL,
    source            text NOT NULL,
    found_at          timestamptz NOT NULL
);
CREATE INDEX fraud_findings_by_year ON fraud_findings (statistical_year, institution_id);

-- This service's own ------------------------------------------------------

-- Survey answers: no person id; one answer per enrolment and survey,
-- enforced here.
CREATE TABLE survey_answers (
    id                uuid PRIMARY KEY,
    enrolment_id      uuid NOT NULL,
    survey            text NOT NULL CHECK (survey IN ('at_completion', 'six_months')),
    class_id          uuid NOT NULL,
    institution_id    uuid NOT NULL,
    statistical_year  integer NOT NULL,
    scores            integer[] NOT NULL,
    mean              double precision NOT NULL CHECK (mean BETWEEN 1 AND 5),
    comment           text,
    answered_at       timestamptz NOT NULL,
    UNIQUE (enrolment_id, survey)
);
CREATE INDEX survey_answers_by_year ON survey_answers (statistical_year, institution_id);

-- Planned volumes per institution and year, set by officers.
CREATE TABLE plans (
    institution_id     uuid NOT NULL,
    statistical_year   integer NOT NULL,
    planned_trainings  bigint NOT NULL CHECK (planned_trainings >= 0),
    set_by             text NOT NULL,
    set_at             timestamptz NOT NULL,
    PRIMARY KEY (institution_id, statistical_year)
);

-- Versions of the scoring formula; the highest is in force, none is
-- ever changed or deleted.
CREATE TABLE formulas (
    version     integer PRIMARY KEY,
    formula     jsonb NOT NULL,
    note        text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL
);
INSERT INTO formulas VALUES (1, '{
  "weights": {"plan_progress": 0.3, "certificate_rate": 0.25, "satisfaction": 0.2, "employment_rate": 0.25},
  "thresholds": {"a": 0.85, "b": 0.7, "c": 0.55},
  "fraud_penalty": 0.1
}', 'initial formula', 'migration', now());

-- The latest scorecard per institution and year. `rating` is the one in
-- force: the computed one, or an officer's override while there is one.
CREATE TABLE scorecards (
    institution_id    uuid NOT NULL,
    statistical_year  integer NOT NULL,
    as_of             date NOT NULL,
    formula_version   integer NOT NULL REFERENCES formulas (version),
    inputs            jsonb NOT NULL,
    scored            jsonb NOT NULL,
    score             double precision,
    computed_rating   text CHECK (computed_rating IN ('A', 'B', 'C', 'D')),
    rating            text CHECK (rating IN ('A', 'B', 'C', 'D')),
    overridden        boolean NOT NULL DEFAULT false,
    override_reason   text,
    overridden_by     text,
    computed_at       timestamptz NOT NULL,
    PRIMARY KEY (institution_id, statistical_year),
    CHECK (overridden = (override_reason IS NOT NULL))
);

-- Every rating change, computed or overridden (what was published).
CREATE TABLE rating_changes (
    id                uuid PRIMARY KEY,
    institution_id    uuid NOT NULL,
    statistical_year  integer NOT NULL,
    rating            text NOT NULL,
    previous          text,
    score             double precision,
    formula_version   integer NOT NULL,
    overridden        boolean NOT NULL,
    reason            text,
    decided_by        text NOT NULL,
    decided_at        timestamptz NOT NULL
);
CREATE INDEX rating_changes_by_card ON rating_changes (institution_id, statistical_year, decided_at);

-- Scorecards to compute again. Consumers and handlers mark, the periodic
-- job takes rows FOR UPDATE SKIP LOCKED and deletes them only if no one
-- marked them again meanwhile.
CREATE TABLE dirty (
    institution_id    uuid NOT NULL,
    statistical_year  integer NOT NULL,
    marked_at         timestamptz NOT NULL,
    PRIMARY KEY (institution_id, statistical_year)
);

-- Programme targets of this city, set by officers (defaults otherwise).
CREATE TABLE targets (
    statistical_year      integer PRIMARY KEY,
    subsidised_trainings  bigint NOT NULL CHECK (subsidised_trainings >= 0),
    new_skilled_workers   bigint NOT NULL CHECK (new_skilled_workers >= 0),
    high_skilled_share    double precision NOT NULL CHECK (high_skilled_share BETWEEN 0 AND 1),
    training_brands       bigint NOT NULL CHECK (training_brands >= 0),
    leading_talents       bigint NOT NULL CHECK (leading_talents >= 0),
    set_by                text NOT NULL,
    set_at                timestamptz NOT NULL
);
