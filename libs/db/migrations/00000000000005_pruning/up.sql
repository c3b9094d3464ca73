-- Pruning by age (`db::prune`) finds old rows by index, a batch at a time.
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX inbox_processed ON inbox (processed_at);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
