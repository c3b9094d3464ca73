-- The city's subsidy rules (amounts, fund order, cost sharing) and fraud
-- weights, set by officers: every version kept, the newest in force. Until
-- the first is set, the configuration's `[service.rules]` and
-- `[service.fraud]` apply (version 0).
CREATE TABLE rule_versions (
    version  integer PRIMARY KEY CHECK (version > 0),
    rules    jsonb NOT NULL,
    fraud    jsonb NOT NULL,
    reason   text NOT NULL,
    set_by   text NOT NULL,
    set_at   timestamptz NOT NULL
);
