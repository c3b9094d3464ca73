-- Tables every service owns in its own schema: the transactional outbox, the
-- consumer inbox and the idempotency-key store.

CREATE TABLE outbox (
    id           uuid PRIMARY KEY,              -- the CloudEvents id
    seq          bigserial NOT NULL UNIQUE,     -- publication order
    topic        text NOT NULL,
    message_key  text NOT NULL,                 -- the aggregate id
    event_type   text NOT NULL,
    subject      text,
    payload      jsonb NOT NULL,
    occurred_at  timestamptz NOT NULL,
    traceparent  text,
    tracestate   text,
    sent_at      timestamptz
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;

CREATE TABLE inbox (
    consumer      text NOT NULL,
    event_id      uuid NOT NULL,
    topic         text NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE TABLE idempotency_keys (
    scope          text NOT NULL,               -- caller + method + route
    key            text NOT NULL,
    request_hash   text NOT NULL,
    status_code    integer NOT NULL,
    response_body  jsonb NOT NULL,
    location       text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
