//! What the relay reports of the outbox's backlog: how many events wait and
//! how long the oldest has. A test binary of its own, so no other relay
//! sets these process-wide gauges meanwhile.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]

use chrono::{DurationRound as _, TimeDelta, Utc};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use messaging::{KafkaConfig, OutboxEvent, Relay};
use test_support::TestDb;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("tests/migrations");
const TOPIC: &str = "test.things.v1";

/// The value of the unlabelled gauge `family`, if it has one.
fn gauge(family: &str) -> Option<f64> {
    prometheus::gather()
        .iter()
        .find(|f| f.name() == family)
        .and_then(|f| f.get_metric().first())
        .map(|m| m.get_gauge().get_value())
}

/// Two events wait, enqueued an hour and two hours ago; a round of one
/// publishes the older. The age reported is then the remaining event's:
/// at least the hour it had when the test began, at most that plus the
/// time the test has taken since. Once it went too, both read 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_reports_how_many_events_wait_and_how_long_the_oldest_has() {
    let db = TestDb::new("messaging_test", MIGRATIONS, env!("CARGO_MANIFEST_DIR"))
        .await
        .expect("test database");
    let pool = db::pool(&db.config(2)).expect("pool");
    let kafka = KafkaConfig {
        relay_batch: 1,
        ..test_support::kafka()
    };
    messaging::ensure_topics(&kafka, &[TOPIC])
        .await
        .expect("topics");
    // Whole microseconds, as Postgres keeps them: the stored time is this one.
    let began = Utc::now()
        .duration_trunc(TimeDelta::microseconds(1))
        .expect("truncates");
    let aged = |hours: i64| OutboxEvent {
        occurred_at: began - TimeDelta::hours(hours),
        ..OutboxEvent::new(
            TOPIC,
            "qiancheng.test.thing.happened.v1",
            "thing-1",
            &serde_json::json!({ "hours": hours }),
        )
    };
    let mut conn = pool.get().await.expect("conn");
    messaging::enqueue(&mut conn, &[aged(2), aged(1)])
        .await
        .expect("enqueue");
    drop(conn);
    let relay = Relay::new(pool.clone(), &kafka, "/350100/test".into()).expect("relay");

    assert_eq!(relay.run_once().await.expect("first round"), 1);
    let bound = (Utc::now() - (began - TimeDelta::hours(1)))
        .to_std()
        .expect("in the past")
        .as_secs_f64();
    assert_eq!(gauge("qc_outbox_pending"), Some(1.0));
    let age = gauge("qc_outbox_oldest_pending_age_seconds").expect("reported");
    assert!(
        (3600.0..=bound).contains(&age),
        "{age} s is not between 3600 s and {bound} s"
    );

    assert_eq!(relay.run_once().await.expect("second round"), 1);
    assert_eq!(gauge("qc_outbox_pending"), Some(0.0));
    assert_eq!(gauge("qc_outbox_oldest_pending_age_seconds"), Some(0.0));
}
