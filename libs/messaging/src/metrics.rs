//! The outbox's and the consumers' metrics, in the default registry.

// why: each registers once (its LazyLock) under a constant, valid, unique name.
#![allow(clippy::expect_used)]

use std::sync::LazyLock;

use prometheus::{
    register_gauge, register_int_counter_vec, register_int_gauge, register_int_gauge_vec, Gauge,
    IntCounterVec, IntGauge, IntGaugeVec,
};

pub(crate) static PUBLISHED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "qc_outbox_published_total",
        "Outbox events acknowledged by the broker",
        &["topic"]
    )
    .expect("metric registers once")
});

pub(crate) static CONSUMED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "qc_events_consumed_total",
        "Events handled by consumers, by outcome (processed, duplicate, retried, dead_lettered)",
        &["consumer", "topic", "outcome"]
    )
    .expect("metric registers once")
});

pub(crate) static PENDING: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!(
        "qc_outbox_pending",
        "Outbox rows not yet acknowledged by the broker, as the relay last saw"
    )
    .expect("metric registers once")
});

pub(crate) static OLDEST_PENDING_AGE: LazyLock<Gauge> = LazyLock::new(|| {
    register_gauge!(
        "qc_outbox_oldest_pending_age_seconds",
        "Age of the oldest outbox row not yet acknowledged by the broker (from its occurred_at), as the relay last saw; 0 when none waits"
    )
    .expect("metric registers once")
});

pub(crate) static DEAD_LETTERS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_int_gauge_vec!(
        "qc_dead_letter_messages",
        "Messages the dead-letter topic of a consumed topic retains (its high watermark minus its low one, over its partitions), replayed or not",
        &["topic"]
    )
    .expect("metric registers once")
});

pub(crate) static CONSUMER_LAG: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_int_gauge_vec!(
        "qc_consumer_lag",
        "Messages of a partition this replica consumes that are not yet committed (the broker's last offset minus the group's committed one)",
        &["consumer", "topic", "partition"]
    )
    .expect("metric registers once")
});

pub(crate) static ASSIGNMENTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "qc_consumer_assignments_total",
        "Partition assignments a consumer received: one at start, one more per rebalance",
        &["consumer"]
    )
    .expect("metric registers once")
});
