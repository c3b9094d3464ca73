DROP INDEX idempotency_keys_created;
DROP INDEX inbox_processed;
DROP INDEX outbox_sent;
