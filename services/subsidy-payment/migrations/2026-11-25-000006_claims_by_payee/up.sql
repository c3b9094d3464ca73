-- The velocity rule counts a payee's claims per 30 days at every decision.
CREATE INDEX claims_by_payee ON claims (payee, created_at);
