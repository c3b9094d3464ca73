DROP INDEX ledger_transactions_by_against;
DROP TRIGGER ledger_postings_running_balance ON ledger_postings;
DROP FUNCTION ledger_running_balance();
DROP TABLE ledger_balances;
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
