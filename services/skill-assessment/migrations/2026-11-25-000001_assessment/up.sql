-- Skill assessment's tables, in the skill_assessment schema.

-- Read model: completions announced by training delivery.
CREATE TABLE completions (
    enrolment_id      uuid PRIMARY KEY,
    person_id         text NOT NULL,
    class_id          uuid NOT NULL,
    institution_id    uuid NOT NULL,
    occupation_code   text NOT NULL,
    skill_level       text NOT NULL,
    completed_on      date NOT NULL
);
CREATE INDEX completions_person ON completions (person_id, occupation_code, skill_level);

-- Assessment bodies (评价机构), filed with the bureau (谁备案、谁监管).
CREATE SEQUENCE body_code_seq MINVALUE 1 MAXVALUE 9999;
CREATE TABLE bodies (
    id               uuid PRIMARY KEY,
    city             text NOT NULL,
    credit_code      text NOT NULL UNIQUE,
    name             text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('social_organisation', 'enterprise', 'technical_school')),
    lead_enterprise  boolean NOT NULL,
    code             text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{4}$'),
    valid_from       date NOT NULL,
    valid_until      date NOT NULL CHECK (valid_until >= valid_from),
    status           text NOT NULL CHECK (status IN ('active', 'suspended')),
    filed_by         text NOT NULL,
    filed_at         timestamptz NOT NULL
);

CREATE TABLE body_scopes (
    body_id          uuid NOT NULL REFERENCES bodies (id),
    assessment_kind  text NOT NULL,
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    PRIMARY KEY (body_id, assessment_kind, occupation_code, skill_level)
);

-- Every filing, suspension and reinstatement, with who and why.
CREATE TABLE body_actions (
    id        uuid PRIMARY KEY,
    body_id   uuid NOT NULL REFERENCES bodies (id),
    action    text NOT NULL,
    reason    text NOT NULL,
    acted_by  text NOT NULL,
    acted_at  timestamptz NOT NULL
);
CREATE INDEX body_actions_body ON body_actions (body_id, acted_at);

-- Assessors (考评员) and supervisors (督导员).
CREATE TABLE staff (
    id             uuid PRIMARY KEY,
    body_id        uuid NOT NULL REFERENCES bodies (id),
    role           text NOT NULL CHECK (role IN ('assessor', 'supervisor')),
    name           text NOT NULL,
    credential_no  text NOT NULL,
    registered_at  timestamptz NOT NULL,
    UNIQUE (body_id, credential_no)
);

-- Pass rules per occupation and level; absent means both scores ≥ 60.
CREATE TABLE pass_rules (
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    theory_min       smallint NOT NULL CHECK (theory_min BETWEEN 0 AND 100),
    practical_min    smallint NOT NULL CHECK (practical_min BETWEEN 0 AND 100),
    set_by           text NOT NULL,
    set_at           timestamptz NOT NULL,
    PRIMARY KEY (occupation_code, skill_level)
);

-- Exam sessions and who runs them.
CREATE TABLE sessions (
    id               uuid PRIMARY KEY,
    body_id          uuid NOT NULL REFERENCES bodies (id),
    assessment_kind  text NOT NULL,
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    exam_date        date NOT NULL,
    venue            text NOT NULL,
    assessor_ids     uuid[] NOT NULL,
    supervisor_id    uuid NOT NULL REFERENCES staff (id),
    scheduled_by     text NOT NULL,
    scheduled_at     timestamptz NOT NULL
);
CREATE INDEX sessions_body ON sessions (body_id, exam_date);

CREATE TABLE candidates (
    id               uuid PRIMARY KEY,
    session_id       uuid NOT NULL REFERENCES sessions (id),
    person_id        text NOT NULL,
    citizen_sealed   bytea NOT NULL,
    citizen_masked   text NOT NULL,
    name             text NOT NULL,
    route            text NOT NULL CHECK (route IN ('completion', 'direct')),
    enrolment_id     uuid,
    class_id         uuid,
    institution_id   uuid,
    experience_years smallint,
    registered_at    timestamptz NOT NULL,
    theory_score     smallint CHECK (theory_score BETWEEN 0 AND 100),
    practical_score  smallint CHECK (practical_score BETWEEN 0 AND 100),
    passed           boolean,
    result_id        uuid UNIQUE,
    recorded_by      text,
    recorded_at      timestamptz,
    UNIQUE (session_id, person_id)
);

-- Certificates. A result earns at most one; the status index is its bit in
-- the public revocation list.
CREATE SEQUENCE certificate_status_index_seq MINVALUE 0 START 0;
CREATE TABLE certificate_serials (
    body_id     uuid NOT NULL REFERENCES bodies (id),
    year2       text NOT NULL,
    level_digit text NOT NULL,
    last_serial integer NOT NULL CHECK (last_serial BETWEEN 1 AND 999999),
    PRIMARY KEY (body_id, year2, level_digit)
);

CREATE TABLE certificates (
    id               uuid PRIMARY KEY,
    certificate_no   text NOT NULL UNIQUE CHECK (length(certificate_no) = 22),
    body_id          uuid NOT NULL REFERENCES bodies (id),
    candidate_id     uuid UNIQUE REFERENCES candidates (id),
    exceptional_id   uuid UNIQUE,
    person_id        text NOT NULL,
    citizen_sealed   bytea NOT NULL,
    holder_name      text NOT NULL,
    assessment_kind  text NOT NULL,
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    route            text NOT NULL CHECK (route IN ('exam', 'exceptional')),
    issued_on        date NOT NULL,
    statistical_year integer NOT NULL,
    class_id         uuid,
    institution_id   uuid,
    status_index     bigint NOT NULL UNIQUE,
    status           text NOT NULL CHECK (status IN ('valid', 'revoked')),
    revoked_reason   text,
    revoked_on       date,
    revoked_by       text,
    issued_by        text NOT NULL,
    issued_at        timestamptz NOT NULL,
    CHECK ((candidate_id IS NULL) <> (exceptional_id IS NULL))
);
CREATE INDEX certificates_person ON certificates (person_id, occupation_code, skill_level);
CREATE INDEX certificates_year ON certificates (statistical_year, status);

-- Exceptional certification (破格认定) by an enterprise, reviewed by the bureau.
CREATE TABLE exceptional_certifications (
    id               uuid PRIMARY KEY,
    body_id          uuid NOT NULL REFERENCES bodies (id),
    person_id        text NOT NULL,
    citizen_sealed   bytea NOT NULL,
    citizen_masked   text NOT NULL,
    name             text NOT NULL,
    assessment_kind  text NOT NULL,
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    grounds          text NOT NULL,
    justification    text NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    filed_by         text NOT NULL,
    filed_at         timestamptz NOT NULL,
    reviewed_by      text,
    review_note      text,
    reviewed_at      timestamptz
);

-- High-skill leading talents (高技能领军人才) and their 5-year plans.
CREATE TABLE leading_talents (
    id                    uuid PRIMARY KEY,
    selection_year        integer NOT NULL,
    person_id             text NOT NULL,
    citizen_sealed        bytea NOT NULL,
    citizen_masked        text NOT NULL,
    name                  text NOT NULL,
    occupation_code       text NOT NULL,
    skill_level           text NOT NULL,
    employer_credit_code  text NOT NULL,
    plan                  jsonb NOT NULL,
    selected_by           text NOT NULL,
    selected_at           timestamptz NOT NULL,
    UNIQUE (selection_year, person_id)
);
