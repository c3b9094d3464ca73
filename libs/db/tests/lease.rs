//! A periodic job runs on one replica at a time: a replica asking while
//! another holds the turn skips it; the turn passes on when the holder
//! ends, and when the holder dies mid-turn.

// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

use std::time::Duration;

use db::lease::exclusively;
use db::DbConfig;
use test_support::TestDb;
use tokio::sync::oneshot;

#[tokio::test]
async fn a_job_runs_on_one_replica_at_a_time_and_the_turn_passes_on() {
    let db = TestDb::bare("qc_lease").await.expect("database");
    let cfg = DbConfig {
        url: db.admin_url(),
        ..db.config(4)
    };
    // Two replicas: two pools, as two processes have.
    let (a, b) = (db::pool(&cfg).expect("pool"), db::pool(&cfg).expect("pool"));
    let (started, started_rx) = oneshot::channel();
    let (release, release_rx) = oneshot::channel::<()>();
    let holder = tokio::spawn({
        let a = a.clone();
        async move {
            exclusively(&a, "close-windows", async move {
                started.send(()).expect("listening");
                release_rx.await.expect("released");
                Ok("a ran")
            })
            .await
        }
    });
    started_rx.await.expect("a holds the turn");
    let skipped = exclusively(&b, "close-windows", async { Ok("b ran") })
        .await
        .expect("asked");
    assert_eq!(skipped, None, "the turn is taken: b skips it");
    let other_job = exclusively(&b, "rescore", async { Ok("b ran") })
        .await
        .expect("asked");
    assert_eq!(other_job, Some("b ran"), "other jobs are not held up");
    release.send(()).expect("a waits");
    assert_eq!(holder.await.expect("join").expect("ran"), Some("a ran"));
    assert_eq!(
        exclusively(&b, "close-windows", async { Ok("b ran") })
            .await
            .expect("asked"),
        Some("b ran"),
        "the turn passed on"
    );

    // The holder's process dies mid-turn: its task and its pool gone, the
    // connection closes.
    let (started, started_rx) = oneshot::channel();
    let dying = tokio::spawn({
        let a = a.clone();
        async move {
            exclusively(&a, "close-windows", async move {
                started.send(()).expect("listening");
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok("never")
            })
            .await
        }
    });
    started_rx.await.expect("a holds the turn");
    dying.abort();
    let _ = dying.await;
    drop(a);
    let mut taken = None;
    for _ in 0..50 {
        taken = exclusively(&b, "close-windows", async { Ok("b ran") })
            .await
            .expect("asked");
        if taken.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(taken, Some("b ran"), "a dead holder's turn passes on");
}
