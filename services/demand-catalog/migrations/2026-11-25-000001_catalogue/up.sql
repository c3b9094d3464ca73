-- The demand catalogue's own tables, in the demand_catalog schema.

-- Reference list of occupations (GB/T 6565). Loaded by `demand-catalog
-- load-occupations`; the shipped file is sample data.
CREATE TABLE occupations (
    code       text PRIMARY KEY,
    name       text NOT NULL,
    sample     boolean NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);

-- Skill demands collected bottom-up (policy item 1).
CREATE TABLE demands (
    id               uuid PRIMARY KEY,
    city             text NOT NULL,
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    headcount        integer NOT NULL CHECK (headcount > 0),
    period_from      date NOT NULL,
    period_to        date NOT NULL,
    channel          text NOT NULL CHECK (channel IN
        ('enterprise', 'trade_union', 'industry_department', 'public_employment_service', 'gig_market')),
    submitter_org    text,
    submitted_by     text NOT NULL,
    note             text,
    created_at       timestamptz NOT NULL,
    CHECK (period_from <= period_to)
);
CREATE INDEX demands_by_key ON demands (city, occupation_code, skill_level);
CREATE INDEX demands_by_created ON demands (created_at DESC, id DESC);

-- One guidance catalogue per city and year (需求指导目录).
CREATE TABLE catalogues (
    id            uuid PRIMARY KEY,
    city          text NOT NULL,
    year          integer NOT NULL,
    status        text NOT NULL CHECK (status IN ('draft', 'published')),
    version       integer NOT NULL DEFAULT 0,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    published_at  timestamptz,
    late          boolean,
    UNIQUE (city, year),
    CHECK ((status = 'draft') = (published_at IS NULL))
);

CREATE TABLE catalogue_entries (
    id               uuid PRIMARY KEY,
    catalogue_id     uuid NOT NULL REFERENCES catalogues (id),
    occupation_code  text NOT NULL,
    occupation_name  text NOT NULL,
    skill_level      text NOT NULL,
    urgent           boolean NOT NULL,
    subsidy_fen      bigint NOT NULL CHECK (subsidy_fen >= 0),
    valid_from       date NOT NULL,
    valid_to         date NOT NULL,
    withdrawn        boolean NOT NULL DEFAULT false,
    version          integer NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK (valid_from <= valid_to)
);
CREATE UNIQUE INDEX catalogue_entries_one_active
    ON catalogue_entries (catalogue_id, occupation_code, skill_level) WHERE NOT withdrawn;

-- Who changed what, when: the catalogue's history, append-only.
CREATE TABLE catalogue_changes (
    id            bigserial PRIMARY KEY,
    catalogue_id  uuid NOT NULL REFERENCES catalogues (id),
    version       integer NOT NULL,
    actor         text NOT NULL,
    action        text NOT NULL,
    entry_id      uuid,
    before        jsonb,
    after         jsonb,
    at            timestamptz NOT NULL
);
CREATE INDEX catalogue_changes_by_catalogue ON catalogue_changes (catalogue_id, id);
