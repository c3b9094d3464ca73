//! Results and certificates: what earns one, who may issue it, the events.

use contracts::assessment::{CERTIFICATES_TOPIC, RESULTS_TOPIC};
use serde_json::json;
use test_support::{body, read_topic};

use crate::harness::*;

#[tokio::test]
async fn a_failed_result_earns_no_certificate() {
    let app = start().await;
    let b = file_body(&app, 31, "social_organisation").await;
    let session = schedule(&app, &b, "senior").await;
    let trainee = citizen(311);
    complete(&app, &trainee).await;
    let c = register_completer(&app, &b, &session, &trainee, "林晓明").await;
    let candidate = c["id"].as_str().unwrap();

    let res = issue(&app, &b, &session, candidate).await;
    problem(res, 409, "no_result").await;

    let res = score(&app, &b, &session, candidate, 101, -1).await;
    let p = problem(res, 422, "validation_failed").await;
    assert_eq!(
        fields(&p),
        [
            ("theory_score".to_owned(), "score_range".to_owned()),
            ("practical_score".to_owned(), "score_range".to_owned())
        ]
    );

    let res = score(&app, &b, &session, candidate, 95, 59).await;
    assert_eq!(body(res).await["passed"], false);
    problem(
        score(&app, &b, &session, candidate, 95, 95).await,
        409,
        "result_recorded",
    )
    .await;
    problem(
        issue(&app, &b, &session, candidate).await,
        409,
        "result_failed",
    )
    .await;

    let results = read_topic(&app.cfg.kafka, &app.cfg.kafka.topic(RESULTS_TOPIC), 1, WAIT)
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].payload["passed"], false);
    assert_eq!(results[0].payload["person_id"], json!(person_id(&trainee)));
    app.stop().await;
}

