use std::sync::LazyLock;

use prometheus::{register_int_counter_vec, IntCounterVec};

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
