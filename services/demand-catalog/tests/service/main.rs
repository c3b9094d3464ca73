//! The demand catalogue over HTTP and Kafka, against a real Postgres, Redis
//! and Kafka-protocol broker.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]
#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

mod harness;

mod access;
mod api_contract;
mod catalogue_flow;
mod demands;
mod lists;
mod rules;
