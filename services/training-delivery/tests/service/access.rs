//! The authorization matrix over delivery (see `test_support::access`):
//! every operation × every role × own or another's × every kind of bad
//! token, with an approved class of [`ORG_A`]'s and one of its trainees.

use serde_json::json;
use test_support::access::{check, trust_the_province, Fixtures, ORG_A};

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_every_caller_as_its_access_table_declares() {
    assert_eq!(SCHOOL, ORG_A);
    let m = mesh_with(|cfg| trust_the_province(&mut cfg.auth)).await;
    let class = m.approved_class().await;
    let enrolment = m.enrol(&class, "11010519491231002X").await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut fixtures = Fixtures::default().body("POST", "/v1/classes", m.class_body("6-31-01-03"));
    for path in [
        "/v1/classes/{id}",
        "/v1/classes/{id}/approve",
        "/v1/classes/{id}/enrolments",
        "/v1/classes/{id}/inspections",
        "/v1/classes/{id}/attendance",
        "/v1/classes/{id}/archive",
        "/v1/classes/{id}/close",
    ] {
        fixtures = fixtures.param(path, "id", &class);
    }
    fixtures = fixtures
        .param("/v1/classes/{id}/enrolments/{enrolment_id}/withdraw", "id", &class)
        .param(
            "/v1/classes/{id}/enrolments/{enrolment_id}/withdraw",
            "enrolment_id",
            &enrolment,
        )
        .body(
            "POST",
            "/v1/classes/{id}/enrolments",
            trainee("110105194912310038"),
        )
        .body(
            "POST",
            "/v1/classes/{id}/enrolments/{enrolment_id}/withdraw",
            json!({ "reason": "找到工作" }),
        )
        .body(
            "POST",
            "/v1/classes/{id}/attendance",
            json!({ "enrolment_id": enrolment, "session_seq": 1, "kind": "check_in", "at": "2027-01-10T01:00:00Z" }),
        );
    check(
        &m.delivery,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        &fixtures,
    )
    .await;
    m.stop().await;
}
