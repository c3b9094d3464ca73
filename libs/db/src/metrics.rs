//! The pools' metrics, in the default registry: connections in use and
//! idle, the maximum and the tasks waiting, read from every live pool of
//! the process at each scrape; checkouts that timed out, counted as they
//! happen.

// why: each registers once (its LazyLock) under a constant, valid, unique name.
#![allow(clippy::expect_used)]

use std::sync::{LazyLock, Mutex, PoisonError};

use deadpool::managed::WeakPool;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{register_int_counter, IntCounter, IntGauge, IntGaugeVec, Opts};

pub(crate) static TIMEOUTS: LazyLock<IntCounter> = LazyLock::new(|| {
    register_int_counter!(
        "qc_db_pool_timeouts_total",
        "Database connection checkouts that timed out (waiting for a free connection, opening or recycling one)"
    )
    .expect("metric registers once")
});

type WeakDbPool = WeakPool<AsyncDieselConnectionManager<AsyncPgConnection>>;

/// The pools of this process; one dropped goes at the next scrape.
static POOLS: Mutex<Vec<WeakDbPool>> = Mutex::new(Vec::new());

static COLLECTOR: LazyLock<()> = LazyLock::new(|| {
    prometheus::register(Box::new(Pools::new())).expect("collector registers once");
    // Exported from the start: a counter that appears at its first
    // increment hides that increment from rate().
    LazyLock::force(&TIMEOUTS);
});

/// Reports `pool` in the pool gauges, summed with the process's other pools.
pub(crate) fn watch(pool: WeakDbPool) {
    LazyLock::force(&COLLECTOR);
    POOLS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(pool);
}

/// Reads the pools' status when scraped, so the figures are never older
/// than the scrape.
struct Pools {
    connections: IntGaugeVec,
    max: IntGauge,
    waiting: IntGauge,
}

impl Pools {
    fn new() -> Self {
        Self {
            connections: IntGaugeVec::new(
                Opts::new(
                    "qc_db_pool_connections",
                    "Database connections open in the pool, by state (in_use, idle)",
                ),
                &["state"],
            )
            .expect("valid metric"),
            max: IntGauge::new(
                "qc_db_pool_max_connections",
                "Database connections the pool may open (database.pool_size)",
            )
            .expect("valid metric"),
            waiting: IntGauge::new(
                "qc_db_pool_waiting",
                "Tasks waiting for a database connection",
            )
            .expect("valid metric"),
        }
    }
}

impl Collector for Pools {
    fn desc(&self) -> Vec<&Desc> {
        let mut descs = self.connections.desc();
        descs.extend(self.max.desc());
        descs.extend(self.waiting.desc());
        descs
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let (mut in_use, mut idle, mut max, mut waiting) = (0, 0, 0, 0);
        POOLS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|weak| {
                let Some(pool) = weak.upgrade() else {
                    return false;
                };
                let status = pool.status();
                in_use += status.size.saturating_sub(status.available);
                idle += status.available;
                max += status.max_size;
                waiting += status.waiting;
                true
            });
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.connections
            .with_label_values(&["in_use"])
            .set(gauge(in_use));
        self.connections
            .with_label_values(&["idle"])
            .set(gauge(idle));
        self.max.set(gauge(max));
        self.waiting.set(gauge(waiting));
        let mut families = self.connections.collect();
        families.extend(self.max.collect());
        families.extend(self.waiting.collect());
        families
    }
}
