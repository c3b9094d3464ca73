-- Subsidy payment's tables, in the subsidy_payment schema.

-- Read models, built from other services' events.
CREATE TABLE catalogue_entries (
    entry_id         uuid PRIMARY KEY,
    city             text NOT NULL,
    year             integer NOT NULL,
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    subsidy_fen      bigint NOT NULL CHECK (subsidy_fen >= 0),
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
    as_of           timestamptz NOT NULL
);
CREATE INDEX institutions_by_credit_code ON institutions (credit_code);

CREATE TABLE completions (
    enrolment_id      uuid PRIMARY KEY,
    class_id          uuid NOT NULL,
    institution_id    uuid NOT NULL,
    person_id         text NOT NULL,
    target_group      text NOT NULL,
    occupation_code   text NOT NULL,
    skill_level       text NOT NULL,
    completed         boolean NOT NULL,
    attended_seconds  integer NOT NULL,
    planned_seconds   integer NOT NULL,
    completed_on      date NOT NULL,
    -- The catalogue the class trained under: its standard applies. Absent
    -- in events from before delivery sent it: the completion's statistical
    -- year is used then.
    catalogue_year    integer
);
CREATE INDEX completions_by_person ON completions (person_id, occupation_code, skill_level);
CREATE INDEX completions_by_class ON completions (class_id);

CREATE TABLE certificates (
    certificate_id   uuid PRIMARY KEY,
    certificate_no   text NOT NULL,
    person_id        text NOT NULL,
    occupation_code  text NOT NULL,
    skill_level      text NOT NULL,
    issued_on        date NOT NULL,
    revoked          boolean NOT NULL,
    revoked_on       date,
    revoked_reason   text
);
CREATE INDEX certificates_by_person ON certificates (person_id, occupation_code, skill_level);

CREATE TABLE employment_outcomes (
    enrolment_id   uuid PRIMARY KEY,
    person_id      text NOT NULL,
    employed       boolean NOT NULL,
    employed_on    date,
    window_months  integer NOT NULL
);

-- A row per pot (fund source × city × statistical year): what money
-- operations lock (SELECT … FOR UPDATE) so they are serialised per pot.
CREATE TABLE pots (
    fund  text NOT NULL CHECK (fund IN ('employment_subsidy', 'unemployment_insurance', 'skills_upgrading')),
    city  text NOT NULL,
    year  integer NOT NULL,
    PRIMARY KEY (fund, city, year)
);

-- The double-entry ledger (复式记账): append-only.
CREATE TABLE ledger_transactions (
    id          uuid PRIMARY KEY,
    seq         bigserial NOT NULL UNIQUE,
    kind        text NOT NULL,
    claim_id    uuid,
    corrects    uuid REFERENCES ledger_transactions (id),
    -- The domain's TransactionParts, replayed and re-checked on load.
    body        jsonb NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_transactions_by_claim ON ledger_transactions (claim_id);

CREATE TABLE ledger_postings (
    tx_id         uuid NOT NULL REFERENCES ledger_transactions (id),
    line          integer NOT NULL,
    account_type  text NOT NULL,
    fund          text NOT NULL,
    city          text NOT NULL,
    year          integer NOT NULL,
    -- `person:…`, `institution:…`, `enterprise:…`; none for pot accounts.
    payee         text,
    amount_fen    bigint NOT NULL CHECK (amount_fen <> 0),
    PRIMARY KEY (tx_id, line)
);
CREATE INDEX ledger_postings_by_pot ON ledger_postings (fund, city, year, account_type);
CREATE INDEX ledger_postings_by_payee ON ledger_postings (payee) WHERE payee IS NOT NULL;

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- Every transaction balances (sum of its postings = 0), and no account
-- but the appropriation goes below zero (a budget, what is owed, what is
-- paid): checked at commit, behind the same rules in the code.
CREATE FUNCTION ledger_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
BEGIN
    SELECT coalesce(sum(amount_fen), 0) INTO total FROM ledger_postings WHERE tx_id = NEW.tx_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.tx_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.account_type <> 'appropriation' THEN
        SELECT coalesce(sum(amount_fen), 0) INTO total FROM ledger_postings
         WHERE account_type = NEW.account_type AND fund = NEW.fund AND city = NEW.city
           AND year = NEW.year AND payee IS NOT DISTINCT FROM NEW.payee;
        IF total < 0 THEN
            RAISE EXCEPTION 'ledger account % % % % % would be negative (%)',
                NEW.account_type, NEW.fund, NEW.city, NEW.year, coalesce(NEW.payee, ''), total
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_balanced();

-- Budget changes (预算下达 / 调减) by officers, each recorded.
CREATE TABLE budget_changes (
    id          uuid PRIMARY KEY,
    fund        text NOT NULL,
    city        text NOT NULL,
    year        integer NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('allocation', 'reduction')),
    amount_fen  bigint NOT NULL CHECK (amount_fen > 0),
    memo        text NOT NULL,
    tx_id       uuid NOT NULL REFERENCES ledger_transactions (id),
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL
);
CREATE INDEX budget_changes_by_pot ON budget_changes (fund, city, year, changed_at);

