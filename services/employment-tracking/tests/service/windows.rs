//! Follow-up windows: closed as of a date (by an officer or the periodic
//! job), once; evidence and its precedence.

use contracts::employment::{
    EMPLOYED_WITHIN_WINDOW, NOT_EMPLOYED_AT_WINDOW_END, OUTCOMES_TOPIC, RECORDS_TOPIC,
};
use serde_json::json;
use test_support::body;

use crate::harness::{
    ce_type, contribution, fields, integrator, officer, operator, person_id, problem, start,
    start_with, FACTORY, SCHOOL, SHIPYARD,
};

const TRAINEE: &str = "350105199801014567";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_evidence_the_window_closes_as_not_employed_once() {
    let t = start().await;
    let enrolment = t.complete(TRAINEE, "2025-01-10").await;
    let recent = chrono::Utc::now().date_naive() - chrono::Days::new(10);
    let open = t.complete("350102199204152348", &recent.to_string()).await;
    let close = |as_of: &str| {
        let body = json!({ "as_of": as_of });
        let app = &t.app;
        async move {
            app.post("/v1/follow-ups/close-windows", Some(&officer()), &body)
                .await
        }
    };
    // The window's last day is 10 July: still open that day.
    let res = close("2025-07-10").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        body(res).await,
        json!({ "employed_within_window": 0, "not_employed_at_window_end": 0 })
    );
    assert_eq!(
        body(close("2025-07-11").await).await,
        json!({ "employed_within_window": 0, "not_employed_at_window_end": 1 })
    );
    assert_eq!(
        body(close("2025-08-01").await).await["not_employed_at_window_end"],
        0,
        "closed once"
    );
    let p = problem(close("2999-01-01").await, 422, "validation_failed").await;
    assert_eq!(
        fields(&p),
        [("as_of".to_owned(), "as_of_in_future".to_owned())]
    );
    problem(
        t.app
            .post(
                "/v1/follow-ups/close-windows",
                Some(&operator(SCHOOL)),
                &json!({}),
            )
            .await,
        403,
        "forbidden_role",
    )
    .await;

    // Evidence arriving after the close changes nothing.
    let res = t
        .put_batch(
            "late",
            &contribution(TRAINEE, FACTORY, "2025-03"),
            &integrator(),
        )
        .await;
    assert_eq!(body(res).await["outcomes_confirmed"], 0);

    let outcomes = t.exactly(OUTCOMES_TOPIC, 1).await;
    assert_eq!(ce_type(&outcomes[0]), NOT_EMPLOYED_AT_WINDOW_END);
    assert_eq!(outcomes[0].payload["enrolment_id"], json!(enrolment));
    assert_eq!(outcomes[0].payload["employed"], false);
    assert_eq!(outcomes[0].payload["employed_on"], json!(null));
    let follow_up = t.follow_up(&enrolment).await;
    assert_eq!(follow_up["outcome"], "not_employed_at_window_end");
    assert_eq!(t.follow_up(&open).await["outcome"], json!(null));

    let pending = body(
        t.app
            .get("/v1/follow-ups?outcome=pending", Some(&operator(SCHOOL)))
            .await,
    )
    .await;
    assert_eq!(pending["items"].as_array().expect("items").len(), 1);
    assert_eq!(pending["items"][0]["enrolment_id"], json!(open));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_periodic_job_closes_windows_that_ended() {
    let t = start_with(|cfg| cfg.service.window_close_interval_secs = 1).await;
    let enrolment = t.complete(TRAINEE, "2025-01-10").await;
    let outcomes = t.events(OUTCOMES_TOPIC, 1).await;
    assert_eq!(ce_type(&outcomes[0]), NOT_EMPLOYED_AT_WINDOW_END);
    assert_eq!(outcomes[0].payload["enrolment_id"], json!(enrolment));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn social_insurance_outranks_a_self_report_and_the_conflict_is_kept_flagged() {
    let t = start().await;
    let enrolment = t.complete(TRAINEE, "2025-01-10").await;
    let own = json!({ "citizen_id": TRAINEE, "employer_credit_code": FACTORY, "job": "维修电工",
        "starts_on": "2025-02-01", "source": "self_reported" });
    let res = t
        .app
        .post("/v1/employment-records", Some(&officer()), &own)
        .await;
    assert_eq!(res.status(), 201);
    let own = body(res).await;
    assert_eq!(own["conflicting"], false);
    assert_eq!(own["citizen_id"], "350105********4567");
    // A self report alone does not confirm employment.
    assert_eq!(t.follow_up(&enrolment).await["outcome"], json!(null));

    let months = [
        contribution(TRAINEE, SHIPYARD, "2025-03"),
        contribution(TRAINEE, SHIPYARD, "2025-04"),
    ]
    .join("\n");
    let report = body(t.put_batch("si-1", &months, &integrator()).await).await;
    assert_eq!(report["outcomes_confirmed"], 1);
    let follow_up = t.follow_up(&enrolment).await;
    assert_eq!(follow_up["outcome"], "employed_within_window");
    assert_eq!(follow_up["outcome_source"], "social_insurance");
    assert_eq!(follow_up["employer_credit_code"], SHIPYARD);
    assert_eq!(follow_up["employed_on"], "2025-03-01");

    let list = body(
        t.app
            .request(
                reqwest::Method::GET,
                "/v1/employment-records",
                Some(&officer()),
            )
            .header("X-Person-Id", person_id(TRAINEE))
            .send()
            .await
            .expect("request"),
    )
    .await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "both records are kept: {list}");
    assert!(items.iter().all(|r| r["conflicting"] == true));
    let kept = items
        .iter()
        .find(|r| r["source"] == "self_reported")
        .expect("the self report stays");
    assert_eq!(kept["employer_credit_code"], FACTORY);
    assert_eq!(kept["starts_on"], "2025-02-01");
    let flagged = body(
        t.app
            .get("/v1/employment-records?conflicting=true", Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(flagged["items"].as_array().expect("items").len(), 2);

    let outcomes = t.exactly(OUTCOMES_TOPIC, 1).await;
    assert_eq!(ce_type(&outcomes[0]), EMPLOYED_WITHIN_WINDOW);
    assert_eq!(outcomes[0].payload["source"], "social_insurance");
    let records = t.exactly(RECORDS_TOPIC, 2).await;
    assert_eq!(records[0].payload["source"], "self_reported");
    assert_eq!(records[1].payload["source"], "social_insurance");
    assert_eq!(records[1].payload["conflicting"], true);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_closing_at_once_close_each_window_once() {
    let mut t = start().await;
    let trainees = [
        "350102199003071234",
        "350102199204152348",
        "350203199511203450",
    ];
    for citizen in trainees {
        t.complete(citizen, "2025-01-10").await;
    }
    let other = t.app.replica().await;
    let body_json = json!({ "as_of": "2025-08-01" });
    let token = officer();
    let here = t
        .app
        .post("/v1/follow-ups/close-windows", Some(&token), &body_json);
    let there = t
        .app
        .http
        .post(format!("{other}/v1/follow-ups/close-windows"))
        .bearer_auth(&token)
        .json(&body_json)
        .send();
    let (here, there) = tokio::join!(here, there);
    let here = body(here).await;
    let there = body(there.expect("request")).await;
    let closed = here["not_employed_at_window_end"].as_u64().expect("count")
        + there["not_employed_at_window_end"].as_u64().expect("count");
    // The new replica's periodic job (run at start) may close some first:
    // whoever closes a window, it is closed once.
    assert!(closed <= 3, "{here} {there}");
    let outcomes = t.exactly(OUTCOMES_TOPIC, 3).await;
    assert!(outcomes
        .iter()
        .all(|o| ce_type(o) == NOT_EMPLOYED_AT_WINDOW_END));
    t.stop().await;
}
