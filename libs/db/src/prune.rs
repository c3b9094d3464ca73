//! Growth kept in check: sent outbox rows, inbox rows and idempotency keys
//! past their horizon are deleted a batch at a time, each batch its own
//! short statement, so nothing is locked for long. Unsent outbox rows are
//! never touched.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// The platform tables that grow with traffic.
pub const TABLES: [&str; 4] = ["outbox", "inbox", "idempotency_keys", "audit_trail"];

/// Rows older than these instants go.
#[derive(Debug, Clone, Copy)]
pub struct Horizons {
    /// Outbox rows sent before it (kept a while to trace a publication).
    pub outbox_sent_before: DateTime<Utc>,
    /// Inbox rows processed before it. An event redelivered after its
    /// inbox row went would apply twice: keep them longer than any topic,
    /// dead-letter topic included, keeps an event.
    pub inbox_processed_before: DateTime<Utc>,
    /// Idempotency keys created before it: a retry after that is a new
    /// request.
    pub idempotency_created_before: DateTime<Utc>,
    /// Rows per statement.
    pub batch: i64,
}

/// How many rows each table lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub outbox: usize,
    pub inbox: usize,
    pub idempotency_keys: usize,
}

/// Deletes what is past its horizon, in batches until none is left.
pub async fn prune(conn: &mut AsyncPgConnection, h: &Horizons) -> QueryResult<Pruned> {
    let mut pruned = [0; 3];
    for (n, (sql, before)) in pruned.iter_mut().zip([
        (
            "DELETE FROM outbox WHERE id IN \
             (SELECT id FROM outbox WHERE sent_at < $1 ORDER BY sent_at LIMIT $2)",
            h.outbox_sent_before,
        ),
        (
            "DELETE FROM inbox WHERE (consumer, event_id) IN \
             (SELECT consumer, event_id FROM inbox WHERE processed_at < $1 ORDER BY processed_at LIMIT $2)",
            h.inbox_processed_before,
        ),
        (
            "DELETE FROM idempotency_keys WHERE (scope, key) IN \
             (SELECT scope, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
            h.idempotency_created_before,
        ),
    ]) {
        *n = in_batches(conn, sql, before, h.batch).await?;
    }
    let [outbox, inbox, idempotency_keys] = pruned;
    Ok(Pruned {
        outbox,
        inbox,
        idempotency_keys,
    })
}

async fn in_batches(
    conn: &mut AsyncPgConnection,
    sql: &'static str,
    before: DateTime<Utc>,
    batch: i64,
) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        let deleted = diesel::sql_query(sql)
            .bind::<Timestamptz, _>(before)
            .bind::<BigInt, _>(batch)
            .execute(conn)
            .await?;
        total += deleted;
        if (deleted as i64) < batch {
            return Ok(total);
        }
    }
}

#[derive(QueryableByName)]
struct Size {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

/// Each of [`TABLES`]' size on disk with its indexes, in bytes, in the
/// connection's schema.
pub async fn sizes(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<Size> = diesel::sql_query(
        "SELECT c.relname::text AS table, pg_total_relation_size(c.oid) AS bytes \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1) \
         ORDER BY c.relname",
    )
    .bind::<diesel::sql_types::Array<Text>, _>(TABLES.to_vec())
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|s| (s.table, s.bytes)).collect())
}
