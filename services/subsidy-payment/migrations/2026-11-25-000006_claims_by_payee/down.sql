DROP INDEX claims_by_payee;
