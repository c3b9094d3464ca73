//! Budgets per city × year × fund: allocations, reductions, history.

use serde_json::json;
use test_support::body;

use crate::harness::*;

#[tokio::test]
async fn a_reduction_below_zero_is_refused_and_changes_nothing() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 10_000).await;
    let reduce = |amount: serde_json::Value| json!({ "fund": "employment_subsidy", "year": year(), "amount_fen": amount, "memo": "调减" });
    let res = app
        .post(
            "/v1/budgets/reductions",
            Some(&officer()),
            &reduce(json!(15_000)),
        )
        .await;
    problem(res, 422, "balance_would_go_negative").await;
    for bad in [json!(-5), json!(12.5), json!(0), json!("1.5")] {
        let res = app
            .post(
                "/v1/budgets/allocations",
                Some(&officer()),
                &reduce(bad.clone()),
            )
            .await;
        let p = problem(res, 422, "validation_failed").await;
        assert_eq!(fields(&p)[0].0, "amount_fen", "{bad}");
    }
    let pot = pot(&app, "employment_subsidy").await;
    assert_eq!(pot["allocated_fen"], 10_000);
    assert_eq!(pot["available_fen"], 10_000);

    let res = app
        .post(
            "/v1/budgets/reductions",
            Some(&officer()),
            &reduce(json!("4000")),
        )
        .await;
    let change = approved(&app, res).await;
    assert_eq!(
        (&change["changed_by"], &change["approved_by"]),
        (&json!("bureau_officer-tester"), &json!("second-officer"))
    );
    let res = app
        .get(
            "/v1/budgets/history?fund=employment_subsidy",
            Some(&officer()),
        )
        .await;
    let history = body(res).await;
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["allocation", "reduction"]);
    assert!(history
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["approved_by"] == "second-officer"));
    assert_eq!(pot_available(&app).await, 6_000);

    let res = app
        .post(
            "/v1/budgets/allocations",
            Some(&institution_token(&credit_code(1))),
            &reduce(json!(1)),
        )
        .await;
    problem(res, 403, "forbidden_role").await;
    app.stop().await;
}

async fn pot_available(app: &App) -> i64 {
    pot(app, "employment_subsidy").await["available_fen"]
        .as_i64()
        .unwrap()
}

