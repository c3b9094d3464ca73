//! Training vouchers: issued, redeemed at enrolment, needed by the
//! unemployment insurance fund.

use serde_json::json;
use test_support::body;
use uuid::Uuid;

use crate::harness::*;

#[tokio::test]
async fn a_redeemed_voucher_lets_the_unemployment_insurance_fund_pay_the_training() {
    let app = start().await;
    allocate(&app, "unemployment_insurance", 1_000_000).await;
    let (p, q) = (person(401), person(402));
    let issue = |body: serde_json::Value| {
        let app = &app;
        async move { app.post("/v1/vouchers", Some(&officer()), &body).await }
    };
    let too_long = (today() + chrono::Months::new(4)).to_string();
    let res = issue(
        json!({ "person_id": p, "target_group": "registered_unemployed", "valid_until": too_long }),
    )
    .await;
    problem(res, 422, "voucher_validity_too_long").await;
    let res = issue(json!({ "person_id": p, "target_group": "retiree" })).await;
    let p422 = problem(res, 422, "validation_failed").await;
    assert_eq!(fields(&p422)[0].0, "target_group");
    let targeted = json!({ "person_id": p, "target_group": "registered_unemployed", "occupation_code": OCCUPATION });
    let res = issue(targeted.clone()).await;
    assert_eq!(res.status(), 201);
    let voucher = body(res).await;
    problem(issue(targeted).await, 422, "voucher_already_held").await;

    let inst = institution(401);
    let (done_p, done_q) = (completion(&p, inst.id), completion(&q, inst.id));
    publish(
        &app,
        &[
            inst.event.clone(),
            catalogue_entry(),
            enrolled(&done_p, voucher["id"].as_str().unwrap()),
            // Someone else's voucher does not back this enrolment.
            enrolled(&done_q, voucher["id"].as_str().unwrap()),
            done_p.clone(),
            done_q.clone(),
        ],
    )
    .await;
    publish(
        &app,
        &[
            certificate(&p, Uuid::now_v7(), false),
            certificate(&q, Uuid::now_v7(), false),
        ],
    )
    .await;
    let list = wait_for_claims(&app, |c| c.len() == 1).await;
    assert_eq!(list[0]["person_id"], p);
    assert_eq!(list[0]["fund"], "unemployment_insurance");
    assert_eq!(list[0]["status"], "approved");
    // The person is named in a header, never in the URL; the trainee's
    // own token names them already.
    let res = app
        .request(reqwest::Method::GET, "/v1/vouchers", Some(&officer()))
        .header("X-Person-Id", p.clone())
        .send()
        .await
        .unwrap();
    let vouchers = body(res).await["items"].clone();
    assert_eq!(vouchers[0]["state"], "redeemed");
    let own = body(
        app.get("/v1/vouchers", Some(&test_support::trainee_token(&p)))
            .await,
    )
    .await;
    assert_eq!(own["items"], vouchers);
    assert_eq!(vouchers[0]["enrolment_id"], done_p.payload["enrolment_id"]);

    // Without a voucher only the unemployment insurance fund has money.
    // (Retried while q's certificate is still on its way.)
    let training = json!({ "kind": "training", "enrolment_id": done_q.payload["enrolment_id"] });
    let p422 = test_support::eventually(WAIT, || async {
        let res = app
            .post(
                "/v1/claims",
                Some(&institution_token(&inst.credit_code)),
                &training,
            )
            .await;
        let p422 = problem(res, 422, "not_payable").await;
        match fields(&p422).first() {
            Some((_, code)) if code == "no_certificate" => {
                Err("the certificate has not arrived".to_owned())
            }
            _ => Ok(p422),
        }
    })
    .await;
    assert_eq!(fields(&p422)[0].1, "no_fund", "{p422}");
    assert!(p422["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("needs a redeemed voucher"));
    app.stop().await;
}

/// A voucher retried with its Idempotency-Key (the answer was lost) is the
/// same voucher, issued once; the key with another body is refused.
#[tokio::test]
async fn a_voucher_retried_with_its_key_is_issued_once() {
    let app = start().await;
    let p = person(411);
    let keyed = |body: serde_json::Value| {
        app.request(reqwest::Method::POST, "/v1/vouchers", Some(&officer()))
            .header("Idempotency-Key", "voucher-411")
            .json(&body)
            .send()
    };
    let voucher = json!({ "person_id": p, "target_group": "registered_unemployed" });
    let first = keyed(voucher.clone()).await.expect("request");
    assert_eq!(first.status(), 201);
    let first = body(first).await;
    let again = keyed(voucher).await.expect("request");
    assert_eq!(
        (
            again.status().as_u16(),
            &again.headers()["idempotent-replayed"]
        ),
        (201, &"true".parse().unwrap())
    );
    assert_eq!(body(again).await, first);
    let other = json!({ "person_id": p, "target_group": "rural_migrant_worker" });
    problem(
        keyed(other).await.expect("request"),
        422,
        "idempotency_key_reused",
    )
    .await;
    let held = body(
        app.request(reqwest::Method::GET, "/v1/vouchers", Some(&officer()))
            .header("X-Person-Id", p.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(held["items"].as_array().unwrap().len(), 1);
    app.stop().await;
}
