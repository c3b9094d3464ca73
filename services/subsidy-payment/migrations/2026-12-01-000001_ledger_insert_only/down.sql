DO $$
DECLARE
    app text := current_schema() || '_app';
BEGIN
    EXECUTE 'ALTER FUNCTION ledger_running_balance() SECURITY INVOKER RESET search_path';
    EXECUTE format('GRANT INSERT, UPDATE, DELETE ON ledger_balances TO %I', app);
    EXECUTE format('GRANT UPDATE, DELETE ON ledger_transactions, ledger_postings TO %I', app);
END $$;
