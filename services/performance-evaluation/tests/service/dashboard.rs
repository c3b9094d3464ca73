//! Targets and the city dashboard: counting rules at the statistical
//! year's boundaries, pro rata on the last day of a month, projection and
//! warning.

use ids::SkillLevel;
use serde_json::json;
use test_support::body;
use uuid::Uuid;

use crate::harness::{
    brand, certificate, close, completion, fields, leading_talent, officer, problem, start,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_counts_by_the_rules_and_warns_when_behind() {
    let t = start().await;
    let token = officer("350100");
    let (school, class) = (Uuid::now_v7(), Uuid::now_v7());

    // Defaults: the province's totals split equally.
    let targets = body(t.app.get("/v1/targets/2026", Some(&token)).await).await;
    assert_eq!(targets["source"], "default");
    assert_eq!(
        targets["targets"],
        json!({ "subsidised_trainings": 20000, "new_skilled_workers": 10000,
            "high_skilled_share": 0.35, "training_brands": 1, "leading_talents": 5 })
    );
    // A target below zero changes nothing.
    let bad = json!({ "subsidised_trainings": -1, "new_skilled_workers": 4,
        "high_skilled_share": 0.5, "training_brands": 1, "leading_talents": 1 });
    let p = problem(
        t.app.put("/v1/targets/2026", Some(&token), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [(
            "subsidised_trainings".to_owned(),
            "target_negative".to_owned()
        )]
    );
    assert_eq!(
        body(t.app.get("/v1/targets/2026", Some(&token)).await).await["source"],
        "default"
    );
    let set = json!({ "subsidised_trainings": 10, "new_skilled_workers": 4,
        "high_skilled_share": 0.5, "training_brands": 1, "leading_talents": 1 });
    let res = t.app.put("/v1/targets/2026", Some(&token), &set).await;
    assert_eq!(body(res).await["source"], "set");

    let mut history = vec![
        // 30 Nov is 2025's; 1 and 3 Dec are 2026's.
        completion(school, class, "a", "2025-11-30", true).1,
        completion(school, class, "b", "2025-12-01", true).1,
        completion(school, class, "c", "2025-12-03", true).1,
        // One person trained twice counts twice (人次).
        completion(school, class, "twice", "2026-03-10", true).1,
        completion(school, class, "twice", "2026-05-31", true).1,
        completion(school, class, "d", "2026-06-01", true).1,
        completion(school, class, "e", "2026-02-01", false).1,
        // P1 certified twice counts once, as high-skilled; P3's is revoked;
        // P4's is 2025's.
        certificate("P1", SkillLevel::Senior, "2026-01-10", None, false).1,
        certificate("P1", SkillLevel::Junior, "2026-04-01", None, false).1,
        certificate("P2", SkillLevel::Intermediate, "2026-05-31", None, false).1,
        certificate("P3", SkillLevel::Technician, "2026-02-02", None, true).1,
        certificate("P4", SkillLevel::Senior, "2025-11-30", None, false).1,
        certificate("P5", SkillLevel::Junior, "2026-06-15", None, false).1,
        brand("2026-01-05"),
        leading_talent("P1", 2026),
    ];
    let repeat = history[3].clone();
    history.push(repeat);
    t.publish(&history).await;
    t.until("/v1/dashboard/figures?year=2026", &token, |f| {
        let a = &f["progress"]["actuals"];
        a["subsidised_trainings"] == 5
            && a["new_skilled_workers"] == 3
            && a["training_brands"] == 1
            && a["leading_talents"] == 1
    })
    .await;

    // Read again: the cached answer. A new target drops it at once.
    let path = "/v1/dashboard/figures?year=2026";
    let again = t.app.get(path, Some(&token)).await;
    assert_eq!(again.headers()["x-cache"], "hit");
    let mut raised = set.clone();
    raised["subsidised_trainings"] = json!(12);
    let res = t.app.put("/v1/targets/2026", Some(&token), &raised).await;
    assert_eq!(res.status(), 200);
    let fresh = t.app.get(path, Some(&token)).await;
    assert_eq!(fresh.headers()["x-cache"], "miss");
    assert_eq!(
        body(fresh).await["progress"]["subsidised_trainings"]["target"],
        12
    );
    t.app.put("/v1/targets/2026", Some(&token), &set).await;

    // On 31 May 2026, 182 of 365 days have passed.
    let f = body(
        t.app
            .get(
                "/v1/dashboard/figures?year=2026&as_of=2026-05-31",
                Some(&token),
            )
            .await,
    )
    .await;
    assert_eq!(
        (&f["city"], &f["targets_source"]),
        (&json!("350100"), &json!("set"))
    );
    let p = &f["progress"];
    assert_eq!(
        (&p["elapsed_days"], &p["total_days"]),
        (&json!(182), &json!(365))
    );
    let trainings = &p["subsidised_trainings"];
    assert_eq!(trainings["actual"], 4);
    assert!(close(&trainings["expected_to_date"], 10.0 * 182.0 / 365.0));
    // 4 × 365 / 182 = 8.02 → 8 < 10: behind.
    assert_eq!(
        (&trainings["projection"], &trainings["behind"]),
        (&json!(8), &json!(true))
    );
    // P1 and P2: 2 × 365 / 182 = 4.01 → 4, on track; one of two high-skilled.
    let skilled = &p["new_skilled_workers"];
    assert_eq!(
        (
            &skilled["actual"],
            &skilled["projection"],
            &skilled["behind"]
        ),
        (&json!(2), &json!(4), &json!(false))
    );
    assert_eq!(p["high_skilled_share"]["actual"], 0.5);
    assert_eq!(p["high_skilled_share"]["behind"], false);
    assert_eq!(p["training_brands"]["behind"], false);
    assert_eq!(p["leading_talents"]["projection"], 2);
    assert_eq!(p["warnings"], json!(["subsidised_trainings"]));

    // On 28 February: 31 + 31 + 28 = 90 days; only December's two.
    let feb = body(
        t.app
            .get(
                "/v1/dashboard/figures?year=2026&as_of=2026-02-28",
                Some(&token),
            )
            .await,
    )
    .await;
    assert_eq!(feb["progress"]["elapsed_days"], 90);
    assert_eq!(feb["progress"]["subsidised_trainings"]["actual"], 2);
    assert_eq!(feb["progress"]["new_skilled_workers"]["actual"], 1);
    assert_eq!(feb["progress"]["high_skilled_share"]["actual"], 1.0);

    // 2025 ended: its last day, its one training, against the default.
    let last = body(
        t.app
            .get("/v1/dashboard/figures?year=2025", Some(&token))
            .await,
    )
    .await;
    let p = &last["progress"];
    assert_eq!(
        (&last["targets_source"], &p["as_of"]),
        (&json!("default"), &json!("2025-11-30"))
    );
    assert_eq!(p["pro_rata"], 1.0);
    assert_eq!(p["subsidised_trainings"]["actual"], 1);
    assert_eq!(p["new_skilled_workers"]["actual"], 1);
    assert_eq!(p["training_brands"]["actual"], 0);

    let p = problem(
        t.app
            .get(
                "/v1/dashboard/figures?year=2026&as_of=2026-12-01",
                Some(&token),
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), [("as_of".to_owned(), "as_of_range".to_owned())]);
    problem(
        t.app
            .get("/v1/dashboard/figures?year=2026", Some(&officer("350200")))
            .await,
        403,
        "out_of_scope",
    )
    .await;
    // The province's roll-up is the province's alone, and only where the
    // aggregator runs.
    problem(
        t.app
            .get("/v1/province/dashboard?year=2026", Some(&token))
            .await,
        403,
        "forbidden_role",
    )
    .await;
    t.stop().await;
}

/// A year no date can have (chrono's calendar ends in 262142) or outside
/// the programme is refused with the field named, never a dropped
/// connection: fuzzing once made the figures panic on `year=262143`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_out_of_range_is_refused_on_every_route_that_takes_one() {
    let t = start().await;
    let token = officer("350100");
    for year in [262_143, -262_144, i32::MAX, i32::MIN, 2024, 2101] {
        for path in [
            format!("/v1/dashboard/figures?year={year}"),
            format!("/v1/targets/{year}"),
        ] {
            let p = problem(
                t.app.get(&path, Some(&token)).await,
                422,
                "validation_failed",
            )
            .await;
            assert_eq!(
                fields(&p),
                [("year".to_owned(), "year_range".to_owned())],
                "{path}"
            );
        }
    }
}
