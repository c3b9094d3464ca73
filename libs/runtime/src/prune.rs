//! The platform tables' pruning as a periodic job of every service (one
//! replica at a time), with what it deleted and the tables' sizes as
//! metrics.

use std::sync::{Arc, LazyLock};

use anyhow::Context as _;
use chrono::{Duration, Utc};
use db::prune::{prune, sizes, Horizons};
use db::DbPool;
use prometheus::{register_int_counter_vec, register_int_gauge_vec, IntCounterVec, IntGaugeVec};

use crate::config::RetentionConfig;
use crate::Periodic;

// why: registers once (the LazyLock) under a constant, valid, unique name.
#[allow(clippy::expect_used)]
static PRUNED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "qc_pruned_rows_total",
        "Platform rows deleted past their retention, by table",
        &["table"]
    )
    .expect("metric registers once")
});

// why: registers once (the LazyLock) under a constant, valid, unique name.
#[allow(clippy::expect_used)]
static TABLE_BYTES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_int_gauge_vec!(
        "qc_table_bytes",
        "Size on disk of the platform tables that grow with traffic, indexes included",
        &["table"]
    )
    .expect("metric registers once")
});

/// The job that deletes sent outbox rows, inbox rows and idempotency keys
/// past `retention`, and reports the tables' sizes.
pub fn job(pool: DbPool, retention: RetentionConfig) -> Periodic {
    Periodic {
        name: "prune-platform-tables",
        every: std::time::Duration::from_secs(retention.interval_secs),
        run: Arc::new(move || {
            let (pool, retention) = (pool.clone(), retention.clone());
            Box::pin(async move {
                let now = Utc::now();
                let days = |d: u32| now - Duration::days(i64::from(d));
                let horizons = Horizons {
                    outbox_sent_before: days(retention.outbox_days),
                    inbox_processed_before: days(retention.inbox_days),
                    idempotency_created_before: days(retention.idempotency_days),
                    batch: retention.batch,
                };
                let mut conn = pool.get().await.context("pruning connection")?;
                let pruned = prune(&mut conn, &horizons).await.context("pruning")?;
                for (table, n) in [
                    ("outbox", pruned.outbox),
                    ("inbox", pruned.inbox),
                    ("idempotency_keys", pruned.idempotency_keys),
                ] {
                    PRUNED.with_label_values(&[table]).inc_by(n as u64);
                }
                for (table, bytes) in sizes(&mut conn).await.context("table sizes")? {
                    TABLE_BYTES.with_label_values(&[&table]).set(bytes);
                }
                if pruned != db::prune::Pruned::default() {
                    tracing::info!(
                        outbox = pruned.outbox,
                        inbox = pruned.inbox,
                        idempotency_keys = pruned.idempotency_keys,
                        "platform tables pruned"
                    );
                }
                Ok(())
            })
        }),
    }
}
