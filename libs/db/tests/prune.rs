//! Pruning deletes exactly what is past its horizon, in batches, and never
//! an outbox row not yet sent.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

use chrono::{Duration, Utc};
use db::prune::{prune, sizes, Horizons, Pruned};
use db::DbConfig;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use test_support::TestDb;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &'static str) -> i64 {
    let c: Count = diesel_async::RunQueryDsl::get_result(diesel::sql_query(sql), conn)
        .await
        .expect("count");
    c.n
}

#[tokio::test]
async fn what_is_past_its_horizon_goes_in_batches_and_unsent_events_stay() {
    let db = TestDb::bare("qc_prune").await.expect("database");
    let cfg = DbConfig {
        owner_url: db.url_for("qc_prune"),
        ..db.config(2)
    };
    let app = db::app_role("qc_prune");
    db::provision(
        &cfg.connector().expect("tls"),
        &db.admin_url(),
        "qc_prune",
        "qc_prune",
        &app,
    )
    .await
    .expect("provision");
    db::migrate(&cfg, db::PLATFORM_MIGRATIONS)
        .await
        .expect("migrate");
    let mut conn = cfg
        .connector()
        .expect("tls")
        .connect(&db.url)
        .await
        .expect("connects as the application role");
    // Outbox: five sent 10 days ago, one sent yesterday, one never sent
    // (10 days old); inbox: three processed 90 days ago, one today;
    // idempotency keys: two of 8 days ago, one of today.
    conn.batch_execute(
        "INSERT INTO outbox (id, topic, message_key, event_type, payload, occurred_at, sent_at)
           SELECT gen_random_uuid(), 't', 'k', 'e', '{}', now() - interval '10 days', s
             FROM unnest(ARRAY[now() - interval '10 days', now() - interval '10 days',
                               now() - interval '10 days', now() - interval '10 days',
                               now() - interval '10 days', now() - interval '1 day', NULL]) AS s;
         INSERT INTO inbox (consumer, event_id, topic, processed_at)
           SELECT 'c', gen_random_uuid(), 't', p
             FROM unnest(ARRAY[now() - interval '90 days', now() - interval '90 days',
                               now() - interval '90 days', now()]) AS p;
         INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, created_at)
           SELECT 's', gen_random_uuid()::text, 'h', 201, '{}', c
             FROM unnest(ARRAY[now() - interval '8 days', now() - interval '8 days', now()]) AS c;",
    )
    .await
    .expect("rows");
    let now = Utc::now();
    let horizons = Horizons {
        outbox_sent_before: now - Duration::days(7),
        inbox_processed_before: now - Duration::days(60),
        idempotency_created_before: now - Duration::days(7),
        batch: 2,
    };
    assert_eq!(
        prune(&mut conn, &horizons).await.expect("pruned"),
        Pruned {
            outbox: 5,
            inbox: 3,
            idempotency_keys: 2
        }
    );
    assert_eq!(
        prune(&mut conn, &horizons).await.expect("pruned"),
        Pruned::default(),
        "nothing more is past its horizon"
    );
    for (sql, left) in [
        ("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL", 1),
        ("SELECT count(*) AS n FROM outbox", 2),
        ("SELECT count(*) AS n FROM inbox", 1),
        ("SELECT count(*) AS n FROM idempotency_keys", 1),
    ] {
        assert_eq!(count(&mut conn, sql).await, left, "{sql}");
    }
    let tables: Vec<String> = sizes(&mut conn)
        .await
        .expect("sizes")
        .into_iter()
        .filter(|(_, bytes)| *bytes > 0)
        .map(|(table, _)| table)
        .collect();
    assert_eq!(
        tables,
        ["audit_trail", "idempotency_keys", "inbox", "outbox"]
    );
}
