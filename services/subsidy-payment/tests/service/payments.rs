//! Payment and recovery: exactly once, whatever the broker delivers.

use std::time::Duration;

use contracts::subsidy::{PAYMENTS_TOPIC, RECOVERIES_TOPIC};
use test_support::{body, read_topic};
use uuid::Uuid;

use crate::harness::*;

#[tokio::test]
async fn a_certificate_delivered_three_times_and_a_replayed_history_pay_once() {
    let app = start().await;
    let inst = institution(101);
    let p = person(101);
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let history = [
        inst.event.clone(),
        catalogue_entry(),
        completion(&p, inst.id),
    ];
    publish(&app, &history).await;
    let cert = certificate(&p, Uuid::now_v7(), false);
    publish(&app, &[cert.clone(), cert.clone(), again(&cert)]).await;
    wait_for_claims(&app, |c| c.len() == 1 && c[0]["status"] == "approved").await;
    pay(&app, &inst, "B101").await;

    // Nothing is left to pay: a second batch is refused.
    let res = app
        .post(
            "/v1/payout-batches",
            Some(&officer()),
            &serde_json::json!({ "batch_no": "B101-2", "fund": "employment_subsidy" }),
        )
        .await;
    problem(res, 422, "nothing_to_pay").await;

    // The whole history again, under new ids.
    let replay: Vec<_> = history.iter().chain([&cert]).map(again).collect();
    publish(&app, &replay).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let list = wait_for_claims(&app, |c| c.len() == 1 && c[0]["status"] == "paid").await;
    assert_eq!(list[0]["amount_fen"], STANDARD);
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(pot["paid_fen"], STANDARD);
    assert_eq!(pot["payable_fen"], 0);
    assert_eq!(pot["in_bank_fen"], 0);

    let payments = read_topic(
        &app.cfg.kafka,
        &app.cfg.kafka.topic(PAYMENTS_TOPIC),
        3,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let statuses: Vec<_> = payments
        .iter()
        .map(|r| r.payload["status"].clone())
        .collect();
    assert_eq!(statuses, ["sent", "confirmed"]);
    assert_eq!(payments[1].payload["person_id"], p);

    let res = app.get("/v1/public/fund-use", None).await;
    let disclosed = body(res).await;
    assert_eq!(disclosed["rows"][0]["amount_fen"], STANDARD, "{disclosed}");
    assert_eq!(disclosed["rows"][0]["kind"], "training");
    assert_eq!(disclosed["rows"][0]["payments"], 1);
    assert_eq!(disclosed["median_days"], 0, "claimed and paid the same day");
    assert_eq!(disclosed["p90_days"], 0);
    assert!(!disclosed.to_string().contains(&p), "no personal data");
    app.stop().await;
}

#[tokio::test]
async fn a_certificate_revoked_after_payment_orders_one_recovery() {
    let app = start().await;
    let (_, p, cert) = paid_claim(&app, 111).await;
    let cert_id: Uuid = cert.payload["certificate_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let revoked = certificate(&p, cert_id, true);
    publish(&app, &[revoked.clone(), revoked.clone(), again(&revoked)]).await;
    wait_for_claims(&app, |c| c.len() == 1 && c[0]["status"] == "recovered").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let orders = read_topic(
        &app.cfg.kafka,
        &app.cfg.kafka.topic(RECOVERIES_TOPIC),
        2,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].payload["amount_fen"], STANDARD);
    assert_eq!(orders[0].payload["cause"], "certificate_revoked");
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(pot["receivable_fen"], STANDARD);
    assert_eq!(pot["paid_fen"], 0);
    app.stop().await;
}

#[tokio::test]
async fn a_bank_result_with_unknown_references_is_reported_per_line() {
    let app = start().await;
    let inst = institution(121);
    let p = person(121);
    allocate(&app, "employment_subsidy", 1_000_000).await;
    publish(
        &app,
        &[
            inst.event.clone(),
            catalogue_entry(),
            completion(&p, inst.id),
        ],
    )
    .await;
    publish(&app, &[certificate(&p, Uuid::now_v7(), false)]).await;
    wait_for_claims(&app, |c| c.len() == 1 && c[0]["status"] == "approved").await;
    let res = app
        .put(
            &format!("/v1/payees/institution:{}/bank-account", inst.id),
            Some(&institution_token(&inst.credit_code)),
            &serde_json::json!({ "account_no": "6222020200112233445", "account_name": "培训学校" }),
        )
        .await;
    // The institution proposes its own account; an officer approves it.
    approved(&app, res).await;
    let res = app
        .post(
            "/v1/payout-batches",
            Some(&officer()),
            &serde_json::json!({ "batch_no": "B121", "fund": "employment_subsidy" }),
        )
        .await;
    approved(&app, res).await;
    let result = "reference,status,amount,reason\r\nNOPE-0001,success,1500.00,\r\nB121-0001,failed,1500.00,account closed\r\n";
    let report = approved(&app, propose_result(&app, "B121", result).await).await;
    assert_eq!(
        report["lines"][0]["outcome"], "unknown_reference",
        "{report}"
    );
    assert_eq!(report["lines"][1]["outcome"], "failed");
    assert_eq!(
        (
            report["confirmed"].clone(),
            report["failed"].clone(),
            report["needs_attention"].clone()
        ),
        (0.into(), 1.into(), 1.into())
    );
    let list = claims(&app, &officer()).await;
    assert_eq!(
        list[0]["status"], "approved",
        "payable again after the failure"
    );
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(pot["payable_fen"], STANDARD);
    assert_eq!(pot["in_bank_fen"], 0);
    app.stop().await;
}

/// A second file confirming a line already paid means the bank paid it
/// twice: reported, never applied. Every applied file is kept as a
/// reconciliation an officer or auditor lists, reads and exports.
#[tokio::test]
async fn a_line_confirmed_twice_is_reported_paid_twice_and_every_reconciliation_is_kept() {
    let app = start().await;
    paid_claim(&app, 125).await;
    let second = "reference,status,amount,reason\r\n\
                  B125-0001,success,1500.00,\r\n\
                  NOPE-0001,success,1.00,\r\n\
                  B125-0001,failed,1500.00,account closed\r\n\
                  =CMD,success,1.00,\r\n";
    let report = approved(&app, propose_result(&app, "B125", second).await).await;
    let outcomes: Vec<_> = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].clone(), l["outcome"].clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (2.into(), "paid_twice".into()),
            (3.into(), "unknown_reference".into()),
            (4.into(), "duplicate".into()),
            (5.into(), "unknown_reference".into()),
        ],
        "{report}"
    );
    assert_eq!(
        (
            report["confirmed"].clone(),
            report["failed"].clone(),
            report["needs_attention"].clone(),
            report["missing"].clone()
        ),
        (0.into(), 0.into(), 4.into(), serde_json::json!([]))
    );
    // The ledger paid once.
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(
        (pot["paid_fen"].clone(), pot["in_bank_fen"].clone()),
        (STANDARD.into(), 0.into())
    );
    assert_eq!(claims(&app, &officer()).await[0]["status"], "paid");
    // The very same file again is refused before anyone approves it.
    problem(
        propose_result(&app, "B125", second).await,
        409,
        "bank_result_already_applied",
    )
    .await;

    let auditor = test_support::token(platform::auth::Role::Auditor, Some("350100"), None);
    let res = app.get("/v1/bank-reconciliations", Some(&auditor)).await;
    assert_eq!(res.status(), 200);
    let listed = body(res).await;
    let figures: Vec<_> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["batch_no"].clone(),
                r["confirmed"].clone(),
                r["needs_attention"].clone(),
                r["approved_by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            ("B125".into(), 0.into(), 4.into(), "second-officer".into()),
            ("B125".into(), 1.into(), 0.into(), "second-officer".into()),
        ],
        "newest first: {listed}"
    );
    let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(id, report["reconciliation_id"].as_str().unwrap());
    let res = app
        .get(
            "/v1/bank-reconciliations?needs_attention=true&limit=1",
            Some(&officer()),
        )
        .await;
    let attention = body(res).await;
    assert_eq!(attention["items"].as_array().unwrap().len(), 1);
    assert_eq!(attention["items"][0]["id"], id.as_str());
    assert!(attention.get("next_cursor").is_none(), "{attention}");
    let res = app
        .get("/v1/bank-reconciliations?limit=1", Some(&officer()))
        .await;
    let first = body(res).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let res = app
        .get(
            &format!("/v1/bank-reconciliations?limit=1&cursor={cursor}"),
            Some(&officer()),
        )
        .await;
    let next = body(res).await;
    assert_eq!(next["items"][0]["id"], listed["items"][1]["id"]);
    assert!(next.get("next_cursor").is_none());

    let res = app
        .get(&format!("/v1/bank-reconciliations/{id}"), Some(&auditor))
        .await;
    assert_eq!(res.status(), 200);
    let kept = body(res).await;
    assert_eq!(kept["report"], report, "kept as approved");
    assert_eq!(kept["summary"], listed["items"][0]);
    let res = app
        .get(
            &format!("/v1/bank-reconciliations/{id}/export"),
            Some(&officer()),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.unwrap(),
        "line,reference,outcome,detail\r\n\
         2,B125-0001,paid_twice,an earlier file confirmed this line: the bank paid it twice; take it up with the bank\r\n\
         3,NOPE-0001,unknown_reference,the reference is not a line of this batch\r\n\
         4,B125-0001,duplicate,the reference was already answered earlier in the file\r\n\
         5,'=CMD,unknown_reference,the reference is not a line of this batch\r\n"
    );
    problem(
        app.get(
            &format!("/v1/bank-reconciliations/{}", Uuid::now_v7()),
            Some(&officer()),
        )
        .await,
        404,
        "reconciliation_not_found",
    )
    .await;
    let inst = institution_token(&institution(125).credit_code);
    assert_eq!(
        app.get("/v1/bank-reconciliations", Some(&inst))
            .await
            .status(),
        403
    );
    // A later file silent on the line: it is settled, not missing.
    let third = "reference,status,amount,reason\r\nNOPE-0002,success,1.00,\r\n";
    let report = approved(&app, propose_result(&app, "B125", third).await).await;
    assert_eq!(
        (report["missing"].clone(), report["needs_attention"].clone()),
        (serde_json::json!([]), 1.into()),
        "{report}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_officer_recovers_a_paid_claim_found_fraudulent_once() {
    let app = start().await;
    paid_claim(&app, 131).await;
    let claim = claims(&app, &officer()).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("/v1/claims/{claim}/recovery");
    let why = serde_json::json!({ "reason": "虚假考勤记录" });
    let res = app.post(&url, Some(&officer()), &why).await;
    assert_eq!(res.status(), 201);
    let order = body(res).await;
    assert_eq!(order["cause"], "fraud");
    assert_eq!(order["amount_fen"], STANDARD);
    problem(
        app.post(&url, Some(&officer()), &why).await,
        409,
        "claim_not_paid",
    )
    .await;
    assert_eq!(
        pot(&app, "employment_subsidy").await["receivable_fen"],
        STANDARD
    );
    app.stop().await;
}
