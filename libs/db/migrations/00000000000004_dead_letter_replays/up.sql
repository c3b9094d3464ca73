-- What `dlq-replay` moved back from a dead-letter topic (kept by the topic's
-- owner, which runs it): a message listed here no longer waits.
CREATE TABLE dead_letter_replays (
    topic        text NOT NULL,                 -- the dead-letter topic
    kafka_partition integer NOT NULL,
    kafka_offset bigint NOT NULL,
    event_id     uuid,                          -- the CloudEvents id, if it had one
    replayed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, kafka_partition, kafka_offset)
);
