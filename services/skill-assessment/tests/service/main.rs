//! Skill assessment over HTTP and Kafka, fed recorded completion events of
//! training delivery.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

mod harness;

mod abuse;
mod access;
mod bodies;
mod certificates;
mod lists;
mod verification;

/// `openapi/skill-assessment.json` is what the routes generate.
#[test]
fn the_checked_in_openapi_document_matches_the_routes() {
    test_support::assert_openapi_is_current::<skill_assessment::SkillAssessment>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.."
    ));
}
