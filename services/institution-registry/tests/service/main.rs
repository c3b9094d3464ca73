//! The institution registry over HTTP and Kafka, against a real Postgres,
//! Redis and Kafka-protocol broker — with the demand catalogue running beside
//! it where the directory needs its subsidy standards.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]
#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

mod harness;

mod access;
mod directory;
mod lifecycle;
mod lists;
mod ratings;
mod rules;

/// `openapi/institution-registry.json` is what the routes generate.
#[test]
fn the_checked_in_openapi_document_matches_the_routes() {
    test_support::assert_openapi_is_current::<institution_registry::InstitutionRegistry>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.."
    ));
}
