-- Running balances: every money operation used to replay the whole log of
-- the pots it touched, and the commit check summed every posting of each
-- account — both grow with the year's claims. Now a trigger keeps one row
-- per account, the commit check reads it, and the service loads only the
-- balances and the claim histories an operation touches. The postings stay
-- the record; `ledger_balances` is derived from them (and audited against
-- them by `GET /v1/ledger/audit`).
CREATE TABLE ledger_balances (
    account_type  text NOT NULL,
    fund          text NOT NULL,
    city          text NOT NULL,
    year          integer NOT NULL,
    -- '' for the pot's own accounts.
    payee         text NOT NULL,
    balance_fen   bigint NOT NULL,
    PRIMARY KEY (fund, city, year, account_type, payee)
);
CREATE INDEX ledger_balances_by_payee ON ledger_balances (payee) WHERE payee <> '';

INSERT INTO ledger_balances (account_type, fund, city, year, payee, balance_fen)
SELECT account_type, fund, city, year, coalesce(payee, ''), sum(amount_fen)
  FROM ledger_postings GROUP BY account_type, fund, city, year, coalesce(payee, '');

CREATE FUNCTION ledger_running_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_balances AS b (account_type, fund, city, year, payee, balance_fen)
    VALUES (NEW.account_type, NEW.fund, NEW.city, NEW.year, coalesce(NEW.payee, ''), NEW.amount_fen)
    ON CONFLICT (fund, city, year, account_type, payee)
    DO UPDATE SET balance_fen = b.balance_fen + excluded.balance_fen;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_postings_running_balance AFTER INSERT ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_running_balance();

-- The commit check: the transaction balances, and the account's running
-- balance (not a sum over all its postings) is not below zero.
CREATE OR REPLACE FUNCTION ledger_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
BEGIN
    SELECT coalesce(sum(amount_fen), 0) INTO total FROM ledger_postings WHERE tx_id = NEW.tx_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.tx_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.account_type <> 'appropriation' THEN
        SELECT balance_fen INTO total FROM ledger_balances
         WHERE account_type = NEW.account_type AND fund = NEW.fund AND city = NEW.city
           AND year = NEW.year AND payee = coalesce(NEW.payee, '');
        IF total < 0 THEN
            RAISE EXCEPTION 'ledger account % % % % % would be negative (%)',
                NEW.account_type, NEW.fund, NEW.city, NEW.year, coalesce(NEW.payee, ''), total
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- An offset moves two claims: find it from the claim whose money it withheld.
CREATE INDEX ledger_transactions_by_against ON ledger_transactions (((body -> 'against' ->> 'claim_id')::uuid))
    WHERE kind = 'offset';
