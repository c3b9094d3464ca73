//! The work queues as lists: each answers only what the caller may see,
//! filtered, page by page, and a bad filter is named.

use platform::auth::Role;
use serde_json::{json, Value};
use test_support::body;
use uuid::Uuid;

use crate::harness::*;

/// The ids of a page's items, under `key`.
fn ids(page: &Value, key: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_str().unwrap().to_owned())
        .collect()
}

/// GET `path` as `token`, answered 200.
async fn page(app: &App, path: &str, token: &str) -> Value {
    let res = app.get(path, Some(token)).await;
    assert_eq!(res.status(), 200, "{path}");
    body(res).await
}

/// Reads `path` (which takes `limit`) one item a page, as `token`; the
/// pages' ids under `key`, checking that only the last has no cursor.
async fn one_by_one(app: &App, path: &str, token: &str, key: &str) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=1&cursor={c}"),
            None => format!("{path}{sep}limit=1"),
        };
        let p = page(app, &url, token).await;
        let got = ids(&p, key);
        assert_eq!(got.len(), 1, "{p}");
        seen.extend(got);
        match p.get("next_cursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(seen.len() < 10, "a list that never ends: {seen:?}");
    }
    seen
}

/// An officer of another city.
fn xiamen_officer() -> String {
    test_support::token(Role::BureauOfficer, Some("350200"), None)
}

/// The field errors of a 422 answer to `path` as `token`.
async fn refused(app: &App, path: &str, token: &str) -> Vec<(String, String)> {
    let problem = problem(app.get(path, Some(token)).await, 422, "validation_failed").await;
    fields(&problem)
}

/// The claim of `person_id` among `claims`.
fn claim_of(claims: &[Value], person_id: &str) -> String {
    claims
        .iter()
        .find(|c| c["person_id"] == person_id)
        .and_then(|c| c["id"].as_str())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn disputes_are_listed_to_the_city_bureau_open_or_resolved() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let (a, b) = (institution(401), institution(402));
    let (p1, p2, p3) = (person(401), person(402), person(403));
    publish(
        &app,
        &[
            a.event.clone(),
            b.event.clone(),
            catalogue_entry(),
            completion(&p1, a.id),
            completion(&p2, a.id),
            completion(&p3, b.id),
        ],
    )
    .await;
    let certificates: Vec<_> = [&p1, &p2, &p3]
        .into_iter()
        .map(|p| certificate(p, Uuid::now_v7(), false))
        .collect();
    publish(&app, &certificates).await;
    let claims = wait_for_claims(&app, |c| {
        c.len() == 3 && c.iter().all(|x| x["status"] == "approved")
    })
    .await;
    let mut disputes = Vec::new();
    for p in [&p1, &p2, &p3] {
        let res = app
            .post(
                &format!("/v1/claims/{}/disputes", claim_of(&claims, p)),
                Some(&test_support::trainee_token(p)),
                &json!({ "reason": "我没有参加过这个培训班" }),
            )
            .await;
        let filed = answered_created(res).await;
        disputes.push(filed["id"].as_str().unwrap().to_owned());
    }
    let res = app
        .post(
            &format!("/v1/disputes/{}/resolution", disputes[1]),
            Some(&officer()),
            &json!({ "upheld": false, "note": "考勤记录完整" }),
        )
        .await;
    assert_eq!(res.status(), 200);

    // Officers and auditors: the city's, by state.
    let open = page(&app, "/v1/disputes?status=open", &officer()).await;
    assert_eq!(ids(&open, "id"), [disputes[0].clone(), disputes[2].clone()]);
    assert!(open.get("next_cursor").is_none(), "{open}");
    let resolved = page(&app, "/v1/disputes?status=resolved", &officer()).await;
    assert_eq!(ids(&resolved, "id"), [disputes[1].clone()]);
    assert_eq!(resolved["items"][0]["resolution"], "dismissed");
    let auditor = test_support::token(Role::Auditor, Some("350100"), None);
    assert_eq!(
        ids(&page(&app, "/v1/disputes", &auditor).await, "id"),
        disputes
    );
    // One a page: two pages, each its own, the last without a cursor.
    assert_eq!(
        one_by_one(&app, "/v1/disputes?status=open", &officer(), "id").await,
        [disputes[0].clone(), disputes[2].clone()]
    );
    // The accused never reads the allegation: an institution, even the
    // one whose claims are disputed, and an enterprise are refused.
    let school_a = institution_token(&a.credit_code);
    problem(
        app.get("/v1/disputes", Some(&school_a)).await,
        403,
        "forbidden_role",
    )
    .await;
    let employer = test_support::token(Role::Enterprise, Some("350100"), Some(&credit_code(498)));
    problem(
        app.get("/v1/disputes", Some(&employer)).await,
        403,
        "forbidden_role",
    )
    .await;
    problem(
        app.get("/v1/disputes", Some(&xiamen_officer())).await,
        403,
        "out_of_scope",
    )
    .await;
    // A state that is not one.
    assert_eq!(
        refused(&app, "/v1/disputes?status=closed", &officer()).await,
        [("status".to_owned(), "dispute_state_unknown".to_owned())]
    );
    app.stop().await;
}

