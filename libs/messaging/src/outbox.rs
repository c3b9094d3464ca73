//! The outbox: events enqueued in the effect's own transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use db::schema::outbox;

/// An event to publish, written in the same transaction as the change it
/// reports.
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    pub id: Uuid,
    /// Logical topic, e.g. `catalog.entries.v1`.
    pub topic: &'static str,
    /// The aggregate id: ordering holds per key.
    pub key: String,
    pub event_type: &'static str,
    pub subject: Option<String>,
    pub payload: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

impl OutboxEvent {
    // why: payloads are the contracts' plain structs, which serde_json always takes.
    #[allow(clippy::expect_used)]
    pub fn new(
        topic: &'static str,
        event_type: &'static str,
        key: impl Into<String>,
        payload: &impl Serialize,
    ) -> Self {
        let key = key.into();
        Self {
            id: Uuid::now_v7(),
            topic,
            event_type,
            subject: Some(key.clone()),
            key,
            payload: serde_json::to_value(payload).expect("event payloads serialise"),
            occurred_at: Utc::now(),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewRow<'a> {
    id: Uuid,
    topic: &'a str,
    message_key: &'a str,
    event_type: &'a str,
    subject: Option<&'a str>,
    payload: &'a serde_json::Value,
    occurred_at: DateTime<Utc>,
    traceparent: Option<&'a str>,
    tracestate: Option<&'a str>,
}

/// Adds events to the outbox inside the caller's transaction, with the
/// current trace context so the relay continues the request's trace.
pub async fn enqueue(conn: &mut AsyncPgConnection, events: &[OutboxEvent]) -> QueryResult<()> {
    let trace = telemetry::current_trace_headers();
    let rows: Vec<NewRow<'_>> = events
        .iter()
        .map(|e| NewRow {
            id: e.id,
            topic: e.topic,
            message_key: &e.key,
            event_type: e.event_type,
            subject: e.subject.as_deref(),
            payload: &e.payload,
            occurred_at: e.occurred_at,
            traceparent: trace.get("traceparent").map(String::as_str),
            tracestate: trace.get("tracestate").map(String::as_str),
        })
        .collect();
    diesel::insert_into(outbox::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(())
}
