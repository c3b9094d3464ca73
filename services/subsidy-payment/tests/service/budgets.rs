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
    assert_eq!(res.status(), 201);
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
/// budget below zero, whatever the code does.
#[tokio::test]
async fn the_database_keeps_the_ledger_append_only_balanced_and_not_negative() {
    use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
    let app = start().await;
    allocate(&app, "employment_subsidy", 10_000).await;
    let mut conn = app.pool.get().await.unwrap();
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
        let mut conn = diesel_async::AsyncPgConnection::establish(&app.cfg.database.url)
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
    publish(
        &app,
        "/350100/history",
        &[inst.event.clone(), catalogue_entry(), done.clone()],
    )
    .await;
    publish(
        &app,
        "/350100/skill-assessment",
        &[certificate(&p, uuid::Uuid::now_v7(), false)],
    )
    .await;
    // Filed while the evidence arrives, the claim ends refused for money
    // alone, and nothing is recorded.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let res = app
            .post(
                "/v1/claims",
                Some(&institution_token(&inst.credit_code)),
                &json!({ "kind": "training", "enrolment_id": done.payload["enrolment_id"] }),
            )
            .await;
        if res.status() == 422 {
            let p = body(res).await;
            if fields(&p)[0].1 == "no_fund" {
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "evidence never arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(claims(&app, &officer()).await.is_empty());
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let list = claims(&app, &officer()).await;
    assert_eq!(list.len(), 1, "decided within the allocation");
    assert_eq!(list[0]["status"], "approved");
    app.stop().await;
}
