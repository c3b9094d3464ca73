-- How long each person has been insured, as employment tracking counts it
-- from the social-insurance agency's contributions: the certificate-based
-- subsidy rests on it, never on a figure the caller declares.
CREATE TABLE insured_months (
    person_id     text PRIMARY KEY,
    months        integer NOT NULL CHECK (months >= 0),
    latest_month  date NOT NULL
);
