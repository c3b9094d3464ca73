//! The authorization matrix over employment tracking (see
//! `test_support::access`): every operation × every role × own or
//! another's × every kind of bad token, with a completer of [`ORG_A`]'s
//! school working at [`ORG_A`], and an apprenticeship [`ORG_A`] registered.

use platform::auth::Role;
use serde_json::json;
use serde_json::Value;
use test_support::access::{check, own_token, trust_the_province, Fixtures, ORG_A};
use test_support::answered;

use crate::harness::*;

const WORKER: &str = "350102200002296787";
const OTHER_WORKER: &str = "350103200101017890";
const STUDENT: &str = "350102199204152348";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_every_caller_as_its_access_table_declares() {
    assert_eq!(SCHOOL, ORG_A);
    let t = start_with(|cfg| trust_the_province(&mut cfg.auth)).await;
    let enrolment = t.complete(WORKER, "2026-05-20").await;
    let report = json!({ "citizen_id": WORKER, "employer_credit_code": ORG_A, "job": "钳工",
        "starts_on": "2026-06-01", "ends_on": "2027-05-31", "source": "self_reported" });
    // An integrator reads what it recorded itself: the matrix's own one
    // records this as the employer.
    let by_employer = with_source(&report, "employer_reported");
    let res = t
        .app
        .post(
            "/v1/employment-records",
            Some(&own_token(Role::Integrator)),
            &by_employer,
        )
        .await;
    let record = answered(res, 201).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let internship = json!({ "citizen_id": STUDENT, "enterprise_credit_code": ORG_A,
        "occupation_code": "6-31-01-03", "school": "福建技师学院", "graduation_on": "2026-06-30",
        "internship_starts_on": "2026-01-01", "internship_ends_on": "2026-06-30" });
    let res = t
        .app
        .post("/v1/apprenticeships", Some(&enterprise(ORG_A)), &internship)
        .await;
    let apprenticeship = answered(res, 201).await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let fixtures = Fixtures::default()
        .persons(person_id(WORKER), person_id(OTHER_WORKER))
        .body("POST", "/v1/employment-records", report.clone())
        .body_for(
            Role::InstitutionOperator,
            "POST",
            "/v1/employment-records",
            with_source(&report, "institution_reported"),
        )
        .body_for(
            Role::Enterprise,
            "POST",
            "/v1/employment-records",
            by_employer.clone(),
        )
        .body_for(Role::Integrator, "POST", "/v1/employment-records", by_employer)
        .param("/v1/employment-records/{id}", "id", &record)
        .param("/v1/follow-ups/{enrolment_id}", "enrolment_id", &enrolment)
        .param(
            "/v1/follow-ups/{enrolment_id}/recommendations",
            "enrolment_id",
            &enrolment,
        )
        .body("POST", "/v1/follow-ups/{enrolment_id}/recommendations", json!({}))
        .body(
            "POST",
            "/v1/vacancies",
            json!({ "employer_credit_code": ORG_A, "title": "电工", "occupation_code": "6-31-01-03",
                "min_skill_level": "junior", "work_city": "350100", "headcount": 3,
                "salary_min_fen": 600000, "salary_max_fen": 900000, "open_until": "2027-12-31" }),
        )
        .body("POST", "/v1/apprenticeships", internship)
        .param("/v1/apprenticeships/{id}", "id", &apprenticeship)
        .param("/v1/apprenticeships/{id}/contract", "id", &apprenticeship)
        .body(
            "POST",
            "/v1/apprenticeships/{id}/contract",
            json!({ "employer_credit_code": ORG_A, "starts_on": "2026-07-01", "ends_on": "2027-06-30" }),
        );
    check(
        &t.app,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        &fixtures,
    )
    .await;
    t.stop().await;
}

fn with_source(report: &Value, source: &str) -> Value {
    let mut r = report.clone();
    r["source"] = json!(source);
    r
}
