//! Performance evaluation over HTTP and Kafka, fed with recorded histories
//! of delivery's, assessment's, employment tracking's, the registry's and
//! subsidy payment's events.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]
#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

mod harness;

mod access;
mod dashboard;
mod rollup;
mod scorecards;
mod surveys;

/// `openapi/performance-evaluation.json` is what the routes generate.
#[test]
fn the_checked_in_openapi_document_matches_the_routes() {
    test_support::assert_openapi_is_current::<performance_evaluation::PerformanceEvaluation>(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
    );
}
