-- Training delivery's tables, in the training_delivery schema.

-- Read models, built from other services' events.
CREATE TABLE catalogue_entries (
    entry_id         uuid PRIMARY KEY,
    city             text NOT NULL,
    year             integer NOT NULL,
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    withdrawn        boolean NOT NULL,
    version          integer NOT NULL
);
CREATE INDEX catalogue_entries_lookup ON catalogue_entries (city, year, occupation_code, skill_level);

CREATE TABLE institutions (
    institution_id  uuid PRIMARY KEY,
    city            text NOT NULL,
    credit_code     text NOT NULL,
    name            text NOT NULL,
    status          text NOT NULL,
    scope           jsonb NOT NULL,
    as_of           timestamptz NOT NULL
);

CREATE TABLE teachers (
    teacher_id      uuid PRIMARY KEY,
    institution_id  uuid NOT NULL,
    name            text NOT NULL,
    may_teach       jsonb NOT NULL
);

CREATE TABLE venues (
    venue_id        uuid PRIMARY KEY,
    institution_id  uuid NOT NULL,
    name            text NOT NULL,
    capacity        integer NOT NULL,
    occupations     text[] NOT NULL
);

-- Classes (开班备案) and their plan (一项目一方案).
CREATE TABLE classes (
    id               uuid PRIMARY KEY,
    city             text NOT NULL,
    institution_id   uuid NOT NULL,
    credit_code      text NOT NULL,
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    year             integer NOT NULL,
    capacity         integer NOT NULL CHECK (capacity > 0),
    funding_route    text NOT NULL CHECK (funding_route IN ('voucher', 'enterprise', 'individual')),
    plan             jsonb NOT NULL,
    status           text NOT NULL CHECK (status IN ('filed', 'approved')),
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    filed_by         text NOT NULL,
    filed_at         timestamptz NOT NULL,
    approved_by      text,
    approved_at      timestamptz
);
CREATE INDEX classes_by_institution ON classes (institution_id);

CREATE TABLE sessions (
    class_id    uuid NOT NULL REFERENCES classes (id),
    seq         integer NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    venue_id    uuid NOT NULL,
    teacher_id  uuid NOT NULL,
    PRIMARY KEY (class_id, seq),
    CHECK (starts_at < ends_at)
);

-- Real-name enrolment (实名制): the citizen ID sealed, a keyed hash for
-- lookups, and the province-wide pseudonym for events.
CREATE TABLE enrolments (
    id              uuid PRIMARY KEY,
    class_id        uuid NOT NULL REFERENCES classes (id),
    person_id       text NOT NULL,
    citizen_lookup  bytea NOT NULL,
    citizen_sealed  bytea NOT NULL,
    citizen_masked  text NOT NULL,
    name            text NOT NULL,
    phone_sealed    bytea NOT NULL,
    target_group    text NOT NULL,
    voucher_ref     text,
    enrolled_by     text NOT NULL,
    enrolled_at     timestamptz NOT NULL,
    UNIQUE (class_id, citizen_lookup)
);
CREATE INDEX enrolments_by_person ON enrolments (citizen_lookup);
