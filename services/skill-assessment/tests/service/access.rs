//! The authorization matrix over assessment (see `test_support::access`):
//! every operation × every role × own or another's × every kind of bad
//! token, with a body of [`ORG_A`]'s, its session, candidate and
//! certificate.

use serde_json::json;
use test_support::access::{check, trust_the_province, Fixtures, ORG_A};

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_every_caller_as_its_access_table_declares() {
    let app = start_with(|cfg| trust_the_province(&mut cfg.auth)).await;
    let own = file_body_of(&app, ORG_A, "评价机构 A", "social_organisation").await;
    let (cert, _) = certified(&app, &own, 1, "林晓明").await;
    let number = cert["certificate_no"].as_str().expect("number").to_owned();
    let session = schedule(&app, &own, "senior").await;
    let citizen_id = citizen(2);
    complete(&app, &citizen_id).await;
    let candidate = register_completer(&app, &own, &session, &citizen_id, "王五").await;
    let candidate = candidate["id"].as_str().expect("candidate").to_owned();

    let mut fixtures = Fixtures::default()
        .body("POST", "/v1/sessions", session_request(&own, "senior"))
        .body(
            "POST",
            "/v1/assessment-bodies/{id}/staff",
            json!({ "role": "assessor", "name": "郑老师", "credential_no": "KP-9" }),
        )
        .body(
            "POST",
            "/v1/sessions/{id}/candidates",
            json!({ "citizen_id": citizen(3), "name": "赵六", "route": "completion" }),
        )
        .body(
            "PUT",
            "/v1/sessions/{id}/candidates/{candidate}/result",
            json!({ "theory_score": 70, "practical_score": 75 }),
        )
        .body(
            "POST",
            "/v1/certificates/{number}/revocation",
            json!({ "reason": "篡改成绩" }),
        )
        .param("/v1/public/issuers/{code}", "code", &own.code)
        .param(
            "/v1/public/certificates/{number}/credential",
            "number",
            &number,
        );
    for path in [
        "/v1/assessment-bodies/{id}",
        "/v1/assessment-bodies/{id}/suspension",
        "/v1/assessment-bodies/{id}/reinstatement",
        "/v1/assessment-bodies/{id}/staff",
        "/v1/assessment-bodies/{id}/signing-keys",
    ] {
        fixtures = fixtures.param(path, "id", &own.id);
    }
    for path in ["/v1/sessions/{id}", "/v1/sessions/{id}/candidates"] {
        fixtures = fixtures.param(path, "id", &session);
    }
    for path in [
        "/v1/sessions/{id}/candidates/{candidate}/result",
        "/v1/sessions/{id}/candidates/{candidate}/certificate",
    ] {
        fixtures = fixtures
            .param(path, "id", &session)
            .param(path, "candidate", &candidate);
    }
    for path in [
        "/v1/certificates/{number}",
        "/v1/certificates/{number}/revocation",
    ] {
        fixtures = fixtures.param(path, "number", &number);
    }
    check(
        &app,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        &fixtures,
    )
    .await;
    app.stop().await;
}
