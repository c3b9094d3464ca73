//! Training delivery over HTTP and Kafka, with the catalogue and the
//! registry running beside it: filing is checked against what they announce.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]
#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

mod harness;

mod access;
mod attendance;
mod filing;
mod lists;
mod roster;

/// `openapi/training-delivery.json` is what the routes generate.
#[test]
fn the_checked_in_openapi_document_matches_the_routes() {
    test_support::assert_openapi_is_current::<training_delivery::TrainingDelivery>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.."
    ));
}
