//! Filing bodies, their scope and suspension; sessions and candidates.

use serde_json::json;
use test_support::body;

use crate::harness::*;

#[tokio::test]
async fn a_body_schedules_only_within_its_scope_and_only_with_its_own_staff() {
    let app = start().await;
    let b = file_body(&app, 11, "social_organisation").await;
    assert_eq!(b.code.len(), 4);

    let res = app
        .post(
            "/v1/sessions",
            Some(&b.token),
            &session_request(&b, "junior"),
        )
        .await;
    let p = problem(res, 422, "validation_failed").await;
    assert!(
        fields(&p).iter().any(|(_, code)| code == "out_of_scope"),
        "{p}"
    );

    let other = file_body(&app, 12, "social_organisation").await;
    let mut req = session_request(&b, "senior");
    req["supervisor_id"] = json!(other.supervisor);
    let p = problem(
        app.post("/v1/sessions", Some(&b.token), &req).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("supervisor_id".to_owned(), "not_a_supervisor".to_owned())]
    );

    // Another body does not even see the session.
    let session = schedule(&app, &b, "senior").await;
    let res = app
        .get(&format!("/v1/sessions/{session}"), Some(&other.token))
        .await;
    problem(res, 404, "session_not_found").await;
    let res = app
        .get(&format!("/v1/sessions/{session}"), Some(&officer()))
        .await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn filing_names_every_bad_field() {
    let app = start().await;
    let res = app
        .post(
            "/v1/assessment-bodies",
            Some(&officer()),
            &json!({
                "credit_code": "91350100MA000000I1",
                "name": "",
                "kind": "social_organisation",
                "lead_enterprise": true,
                "valid_from": "2026-01-01",
                "valid_until": "2025-01-01",
                "scope": [{ "assessment_kind": "certification", "occupation_code": "6-31", "skill_level": "senior" }],
            }),
        )
        .await;
    let p = problem(res, 422, "validation_failed").await;
    let mut named: Vec<String> = fields(&p).into_iter().map(|(f, _)| f).collect();
    named.sort();
    assert_eq!(
        named,
        [
            "credit_code",
            "lead_enterprise",
            "name",
            "scope[0].occupation_code",
            "valid_until"
        ]
    );
    let res = app
        .post(
            "/v1/assessment-bodies",
            Some(&assessor(&credit_code(1))),
            &json!({}),
        )
        .await;
    assert!(res.status() == 403 || res.status() == 422);
    app.stop().await;
}

#[tokio::test]
async fn completers_register_from_delivery_and_direct_applicants_meet_the_entry_rules() {
    let app = start().await;
    let b = file_body(&app, 21, "social_organisation").await;
    let session = schedule(&app, &b, "senior").await;

    // No completion on record: refused.
    let stranger = citizen(201);
    let res = app
        .post(
            &format!("/v1/sessions/{session}/candidates"),
            Some(&b.token),
            &json!({ "citizen_id": stranger, "name": "王五", "route": "completion" }),
        )
        .await;
    problem(res, 409, "no_completion").await;

    // A completer registers; the ID comes back masked; twice is refused.
    let trainee = citizen(202);
    let class_id = complete(&app, &trainee).await;
    let c = register_completer(&app, &b, &session, &trainee, "林晓明").await;
    assert_eq!(c["class_id"], json!(class_id));
    assert!(c["citizen_id_masked"].as_str().unwrap().contains("****"));
    assert!(!c.to_string().contains(&trainee));
    let res = app
        .post(
            &format!("/v1/sessions/{session}/candidates"),
            Some(&b.token),
            &json!({ "citizen_id": trainee, "name": "林晓明", "route": "completion" }),
        )
        .await;
    problem(res, 409, "already_registered").await;

    // Direct: senior needs ten years without the intermediate certificate.
    let direct = |years: i64| json!({ "citizen_id": citizen(203), "name": "赵六", "route": "direct", "experience_years": years });
    let res = app
        .post(
            &format!("/v1/sessions/{session}/candidates"),
            Some(&b.token),
            &direct(6),
        )
        .await;
    let p = problem(res, 422, "validation_failed").await;
    assert_eq!(
        fields(&p),
        [("experience_years".to_owned(), "entry_rule".to_owned())]
    );
    let res = app
        .post(
            &format!("/v1/sessions/{session}/candidates"),
            Some(&b.token),
            &direct(10),
        )
        .await;
    assert_eq!(res.status(), 201);

    // A malformed citizen ID is named.
    let res = app
        .post(
            &format!("/v1/sessions/{session}/candidates"),
            Some(&b.token),
            &json!({ "citizen_id": "350102199003071235", "name": "钱七", "route": "completion" }),
        )
        .await;
    let p = problem(res, 422, "validation_failed").await;
    assert_eq!(fields(&p)[0].0, "citizen_id");
    let got = body(
        app.get(&format!("/v1/sessions/{session}"), Some(&b.token))
            .await,
    )
    .await;
    assert_eq!(got["candidates"].as_array().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn leading_talents_need_a_five_year_plan() {
    let app = start().await;
    let plan = |years: i64| -> Vec<serde_json::Value> {
        (1..=years)
            .map(|y| json!({ "year_offset": y, "goals": format!("第{y}年：攻关项目") }))
            .collect()
    };
    let talent = |years: i64| {
        json!({
            "selection_year": 2026,
            "citizen_id": citizen(301),
            "name": "黄大师",
            "occupation_code": OCCUPATION,
            "skill_level": "senior_technician",
            "employer_credit_code": credit_code(301),
            "plan": plan(years),
        })
    };
    let p = problem(
        app.post("/v1/leading-talents", Some(&officer()), &talent(4))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), [("plan".to_owned(), "plan_years".to_owned())]);
    let select = || {
        app.request(
            reqwest::Method::POST,
            "/v1/leading-talents",
            Some(&officer()),
        )
        .header("Idempotency-Key", "talent-2026-1")
        .json(&talent(5))
        .send()
    };
    let res = select().await.expect("request");
    assert_eq!(res.status(), 201);
    let selected = body(res).await;
    assert_eq!(selected["cultivation_ends"], 2030);
    // Retried with its key: the same answer, selected once.
    let res = select().await.expect("request");
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["Idempotent-Replayed"], "true");
    assert_eq!(body(res).await, selected);
    problem(
        app.post("/v1/leading-talents", Some(&officer()), &talent(5))
            .await,
        409,
        "already_selected",
    )
    .await;
    let list = body(
        app.get("/v1/leading-talents?year=2026", Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(list["count"], 1);
    app.stop().await;
}