/// Answered 201: the body.
async fn answered_created(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 201);
    body(res).await
}

#[tokio::test]
async fn payout_batches_are_listed_newest_first_with_where_they_stand_at_the_bank() {
    let app = start().await;
    let (inst, _, _) = paid_claim(&app, 501).await;
    // A second trainee's claim goes out in a batch the bank has not answered.
    let q = person(502);
    publish(&app, &[completion(&q, inst.id)]).await;
    publish(&app, &[certificate(&q, Uuid::now_v7(), false)]).await;
    wait_for_claims(&app, |c| c.iter().any(|x| x["status"] == "approved")).await;
    let res = app
        .post(
            "/v1/payout-batches",
            Some(&officer()),
            &json!({ "batch_no": "B502", "fund": "employment_subsidy" }),
        )
        .await;
    approved(&app, res).await;

    let all = page(&app, "/v1/payout-batches", &officer()).await;
    assert_eq!(ids(&all, "batch_no"), ["B502", "B501"]);
    let at_bank = page(&app, "/v1/payout-batches?status=at_bank", &officer()).await;
    assert_eq!(ids(&at_bank, "batch_no"), ["B502"]);
    let b502 = &at_bank["items"][0];
    assert_eq!(
        [
            &b502["status"],
            &b502["at_bank_fen"],
            &b502["confirmed_fen"],
            &b502["payments"]
        ],
        [&json!("at_bank"), &json!(STANDARD), &json!(0), &json!(1)]
    );
    let settled = page(&app, "/v1/payout-batches?status=settled", &officer()).await;
    assert_eq!(ids(&settled, "batch_no"), ["B501"]);
    assert_eq!(settled["items"][0]["confirmed_fen"], STANDARD);
    assert_eq!(settled["items"][0]["at_bank_fen"], 0);
    // Released today (Asia/Shanghai), not before.
    let today = today();
    let yesterday = today.pred_opt().unwrap();
    let on_day = format!("/v1/payout-batches?from={today}&to={today}");
    assert_eq!(
        ids(&page(&app, &on_day, &officer()).await, "batch_no"),
        ["B502", "B501"]
    );
    let before = format!("/v1/payout-batches?to={yesterday}");
    assert_eq!(page(&app, &before, &officer()).await["items"], json!([]));
    assert_eq!(
        one_by_one(&app, "/v1/payout-batches", &officer(), "batch_no").await,
        ["B502", "B501"]
    );
    // Batches are the city's: another city's officer and an institution are
    // refused.
    problem(
        app.get("/v1/payout-batches", Some(&xiamen_officer())).await,
        403,
        "out_of_scope",
    )
    .await;
    let school = institution_token(&inst.credit_code);
    assert_eq!(
        app.get("/v1/payout-batches", Some(&school)).await.status(),
        403
    );
    assert_eq!(
        refused(&app, "/v1/payout-batches?status=paid", &officer()).await,
        [("status".to_owned(), "batch_status_unknown".to_owned())]
    );
    let backwards = format!("/v1/payout-batches?from={today}&to={yesterday}&status=x");
    assert_eq!(
        refused(&app, &backwards, &officer()).await,
        [
            ("status".to_owned(), "batch_status_unknown".to_owned()),
            ("to".to_owned(), "date_range".to_owned()),
        ]
    );
    assert_eq!(
        refused(&app, "/v1/payout-batches?from=2026-13-01", &officer()).await,
        [("from".to_owned(), "date_invalid".to_owned())]
    );
    app.stop().await;
}