/// The database itself keeps the ledger append-only and balanced, with no
/// budget below zero, whatever the code does — even connected as the
/// owner (the serving role may not even try: see below).
#[tokio::test]
async fn the_database_keeps_the_ledger_append_only_balanced_and_not_negative() {
    use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
    let app = start().await;
    allocate(&app, "employment_subsidy", 10_000).await;
    let db = &app.cfg.database;
    let mut conn = db
        .connector()
        .unwrap()
        .connect(&db.owner_url)
        .await
        .unwrap();
    for sql in [
        "UPDATE subsidy_payment.ledger_postings SET amount_fen = amount_fen * 2",
        "DELETE FROM subsidy_payment.ledger_postings",
        "DELETE FROM subsidy_payment.ledger_transactions",
    ] {
        let err = diesel::sql_query(sql).execute(&mut conn).await;
        assert!(
            err.is_err_and(|e| e.to_string().contains("append-only")),
            "{sql}"
        );
    }
    let insert = |amounts: [(&'static str, i64); 2]| {
        let id = uuid::Uuid::now_v7();
        let mut sql = format!(
            "INSERT INTO subsidy_payment.ledger_transactions (id, kind, body, recorded_by) \
             VALUES ('{id}', 'allocation', '{{}}', 'test');"
        );
        for (line, (account, amount)) in amounts.into_iter().enumerate() {
            sql.push_str(&format!(
                "INSERT INTO subsidy_payment.ledger_postings \
                 (tx_id, line, account_type, fund, city, year, amount_fen) \
                 VALUES ('{id}', {}, '{account}', 'employment_subsidy', '350100', {}, {amount});",
                line + 1,
                year()
            ));
        }
        sql
    };
    for (postings, why) in [
        (
            [("budget", 100), ("appropriation", -99)],
            "does not balance",
        ),
        (
            [("budget", -20_000), ("appropriation", 20_000)],
            "would be negative",
        ),
    ] {
        let sql = insert(postings);
        // A connection of its own: a failed commit leaves it unusable.
        let mut conn = app
            .cfg
            .database
            .connector()
            .unwrap()
            .connect(&app.cfg.database.url)
            .await
            .unwrap();
        let res = conn
            .transaction::<_, diesel::result::Error, _>(|c| {
                Box::pin(async move { c.batch_execute(&sql).await })
            })
            .await;
        let err = res.expect_err(why).to_string();
        assert!(err.contains(why), "{why}: {err}");
    }
    assert_eq!(
        pot(&app, "employment_subsidy").await["available_fen"],
        10_000
    );
    drop(conn);
    app.stop().await;
}

#[tokio::test]
async fn subsidies_waiting_for_budget_are_decided_when_it_is_allocated() {
    let app = start().await;
    let inst = institution(501);
    let p = person(501);
    let done = completion(&p, inst.id);
    publish(&app, &[inst.event.clone(), catalogue_entry(), done.clone()]).await;
    publish(&app, &[certificate(&p, uuid::Uuid::now_v7(), false)]).await;
    // Filed while the evidence arrives, the claim ends refused for money
    // alone, and nothing is recorded.
    let training = json!({ "kind": "training", "enrolment_id": done.payload["enrolment_id"] });
    test_support::eventually(WAIT, || async {
        let res = app
            .post(
                "/v1/claims",
                Some(&institution_token(&inst.credit_code)),
                &training,
            )
            .await;
        let status = res.status();
        let p = body(res).await;
        match fields(&p).first() {
            Some((_, code)) if status == 422 && code == "no_fund" => Ok(()),
            _ => Err(format!("the evidence has not all arrived: {status} {p}")),
        }
    })
    .await;
    assert!(claims(&app, &officer()).await.is_empty());
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let list = claims(&app, &officer()).await;
    assert_eq!(list.len(), 1, "decided within the allocation");
    assert_eq!(list[0]["status"], "approved");
    app.stop().await;
}

/// The serving role may add to the ledger and nothing more: the rules that
/// keep it honest (append-only triggers, the deferred balance check, the
/// running balances) are out of its reach; only the owner, which never
/// serves, could change them.
#[tokio::test]
async fn the_serving_role_cannot_loosen_the_ledgers_rules() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 10_000).await;
    let db = &app.cfg.database;
    assert!(db.url.contains("subsidy_payment_app"), "{}", db.url);
    use diesel_async::SimpleAsyncConnection;
    for (sql, refusal) in [
        (
            "ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_append_only",
            "must be owner",
        ),
        ("ALTER TABLE ledger_postings DISABLE TRIGGER ALL", "must be owner"),
        (
            "DROP TRIGGER ledger_postings_balanced ON ledger_postings",
            "must be owner",
        ),
        (
            "CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger \
             LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            "permission denied",
        ),
        ("SET session_replication_role = replica", "permission denied"),
        ("UPDATE ledger_postings SET amount_fen = 1", "permission denied"),
        ("DELETE FROM ledger_transactions", "permission denied"),
        ("TRUNCATE ledger_postings", "permission denied"),
        ("UPDATE ledger_balances SET balance_fen = 0", "permission denied"),
        (
            "INSERT INTO ledger_balances VALUES ('budget', 'employment_subsidy', '350100', 2026, '', 1)",
            "permission denied",
        ),
        ("CREATE TABLE sneaky (id int)", "permission denied"),
    ] {
        let mut conn = db.connector().unwrap().connect(&db.url).await.unwrap();
        let err = conn.batch_execute(sql).await.expect_err(sql).to_string();
        assert!(err.contains(refusal), "{sql}: {err}");
    }
    assert_eq!(pot_available(&app).await, 10_000);
    app.stop().await;
}

