//! Employment tracking over HTTP and Kafka, fed with a recorded history of
//! delivery's completions and the registry's institutions.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]
#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

mod harness;

mod access;
mod apprenticeships;
mod records;
mod social_insurance;
mod windows;

/// `openapi/employment-tracking.json` is what the routes generate.
#[test]
fn the_checked_in_openapi_document_matches_the_routes() {
    test_support::assert_openapi_is_current::<employment_tracking::EmploymentTracking>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.."
    ));
}
