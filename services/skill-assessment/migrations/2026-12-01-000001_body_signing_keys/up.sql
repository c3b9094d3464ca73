-- Each assessment body signs its certificates' credentials with a key of its
-- own, generated when it is filed and sealed at rest with the service's
-- personal-data key (so `rotate-keys` re-seals it too). Rotating gives the
-- body a new key; the old ones stay published in its issuer profile, so
-- every credential signed before still verifies.
CREATE TABLE body_signing_keys (
    body_id      uuid NOT NULL REFERENCES bodies (id),
    key_no       integer NOT NULL CHECK (key_no > 0),
    public_key   bytea NOT NULL CHECK (length(public_key) = 32),
    seed_sealed  bytea NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    retired_at   timestamptz,
    PRIMARY KEY (body_id, key_no)
);
-- One key signs at a time.
CREATE UNIQUE INDEX body_signing_keys_current ON body_signing_keys (body_id)
    WHERE retired_at IS NULL;