-- Claims (补贴申领): computed from events or filed, decided by the rules.
CREATE TABLE claims (
    id                uuid PRIMARY KEY,
    city              text NOT NULL,
    kind              text NOT NULL,
    person_id         text NOT NULL,
    occupation_code   text NOT NULL,
    skill_level       text NOT NULL,
    statistical_year  integer NOT NULL,
    -- What the claim rests on: the enrolment (training), the apprenticeship…
    source_ref        text NOT NULL,
    institution_id    uuid,
    payee             text NOT NULL,
    fund              text,
    standard_fen      bigint NOT NULL CHECK (standard_fen >= 0),
    amount_fen        bigint NOT NULL CHECK (amount_fen >= 0),
    status            text NOT NULL CHECK (status IN
        ('in_review', 'approved', 'refused', 'rejected', 'documents_requested', 'in_payout', 'paid',
         'recovered', 'disputed')),
    risk_score        integer NOT NULL,
    reasons           jsonb NOT NULL,
    findings          jsonb NOT NULL,
    approval_tx       uuid REFERENCES ledger_transactions (id),
    created_at        timestamptz NOT NULL,
    decided_by        text,
    decided_at        timestamptz,
    review_note       text,
    paid_on           date,
    UNIQUE (kind, source_ref)
);
-- A person gets a given subsidy at most once per occupation × level ×
-- statistical year, across funds and institutions: the grant key.
CREATE UNIQUE INDEX claims_grant_key ON claims (person_id, kind, occupation_code, skill_level, statistical_year)
    WHERE status NOT IN ('refused', 'rejected');
CREATE INDEX claims_by_institution ON claims (institution_id, created_at);
CREATE INDEX claims_by_status ON claims (status, created_at);

-- Bank details of payees; the account number is personal data.
CREATE TABLE payee_accounts (
    payee            text PRIMARY KEY,
    account_sealed   bytea NOT NULL,
    account_lookup   bytea NOT NULL,
    account_masked   text NOT NULL,
    account_name     text NOT NULL,
    updated_by       text NOT NULL,
    updated_at       timestamptz NOT NULL
);

-- Payout batches (拨付批次) and one payout per claim and payee.
CREATE TABLE payout_batches (
    batch_no    text PRIMARY KEY,
    fund        text NOT NULL,
    city        text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE payouts (
    id            uuid PRIMARY KEY,
    claim_id      uuid NOT NULL REFERENCES claims (id),
    payee         text NOT NULL,
    batch_no      text NOT NULL REFERENCES payout_batches (batch_no),
    reference     text NOT NULL,
    -- The account paid into, as it was when the file was made.
    account_sealed bytea NOT NULL,
    account_masked text NOT NULL,
    account_name  text NOT NULL,
    amount_fen    bigint NOT NULL CHECK (amount_fen > 0),
    payout_tx     uuid NOT NULL REFERENCES ledger_transactions (id),
    status        text NOT NULL CHECK (status IN ('sent', 'confirmed', 'failed')),
    result_tx     uuid REFERENCES ledger_transactions (id),
    reason        text,
    sent_at       timestamptz NOT NULL,
    settled_at    timestamptz
);
-- The payout's business key: a claim is paid to its payee once, whatever
-- the code does. A failed payout is kept for the record, so the key holds
-- among the payouts not failed.
CREATE UNIQUE INDEX payouts_business_key ON payouts (claim_id, payee) WHERE status <> 'failed';
CREATE INDEX payouts_by_batch ON payouts (batch_no, reference);

-- Recovery orders (追回): one per claim.
CREATE TABLE recoveries (
    id           uuid PRIMARY KEY,
    claim_id     uuid NOT NULL UNIQUE REFERENCES claims (id),
    payee        text NOT NULL,
    cause        text NOT NULL CHECK (cause IN ('certificate_revoked', 'fraud', 'dispute_upheld')),
    reason       text NOT NULL,
    amount_fen   bigint NOT NULL CHECK (amount_fen > 0),
    recovery_tx  uuid NOT NULL REFERENCES ledger_transactions (id),
    status       text NOT NULL CHECK (status IN ('open', 'settled')),
    settled_fen  bigint NOT NULL DEFAULT 0,
    ordered_at   timestamptz NOT NULL
);

-- Disputes (异议) of a claim by the person in whose name it was made: the
-- claim is frozen (status disputed) until an officer resolves it.
CREATE TABLE disputes (
    id               uuid PRIMARY KEY,
    claim_id         uuid NOT NULL REFERENCES claims (id),
    reason           text NOT NULL,
    previous_status  text NOT NULL,
    filed_by         text NOT NULL,
    filed_at         timestamptz NOT NULL,
    resolution       text CHECK (resolution IN ('upheld', 'dismissed')),
    resolved_by      text,
    resolved_at      timestamptz,
    note             text
);
-- One open dispute per claim.
CREATE UNIQUE INDEX disputes_open ON disputes (claim_id) WHERE resolution IS NULL;

-- Training vouchers (职业培训券): issued by officers, redeemed when delivery
-- reports the enrolment that uses one.
CREATE TABLE vouchers (
    id               uuid PRIMARY KEY,
    person_id        text NOT NULL,
    target_group     text NOT NULL,
    -- Targeted (定向券) to this occupation; general (通用券) when absent.
    occupation_code  text,
    issued_on        date NOT NULL,
    valid_until      date NOT NULL CHECK (valid_until >= issued_on),
    state            text NOT NULL CHECK (state IN ('issued', 'redeemed', 'cancelled')),
    -- A voucher is redeemed once, for one enrolment.
    enrolment_id     uuid UNIQUE,
    redeemed_on      date,
    issued_by        text NOT NULL,
    issued_at        timestamptz NOT NULL,
    CHECK ((state = 'redeemed') = (enrolment_id IS NOT NULL))
);
CREATE INDEX vouchers_by_person ON vouchers (person_id);

-- Every read of personal data in clear (a bank file carries account
-- numbers) is recorded: who, for what, when.
CREATE TABLE pii_reads (
    id         uuid PRIMARY KEY,
    subject    text NOT NULL,
    purpose    text NOT NULL,
    target     text NOT NULL,
    read_at    timestamptz NOT NULL
);
