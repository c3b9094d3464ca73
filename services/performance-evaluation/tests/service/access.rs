//! The authorization matrix over performance evaluation (see
//! `test_support::access`): every operation × every role × own or
//! another's × every kind of bad token, with [`ORG_A`]'s school scored and
//! one of its completers able to answer a survey.

use serde_json::json;
use test_support::access::{check, own_token, trust_the_province, Fixtures, ORG_A};
use uuid::Uuid;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_every_caller_as_its_access_table_declares() {
    assert_eq!(SCHOOL, ORG_A);
    let t = start_for("350100", |cfg| trust_the_province(&mut cfg.auth)).await;
    let school = Uuid::now_v7();
    let (enrolment, completed) = completion(school, Uuid::now_v7(), P1, "2026-05-15", true);
    t.publish(&[institution(school, "培训学校 A"), completed])
        .await;
    let school = school.to_string();
    t.until(
        &format!("/v1/scorecards/{school}/2026/inputs"),
        &officer("350100"),
        |i| i["completers"] == 1,
    )
    .await;

    let mut fixtures = Fixtures::default()
        .persons(P1, P2)
        .body(
            "POST",
            "/v1/survey-answers",
            json!({ "enrolment_id": enrolment, "survey": "at_completion", "scores": [5, 4, 4, 5, 5] }),
        )
        .param("/v1/public/scorecards/{institution_id}", "institution_id", &school);
    for path in [
        "/v1/plans/{institution_id}/{year}",
        "/v1/scorecards/{institution_id}/{year}",
        "/v1/scorecards/{institution_id}/{year}/inputs",
        "/v1/scorecards/{institution_id}/{year}/override",
    ] {
        fixtures = fixtures
            .param(path, "institution_id", &school)
            .param(path, "year", "2026");
    }
    fixtures = fixtures.param("/v1/targets/{year}", "year", "2026");
    check(
        &t.app,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        &fixtures,
    )
    .await;

    // The province is let in, and told this instance is not its aggregator.
    problem(
        t.app
            .get(
                "/v1/province/dashboard?year=2026",
                Some(&own_token(platform::auth::Role::Province)),
            )
            .await,
        404,
        "not_an_aggregator",
    )
    .await;
    t.stop().await;
}