#[tokio::test]
async fn recovery_orders_are_listed_by_status_page_by_page() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let inst = institution(601);
    let (p1, p2) = (person(601), person(602));
    let (c1, c2) = (
        certificate(&p1, Uuid::now_v7(), false),
        certificate(&p2, Uuid::now_v7(), false),
    );
    publish(
        &app,
        &[
            inst.event.clone(),
            catalogue_entry(),
            completion(&p1, inst.id),
            completion(&p2, inst.id),
        ],
    )
    .await;
    publish(&app, &[c1.clone(), c2.clone()]).await;
    wait_for_claims(&app, |c| {
        c.len() == 2 && c.iter().all(|x| x["status"] == "approved")
    })
    .await;
    pay(&app, &inst, "B601").await;
    publish(&app, &[revoke(&p1, &c1), revoke(&p2, &c2)]).await;
    let claims = wait_for_claims(&app, |c| c.iter().all(|x| x["status"] == "recovered")).await;
    let open = page(&app, "/v1/recoveries?status=open", &officer()).await;
    let orders = ids(&open, "id");
    assert_eq!(orders.len(), 2, "{open}");
    let claims_of: Vec<&str> = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["claim_id"].as_str().unwrap())
        .collect();
    let mut expected = vec![claim_of(&claims, &p1), claim_of(&claims, &p2)];
    let mut got: Vec<String> = claims_of.iter().map(|c| (*c).to_owned()).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(
        page(&app, "/v1/recoveries?status=settled", &officer()).await["items"],
        json!([])
    );
    assert_eq!(
        one_by_one(&app, "/v1/recoveries", &officer(), "id").await,
        orders
    );
    problem(
        app.get("/v1/recoveries", Some(&xiamen_officer())).await,
        403,
        "out_of_scope",
    )
    .await;
    assert_eq!(
        refused(&app, "/v1/recoveries?status=owing", &officer()).await,
        [("status".to_owned(), "recovery_status_unknown".to_owned())]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_persons_receipts_and_vouchers_come_page_by_page_to_them_alone() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let (a, b) = (institution(701), institution(702));
    let p = person(701);
    publish(
        &app,
        &[
            a.event.clone(),
            b.event.clone(),
            catalogue_entry(),
            completion(&p, a.id),
            completion(&p, b.id),
        ],
    )
    .await;
    publish(&app, &[certificate(&p, Uuid::now_v7(), false)]).await;
    let claims = wait_for_claims(&app, |c| c.len() == 2).await;
    let own = test_support::trainee_token(&p);
    let mut expected: Vec<String> = claims
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let mut receipts = one_by_one(&app, "/v1/receipts", &own, "claim_id").await;
    assert_ne!(receipts[0], receipts[1]);
    receipts.sort();
    expected.sort();
    assert_eq!(receipts, expected);
    let stranger = test_support::trainee_token(&person(703));
    assert_eq!(
        page(&app, "/v1/receipts", &stranger).await["items"],
        json!([])
    );
    assert_eq!(
        refused(&app, "/v1/receipts?limit=0", &own).await,
        [("limit".to_owned(), "limit_range".to_owned())]
    );

    // A general and a targeted voucher: two scopes, two vouchers.
    let mut issued = Vec::new();
    for scope in [json!(null), json!(OCCUPATION)] {
        let res = app
            .post(
                "/v1/vouchers",
                Some(&officer()),
                &json!({ "person_id": p, "target_group": "registered_unemployed", "occupation_code": scope }),
            )
            .await;
        issued.push(
            answered_created(res).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut vouchers = one_by_one(&app, "/v1/vouchers", &own, "id").await;
    vouchers.sort();
    issued.sort();
    assert_eq!(vouchers, issued);
    assert_eq!(
        page(&app, "/v1/vouchers", &stranger).await["items"],
        json!([])
    );
    assert_eq!(
        refused(&app, "/v1/vouchers?cursor=not-a-cursor", &own).await,
        [("cursor".to_owned(), "cursor_invalid".to_owned())]
    );
    app.stop().await;
}

#[tokio::test]
async fn proposals_are_listed_to_officers_and_to_whoever_proposed_them() {
    let app = start().await;
    let (a, b) = (institution(801), institution(802));
    publish(&app, &[a.event.clone(), b.event.clone()]).await;
    let account = json!({ "account_no": "6222020200112233445", "account_name": "培训学校" });
    let mut proposed = Vec::new();
    for inst in [&a, &b] {
        // Refused as another's until the registry's event is consumed.
        let filed = test_support::eventually(WAIT, || async {
            let res = app
                .put(
                    &format!("/v1/payees/institution:{}/bank-account", inst.id),
                    Some(&institution_token(&inst.credit_code)),
                    &account,
                )
                .await;
            match res.status().as_u16() {
                202 => Ok(body(res).await),
                other => Err(format!("answered {other}")),
            }
        })
        .await;
        proposed.push(filed["id"].as_str().unwrap().to_owned());
    }
    let queue = page(
        &app,
        "/v1/proposals?status=pending&kind=bank_account",
        &officer(),
    )
    .await;
    assert_eq!(ids(&queue, "id"), proposed);
    assert_eq!(
        one_by_one(&app, "/v1/proposals?status=pending", &officer(), "id").await,
        proposed
    );
    // A school sees its own proposal only; another organisation none.
    let school_a = institution_token(&a.credit_code);
    assert_eq!(
        ids(&page(&app, "/v1/proposals", &school_a).await, "id"),
        [proposed[0].clone()]
    );
    let stranger = institution_token(&credit_code(899));
    assert_eq!(
        page(&app, "/v1/proposals", &stranger).await["items"],
        json!([])
    );
    problem(
        app.get("/v1/proposals", Some(&xiamen_officer())).await,
        403,
        "out_of_scope",
    )
    .await;
    assert_eq!(
        refused(&app, "/v1/proposals?status=waiting", &officer()).await,
        [("status".to_owned(), "status_unknown".to_owned())]
    );
    app.stop().await;
}
