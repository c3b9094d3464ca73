//! Officers set the city's rules as versions; the next decision uses them.

use serde_json::json;
use test_support::body;

use crate::harness::*;

#[tokio::test]
async fn a_new_rules_version_applies_to_the_next_decision_and_bad_or_stale_ones_change_nothing() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let current = body(app.get("/v1/rules", Some(&officer())).await).await;
    assert_eq!(current["version"], 0, "the configuration's until set");
    assert_eq!(current["rules"]["employment_reward"], 30_000);

    let mut rules = current["rules"].clone();
    rules["employment_reward"] = json!(50_000);
    let mut fraud = current["fraud"].clone();
    let change = |based_on: i64, rules: &serde_json::Value, fraud: &serde_json::Value| json!({ "based_on": based_on, "rules": rules, "fraud": fraud, "reason": "榕人社〔2026〕12号" });

    // Refused, and nothing changes: a cost share not summing to 100 %, a
    // review threshold out of range, an unknown field, an auditor.
    let mut bad_rules = rules.clone();
    bad_rules["cost_sharing"] = json!([{ "kind": "training", "group": null,
        "share": { "government_bp": 6000, "enterprise_bp": 3000, "individual_bp": 0 } }]);
    fraud["review_from"] = json!(0);
    let res = app
        .put(
            "/v1/rules",
            Some(&officer()),
            &change(0, &bad_rules, &fraud),
        )
        .await;
    let p = problem(res, 422, "validation_failed").await;
    let fields: Vec<_> = test_support::fields(&p).into_iter().map(|f| f.0).collect();
    assert_eq!(fields, ["rules", "fraud.review_from"]);
    fraud["review_from"] = json!(30);
    let mut unknown = change(0, &rules, &fraud);
    unknown["rules"]["bonus"] = json!(1);
    problem(
        app.put("/v1/rules", Some(&officer()), &unknown).await,
        422,
        "validation_failed",
    )
    .await;
    let auditor = test_support::token(platform::auth::Role::Auditor, Some("350100"), None);
    problem(
        app.put("/v1/rules", Some(&auditor), &change(0, &rules, &fraud))
            .await,
        403,
        "forbidden_role",
    )
    .await;
    assert_eq!(
        body(app.get("/v1/rules", Some(&officer())).await).await["version"],
        0
    );

    // Proposed by one officer, it is not in force until a second approves.
    let res = app
        .put("/v1/rules", Some(&officer()), &change(0, &rules, &fraud))
        .await;
    assert_eq!(res.status(), 202);
    let proposal = body(res).await;
    assert_eq!(
        body(app.get("/v1/rules", Some(&officer())).await).await["version"],
        0
    );
    let approve = format!("/v1/proposals/{}/approve", proposal["id"].as_str().unwrap());
    problem(
        app.post(&approve, Some(&officer()), &json!({})).await,
        403,
        "same_officer",
    )
    .await;
    let res = app
        .post(&approve, Some(&checker()), &json!({ "note": "已核对文件" }))
        .await;
    assert_eq!(res.status(), 200);
    let decided = body(res).await;
    assert_eq!(decided["outcome"]["version"], 1);
    assert_eq!(decided["outcome"]["approved_by"], "second-officer");
    assert_eq!(decided["note"], "已核对文件");
    problem(
        app.put("/v1/rules", Some(&officer()), &change(0, &rules, &fraud))
            .await,
        409,
        "stale_rules_version",
    )
    .await;
    let versions = body(app.get("/v1/rules/versions", Some(&auditor)).await).await;
    assert_eq!(versions.as_array().map(Vec::len), Some(1));
    assert_eq!(versions[0]["reason"], "榕人社〔2026〕12号");

    // The next employment outcome earns the new reward.
    let inst = institution(501);
    let done = completion(&person(501), inst.id);
    publish(&app, &[inst.event.clone(), done.clone()]).await;
    publish(&app, &[employed(&done)]).await;
    let list = wait_for_claims(&app, |c| c.len() == 1).await;
    assert_eq!(list[0]["amount_fen"], 50_000, "{list:?}");
    app.stop().await;
}
