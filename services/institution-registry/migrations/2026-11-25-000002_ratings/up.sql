-- Ratings from performance evaluation (绩效评价): the latest one on the
-- institution, every one received in `ratings`. A D puts the institution
-- under review until an officer clears it.
ALTER TABLE institutions ADD COLUMN rating text;
ALTER TABLE institutions ADD COLUMN under_review boolean NOT NULL DEFAULT false;

CREATE TABLE ratings (
    id                uuid PRIMARY KEY,
    institution_id    uuid NOT NULL REFERENCES institutions (id),
    statistical_year  integer NOT NULL,
    rating            text NOT NULL CHECK (rating IN ('A', 'B', 'C', 'D')),
    overridden        boolean NOT NULL,
    reason            text,
    decided_at        timestamptz NOT NULL,
    received_at       timestamptz NOT NULL
);
CREATE INDEX ratings_by_institution ON ratings (institution_id, decided_at);

-- An officer's review of a D-rated institution, which lifts the restriction.
CREATE TABLE rating_reviews (
    id              uuid PRIMARY KEY,
    institution_id  uuid NOT NULL REFERENCES institutions (id),
    note            text NOT NULL,
    reviewed_by     text NOT NULL,
    reviewed_at     timestamptz NOT NULL
);
