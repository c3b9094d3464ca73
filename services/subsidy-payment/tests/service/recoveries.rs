//! Revocations, disputes and the settlement of recovery orders.

use serde_json::json;
use test_support::body;

use crate::harness::*;

#[tokio::test]
async fn a_certificate_revoked_before_payment_rejects_the_claim_and_releases_the_money() {
    let app = start().await;
    let (_, p, cert) = approved_claim(&app, 301).await;
    assert_eq!(
        pot(&app, "employment_subsidy").await["payable_fen"],
        STANDARD
    );
    publish(&app, &[revoke(&p, &cert)]).await;
    let list = wait_for_claims(&app, |c| c.len() == 1 && c[0]["status"] == "rejected").await;
    assert_eq!(list[0]["findings"][0]["rule"], "certificate_revoked");
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(pot["payable_fen"], 0);
    assert_eq!(pot["available_fen"], 1_000_000);
    let res = app.get("/v1/recoveries", Some(&officer())).await;
    assert_eq!(body(res).await["items"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn a_dispute_freezes_the_claim_until_an_officer_resolves_it() {
    let app = start().await;
    let (inst, p, _) = approved_claim(&app, 311).await;
    // The portal, acting for the trainee (its token says so).
    let portal = test_support::portal_token(&p);
    let res = app.get("/v1/receipts", Some(&portal)).await;
    let receipts = body(res).await["items"].clone();
    assert_eq!(receipts.as_array().unwrap().len(), 1);
    assert_eq!(receipts[0]["institution_id"], inst.id.to_string());
    let claim = receipts[0]["claim_id"].as_str().unwrap().to_owned();
    let dispute = json!({ "reason": "我没有参加过这个培训班" });
    let path = format!("/v1/claims/{claim}/disputes");
    // Another trainee (through the portal) cannot dispute it; no
    // organisation's system disputes for anyone.
    let res = app
        .post(
            &path,
            Some(&test_support::portal_token(&person(312))),
            &dispute,
        )
        .await;
    problem(res, 404, "claim_not_found").await;
    let res = app
        .post(
            &path,
            Some(&test_support::token_with(
                platform::auth::Role::Integrator,
                Some("350100"),
                Some("12350100MB00000035"),
                Some("subsidy:claims"),
            )),
            &dispute,
        )
        .await;
    problem(res, 403, "forbidden_role").await;
    let res = app.post(&path, Some(&portal), &dispute).await;
    assert_eq!(res.status(), 201);
    let first = body(res).await;
    assert_eq!(first["previous_status"], "approved");
    assert_eq!(claims(&app, &officer()).await[0]["status"], "disputed");

    // Frozen: no payout takes it.
    let res = app
        .put(
            &format!("/v1/payees/institution:{}/bank-account", inst.id),
            Some(&officer()),
            &json!({ "account_no": "6222020200112233445", "account_name": "培训学校" }),
        )
        .await;
    approved(&app, res).await;
    let res = app
        .post(
            "/v1/payout-batches",
            Some(&officer()),
            &json!({ "batch_no": "B311", "fund": "employment_subsidy" }),
        )
        .await;
    problem(res, 422, "nothing_to_pay").await;

    let resolve = |id: &str, upheld: bool| {
        (
            format!("/v1/disputes/{id}/resolution"),
            json!({ "upheld": upheld, "note": "核查考勤记录" }),
        )
    };
    let (url, b) = resolve(first["id"].as_str().unwrap(), false);
    assert_eq!(app.post(&url, Some(&officer()), &b).await.status(), 200);
    problem(
        app.post(&url, Some(&officer()), &b).await,
        409,
        "dispute_resolved",
    )
    .await;
    assert_eq!(claims(&app, &officer()).await[0]["status"], "approved");

    let res = app.post(&path, Some(&portal), &dispute).await;
    let second = body(res).await;
    let (url, b) = resolve(second["id"].as_str().unwrap(), true);
    assert_eq!(app.post(&url, Some(&officer()), &b).await.status(), 200);
    assert_eq!(claims(&app, &officer()).await[0]["status"], "rejected");
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(pot["payable_fen"], 0);
    assert_eq!(pot["available_fen"], 1_000_000);
    app.stop().await;
}

#[tokio::test]
async fn a_recovery_is_repaid_in_part_and_the_rest_offset_against_the_next_payout() {
    let app = start().await;
    let (inst, p, cert) = paid_claim(&app, 321).await;
    publish(&app, &[revoke(&p, &cert)]).await;
    wait_for_claims(&app, |c| c.len() == 1 && c[0]["status"] == "recovered").await;
    let res = app.get("/v1/recoveries", Some(&officer())).await;
    let orders = body(res).await["items"].clone();
    let order = orders[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(orders[0]["amount_fen"], STANDARD);

    let repay = |amount: i64| json!({ "amount_fen": amount, "memo": "退回凭证 001" });
    let url = format!("/v1/recoveries/{order}/repayments");
    let res = app.post(&url, Some(&officer()), &repay(STANDARD + 1)).await;
    problem(res, 422, "ledger_refused").await;
    // Retried with its Idempotency-Key (the answer was lost, say): recorded
    // once, answered as the first time; the key with another amount: refused.
    let keyed = |amount: i64| {
        app.request(reqwest::Method::POST, &url, Some(&officer()))
            .header("Idempotency-Key", "repayment-001")
            .json(&repay(amount))
            .send()
    };
    let first = keyed(50_000).await.expect("request");
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let after = body(first).await;
    assert_eq!(
        (after["settled_fen"].clone(), after["status"].clone()),
        (json!(50_000), json!("open"))
    );
    let retried = keyed(50_000).await.expect("request");
    assert_eq!(retried.headers()["idempotent-replayed"], "true");
    assert_eq!(body(retried).await, after);
    problem(
        keyed(40_000).await.expect("request"),
        422,
        "idempotency_key_reused",
    )
    .await;
    let res = app.get("/v1/recoveries", Some(&officer())).await;
    assert_eq!(body(res).await["items"][0]["settled_fen"], 50_000);

    // A second trainee of the same institution: its payout is withheld.
    let q = person(322);
    publish(&app, &[completion(&q, inst.id)]).await;
    publish(&app, &[certificate(&q, uuid::Uuid::now_v7(), false)]).await;
    wait_for_claims(&app, |c| c.iter().any(|x| x["status"] == "approved")).await;
    let res = app
        .post(
            "/v1/payout-batches",
            Some(&officer()),
            &json!({ "batch_no": "B322", "fund": "employment_subsidy" }),
        )
        .await;
    let batch = approved(&app, res).await;
    assert_eq!(
        batch["lines"][0]["amount_fen"],
        STANDARD - 100_000,
        "{batch}"
    );
    let res = app.get("/v1/recoveries", Some(&officer())).await;
    assert_eq!(body(res).await["items"][0]["status"], "settled");
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(pot["receivable_fen"], 0);
    assert_eq!(pot["in_bank_fen"], STANDARD - 100_000);
    app.stop().await;
}

#[tokio::test]
async fn a_trainee_sees_their_own_receipts_and_a_dispute_at_the_bank_freezes_the_claim_on_its_answer(
) {
    let app = start().await;
    let (inst, p, _) = approved_claim(&app, 331).await;
    let own = test_support::trainee_token(&p);
    let receipts = body(app.get("/v1/receipts", Some(&own)).await).await["items"].clone();
    assert_eq!(receipts.as_array().map(Vec::len), Some(1));
    assert_eq!(receipts[0]["amount_fen"], STANDARD);
    let other = person(332);
    problem(
        app.request(reqwest::Method::GET, "/v1/receipts", Some(&own))
            .header("X-Person-Id", other.clone())
            .send()
            .await
            .unwrap(),
        403,
        "out_of_scope",
    )
    .await;
    let stranger = test_support::trainee_token(&other);
    let none = body(app.get("/v1/receipts", Some(&stranger)).await).await;
    assert_eq!(none, json!({ "items": [] }));

    // The money goes to the bank; the trainee disputes meanwhile.
    let res = app
        .put(
            &format!("/v1/payees/institution:{}/bank-account", inst.id),
            Some(&officer()),
            &json!({ "account_no": "6222020200112233445", "account_name": "培训学校" }),
        )
        .await;
    approved(&app, res).await;
    let res = app
        .post(
            "/v1/payout-batches",
            Some(&officer()),
            &json!({ "batch_no": "B331", "fund": "employment_subsidy" }),
        )
        .await;
    let batch = approved(&app, res).await;
    let claim = receipts[0]["claim_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/claims/{claim}/disputes");
    let reason = json!({ "reason": "我没有参加过这个培训班" });
    let res = app.post(&path, Some(&stranger), &reason).await;
    problem(res, 404, "claim_not_found").await;
    let res = app.post(&path, Some(&own), &reason).await;
    assert_eq!(res.status(), 201);
    let dispute = body(res).await;
    assert_eq!(dispute["previous_status"], "in_payout");
    problem(
        app.post(&path, Some(&own), &reason).await,
        409,
        "already_disputed",
    )
    .await;
    assert_eq!(claims(&app, &officer()).await[0]["status"], "in_payout");
    let resolution = format!(
        "/v1/disputes/{}/resolution",
        dispute["id"].as_str().unwrap()
    );
    let dismiss = json!({ "upheld": false, "note": "考勤属实" });
    problem(
        app.post(&resolution, Some(&officer()), &dismiss).await,
        409,
        "payment_in_flight",
    )
    .await;

    // The bank confirms: the claim is paid, and frozen by the dispute.
    let line = &batch["lines"][0];
    let yuan = ids::Fen::new(line["amount_fen"].as_i64().unwrap()).to_string();
    let result = format!(
        "reference,status,amount,reason\r\n{},success,{yuan},\r\n",
        line["reference"].as_str().unwrap()
    );
    approved(&app, propose_result(&app, "B331", &result).await).await;
    assert_eq!(claims(&app, &officer()).await[0]["status"], "disputed");
    let res = app.post(&resolution, Some(&officer()), &dismiss).await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["previous_status"], "paid");
    assert_eq!(claims(&app, &officer()).await[0]["status"], "paid");
    app.stop().await;
}
