//! Ratings from performance evaluation: a D restricts the institution until
//! an officer reviews it; an A is marked in the public directory.

use std::time::Duration;

use chrono::Utc;
use contracts::evaluation::{RatingEvent, RATINGS_TOPIC, RATING_CHANGED};
use contracts::registry::INSTITUTIONS_TOPIC;
use messaging::OutboxEvent;
use serde_json::{json, Value};
use test_support::{read_topic, Shared};
use uuid::Uuid;

use crate::harness::{body, listed, officer, problem, started, App, SCHOOL, WAIT};

fn rating(id: &str, rating: &str, overridden: bool) -> OutboxEvent {
    let e = RatingEvent {
        institution_id: id.parse().expect("uuid"),
        city: "350100".parse().expect("city"),
        statistical_year: 2026,
        rating: rating.into(),
        previous: None,
        score: (!overridden).then_some(0.42),
        formula_version: 1,
        overridden,
        reason: overridden.then(|| "整改复核通过".to_owned()),
        decided_at: Utc::now(),
    };
    OutboxEvent::new(RATINGS_TOPIC, RATING_CHANGED, id.to_owned(), &e)
}

/// The institution once `check` holds (the rating arrives by Kafka).
async fn institution_when(app: &App, id: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let view = body(
            app.get(&format!("/v1/institutions/{id}"), Some(&officer()))
                .await,
        )
        .await;
        if check(&view) {
            return view;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the rating was not applied: {view}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_d_rating_restricts_the_institution_until_an_officer_reviews_it() {
    let shared = Shared::new();
    messaging::ensure_topics(&shared.kafka, &[RATINGS_TOPIC])
        .await
        .expect("topics");
    let app = started(&shared).await;
    let id = listed(&app, SCHOOL).await;
    let review = format!("/v1/institutions/{id}/rating-review");
    problem(
        app.post(&review, Some(&officer()), &json!({ "note": "无需复核" }))
            .await,
        409,
        "not_under_review",
    )
    .await;

    test_support::publish(&shared.kafka, "350100", &[rating(&id, "D", false)])
        .await
        .expect("published");
    let rated = institution_when(&app, &id, |v| v["under_review"] == true).await;
    assert_eq!(rated["rating"], "D");

    // Delivery hears it on the institutions topic.
    let kafka = &app.cfg.kafka;
    let events = read_topic(kafka, &kafka.topic(INSTITUTIONS_TOPIC), 2, WAIT)
        .await
        .expect("institution events");
    let last = events.last().expect("rated");
    assert_eq!(
        last.headers["ce_type"],
        "qiancheng.registry.institution.rated.v1"
    );
    assert_eq!(last.payload["under_review"], true);
    assert_eq!(last.payload["rating"], "D");

    // No new occupations while under review; narrowing the scope is allowed.
    let scope = |items: Value| json!({ "reason": "调整范围", "scope": items });
    let added = scope(json!([
        { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" },
        { "occupation_code": "4-10-01-05", "skill_level": "junior", "valid_from": "2026-01-01", "valid_to": "2026-12-31" },
        { "occupation_code": "4-10-01-05", "skill_level": "intermediate", "valid_from": "2026-01-01", "valid_to": "2026-12-31" }
    ]));
    let path = format!("/v1/institutions/{id}/scope");
    problem(
        app.put(&path, Some(&officer()), &added).await,
        409,
        "institution_under_review",
    )
    .await;
    let narrowed = scope(json!([
        { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" }
    ]));
    assert_eq!(
        app.put(&path, Some(&officer()), &narrowed).await.status(),
        200
    );

    // A later computed C does not lift it; the officer's review does.
    test_support::publish(&shared.kafka, "350100", &[rating(&id, "C", false)])
        .await
        .expect("published");
    let c = institution_when(&app, &id, |v| v["rating"] == "C").await;
    assert_eq!(c["under_review"], true);
    problem(
        app.post(&review, Some(&officer()), &json!({ "note": " " }))
            .await,
        422,
        "validation_failed",
    )
    .await;
    let cleared = body(
        app.post(
            &review,
            Some(&officer()),
            &json!({ "note": "整改材料已核实" }),
        )
        .await,
    )
    .await;
    assert_eq!(cleared["under_review"], false);
    assert_eq!(
        app.put(&path, Some(&officer()), &added).await.status(),
        200,
        "reviewed: occupations may be added again"
    );
    let events = read_topic(kafka, &kafka.topic(INSTITUTIONS_TOPIC), 6, WAIT)
        .await
        .expect("institution events");
    assert!(events.iter().any(|e| e.headers["ce_type"]
        == "qiancheng.registry.institution.reviewed.v1"
        && e.payload["under_review"] == false));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_a_rating_is_marked_in_the_public_directory_and_unknown_institutions_are_skipped() {
    let shared = Shared::new();
    messaging::ensure_topics(&shared.kafka, &[RATINGS_TOPIC])
        .await
        .expect("topics");
    let app = started(&shared).await;
    let id = listed(&app, SCHOOL).await;
    let path = "/v1/public/directory/350100/2026";
    let before = body(app.get(path, None).await).await;
    assert_eq!(before["institutions"][0]["a_rated"], false);
    let stranger = Uuid::now_v7().to_string();
    test_support::publish(
        &shared.kafka,
        "350100",
        &[rating(&stranger, "D", false), rating(&id, "A", false)],
    )
    .await
    .expect("published");
    institution_when(&app, &id, |v| v["rating"] == "A").await;
    let after = body(app.get(path, None).await).await;
    assert_eq!(after["institutions"][0]["a_rated"], true);
    app.stop().await;
}
