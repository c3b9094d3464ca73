-- Employment tracking's tables, in the employment_tracking schema. People
-- appear by their pseudonymous person_id; citizen IDs are never stored,
-- only their masked form for display.

-- Read model of the registry: which organisation runs an institution.
CREATE TABLE institutions (
    institution_id  uuid PRIMARY KEY,
    city            text NOT NULL,
    credit_code     text NOT NULL,
    name            text NOT NULL
);
CREATE INDEX institutions_by_code ON institutions (credit_code);

-- Completers (from delivery's completion events) and their follow-up window.
-- The outcome is written once: the guarded update is what makes the outcome
-- event exactly-once per enrolment.
CREATE TABLE completers (
    enrolment_id          uuid PRIMARY KEY,
    class_id              uuid NOT NULL,
    institution_id        uuid NOT NULL,
    person_id             text NOT NULL,
    target_group          text NOT NULL,
    occupation_code       text NOT NULL,
    skill_level           text NOT NULL,
    completed_on          date NOT NULL,
    statistical_year      integer NOT NULL,
    window_months         integer NOT NULL CHECK (window_months > 0),
    window_ends_on        date NOT NULL,
    outcome               text CHECK (outcome IN ('employed_within_window', 'not_employed_at_window_end')),
    employed_on           date,
    employer_credit_code  text,
    outcome_source        text,
    decided_at            timestamptz,
    received_at           timestamptz NOT NULL,
    CHECK ((outcome IS NULL) = (decided_at IS NULL))
);
CREATE INDEX completers_by_person ON completers (person_id);
CREATE INDEX completers_due ON completers (window_ends_on) WHERE outcome IS NULL;
CREATE INDEX completers_listing ON completers (completed_on DESC, enrolment_id DESC);

-- Social-insurance contributions, one per person, month and employer: the
-- same contribution in two batches counts once.
CREATE TABLE contributions (
    person_id             text NOT NULL,
    month                 date NOT NULL CHECK (extract(day FROM month) = 1),
    employer_credit_code  text NOT NULL,
    citizen_masked        text NOT NULL,
    batch_id              text NOT NULL,
    PRIMARY KEY (person_id, month, employer_credit_code)
);

-- Batches as received: the content hash decides whether a repeat of a
-- batch id is the same batch; the report is answered again to a repeat.
CREATE TABLE si_batches (
    submitter       text NOT NULL,
    batch_id        text NOT NULL,
    content_sha256  text NOT NULL,
    report          jsonb NOT NULL,
    received_at     timestamptz NOT NULL,
    PRIMARY KEY (submitter, batch_id)
);

-- Employment records: reports, and what social insurance shows (one record
-- per person and employer, widened as contributions arrive). Conflicting
-- records are all kept, flagged.
CREATE TABLE employment_records (
    id                    uuid PRIMARY KEY,
    person_id             text NOT NULL,
    citizen_masked        text NOT NULL,
    employer_credit_code  text NOT NULL,
    job                   text NOT NULL,
    starts_on             date NOT NULL,
    ends_on               date,
    contract_months       integer,
    source                text NOT NULL CHECK (source IN ('self_reported', 'institution_reported', 'employer_reported', 'social_insurance')),
    conflicting           boolean NOT NULL DEFAULT false,
    recorded_by           text NOT NULL,
    recorded_at           timestamptz NOT NULL,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE UNIQUE INDEX employment_records_insured ON employment_records (person_id, employer_credit_code) WHERE source = 'social_insurance';
CREATE INDEX employment_records_by_person ON employment_records (person_id);
CREATE INDEX employment_records_by_employer ON employment_records (employer_credit_code);

-- Employment at 3, 6 and 12 months after the completion month, as shown by
-- contributions.
CREATE TABLE milestones (
    enrolment_id          uuid NOT NULL REFERENCES completers (enrolment_id),
    months                integer NOT NULL CHECK (months IN (3, 6, 12)),
    month                 date NOT NULL,
    employer_credit_code  text NOT NULL,
    PRIMARY KEY (enrolment_id, months)
);

-- Vacancies enterprises and integrators post (就业服务).
CREATE TABLE vacancies (
    id                    uuid PRIMARY KEY,
    employer_credit_code  text NOT NULL,
    title                 text NOT NULL,
    occupation_code       text NOT NULL,
    min_skill_level       text NOT NULL,
    work_city             text NOT NULL,
    headcount             integer NOT NULL CHECK (headcount > 0),
    salary_min_fen        bigint,
    salary_max_fen        bigint,
    open_until            date NOT NULL,
    posted_by             text NOT NULL,
    posted_at             timestamptz NOT NULL,
    CHECK (salary_min_fen IS NULL OR salary_max_fen IS NULL OR salary_min_fen <= salary_max_fen)
);
CREATE INDEX vacancies_open ON vacancies (occupation_code, open_until);

-- Each recommendation made to a completer, once per vacancy.
CREATE TABLE recommendations (
    id              uuid PRIMARY KEY,
    enrolment_id    uuid NOT NULL REFERENCES completers (enrolment_id),
    person_id       text NOT NULL,
    vacancy_id      uuid NOT NULL REFERENCES vacancies (id),
    score           integer NOT NULL,
    recommended_by  text NOT NULL,
    recommended_at  timestamptz NOT NULL,
    UNIQUE (enrolment_id, vacancy_id)
);

-- New-style apprenticeships (新型学徒制): the internship agreement, then the
-- labour contract and the decision.
CREATE TABLE apprenticeships (
    id                       uuid PRIMARY KEY,
    person_id                text NOT NULL,
    citizen_masked           text NOT NULL,
    enterprise_credit_code   text NOT NULL,
    occupation_code          text,
    school                   text NOT NULL,
    graduation_on            date NOT NULL,
    internship_starts_on     date NOT NULL,
    internship_ends_on       date NOT NULL,
    status                   text NOT NULL CHECK (status IN ('internship', 'recognised', 'not_recognised')),
    reasons                  jsonb NOT NULL,
    contract_employer        text,
    employment_starts_on     date,
    contract_ends_on         date,
    contract_months          integer,
    recognised_from          date,
    training_months          integer,
    registered_by            text NOT NULL,
    registered_at            timestamptz NOT NULL,
    decided_at               timestamptz,
    CHECK (internship_ends_on >= internship_starts_on)
);
CREATE INDEX apprenticeships_by_enterprise ON apprenticeships (enterprise_credit_code);
