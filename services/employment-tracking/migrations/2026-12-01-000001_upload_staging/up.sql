-- A contribution batch is received into staging, chunk by chunk in short
-- statements, and applied in one transaction only once it is whole: no
-- transaction stays open while a slow sender uploads, and a batch that
-- fails part-way still leaves nothing behind. Unlogged: an upload in flight
-- is not worth a WAL record; after a crash it is gone and the sender
-- retries, as after any lost request.
CREATE UNLOGGED TABLE contribution_uploads (
    id          uuid PRIMARY KEY,
    submitter   text NOT NULL,
    batch_id    text NOT NULL,
    -- Last chunk received: an upload untouched for long was abandoned.
    touched_at  timestamptz NOT NULL,
    UNIQUE (submitter, batch_id)
);

CREATE UNLOGGED TABLE contribution_staging (
    upload_id             uuid NOT NULL REFERENCES contribution_uploads (id) ON DELETE CASCADE,
    seq                   integer NOT NULL,
    person_id             text NOT NULL,
    month                 date NOT NULL,
    employer_credit_code  text NOT NULL,
    citizen_masked        text NOT NULL,
    PRIMARY KEY (upload_id, seq)
);
