-- Bank reconciliation (银行对账): every result file applied is kept with
-- what became of each of its lines, so an officer can list, read and
-- export it, and take up with the bank what needs attention.
CREATE TABLE bank_reconciliations (
    -- The proposal that imported the file.
    id               uuid PRIMARY KEY,
    batch_no         text NOT NULL REFERENCES payout_batches (batch_no),
    -- SHA-256 of the file: the same file is never applied twice.
    file_sha256      text NOT NULL,
    proposed_by      text NOT NULL,
    approved_by      text NOT NULL,
    reconciled_at    timestamptz NOT NULL,
    confirmed        integer NOT NULL CHECK (confirmed >= 0),
    failed           integer NOT NULL CHECK (failed >= 0),
    missing          integer NOT NULL CHECK (missing >= 0),
    needs_attention  integer NOT NULL CHECK (needs_attention >= 0),
    UNIQUE (batch_no, file_sha256)
);
CREATE INDEX bank_reconciliations_by_batch ON bank_reconciliations (batch_no, id);
CREATE INDEX bank_reconciliations_needing_attention ON bank_reconciliations (id)
    WHERE needs_attention > 0;

CREATE TABLE bank_reconciliation_lines (
    reconciliation_id  uuid NOT NULL REFERENCES bank_reconciliations (id),
    -- Order in the report: the file's lines, then the batch lines it missed.
    position           integer NOT NULL CHECK (position >= 0),
    -- Line of the file (1 = header); none for a batch line it missed.
    line               integer,
    reference          text,
    outcome            text NOT NULL CHECK (outcome IN ('confirmed', 'failed', 'missing',
        'unknown_reference', 'duplicate', 'amount_mismatch', 'malformed',
        'already_settled', 'paid_twice', 'contradicts_earlier')),
    detail             text,
    PRIMARY KEY (reconciliation_id, position)
);
-- A batch line is answered once: no second file confirms or fails it.
CREATE UNIQUE INDEX bank_reconciliation_lines_answer_once
    ON bank_reconciliation_lines (reference) WHERE outcome IN ('confirmed', 'failed');

-- Kept as applied: the application may add, never change or remove.
DO $$
DECLARE
    app text := current_schema() || '_app';
BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON bank_reconciliations, bank_reconciliation_lines FROM %I', app);
END $$;
