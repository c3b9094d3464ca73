-- The application role may add to the ledger and nothing more: no UPDATE,
-- DELETE or TRUNCATE of transactions or postings (the append-only triggers
-- say the same, but a role that cannot even try needs no trigger), and no
-- write to the running balances at all — the trigger that keeps them runs
-- as the owner. Only the owner could disable a trigger, and it never serves.
DO $$
DECLARE
    app text := current_schema() || '_app';
BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON ledger_transactions, ledger_postings FROM %I', app);
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ledger_balances FROM %I', app);
    EXECUTE format('ALTER FUNCTION ledger_running_balance() SECURITY DEFINER SET search_path = %I', current_schema());
END $$;
