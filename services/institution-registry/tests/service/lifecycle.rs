//! Application → review → sanctions, and the events they publish.

use contracts::registry::{INSTITUTIONS_TOPIC, TEACHERS_TOPIC, VENUES_TOPIC};
use serde_json::json;
use test_support::read_topic;

use crate::harness::{app, applied, approval, body, listed, officer, problem, OTHER, SCHOOL, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_institution_is_announced_with_its_scope_teachers_and_venues() {
    let app = app().await;
    let id = applied(&app, SCHOOL).await;
    let pending = body(
        app.get(&format!("/v1/institutions/{id}"), Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(pending["status"], "pending");
    assert_eq!(pending["requested_scope"].as_array().map(Vec::len), Some(2));
    assert_eq!(pending["granted_scope"], json!([]));

    let res = app
        .post(
            &format!("/v1/institutions/{id}/approve"),
            Some(&officer()),
            &approval(),
        )
        .await;
    assert_eq!(res.status(), 200);
    let approved = body(res).await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["selection_method"], "open_selection");
    assert_eq!(approved["decided_by"], "bureau_officer-tester");

    let kafka = &app.cfg.kafka;
    let events = read_topic(kafka, &kafka.topic(INSTITUTIONS_TOPIC), 1, WAIT)
        .await
        .expect("institutions");
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].headers["ce_type"],
        "qiancheng.registry.institution.approved.v1"
    );
    assert_eq!(
        events[0].headers["ce_source"],
        "/350100/institution-registry"
    );
    assert_eq!(events[0].key.as_deref(), Some(id.as_str()));
    let scope = &events[0].payload["scope"];
    assert_eq!(scope.as_array().map(Vec::len), Some(2));
    assert_eq!(
        scope[1],
        json!({ "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" })
    );
    let teachers = read_topic(kafka, &kafka.topic(TEACHERS_TOPIC), 1, WAIT)
        .await
        .expect("teachers");
    assert_eq!(
        teachers[0].payload["may_teach"],
        json!([{ "occupation_code": "6-31-01-03", "skill_level": "senior" }])
    );
    let venues = read_topic(kafka, &kafka.topic(VENUES_TOPIC), 1, WAIT)
        .await
        .expect("venues");
    assert_eq!(venues[0].payload["capacity"], 40);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sanctions_follow_the_lifecycle_and_reach_the_topic() {
    let app = app().await;
    let id = listed(&app, SCHOOL).await;
    let url = |action: &str| format!("/v1/institutions/{id}/{action}");
    let fraud = json!({ "reason_kind": "fraud", "detail": "虚报培训人数" });
    assert_eq!(
        body(app.post(&url("suspend"), Some(&officer()), &fraud).await).await["status"],
        "suspended"
    );
    problem(
        app.post(&url("suspend"), Some(&officer()), &fraud).await,
        409,
        "invalid_transition",
    )
    .await;
    let back = app
        .post(
            &url("reinstate"),
            Some(&officer()),
            &json!({ "detail": "整改完成" }),
        )
        .await;
    assert_eq!(body(back).await["status"], "approved");
    let scope = json!({ "reason": "收窄", "scope": [{ "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2026-06-30" }] });
    assert_eq!(
        body(app.put(&url("scope"), Some(&officer()), &scope).await).await["granted_scope"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let removed = body(
        app.post(
            &url("remove"),
            Some(&officer()),
            &json!({ "reason_kind": "subcontracting", "detail": "转包" }),
        )
        .await,
    )
    .await;
    assert_eq!(removed["status"], "removed");
    let actions: Vec<_> = removed["sanctions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(actions, ["suspended", "reinstated", "removed"]);
    problem(
        app.post(
            &url("reinstate"),
            Some(&officer()),
            &json!({ "detail": "x" }),
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;

    let kafka = &app.cfg.kafka;
    let events = read_topic(kafka, &kafka.topic(INSTITUTIONS_TOPIC), 5, WAIT)
        .await
        .expect("institutions");
    let seen: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e.headers["ce_type"]
                    .trim_start_matches("qiancheng.registry.institution.")
                    .to_owned(),
                e.payload["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let want = [
        ("approved.v1", "approved"),
        ("suspended.v1", "suspended"),
        ("reinstated.v1", "approved"),
        ("scope_changed.v1", "approved"),
        ("removed.v1", "removed"),
    ];
    assert_eq!(seen, want.map(|(t, s)| (t.to_owned(), s.to_owned())));
    assert_eq!(events[1].payload["reason"], "fraud: 虚报培训人数");

    // Removed, the organisation may apply again.
    applied(&app, SCHOOL).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_high_skill_base_is_always_listed_and_an_application_is_live_once() {
    let app = app().await;
    let mut base = crate::harness::application(OTHER);
    base["high_skill_base"] = json!(true);
    let res = app
        .post(
            "/v1/applications",
            Some(&crate::harness::operator(OTHER)),
            &base,
        )
        .await;
    let id = body(res).await["id"].as_str().expect("id").to_owned();
    problem(
        app.post(
            &format!("/v1/institutions/{id}/reject"),
            Some(&officer()),
            &json!({ "reason": "no" }),
        )
        .await,
        409,
        "high_skill_base_always_listed",
    )
    .await;
    problem(
        app.post(
            "/v1/applications",
            Some(&crate::harness::operator(OTHER)),
            &base,
        )
        .await,
        409,
        "institution_exists",
    )
    .await;
    let ordinary = applied(&app, SCHOOL).await;
    let rejected = app
        .post(
            &format!("/v1/institutions/{ordinary}/reject"),
            Some(&officer()),
            &json!({ "reason": "场地不符" }),
        )
        .await;
    assert_eq!(body(rejected).await["status"], "rejected");
    app.stop().await;
}
