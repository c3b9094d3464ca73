//! Real-name enrolment: validation, and who may see trainees.

use platform::auth::Role;
use serde_json::json;
use test_support::body;

use crate::harness::{fields, list, mesh, officer, operator, problem, trainee, OTHER, SCHOOL};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_trainee_data_is_refused_with_every_field_and_nothing_is_enrolled() {
    let m = mesh().await;
    let class = m.approved_class().await;
    let url = format!("/v1/classes/{class}/enrolments");
    let mut bad = trainee("110105194912310021");
    bad["phone"] = json!("12345");
    bad["name"] = json!("");
    let p = problem(
        m.delivery.post(&url, Some(&operator(SCHOOL)), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    let want = [
        ("citizen_id", "citizen_id_check_digit"),
        ("name", "text_length"),
        ("phone", "phone_format"),
    ];
    assert_eq!(fields(&p), want.map(|(f, c)| (f.to_owned(), c.to_owned())));
    let mut group = trainee("11010519491231002X");
    group["target_group"] = json!("tourist");
    let p = problem(
        m.delivery.post(&url, Some(&operator(SCHOOL)), &group).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "target_group");
    assert_eq!(
        body(m.delivery.get(&url, Some(&officer())).await).await,
        json!({ "items": [] })
    );

    // Enrolment waits for the bureau's approval.
    let res = m
        .delivery
        .post(
            "/v1/classes",
            Some(&operator(SCHOOL)),
            &m.class_body("6-31-01-03"),
        )
        .await;
    let filed = body(res).await["id"].as_str().expect("id").to_owned();
    problem(
        m.delivery
            .post(
                &format!("/v1/classes/{filed}/enrolments"),
                Some(&operator(SCHOOL)),
                &trainee("11010519491231002X"),
            )
            .await,
        409,
        "class_not_approved",
    )
    .await;
    m.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_institution_cannot_reach_another_institutions_trainees() {
    let m = mesh().await;
    list(&m.registry, OTHER).await;
    let class = m.approved_class().await;
    let url = format!("/v1/classes/{class}/enrolments");
    assert_eq!(
        m.delivery
            .post(
                &url,
                Some(&operator(SCHOOL)),
                &trainee("11010519491231002X")
            )
            .await
            .status(),
        201
    );

    let stranger = operator(OTHER);
    // Every endpoint that returns trainee or class data.
    problem(
        m.delivery.get(&url, Some(&stranger)).await,
        404,
        "class_not_found",
    )
    .await;
    problem(
        m.delivery
            .get(&format!("/v1/classes/{class}"), Some(&stranger))
            .await,
        404,
        "class_not_found",
    )
    .await;
    problem(
        m.delivery
            .post(&url, Some(&stranger), &trainee("350102199003071234"))
            .await,
        404,
        "class_not_found",
    )
    .await;
    // Another city's token is refused whatever it asks for.
    let xiamen = test_support::token(Role::Auditor, Some("350200"), None);
    problem(
        m.delivery.get(&url, Some(&xiamen)).await,
        403,
        "out_of_scope",
    )
    .await;
    problem(m.delivery.get(&url, None).await, 401, "token_missing").await;

    let roster = body(m.delivery.get(&url, Some(&operator(SCHOOL))).await).await;
    assert_eq!(roster["items"][0]["citizen_id"], "110105********002X");
    let auditor = test_support::token(Role::Auditor, Some("350100"), None);
    assert_eq!(
        body(m.delivery.get(&url, Some(&auditor)).await).await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    m.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_trainee_leaves_the_roster_and_the_topic_hears_it() {
    use contracts::delivery::ENROLMENTS_TOPIC;
    use test_support::read_topic;

    let m = mesh().await;
    list(&m.registry, OTHER).await;
    let class = m.approved_class().await;
    let url = format!("/v1/classes/{class}/enrolments");
    let res = m
        .delivery
        .post(
            &url,
            Some(&operator(SCHOOL)),
            &trainee("11010519491231002X"),
        )
        .await;
    let enrolment = body(res).await["id"].as_str().expect("id").to_owned();
    let withdraw = format!("{url}/{enrolment}/withdraw");
    let reason = json!({ "reason": "找到工作" });
    problem(
        m.delivery
            .post(&withdraw, Some(&operator(OTHER)), &reason)
            .await,
        404,
        "class_not_found",
    )
    .await;
    let left = body(
        m.delivery
            .post(&withdraw, Some(&operator(SCHOOL)), &reason)
            .await,
    )
    .await;
    assert_eq!(left["withdrawal_reason"], "找到工作");
    problem(
        m.delivery
            .post(&withdraw, Some(&operator(SCHOOL)), &reason)
            .await,
        409,
        "already_withdrawn",
    )
    .await;
    // No longer in a class at that time, the person may enrol in another.
    let other = m.approved_class().await;
    let again = m
        .delivery
        .post(
            &format!("/v1/classes/{other}/enrolments"),
            Some(&operator(SCHOOL)),
            &trainee("11010519491231002X"),
        )
        .await;
    assert_eq!(again.status(), 201);
    // The second class books the same teacher and venue at the same time.
    let kafka = &m.delivery.cfg.kafka;
    let alerts = read_topic(
        kafka,
        &kafka.topic(contracts::delivery::ALERTS_TOPIC),
        2,
        crate::harness::WAIT,
    )
    .await
    .expect("alerts");
    let mut kinds: Vec<_> = alerts
        .iter()
        .map(|a| a.payload["kind"].as_str().unwrap_or("").to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["teacher_double_booked", "venue_double_booked"]);
    assert!(alerts
        .iter()
        .all(|a| a.payload["class_id"] == other.as_str()
            && a.payload["other_class_id"] == class.as_str()));
    let kafka = &m.delivery.cfg.kafka;
    let events = read_topic(
        kafka,
        &kafka.topic(ENROLMENTS_TOPIC),
        3,
        crate::harness::WAIT,
    )
    .await
    .expect("topic");
    let kinds: Vec<_> = events
        .iter()
        .map(|e| e.headers["ce_type"].trim_start_matches("qiancheng.delivery.enrolment."))
        .collect();
    assert_eq!(kinds, ["enrolled.v1", "withdrawn.v1", "enrolled.v1"]);
    m.stop().await;
}