#[tokio::test]
async fn the_pass_rule_of_an_occupation_applies() {
    let app = start().await;
    let res = app
        .put(
            "/v1/pass-rules",
            Some(&officer()),
            &json!({ "occupation_code": OCCUPATION, "skill_level": "senior", "theory_min": 50, "practical_min": 70 }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let b = file_body(&app, 32, "social_organisation").await;
    let session = schedule(&app, &b, "senior").await;
    let trainee = citizen(321);
    complete(&app, &trainee).await;
    let c = register_completer(&app, &b, &session, &trainee, "林晓明").await;
    let res = score(&app, &b, &session, c["id"].as_str().unwrap(), 55, 70).await;
    assert_eq!(body(res).await["passed"], true);
    app.stop().await;
}

#[tokio::test]
async fn a_suspended_body_cannot_certify_until_reinstated() {
    let app = start().await;
    let b = file_body(&app, 33, "social_organisation").await;
    let session = schedule(&app, &b, "senior").await;
    let trainee = citizen(331);
    let class_id = complete(&app, &trainee).await;
    let c = register_completer(&app, &b, &session, &trainee, "林晓明").await;
    let candidate = c["id"].as_str().unwrap();
    assert_eq!(
        score(&app, &b, &session, candidate, 80, 80).await.status(),
        200
    );

    let res = app
        .post(
            &format!("/v1/assessment-bodies/{}/suspension", b.id),
            Some(&officer()),
            &json!({ "reason": "督导发现考场违规" }),
        )
        .await;
    assert_eq!(body(res).await["status"], "suspended");
    let p = problem(
        issue(&app, &b, &session, candidate).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("body".to_owned(), "body_suspended".to_owned())]
    );
    let res = app
        .post(
            "/v1/sessions",
            Some(&b.token),
            &session_request(&b, "senior"),
        )
        .await;
    problem(res, 422, "validation_failed").await;

    let res = app
        .post(
            &format!("/v1/assessment-bodies/{}/reinstatement", b.id),
            Some(&officer()),
            &json!({ "reason": "整改完成" }),
        )
        .await;
    let reinstated = body(res).await;
    assert_eq!(reinstated["status"], "active");
    let actions: Vec<&str> = reinstated["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["filed", "suspended", "active"]);

    let res = issue(&app, &b, &session, candidate).await;
    assert_eq!(res.status(), 201);
    let cert = body(res).await;
    let number = cert["certificate_no"].as_str().unwrap();
    assert_eq!(number.len(), 22);
    assert_eq!(&number[..1], "S");
    assert_eq!(&number[1..5], b.code);
    assert_eq!(&number[5..7], "35");
    assert_eq!(&number[7..13], "350100");
    assert_eq!(&number[15..16], "3", "高级工 is national grade 3");
    assert_eq!(&number[16..], "000001");
    problem(
        issue(&app, &b, &session, candidate).await,
        409,
        "already_issued",
    )
    .await;

    let events = read_topic(
        &app.cfg.kafka,
        &app.cfg.kafka.topic(CERTIFICATES_TOPIC),
        1,
        WAIT,
    )
    .await
    .unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0].payload;
    assert_eq!(e["certificate_no"], number);
    assert_eq!(e["person_id"], json!(person_id(&trainee)));
    assert_eq!(e["class_id"], json!(class_id));
    assert_eq!(e["high_skilled"], true);
    assert!(!e.to_string().contains(&trainee), "no citizen ID in events");
    app.stop().await;
}

#[tokio::test]
async fn an_enterprise_certifies_exceptionally_after_the_bureau_approves() {
    let app = start().await;
    let b = file_body(&app, 34, "enterprise").await;
    let request = |level: &str| {
        json!({
            "citizen_id": citizen(341),
            "name": "郑工",
            "assessment_kind": "certification",
            "occupation_code": OCCUPATION,
            "skill_level": level,
            "grounds": "major_technical_problem",
            "justification": "主持解决高压开关柜局部放电重大技术难题，获公司科技进步一等奖",
        })
    };
    let p = problem(
        app.post(
            "/v1/exceptional-certifications",
            Some(&b.token),
            &request("intermediate"),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("skill_level".to_owned(), "exceptional_level".to_owned())]
    );
    let social = file_body(&app, 35, "social_organisation").await;
    problem(
        app.post(
            "/v1/exceptional-certifications",
            Some(&social.token),
            &request("technician"),
        )
        .await,
        403,
        "not_an_enterprise_body",
    )
    .await;

    let res = app
        .post(
            "/v1/exceptional-certifications",
            Some(&b.token),
            &request("technician"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let filed = body(res).await;
    assert_eq!(filed["status"], "pending");
    let id = filed["id"].as_str().unwrap();
    let review = |decision: &str| json!({ "decision": decision, "note": "经审核，业绩属实" });
    problem(
        app.post(
            &format!("/v1/exceptional-certifications/{id}/review"),
            Some(&b.token),
            &review("approve"),
        )
        .await,
        403,
        "forbidden_role",
    )
    .await;
    let res = app
        .post(
            &format!("/v1/exceptional-certifications/{id}/review"),
            Some(&officer()),
            &review("approve"),
        )
        .await;
    let approved = body(res).await;
    assert_eq!(approved["status"], "approved");
    let cert = &approved["certificate"];
    assert_eq!(cert["route"], "exceptional");
    assert_eq!(&cert["certificate_no"].as_str().unwrap()[..1], "Y");
    problem(
        app.post(
            &format!("/v1/exceptional-certifications/{id}/review"),
            Some(&officer()),
            &review("reject"),
        )
        .await,
        409,
        "already_reviewed",
    )
    .await;

    let stats = body(
        app.get(
            &format!(
                "/v1/statistics/skilled-workers?year={}",
                cert["statistical_year"]
            ),
            Some(&officer()),
        )
        .await,
    )
    .await;
    assert_eq!(stats["new_skilled_workers"], 1);
    assert_eq!(stats["high_skilled"], 1);
    assert_eq!(stats["high_skilled_share"], 1.0);
    app.stop().await;
}
