DROP TABLE bank_reconciliation_lines;
DROP TABLE bank_reconciliations;
