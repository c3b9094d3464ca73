-- The institution registry's tables, in the institution_registry schema.

-- An institution from its application on (条件公开、自愿申请): the
-- application, the decision and its current standing in one row.
CREATE TABLE institutions (
    id                uuid PRIMARY KEY,
    city              text NOT NULL,
    credit_code       text NOT NULL,
    name              text NOT NULL,
    nature            text NOT NULL CHECK (nature IN ('public', 'private', 'enterprise', 'technical_school')),
    district          text NOT NULL,
    address           text NOT NULL,
    contact_person    text NOT NULL,
    contact_phone     text NOT NULL,
    high_skill_base   boolean NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'suspended', 'removed')),
    selection_method  text,
    decision_reason   text,
    decided_by        text,
    decided_at        timestamptz,
    applied_by        text NOT NULL,
    applied_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
-- One live record per organisation and city; rejected and removed ones may apply again.
CREATE UNIQUE INDEX institutions_one_live ON institutions (city, credit_code)
    WHERE status NOT IN ('rejected', 'removed');

CREATE TABLE venues (
    id              uuid PRIMARY KEY,
    institution_id  uuid NOT NULL REFERENCES institutions (id),
    name            text NOT NULL,
    address         text NOT NULL,
    capacity        integer NOT NULL CHECK (capacity > 0),
    occupations     text[] NOT NULL
);

CREATE TABLE teachers (
    id              uuid PRIMARY KEY,
    institution_id  uuid NOT NULL REFERENCES institutions (id),
    name            text NOT NULL,
    employment      text NOT NULL CHECK (employment IN ('full_time', 'part_time')),
    qualification   text NOT NULL,
    may_teach       jsonb NOT NULL
);

-- Occupations × levels: what was asked for, and what was granted (with validity).
CREATE TABLE scopes (
    institution_id   uuid NOT NULL REFERENCES institutions (id),
    kind             text NOT NULL CHECK (kind IN ('requested', 'granted')),
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    valid_from       date,
    valid_to         date,
    PRIMARY KEY (institution_id, kind, occupation_code, skill_level)
);

-- Suspensions, reinstatements and removals, append-only.
CREATE TABLE sanctions (
    id              bigserial PRIMARY KEY,
    institution_id  uuid NOT NULL REFERENCES institutions (id),
    action          text NOT NULL CHECK (action IN ('suspended', 'reinstated', 'removed')),
    reason_kind     text,
    detail          text NOT NULL,
    actor           text NOT NULL,
    at              timestamptz NOT NULL
);

-- Training brands (培训品牌, policy item 7).
CREATE TABLE brands (
    id               uuid PRIMARY KEY,
    city             text NOT NULL,
    name             text NOT NULL,
    occupation_codes text[] NOT NULL,
    institution_ids  uuid[] NOT NULL,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL,
    UNIQUE (city, name)
);

-- Read model of the published catalogue, from catalog.entries.v1: the
-- subsidy standards the public directory shows.
CREATE TABLE catalogue_entries (
    entry_id         uuid PRIMARY KEY,
    city             text NOT NULL,
    year             integer NOT NULL,
    occupation_code  text NOT NULL,
    occupation_name  text NOT NULL,
    skill_level      text NOT NULL,
    subsidy_fen      bigint NOT NULL,
    withdrawn        boolean NOT NULL,
    version          integer NOT NULL
);
CREATE INDEX catalogue_entries_lookup ON catalogue_entries (city, year, occupation_code, skill_level);
