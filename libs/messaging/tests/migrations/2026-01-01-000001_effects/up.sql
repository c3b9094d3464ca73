-- What the test consumer does to the world, and a switch to make it fail.
CREATE TABLE effects (event_id uuid PRIMARY KEY, body jsonb NOT NULL);
CREATE TABLE switches (name text PRIMARY KEY, failing boolean NOT NULL);
INSERT INTO switches VALUES ('poison', true);
