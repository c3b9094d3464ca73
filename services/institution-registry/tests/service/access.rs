//! The authorization matrix over the registry (see
//! `test_support::access`): every operation × every role × own or
//! another's × every kind of bad token.

use institution_registry::InstitutionRegistry;
use test_support::access::{check, trust_the_province, Fixtures, ORG_A};
use test_support::{Shared, TestApp};

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_every_caller_as_its_access_table_declares() {
    let app =
        TestApp::<InstitutionRegistry>::start(env!("CARGO_MANIFEST_DIR"), &Shared::new(), |cfg| {
            trust_the_province(&mut cfg.auth)
        })
        .await;
    let own = listed(&app, ORG_A).await;
    let fixtures = Fixtures::default()
        .param("/v1/institutions/{id}", "id", &own)
        .param("/v1/public/directory/{city}/{year}", "city", CITY)
        .param("/v1/public/directory/{city}/{year}", "year", "2026")
        .body("POST", "/v1/applications", application(ORG_A));
    check(
        &app,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        &fixtures,
    )
    .await;
}
