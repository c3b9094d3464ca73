//! Scorecards from a recorded history, checked against hand-computed
//! expectations; ratings published, overridden and recomputed under a new
//! formula.

use contracts::evaluation::RATINGS_TOPIC;
use ids::SkillLevel;
use serde_json::{json, Value};
use test_support::body;
use uuid::Uuid;

use crate::harness::{
    certificate, claim, close, completion, fields, institution, officer, operator, outcome,
    problem, recovery, start, start_for, trainee, with_id, P1, P2, P3, P4, P5, P6, P7, P8, P9,
    REFUSED, REJECTED, SCHOOL,
};

/// The payloads of a year's rating events, in order.
fn of_year(ratings: &[test_support::Record], year: i64) -> Vec<Value> {
    ratings
        .iter()
        .map(|r| r.payload.clone())
        .filter(|p| p["statistical_year"] == year)
        .collect()
}

const ALL_FIVE: [i32; 5] = [5, 5, 5, 5, 5];
const ALL_THREE: [i32; 5] = [3, 3, 3, 3, 3];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_history_scores_rates_and_publishes() {
    let t = start_for("350100", |cfg| cfg.service.rescore_interval_secs = 3600).await;
    // The periodic job's one run (at start) is past: scorecards are
    // computed below, when asked.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let school = Uuid::now_v7();
    let (k1, k2) = (Uuid::now_v7(), Uuid::now_v7());
    let token = officer("350100");
    // Planned volume 10 for 2025; 2025 has ended, so it is all expected.
    let res = t
        .app
        .put(
            &format!("/v1/plans/{school}/2025"),
            Some(&token),
            &json!({ "planned_trainings": 10 }),
        )
        .await;
    assert_eq!(res.status(), 204);

    // Eight completions of 2025 — p1 twice (人次), the last on 30 November —
    // one non-completion, and one on 1 December, which counts for 2026.
    let (e1, c1) = completion(school, k1, P1, "2025-03-10", true);
    let (_, c2) = completion(school, k2, P1, "2025-09-20", true);
    let (e3, c3) = completion(school, k1, P2, "2025-05-15", true);
    let (e4, c4) = completion(school, k1, P3, "2025-06-30", true);
    let (e5, c5) = completion(school, k1, P4, "2025-07-31", true);
    let (e6, c6) = completion(school, k1, P5, "2025-08-31", true);
    let (_, c7) = completion(school, k1, P6, "2025-10-15", true);
    let (_, c8) = completion(school, k1, P7, "2025-11-30", true);
    let (_, n1) = completion(school, k1, P8, "2025-06-30", false);
    let (_, x1) = completion(school, k1, P9, "2025-12-01", true);
    // Valid certificates from class k1 for p1–p6; p7's is revoked (the
    // revocation arriving before the issue); p8 did not complete.
    let from = Some((school, k1));
    let certs: Vec<_> = [P1, P2, P3, P4, P5, P6]
        .into_iter()
        .map(|p| certificate(p, SkillLevel::Intermediate, "2025-11-20", from, false).1)
        .collect();
    let (revoked_id, revoked) = certificate(P7, SkillLevel::Senior, "2025-11-30", from, true);
    let (_, issued) = certificate(P7, SkillLevel::Senior, "2025-11-30", from, false);
    let (_, p8_cert) = certificate(P8, SkillLevel::Junior, "2025-07-10", from, false);
    // Four of five decided outcomes employed; e1's outcome arrives twice.
    let o1 = outcome(e1, school, k1, P1, "2025-03-10", true);
    let outcomes = vec![
        o1.clone(),
        o1,
        outcome(e3, school, k1, P2, "2025-05-15", true),
        outcome(e4, school, k1, P3, "2025-06-30", true),
        outcome(e5, school, k1, P4, "2025-07-31", true),
        outcome(e6, school, k1, P5, "2025-08-31", false),
    ];
    // One finding: a rejected claim, recovered for fraud later (the same
    // claim, so once). A refusal for a repeat grant and a dispute upheld
    // are no findings.
    let rejected = claim(school, REJECTED, "officer_rejected", 2025);
    let rejected_id: Uuid =
        serde_json::from_value(rejected.payload["claim_id"].clone()).expect("id");
    let mut history = vec![
        institution(school, "福州电工培训学校"),
        c1,
        c2,
        c3,
        c4,
        c5,
        c6,
        c7,
        c8,
        n1,
        x1,
        revoked,
        with_id(issued, revoked_id),
        p8_cert,
        rejected,
        claim(school, REFUSED, "already_granted", 2025),
        recovery(school, rejected_id, "fraud"),
        recovery(school, Uuid::now_v7(), "dispute_upheld"),
    ];
    history.extend(certs);
    history.extend(outcomes);
    t.publish(&history).await;

    // Two trainees answer the survey at completion: means 5 and 3.
    for (enrolment, person, scores) in [(e3, P2, ALL_FIVE), (e4, P3, ALL_THREE)] {
        t.until(
            &format!("/v1/scorecards/{school}/2025/inputs"),
            &token,
            |i| i["completers"] == 8,
        )
        .await;
        let res = t
            .app
            .post(
                "/v1/survey-answers",
                Some(&trainee(person)),
                &json!({ "enrolment_id": enrolment, "survey": "at_completion", "scores": scores }),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let inputs = t
        .until(
            &format!("/v1/scorecards/{school}/2025/inputs"),
            &token,
            |i| i["certified"] == 6 && i["outcomes_decided"] == 5 && i["fraud_findings"] == 1,
        )
        .await;
    assert_eq!(
        inputs,
        json!({ "planned": 10, "plan_source": "set_by_officer", "delivered": 8, "pro_rata": 1.0,
            "completers": 8, "certified": 6, "responses": 2, "surveys_due": 16,
            "satisfaction_mean": 4.0, "employed": 4, "outcomes_decided": 5, "fraud_findings": 1 })
    );

    let res = t
        .app
        .post("/v1/scorecards/rescore", Some(&token), &json!({}))
        .await;
    assert!(
        body(res).await["computed"].as_u64() >= Some(2),
        "2025 and 2026 were marked"
    );
    let card = body(
        t.app
            .get(&format!("/v1/scorecards/{school}/2025"), Some(&token))
            .await,
    )
    .await;
    // plan 8/10 = 0.8, certificates 6/8 = 0.75, satisfaction (4−1)/4 = 0.75,
    // employment 4/5 = 0.8: 0.3×0.8 + 0.25×0.75 + 0.2×0.75 + 0.25×0.8 =
    // 0.7775, less 0.1 for the finding = 0.6775 → C.
    let values: Vec<f64> = card["scored"]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .map(|i| i["value"].as_f64().expect("value"))
        .collect();
    assert_eq!(values, [0.8, 0.75, 0.75, 0.8]);
    assert!(close(&card["scored"]["weighted"], 0.7775), "{card}");
    assert!(close(&card["score"], 0.6775), "{card}");
    assert_eq!(card["rating"], "C");
    assert_eq!(card["formula_version"], 1);
    assert_eq!(card["institution_name"], "福州电工培训学校");
    assert_eq!(card["scored"]["indicators"][0]["weight"], 0.3);
    // 2025's C, and 2026's D: its lone completer has no certificate yet,
    // the only measurable indicator.
    let ratings = t.exactly(RATINGS_TOPIC, 2).await;
    let first = &of_year(&ratings, 2025)[0];
    assert_eq!(ratings[0].key.as_deref(), Some(school.to_string().as_str()));
    assert_eq!(of_year(&ratings, 2026)[0]["rating"], "D");
    assert_eq!(
        (
            &first["rating"],
            &first["previous"],
            &first["overridden"],
            &first["statistical_year"]
        ),
        (&json!("C"), &Value::Null, &json!(false), &json!(2025))
    );
    assert!(close(&first["score"], 0.6775));
    // 2026's lone completion has no plan: only what is measurable counts.
    let next = body(
        t.app
            .get(&format!("/v1/scorecards/{school}/2026"), Some(&token))
            .await,
    )
    .await;
    assert_eq!(next["inputs"]["completers"], 1);

    // An officer overrides with a reason; it is published as overridden.
    let over = json!({ "rating": "B", "reason": "整改到位，复核通过" });
    let path = format!("/v1/scorecards/{school}/2025/override");
    let res = t
        .app
        .request(reqwest::Method::POST, &path, Some(&token))
        .header("Idempotency-Key", "override-1")
        .json(&over)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 201);
    let card = body(res).await;
    assert_eq!(
        (&card["rating"], &card["computed_rating"]),
        (&json!("B"), &json!("C"))
    );
    let p = problem(
        t.app
            .post(&path, Some(&token), &json!({ "rating": "E", "reason": "" }))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            ("rating".to_owned(), "rating_unknown".to_owned()),
            ("reason".to_owned(), "text_length".to_owned())
        ]
    );
    problem(
        t.app.post(&path, Some(&operator(SCHOOL)), &over).await,
        403,
        "forbidden_role",
    )
    .await;

    // Weights not summing to 1 change nothing.
    let bad = json!({ "weights": { "plan_progress": 0.3, "certificate_rate": 0.3,
        "satisfaction": 0.2, "employment_rate": 0.3 },
        "thresholds": { "a": 0.85, "b": 0.7, "c": 0.55 }, "fraud_penalty": 0.1, "note": "试" });
    let p = problem(
        t.app.post("/v1/formula", Some(&token), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("weights".to_owned(), "weights_sum".to_owned())]
    );
    let versions = body(t.app.get("/v1/formula/versions", Some(&token)).await).await;
    assert_eq!(versions.as_array().expect("versions").len(), 1);

    // Version 2 weighs employment only, with no fraud penalty: 0.8 → A
    // computed, but the override stays in force and nothing is published
    // (2026 has nothing measurable under it and keeps its D).
    let v2 = json!({ "weights": { "plan_progress": 0.0, "certificate_rate": 0.0,
        "satisfaction": 0.0, "employment_rate": 1.0 },
        "thresholds": { "a": 0.75, "b": 0.6, "c": 0.5 }, "fraud_penalty": 0.0,
        "note": "就业导向" });
    let res = t.app.post("/v1/formula", Some(&token), &v2).await;
    assert_eq!(res.status(), 201);
    assert_eq!(body(res).await["version"], 2);
    t.app
        .post("/v1/scorecards/rescore", Some(&token), &json!({}))
        .await;
    let card = body(
        t.app
            .get(&format!("/v1/scorecards/{school}/2025"), Some(&token))
            .await,
    )
    .await;
    assert_eq!(
        (
            &card["formula_version"],
            &card["computed_rating"],
            &card["rating"],
            &card["overridden"]
        ),
        (&json!(2), &json!("A"), &json!("B"), &json!(true))
    );
    assert!(close(&card["score"], 0.8));
    // Lifting the override puts the computed A in force, published.
    let res = t
        .app
        .request(reqwest::Method::DELETE, &path, Some(&token))
        .send()
        .await
        .expect("request");
    assert_eq!(body(res).await["rating"], "A");
    let ratings = of_year(&t.exactly(RATINGS_TOPIC, 4).await, 2025);
    let overridden = &ratings[1];
    assert_eq!(
        (
            &overridden["rating"],
            &overridden["previous"],
            &overridden["overridden"]
        ),
        (&json!("B"), &json!("C"), &json!(true))
    );
    assert_eq!(overridden["reason"], "整改到位，复核通过");
    let lifted = &ratings[2];
    assert_eq!(
        (
            &lifted["rating"],
            &lifted["previous"],
            &lifted["overridden"],
            &lifted["formula_version"]
        ),
        (&json!("A"), &json!("B"), &json!(false), &json!(2))
    );

    // The public scorecard needs no token and names no one.
    let res = t
        .app
        .get(&format!("/v1/public/scorecards/{school}"), None)
        .await;
    assert_eq!(res.status(), 200);
    let public = body(res).await;
    assert_eq!(public["years"][0]["statistical_year"], 2026);
    assert_eq!(public["years"][0]["rating"], "D");
    assert_eq!(public["years"][1]["rating"], "A");
    let text = public.to_string();
    assert!(
        !text.contains(P1) && !text.contains(&e1.to_string()),
        "{text}"
    );
    problem(
        t.app
            .get(&format!("/v1/public/scorecards/{}", Uuid::now_v7()), None)
            .await,
        404,
        "scorecard_not_found",
    )
    .await;
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_periodic_job_rates_a_lagging_institution_d() {
    let t = start().await;
    let school = Uuid::now_v7();
    let token = officer("350100");
    t.app
        .put(
            &format!("/v1/plans/{school}/2025"),
            Some(&token),
            &json!({ "planned_trainings": 10 }),
        )
        .await;
    let (_, done) = completion(school, Uuid::now_v7(), P1, "2025-04-01", true);
    t.publish(&[institution(school, "某培训学校"), done]).await;
    // Plan 1 of 10 = 0.1 and certificates 0 of 1 are measurable, their
    // weights rescaled: (0.3 × 0.1 + 0.25 × 0) / 0.55 = 0.0545… → D.
    let card = t
        .until(&format!("/v1/scorecards/{school}/2025"), &token, |c| {
            close(&c["score"], 0.03 / 0.55)
        })
        .await;
    assert_eq!(card["rating"], "D");
    let ratings = t.events(RATINGS_TOPIC, 1).await;
    assert_eq!(ratings[0].payload["rating"], "D");
    assert_eq!(card["inputs"]["plan_source"], "set_by_officer");
    // A negative plan changes nothing.
    let p = problem(
        t.app
            .put(
                &format!("/v1/plans/{school}/2025"),
                Some(&token),
                &json!({ "planned_trainings": -5 }),
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("planned_trainings".to_owned(), "target_negative".to_owned())]
    );
    let inputs = body(
        t.app
            .get(
                &format!("/v1/scorecards/{school}/2025/inputs"),
                Some(&token),
            )
            .await,
    )
    .await;
    assert_eq!(inputs["planned"], 10);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_scoring_at_once_publish_a_change_once() {
    let mut t = start().await;
    let other = t.app.replica().await;
    let school = Uuid::now_v7();
    let token = officer("350100");
    t.app
        .put(
            &format!("/v1/plans/{school}/2025"),
            Some(&token),
            &json!({ "planned_trainings": 100 }),
        )
        .await;
    let history: Vec<_> = (0..20)
        .map(|i| completion(school, Uuid::now_v7(), &format!("p{i}"), "2025-04-01", true).1)
        .collect();
    t.publish(&history).await;
    // Both replicas' jobs run every second; whatever they saw, the rating
    // stays D (at most 20 of 100 planned, no certificates) and changes once.
    t.until(&format!("/v1/scorecards/{school}/2025"), &token, |c| {
        c["inputs"]["completers"] == 20
    })
    .await;
    let res = t
        .app
        .http
        .post(format!("{other}/v1/scorecards/rescore"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let ratings = t.exactly(RATINGS_TOPIC, 1).await;
    assert_eq!(ratings[0].payload["rating"], "D");
    t.stop().await;
}
