//! The authorization matrix over the catalogue (see
//! `test_support::access`): every operation × every role × own or
//! another's × every kind of bad token.

use serde_json::json;
use test_support::access::{check, trust_the_province, Fixtures, ORG_A};

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_every_caller_as_its_access_table_declares() {
    let app = app_with(|cfg| trust_the_province(&mut cfg.auth)).await;
    let officer = officer(CITY);
    let catalogue = app.draft(&officer, 2026).await;
    let entry = app
        .add_entry(&officer, &catalogue, "6-31-01-03", "senior", 2026)
        .await;
    let fixtures = Fixtures::default()
        .param("/v1/catalogues/{id}", "id", &catalogue)
        .param("/v1/catalogues/{id}/history", "id", &catalogue)
        .param("/v1/catalogues/{id}/entries", "id", &catalogue)
        .param("/v1/catalogues/{id}/publish", "id", &catalogue)
        .param("/v1/catalogues/{id}/entries/{entry_id}", "id", &catalogue)
        .param("/v1/catalogues/{id}/entries/{entry_id}", "entry_id", &entry)
        .param(
            "/v1/catalogues/{id}/entries/{entry_id}/withdraw",
            "id",
            &catalogue,
        )
        .param(
            "/v1/catalogues/{id}/entries/{entry_id}/withdraw",
            "entry_id",
            &entry,
        )
        .param("/v1/public/catalogues/{city}/{year}", "city", CITY)
        .param("/v1/public/catalogues/{city}/{year}", "year", "2026")
        .body(
            "POST",
            "/v1/demands",
            json!({
                "city": CITY,
                "occupation_code": "6-31-01-03",
                "skill_level": "senior",
                "headcount": 5,
                "period_from": "2026-03-01",
                "period_to": "2026-12-31",
                "channel": "enterprise",
                "submitter_org": ORG_A,
            }),
        );
    check(
        &app,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        &fixtures,
    )
    .await;
}
