//! Satisfaction surveys: one answer per trainee and survey, scores 1–5,
//! the six-month survey opening later, anonymous reports per class.

use chrono::{Days, Utc};
use serde_json::json;
use test_support::body;
use uuid::Uuid;

use crate::harness::{
    completion, fields, officer, operator, problem, start, trainee, P_DROPPED, P_NEW, P_OLD, SCHOOL,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trainees_answer_once_and_reports_are_anonymous() {
    let t = start().await;
    let school = Uuid::now_v7();
    let class = Uuid::now_v7();
    let recent = (Utc::now().date_naive() - Days::new(10)).to_string();
    let (old, c1) = completion(school, class, P_OLD, "2025-05-15", true);
    let (new, c2) = completion(school, class, P_NEW, &recent, true);
    let (dropped, c3) = completion(school, class, P_DROPPED, "2025-05-15", false);
    t.publish(&[c1, c2, c3]).await;
    let token = officer("350100");
    let year = ids::StatisticalYear::of(recent.parse().expect("date")).year();
    t.until(
        &format!("/v1/scorecards/{school}/{year}/inputs"),
        &token,
        |i| i["completers"] == 1,
    )
    .await;
    t.until(
        &format!("/v1/scorecards/{school}/2025/inputs"),
        &token,
        |i| i["completers"] == 1,
    )
    .await;

    let questions = body(
        t.app
            .get("/v1/surveys/questions", Some(&trainee(P_OLD)))
            .await,
    )
    .await;
    assert_eq!(
        questions["questions"].as_array().expect("questions").len(),
        5
    );

    let answer = |person: &'static str, enrolment: Uuid, survey: &'static str, scores: Vec<i32>| {
        let app = &t.app;
        async move {
            app.post(
                "/v1/survey-answers",
                Some(&trainee(person)),
                &json!({ "enrolment_id": enrolment, "survey": survey, "scores": scores,
                    "comment": "老师讲得好" }),
            )
            .await
        }
    };
    // Out of range and too few: refused, nothing kept.
    let p = problem(
        answer(P_OLD, old, "at_completion", vec![0, 6, 3, 4]).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            ("scores".to_owned(), "scores_count".to_owned()),
            ("scores[0]".to_owned(), "score_range".to_owned()),
            ("scores[1]".to_owned(), "score_range".to_owned()),
        ]
    );
    // Someone else's enrolment, or one not completed, is not found.
    problem(
        answer(P_NEW, old, "at_completion", vec![4; 5]).await,
        404,
        "enrolment_not_found",
    )
    .await;
    problem(
        answer(P_DROPPED, dropped, "at_completion", vec![4; 5]).await,
        404,
        "enrolment_not_found",
    )
    .await;
    // The six-month survey of a recent completion is not open yet.
    problem(
        answer(P_NEW, new, "six_months", vec![4; 5]).await,
        409,
        "survey_not_open",
    )
    .await;

    let res = t
        .app
        .request(
            reqwest::Method::POST,
            "/v1/survey-answers",
            Some(&trainee(P_OLD)),
        )
        .header("Idempotency-Key", "answer-1")
        .json(&json!({ "enrolment_id": old, "survey": "at_completion", "scores": [5, 4, 4, 5, 5] }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 201);
    // The same request again is the same answer, replayed.
    let res = t
        .app
        .request(
            reqwest::Method::POST,
            "/v1/survey-answers",
            Some(&trainee(P_OLD)),
        )
        .header("Idempotency-Key", "answer-1")
        .json(&json!({ "enrolment_id": old, "survey": "at_completion", "scores": [5, 4, 4, 5, 5] }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()
            .get("Idempotent-Replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    // A second answer is refused.
    problem(
        answer(P_OLD, old, "at_completion", vec![1; 5]).await,
        409,
        "survey_already_answered",
    )
    .await;
    // The six-month survey is a survey of its own. No institution's system
    // answers for its trainees (not even with every scope); the portal
    // acting for the trainee does.
    let school_system = test_support::token_with(
        platform::auth::Role::Integrator,
        Some("350100"),
        Some(SCHOOL),
        Some("delivery:classes delivery:enrolments delivery:attendance"),
    );
    let six_months =
        json!({ "enrolment_id": old, "survey": "six_months", "scores": [5, 5, 5, 5, 5] });
    problem(
        t.app
            .post("/v1/survey-answers", Some(&school_system), &six_months)
            .await,
        403,
        "forbidden_role",
    )
    .await;
    // Nor does the portal for another trainee's enrolment.
    problem(
        t.app
            .post(
                "/v1/survey-answers",
                Some(&test_support::portal_token(P_NEW)),
                &six_months,
            )
            .await,
        404,
        "enrolment_not_found",
    )
    .await;
    let portal = test_support::portal_token(P_OLD);
    let res = t
        .app
        .post(
            "/v1/survey-answers",
            Some(&portal),
            &json!({ "enrolment_id": old, "survey": "six_months", "scores": [3, 3, 3, 3, 3],
                "comment": "就业帮助一般" }),
        )
        .await;
    assert_eq!(res.status(), 201);

    let report = body(
        t.app
            .get("/v1/survey-reports?year=2025", Some(&token))
            .await,
    )
    .await;
    let classes = report["classes"].as_array().expect("classes");
    assert_eq!(classes.len(), 1);
    let surveys = &classes[0]["surveys"];
    assert_eq!(surveys[0]["survey"], "at_completion");
    assert_eq!(
        (&surveys[0]["due"], &surveys[0]["answered"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(surveys[0]["response_rate"], 1.0);
    assert_eq!(surveys[0]["mean_score"], 4.6);
    assert_eq!(
        surveys[0]["question_means"],
        json!([5.0, 4.0, 4.0, 5.0, 5.0])
    );
    assert_eq!(surveys[1]["survey"], "six_months");
    assert_eq!(surveys[1]["comments"], json!(["就业帮助一般"]));
    let text = report.to_string();
    assert!(
        !text.contains(P_OLD) && !text.contains(&old.to_string()),
        "anonymous: {text}"
    );
    // This year's class: one due at completion, none answered.
    let now = body(
        t.app
            .get(
                &format!("/v1/survey-reports?year={year}"),
                Some(&operator(SCHOOL)),
            )
            .await,
    )
    .await;
    assert_eq!(
        now["classes"],
        json!([]),
        "an operator sees its own institutions' only"
    );
    let now = body(
        t.app
            .get(&format!("/v1/survey-reports?year={year}"), Some(&token))
            .await,
    )
    .await;
    let surveys = &now["classes"][0]["surveys"];
    assert_eq!(surveys.as_array().expect("surveys").len(), 1);
    assert_eq!(
        (&surveys[0]["due"], &surveys[0]["answered"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(surveys[0]["response_rate"], 0.0);
    t.stop().await;
}
