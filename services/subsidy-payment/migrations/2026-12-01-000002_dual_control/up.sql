-- Dual control (双人复核): a bank account, a budget, the rules, a payout
-- batch's release or a bank result changes only when a second officer of the
-- city approves what a first one (or the payee) proposed. A proposal keeps
-- what will apply (personal data sealed), what the approver is shown, both
-- people, and how it ended.
CREATE TABLE proposals (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('bank_account', 'budget_allocation',
                       'budget_reduction', 'rules', 'payout_release', 'bank_result')),
    -- What it changes: the payee, the pot, 'rules', the batch number.
    subject        text NOT NULL,
    summary        jsonb NOT NULL,
    payload        jsonb NOT NULL,
    sealed         bytea,
    status         text NOT NULL CHECK (status IN ('pending', 'applied', 'rejected',
                       'withdrawn', 'expired', 'failed')),
    proposed_by    text NOT NULL,
    proposed_role  text NOT NULL,
    proposed_org   text,
    proposed_at    timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL CHECK (expires_at > proposed_at),
    decided_by     text,
    decided_at     timestamptz,
    note           text,
    outcome        jsonb,
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    -- Nobody approves their own proposal, whatever the code does.
    CHECK (status <> 'applied' OR decided_by <> proposed_by)
);
-- One open proposal per thing changed: a second would race the first.
CREATE UNIQUE INDEX proposals_one_pending ON proposals (kind, subject) WHERE status = 'pending';
CREATE INDEX proposals_by_time ON proposals (proposed_at, id);

-- Every bank account a payee was given: who proposed it, who approved it,
-- the old and new numbers masked. Append-only.
CREATE TABLE payee_account_history (
    id            uuid PRIMARY KEY,
    payee         text NOT NULL,
    old_masked    text,
    new_masked    text NOT NULL,
    account_name  text NOT NULL,
    proposal_id   uuid NOT NULL REFERENCES proposals (id),
    proposed_by   text NOT NULL,
    proposed_at   timestamptz NOT NULL,
    approved_by   text NOT NULL,
    approved_at   timestamptz NOT NULL
);
CREATE INDEX payee_account_history_by_payee ON payee_account_history (payee, approved_at);

-- Who approved the changes that already kept who made them.
ALTER TABLE budget_changes ADD COLUMN approved_by text;
ALTER TABLE rule_versions ADD COLUMN approved_by text;
ALTER TABLE payout_batches ADD COLUMN approved_by text;
ALTER TABLE payee_accounts ADD COLUMN approved_by text;

DO $$
DECLARE
    app text := current_schema() || '_app';
BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON payee_account_history FROM %I', app);
END $$;
