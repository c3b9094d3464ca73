//! Demand intake through the five channels, and the aggregated view.

use platform::auth::Role;
use serde_json::{json, Value};

use crate::harness::{app, body, fields, officer, problem, CITY};

const ENTERPRISE: &str = "91350100M000100Y43";
const OTHER: &str = "91110000100000000R";

fn demand(code: &str, level: &str, headcount: i32, channel: &str, org: Option<&str>) -> Value {
    json!({
        "city": CITY,
        "occupation_code": code,
        "skill_level": level,
        "headcount": headcount,
        "period_from": "2026-03-01",
        "period_to": "2026-12-31",
        "channel": channel,
        "submitter_org": org,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demands_from_every_channel_are_aggregated_per_occupation_level_and_city() {
    let app = app().await;
    let enterprise = test_support::token(Role::Enterprise, Some(CITY), Some(ENTERPRISE));
    let integrator =
        test_support::token_with(Role::Integrator, None, Some(OTHER), Some("demands:submit"));
    let officer = officer(CITY);

    let submissions = [
        (
            &enterprise,
            demand("6-31-01-03", "senior", 40, "enterprise", Some(ENTERPRISE)),
        ),
        (
            &integrator,
            demand("6-31-01-03", "senior", 25, "gig_market", Some(OTHER)),
        ),
        (
            &officer,
            demand("6-31-01-03", "senior", 10, "trade_union", None),
        ),
        (
            &officer,
            demand(
                "4-10-01-05",
                "junior",
                120,
                "public_employment_service",
                None,
            ),
        ),
    ];
    for (token, req) in &submissions {
        let res = app.post("/v1/demands", Some(token), req).await;
        assert_eq!(res.status(), 201, "{req}");
    }
    let summary = body(
        app.get(
            "/v1/demands/summary?from=2026-01-01&to=2026-12-31",
            Some(&officer),
        )
        .await,
    )
    .await;
    assert_eq!(
        summary,
        json!([
            { "city": CITY, "occupation_code": "4-10-01-05", "skill_level": "junior", "demand_count": 1, "total_headcount": 120, "channels": ["public_employment_service"] },
            { "city": CITY, "occupation_code": "6-31-01-03", "skill_level": "senior", "demand_count": 3, "total_headcount": 75, "channels": ["enterprise", "gig_market", "trade_union"] },
        ])
    );
    // Outside the period nothing is counted.
    let none = body(
        app.get(
            "/v1/demands/summary?from=2025-01-01&to=2025-12-31",
            Some(&officer),
        )
        .await,
    )
    .await;
    assert_eq!(none, json!([]));

    // Newest first, a page at a time.
    let page = body(app.get("/v1/demands?limit=3", Some(&officer)).await).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(page["items"][0]["headcount"], 120);
    let cursor = page["next_cursor"].as_str().expect("more pages");
    let rest = body(
        app.get(
            &format!("/v1/demands?limit=3&cursor={cursor}"),
            Some(&officer),
        )
        .await,
    )
    .await;
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest["items"][0]["submitter_org"], ENTERPRISE);
    assert!(rest.get("next_cursor").is_none());
    let only = body(
        app.get("/v1/demands?channel=gig_market", Some(&officer))
            .await,
    )
    .await;
    assert_eq!(only["items"].as_array().map(Vec::len), Some(1));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demand_is_refused_whole_with_every_bad_field_and_enterprises_speak_for_themselves() {
    let app = app().await;
    let officer = officer(CITY);
    let mut bad = demand(
        "6-31-01-03",
        "senior",
        0,
        "trade_union",
        Some("91350100M000100Y44"),
    );
    bad["period_to"] = json!("2026-01-01");
    let p = problem(
        app.post("/v1/demands", Some(&officer), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            ("submitter_org", "credit_code_check_digit"),
            ("headcount", "headcount_range"),
            ("period_to", "period_reversed")
        ]
        .map(|(f, c)| (f.to_owned(), c.to_owned()))
    );
    let p = problem(
        app.post(
            "/v1/demands",
            Some(&officer),
            &demand("6-31-01-03", "senior", 1, "rumour", None),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "channel");

    let enterprise = test_support::token(Role::Enterprise, Some(CITY), Some(ENTERPRISE));
    problem(
        app.post(
            "/v1/demands",
            Some(&enterprise),
            &demand("6-31-01-03", "senior", 5, "enterprise", Some(OTHER)),
        )
        .await,
        403,
        "demand_not_allowed",
    )
    .await;
    // A system submits demands only with the scope for it.
    let unscoped =
        test_support::token_with(Role::Integrator, None, Some(OTHER), Some("registry:apply"));
    problem(
        app.post(
            "/v1/demands",
            Some(&unscoped),
            &demand("6-31-01-03", "senior", 5, "gig_market", Some(OTHER)),
        )
        .await,
        403,
        "scope_missing",
    )
    .await;
    let integrator =
        test_support::token_with(Role::Integrator, None, Some(OTHER), Some("demands:submit"));
    let p = problem(
        app.post(
            "/v1/demands",
            Some(&integrator),
            &demand("6-31-01-03", "senior", 5, "gig_market", None),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "submitter_org_required");
    let mut elsewhere = demand("6-31-01-03", "senior", 5, "trade_union", None);
    elsewhere["city"] = json!("350200");
    problem(
        app.post("/v1/demands", Some(&officer), &elsewhere).await,
        422,
        "validation_failed",
    )
    .await;
    problem(
        app.get("/v1/demands", Some(&enterprise)).await,
        403,
        "forbidden_role",
    )
    .await;

    let page = body(app.get("/v1/demands", Some(&officer)).await).await;
    assert_eq!(page["items"], json!([]), "nothing was stored");
    app.stop().await;
}
