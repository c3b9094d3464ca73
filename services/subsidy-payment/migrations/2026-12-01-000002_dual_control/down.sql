ALTER TABLE payee_accounts DROP COLUMN approved_by;
ALTER TABLE payout_batches DROP COLUMN approved_by;
ALTER TABLE rule_versions DROP COLUMN approved_by;
ALTER TABLE budget_changes DROP COLUMN approved_by;
DROP TABLE payee_account_history;
DROP TABLE proposals;
