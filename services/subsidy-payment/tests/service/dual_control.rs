//! Money needs two people: one officer alone cannot change where a payee is
//! paid, release a payout batch or import the bank's result, and the files
//! exchanged with the bank are signed both ways.

use serde_json::json;
use test_support::body;

use crate::harness::*;

async fn proposal_of(res: reqwest::Response) -> serde_json::Value {
    assert_eq!(res.status(), 202);
    body(res).await
}

async fn approve_as(app: &App, proposal: &serde_json::Value, token: &str) -> reqwest::Response {
    app.post(
        &format!("/v1/proposals/{}/approve", proposal["id"].as_str().unwrap()),
        Some(token),
        &json!({}),
    )
    .await
}

#[tokio::test]
async fn one_officer_alone_cannot_change_an_account_release_a_batch_or_import_a_result() {
    let app = start().await;
    let (inst, _, _) = approved_claim(&app, 601).await;
    let path = format!("/v1/payees/institution:{}/bank-account", inst.id);
    let account = |no: &str| json!({ "account_no": no, "account_name": "培训学校" });

    // The account: proposed by an officer, approved by another.
    let first = proposal_of(
        app.put(&path, Some(&officer()), &account("6222020200112233445"))
            .await,
    )
    .await;
    assert!(
        !first.to_string().contains("6222020200112233445"),
        "the number is sealed, never shown: {first}"
    );
    assert_eq!(
        first["summary"]["request"]["account_masked"],
        "***************3445"
    );
    problem(
        approve_as(&app, &first, &officer()).await,
        403,
        "same_officer",
    )
    .await;
    assert_eq!(approve_as(&app, &first, &checker()).await.status(), 200);
    // The institution proposes another account for itself; an officer
    // approves it.
    let second = proposal_of(
        app.put(
            &path,
            Some(&institution_token(&inst.credit_code)),
            &account("6222020200198765432"),
        )
        .await,
    )
    .await;
    assert_eq!(
        second["summary"]["preview"]["previous_masked"],
        "***************3445"
    );
    assert_eq!(approve_as(&app, &second, &officer()).await.status(), 200);
    let auditor = test_support::token(platform::auth::Role::Auditor, Some("350100"), None);
    let history = body(app.get(&format!("{path}/history"), Some(&auditor)).await).await;
    let rows: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["old_masked"].clone(),
                h["new_masked"].clone(),
                h["proposed_by"].clone(),
                h["approved_by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                json!(null),
                json!("***************3445"),
                json!("bureau_officer-tester"),
                json!("second-officer")
            ),
            (
                json!("***************3445"),
                json!("***************5432"),
                json!("institution_operator-tester"),
                json!("bureau_officer-tester")
            ),
        ]
    );
    assert!(!history.to_string().contains("6222020200198765432"));

    // The batch: shown as it would be made; released by a second officer.
    let pot_before = pot(&app, "employment_subsidy").await;
    let batch = proposal_of(
        app.post(
            "/v1/payout-batches",
            Some(&officer()),
            &json!({ "batch_no": "B601", "fund": "employment_subsidy" }),
        )
        .await,
    )
    .await;
    let shown = batch["summary"]["preview"].clone();
    assert_eq!(shown["total_fen"], STANDARD);
    assert_eq!(shown["lines"][0]["account_masked"], "***************5432");
    assert_eq!(
        pot(&app, "employment_subsidy").await,
        pot_before,
        "nothing moves before approval"
    );
    assert_eq!(claims(&app, &officer()).await[0]["status"], "approved");
    problem(
        approve_as(&app, &batch, &officer()).await,
        403,
        "same_officer",
    )
    .await;
    let res = approve_as(&app, &batch, &checker()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["outcome"], shown, "made as it was shown");
    assert_eq!(claims(&app, &officer()).await[0]["status"], "in_payout");

    // The payment file is signed with the city's key.
    let res = app
        .get("/v1/payout-batches/B601/file", Some(&officer()))
        .await;
    let signature = res
        .headers()
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let file = res.text().await.unwrap();
    let city = subsidy_payment::BankSettings {
        signing_key: bank_keys().city_key.clone(),
        ..Default::default()
    };
    let (key_id, key) = city.signing_key().unwrap();
    let keys = [(key_id.clone(), key.verifying_key())].into();
    assert_eq!(
        subsidy_payment::domain::file_signature::verify(
            &keys,
            signature.as_deref(),
            file.as_bytes()
        ),
        Ok(key_id.clone())
    );

    // The result: refused unsigned, altered or signed by another key, and
    // none of those leaves a proposal or changes a claim.
    let line = &shown["lines"][0];
    let result = format!(
        "reference,status,amount,reason\r\n{},success,{},\r\n",
        line["reference"].as_str().unwrap(),
        ids::Fen::new(line["amount_fen"].as_i64().unwrap())
    );
    let altered = result.replace(",success,", ",failed,");
    let by_the_city =
        subsidy_payment::domain::file_signature::sign(&key, &key_id, result.as_bytes());
    let send = |text: String, signature: Option<String>| {
        let app = &app;
        async move {
            let mut req = app
                .request(
                    reqwest::Method::POST,
                    "/v1/payout-batches/B601/result",
                    Some(&officer()),
                )
                .header("content-type", "text/csv");
            if let Some(s) = signature {
                req = req.header("X-Signature", s);
            }
            req.body(text).send().await.unwrap()
        }
    };
    for (text, signature, code) in [
        (result.clone(), None, "signature_missing"),
        (altered, Some(bank_signature(&result)), "signature_invalid"),
        (result.clone(), Some(by_the_city), "signature_key_unknown"),
        (
            result.clone(),
            Some("keyId=\"bank\", algorithm=\"rsa\", signature=\"AA==\"".to_owned()),
            "signature_malformed",
        ),
    ] {
        problem(send(text, signature).await, 422, code).await;
    }
    let waiting = body(
        app.get("/v1/proposals?kind=bank_result", Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(waiting["items"], json!([]));
    assert_eq!(claims(&app, &officer()).await[0]["status"], "in_payout");
    let imported = proposal_of(send(result.clone(), Some(bank_signature(&result))).await).await;
    assert_eq!(imported["summary"]["preview"]["confirmed"], 1);
    assert_eq!(claims(&app, &officer()).await[0]["status"], "in_payout");
    problem(
        approve_as(&app, &imported, &officer()).await,
        403,
        "same_officer",
    )
    .await;
    assert_eq!(approve_as(&app, &imported, &checker()).await.status(), 200);
    assert_eq!(claims(&app, &officer()).await[0]["status"], "paid");
    app.stop().await;
}

/// A batch that would now pay something else than the approver was shown
/// is refused as stale, changing nothing.
#[tokio::test]
async fn a_release_that_would_differ_from_what_was_shown_is_refused() {
    let app = start().await;
    let (inst, _, _) = approved_claim(&app, 611).await;
    let path = format!("/v1/payees/institution:{}/bank-account", inst.id);
    approved(
        &app,
        app.put(
            &path,
            Some(&officer()),
            &json!({ "account_no": "6222020200112233445", "account_name": "培训学校" }),
        )
        .await,
    )
    .await;
    let batch = proposal_of(
        app.post(
            "/v1/payout-batches",
            Some(&officer()),
            &json!({ "batch_no": "B611", "fund": "employment_subsidy" }),
        )
        .await,
    )
    .await;
    // Meanwhile the payee's account changes: the file would go elsewhere.
    approved(
        &app,
        app.put(
            &path,
            Some(&officer()),
            &json!({ "account_no": "6222020200198765432", "account_name": "培训学校" }),
        )
        .await,
    )
    .await;
    problem(
        approve_as(&app, &batch, &checker()).await,
        409,
        "proposal_stale",
    )
    .await;
    let decided = body(
        app.get(
            &format!("/v1/proposals/{}", batch["id"].as_str().unwrap()),
            Some(&officer()),
        )
        .await,
    )
    .await;
    assert_eq!(decided["status"], "failed");
    assert_eq!(claims(&app, &officer()).await[0]["status"], "approved");
    app.stop().await;
}
