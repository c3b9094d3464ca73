//! The platform tables (see `migrations/`), present in every service schema.

diesel::table! {
    outbox (id) {
        id -> Uuid,
        seq -> Int8,
        topic -> Text,
        message_key -> Text,
        event_type -> Text,
        subject -> Nullable<Text>,
        payload -> Jsonb,
        occurred_at -> Timestamptz,
        traceparent -> Nullable<Text>,
        tracestate -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    inbox (consumer, event_id) {
        consumer -> Text,
        event_id -> Uuid,
        topic -> Text,
        processed_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        status_code -> Int4,
        response_body -> Jsonb,
        location -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_trail (id) {
        id -> Uuid,
        at -> Timestamptz,
        method -> Text,
        route -> Text,
        path -> Text,
        status -> Int4,
        actor_sub -> Text,
        actor_role -> Text,
        actor_org -> Nullable<Text>,
        actor_city -> Nullable<Text>,
        via -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    dead_letter_replays (topic, kafka_partition, kafka_offset) {
        topic -> Text,
        kafka_partition -> Int4,
        kafka_offset -> Int8,
        event_id -> Nullable<Uuid>,
        replayed_at -> Timestamptz,
    }
}
