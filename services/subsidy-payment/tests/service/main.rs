//! Subsidy payment over HTTP and Kafka, fed recorded events of the
//! catalogue, the registry, delivery and assessment.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

mod harness;

mod access;
mod budgets;
mod claims;
mod dual_control;
mod fraud;
mod keys;
mod lists;
mod payments;
mod recoveries;
mod rules;
mod vouchers;

/// `openapi/subsidy-payment.json` is what the routes generate.
#[test]
fn the_checked_in_openapi_document_matches_the_routes() {
    test_support::assert_openapi_is_current::<subsidy_payment::SubsidyPayment>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.."
    ));
}
