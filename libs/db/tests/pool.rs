//! The pool's metrics as a scrape reads them: connections in use, idle and
//! awaited, its maximum, and checkouts that timed out. A test binary of its
//! own: the gauges add up every pool of the process, and here there is one.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]

use std::time::Duration;

use db::DbConfig;
use test_support::TestDb;

/// What the registry holds for the pool, as a scrape would read it.
#[derive(Debug, PartialEq)]
struct Scraped {
    in_use: f64,
    idle: f64,
    max: f64,
    waiting: f64,
    timeouts: f64,
}

fn scrape() -> Scraped {
    let families = prometheus::gather();
    let value = |name: &str, state: Option<&str>| {
        let family = families
            .iter()
            .find(|f| f.name() == name)
            .expect("the family is exported");
        let metric = family
            .get_metric()
            .iter()
            .find(|m| state.is_none_or(|s| m.get_label().iter().any(|l| l.value() == s)))
            .expect("the sample is exported");
        if name.ends_with("_total") {
            metric.get_counter().get_value()
        } else {
            metric.get_gauge().get_value()
        }
    };
    Scraped {
        in_use: value("qc_db_pool_connections", Some("in_use")),
        idle: value("qc_db_pool_connections", Some("idle")),
        max: value("qc_db_pool_max_connections", None),
        waiting: value("qc_db_pool_waiting", None),
        timeouts: value("qc_db_pool_timeouts_total", None),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_reports_connections_in_use_idle_awaited_and_timed_out() {
    let db = TestDb::bare("qc_pool").await.expect("database");
    let pool = db::pool(&DbConfig {
        url: db.admin_url(),
        ..db.config(2)
    })
    .expect("pool");
    let scraped = |in_use, idle, waiting, timeouts| Scraped {
        in_use,
        idle,
        max: 2.0,
        waiting,
        timeouts,
    };
    assert_eq!(scrape(), scraped(0.0, 0.0, 0.0, 0.0), "nothing opened yet");

    let first = pool.get().await.expect("first connection");
    assert_eq!(scrape(), scraped(1.0, 0.0, 0.0, 0.0));
    let second = pool.get().await.expect("second connection");
    assert_eq!(scrape(), scraped(2.0, 0.0, 0.0, 0.0));
    drop(second);
    assert_eq!(
        scrape(),
        scraped(1.0, 1.0, 0.0, 0.0),
        "back in the pool, open"
    );

    // Both held: a third checkout waits, then gives up after the pool's wait.
    let second = pool.get().await.expect("second connection again");
    let third = tokio::spawn({
        let pool = pool.clone();
        async move { pool.get().await.map(drop) }
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(4);
    while scrape().waiting != 1.0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(scrape(), scraped(2.0, 0.0, 1.0, 0.0), "the third waits");
    let given_up = third.await.expect("join");
    assert!(
        matches!(given_up, Err(db::PoolError::Timeout(_))),
        "{given_up:?}"
    );
    assert_eq!(scrape(), scraped(2.0, 0.0, 0.0, 1.0), "counted once");

    drop((first, second));
    assert_eq!(scrape(), scraped(0.0, 2.0, 0.0, 1.0));
}
