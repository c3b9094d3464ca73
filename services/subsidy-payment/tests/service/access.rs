//! The authorization matrix over subsidy payment (see
//! `test_support::access`): every operation × every role × own or
//! another's × every kind of bad token, with [`ORG_A`] as a school with an
//! approved claim and as an employer with an apprenticeship claim, and each
//! caller's own proposal.

use platform::auth::Role;
use serde_json::{json, Value};
use test_support::access::{check, own_token, trust_the_province, Fixtures, ORG_A};
use test_support::answered;
use uuid::Uuid;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_every_caller_as_its_access_table_declares() {
    let app = start_with(|cfg| trust_the_province(&mut cfg.auth)).await;
    let school = institution_of(ORG_A, "培训学校 A");
    let trainee = person(1);
    allocate(&app, "employment_subsidy", 1_000_000).await;
    allocate(&app, "unemployment_insurance", 1_000_000).await;
    let completed = completion(&trainee, school.id);
    let class = completed.payload["class_id"]
        .as_str()
        .expect("class")
        .to_owned();
    publish(&app, &[school.event.clone(), catalogue_entry(), completed]).await;
    publish(&app, &[certificate(&trainee, Uuid::now_v7(), false)]).await;
    publish(&app, &[apprenticeship(&person(2), ORG_A)]).await;
    let list = wait_for_claims(&app, |c| c.len() == 2).await;
    let claim_of = |kind: &str| -> String {
        let c = list.iter().find(|c| c["kind"] == kind).expect(kind);
        c["id"].as_str().expect("id").to_owned()
    };
    let (school_claim, employer_claim) = (claim_of("training"), claim_of("apprenticeship"));

    let school_payee = format!("institution:{}", school.id);
    let employer_payee = format!("enterprise:{ORG_A}");
    let account = json!({ "account_no": "6222020200112233445", "account_name": "培训学校 A" });
    // Each caller's own proposal, to read and to withdraw. A payee has one
    // pending proposal at a time: the integrator's is withdrawn already
    // (withdrawing it again is still its own business, and another's
    // attempt still refused), the officer's is about another school.
    let other_school = institution(7);
    publish(&app, std::slice::from_ref(&other_school.event)).await;
    let withdrawal = json!({ "reason": "账号填错" });
    let integrators = propose_account(&app, Role::Integrator, &employer_payee, &account).await;
    let res = app
        .post(
            &format!("/v1/proposals/{integrators}/withdraw"),
            Some(&own_token(Role::Integrator)),
            &withdrawal,
        )
        .await;
    answered(res, 200).await;
    let mut fixtures = Fixtures::default()
        .persons(&trainee, person(3))
        .param("/v1/claims/{id}", "id", &school_claim)
        .param_for(Role::Enterprise, "/v1/claims/{id}", "id", &employer_claim)
        .param("/v1/claims/{id}/disputes", "id", &school_claim)
        .body(
            "POST",
            "/v1/claims/{id}/disputes",
            json!({ "reason": "我没有参加过这个培训班" }),
        )
        .param("/v1/classes/{class_id}/preview", "class_id", &class)
        .param("/v1/payees/{payee}/bank-account", "payee", &school_payee)
        .param_for(
            Role::Enterprise,
            "/v1/payees/{payee}/bank-account",
            "payee",
            &employer_payee,
        )
        .body("PUT", "/v1/payees/{payee}/bank-account", account.clone())
        .body("POST", "/v1/proposals/{id}/withdraw", withdrawal);
    let others = format!("institution:{}", other_school.id);
    for (role, proposal) in [
        (Role::Integrator, integrators),
        (
            Role::Enterprise,
            propose_account(&app, Role::Enterprise, &employer_payee, &account).await,
        ),
        (
            Role::InstitutionOperator,
            propose_account(&app, Role::InstitutionOperator, &school_payee, &account).await,
        ),
        (
            Role::BureauOfficer,
            propose_account(&app, Role::BureauOfficer, &others, &account).await,
        ),
    ] {
        for path in ["/v1/proposals/{id}", "/v1/proposals/{id}/withdraw"] {
            fixtures = fixtures.param_for(role, path, "id", &proposal);
        }
    }
    check(
        &app,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        &fixtures,
    )
    .await;
    app.stop().await;
}

/// Proposes `account` for `payee` as the matrix's own caller of `role`;
/// returns the proposal's id.
async fn propose_account(app: &App, role: Role, payee: &str, account: &Value) -> String {
    let res = app
        .put(
            &format!("/v1/payees/{payee}/bank-account"),
            Some(&own_token(role)),
            account,
        )
        .await;
    answered(res, 202).await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}