/// One officer alone moves no money: an allocation or reduction waits for
/// a second officer; the proposer cannot approve it; a rejected, withdrawn
/// or expired proposal changes nothing; and one whose effect the budget no
/// longer covers when approved fails, changing nothing.
#[tokio::test]
async fn a_budget_changes_only_when_a_second_officer_approves() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let change = |amount: i64| json!({ "fund": "employment_subsidy", "year": year(), "amount_fen": amount, "memo": "调整" });
    let propose = |path: &'static str, amount: i64| {
        let app = &app;
        async move {
            let res = app.post(path, Some(&officer()), &change(amount)).await;
            assert_eq!(res.status(), 202);
            body(res).await
        }
    };
    let decide =
        |id: &serde_json::Value, verb: &'static str, token: String, body_: serde_json::Value| {
            let app = &app;
            let path = format!("/v1/proposals/{}/{verb}", id.as_str().unwrap());
            async move { app.post(&path, Some(&token), &body_).await }
        };

    let p = propose("/v1/budgets/allocations", 5_000).await;
    assert_eq!(p["status"], "pending");
    assert_eq!(p["summary"]["request"]["amount_fen"], 5_000);
    assert_eq!(
        pot_available(&app).await,
        1_000_000,
        "nothing moves before approval"
    );
    // The proposer cannot approve or reject it; an auditor cannot decide.
    problem(
        decide(&p["id"], "approve", officer(), json!({})).await,
        403,
        "same_officer",
    )
    .await;
    problem(
        decide(&p["id"], "reject", officer(), json!({ "reason": "x" })).await,
        403,
        "same_officer",
    )
    .await;
    let auditor = test_support::token(platform::auth::Role::Auditor, Some("350100"), None);
    problem(
        decide(&p["id"], "approve", auditor, json!({})).await,
        403,
        "forbidden_role",
    )
    .await;
    // One open proposal of a kind per pot.
    problem(
        app.post("/v1/budgets/allocations", Some(&checker()), &change(1))
            .await,
        409,
        "proposal_pending",
    )
    .await;
    let queue = body(
        app.get("/v1/proposals?status=pending", Some(&checker()))
            .await,
    )
    .await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    // Rejected: nothing changes, and it cannot be approved after.
    let rejected = body(
        decide(
            &p["id"],
            "reject",
            checker(),
            json!({ "reason": "文号有误" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (&rejected["status"], &rejected["note"]),
        (&json!("rejected"), &json!("文号有误"))
    );
    problem(
        decide(&p["id"], "approve", checker(), json!({})).await,
        409,
        "proposal_decided",
    )
    .await;
    assert_eq!(pot_available(&app).await, 1_000_000);

    // Withdrawn by its proposer only.
    let p = propose("/v1/budgets/allocations", 5_000).await;
    problem(
        decide(&p["id"], "withdraw", checker(), json!({ "reason": "x" })).await,
        403,
        "not_the_proposer",
    )
    .await;
    let withdrawn =
        body(decide(&p["id"], "withdraw", officer(), json!({ "reason": "重复" })).await).await;
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(pot_available(&app).await, 1_000_000);

    // A reduction the budget covered when proposed, but no longer when
    // approved (a claim took some of it meanwhile), fails and changes
    // nothing.
    let p = propose("/v1/budgets/reductions", 900_000).await;
    assert_eq!(p["summary"]["preview"]["amount_fen"], 900_000);
    let inst = institution(1);
    let person_id = person(1);
    publish(
        &app,
        &[
            inst.event.clone(),
            catalogue_entry(),
            completion(&person_id, inst.id),
            certificate(&person_id, uuid::Uuid::now_v7(), false),
        ],
    )
    .await;
    wait_for_claims(&app, |c| c.len() == 1 && c[0]["status"] == "approved").await;
    let left = pot_available(&app).await;
    assert_eq!(left, 1_000_000 - STANDARD);
    problem(
        decide(&p["id"], "approve", checker(), json!({})).await,
        422,
        "balance_would_go_negative",
    )
    .await;
    let failed = body(
        app.get(
            &format!("/v1/proposals/{}", p["id"].as_str().unwrap()),
            Some(&officer()),
        )
        .await,
    )
    .await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["outcome"]["code"], "balance_would_go_negative");
    assert_eq!(pot_available(&app).await, left);
    app.stop().await;
}

/// An allocation retried with its Idempotency-Key (the answer was lost, the
/// officer's system sends it again), before and after the second officer
/// approved it, is proposed once and allocated once; the key with another
/// amount is refused and changes nothing.
#[tokio::test]
async fn a_retried_allocation_is_proposed_once_and_allocated_once() {
    let app = start().await;
    let keyed = |amount: i64| {
        app.request(reqwest::Method::POST, "/v1/budgets/allocations", Some(&officer()))
            .header("Idempotency-Key", "allocation-2026-001")
            .json(&json!({ "fund": "employment_subsidy", "year": year(), "amount_fen": amount, "memo": "闽财社〔2026〕1号" }))
            .send()
    };
    let first = keyed(5_000).await.expect("request");
    assert_eq!(first.status(), 202);
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let proposal = body(first).await;
    let retried = keyed(5_000).await.expect("request");
    assert_eq!(
        (
            retried.status().as_u16(),
            &retried.headers()["idempotent-replayed"]
        ),
        (202, &"true".parse().unwrap())
    );
    assert_eq!(body(retried).await["id"], proposal["id"]);
    let path = format!("/v1/proposals/{}/approve", proposal["id"].as_str().unwrap());
    let decided = body(app.post(&path, Some(&checker()), &json!({})).await).await;
    assert_eq!(decided["status"], "applied");
    // After the approval, the retry still answers with the first proposal
    // and allocates nothing more.
    let late = keyed(5_000).await.expect("request");
    assert_eq!(late.headers()["idempotent-replayed"], "true");
    assert_eq!(body(late).await["id"], proposal["id"]);
    problem(
        keyed(6_000).await.expect("request"),
        422,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(pot_available(&app).await, 5_000);
    let all = body(
        app.get("/v1/proposals?kind=budget_allocation", Some(&checker()))
            .await,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    app.stop().await;
}
