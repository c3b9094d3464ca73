//! The attendance chain and the class archive.

use chrono::{Duration, Utc};
use diesel_async::SimpleAsyncConnection;
use serde_json::json;
use test_support::body;

use crate::harness::{list, mesh, officer, operator, problem, trainee, OTHER, SCHOOL};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendance_is_chained_and_the_archive_reports_a_tampered_record() {
    let m = mesh().await;
    list(&m.registry, OTHER).await;
    // A class that starts in two seconds, so that attendance can be taken now.
    let start = Utc::now() + Duration::seconds(2);
    let mut class = m.class_body("6-31-01-03");
    class["sessions"] = json!([{ "starts_at": start, "ends_at": start + Duration::hours(2), "venue_id": m.venue, "teacher_id": m.teacher }]);
    let res = m
        .delivery
        .post("/v1/classes", Some(&operator(SCHOOL)), &class)
        .await;
    assert_eq!(res.status(), 201);
    let id = body(res).await["id"].as_str().expect("id").to_owned();
    assert_eq!(
        m.delivery
            .post(
                &format!("/v1/classes/{id}/approve"),
                Some(&officer()),
                &json!({})
            )
            .await
            .status(),
        200
    );
    let res = m
        .delivery
        .post(
            &format!("/v1/classes/{id}/enrolments"),
            Some(&operator(SCHOOL)),
            &trainee("11010519491231002X"),
        )
        .await;
    let enrolment = body(res).await["id"]
        .as_str()
        .expect("enrolment")
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    let url = format!("/v1/classes/{id}/attendance");
    let mark = |kind: &str, minutes: i64, session: i32| json!({ "enrolment_id": enrolment, "session_seq": session, "kind": kind, "at": Utc::now() + Duration::minutes(minutes) });
    problem(
        m.delivery
            .post(&url, Some(&operator(SCHOOL)), &mark("check_out", 0, 1))
            .await,
        409,
        "not_checked_in",
    )
    .await;
    assert_eq!(
        m.delivery
            .post(&url, Some(&operator(SCHOOL)), &mark("check_in", 0, 1))
            .await
            .status(),
        201
    );
    problem(
        m.delivery
            .post(&url, Some(&operator(SCHOOL)), &mark("check_in", 0, 1))
            .await,
        409,
        "already_recorded",
    )
    .await;
    problem(
        m.delivery
            .post(&url, Some(&operator(SCHOOL)), &mark("check_in", 0, 2))
            .await,
        409,
        "session_unknown",
    )
    .await;
    problem(
        m.delivery
            .post(&url, Some(&operator(SCHOOL)), &mark("check_out", 60, 1))
            .await,
        409,
        "time_in_future",
    )
    .await;
    assert_eq!(
        m.delivery
            .post(&url, Some(&operator(SCHOOL)), &mark("check_out", 3, 1))
            .await
            .status(),
        201
    );
    problem(
        m.delivery
            .post(&url, Some(&operator(OTHER)), &mark("check_in", 0, 1))
            .await,
        404,
        "class_not_found",
    )
    .await;

    let archive = body(
        m.delivery
            .get(&format!("/v1/classes/{id}/archive"), Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(
        archive["chain"],
        json!({ "intact": true, "broken_at": null })
    );
    assert_eq!(archive["attendance"].as_array().map(Vec::len), Some(2));
    assert_eq!(archive["class"]["status"], "approved");
    assert_eq!(archive["roster"][0]["citizen_id"], "110105********002X");
    let hours = archive["roster"][0]["attended_hours"]
        .as_f64()
        .expect("hours");
    assert!(hours > 0.04 && hours < 0.06, "about three minutes: {hours}");
    problem(
        m.delivery
            .get(&format!("/v1/classes/{id}/archive"), Some(&operator(OTHER)))
            .await,
        404,
        "class_not_found",
    )
    .await;

    // An officer inspects; the archive keeps the findings.
    let inspections = format!("/v1/classes/{id}/inspections");
    let bad = json!({ "findings": "", "photo_urls": ["ftp://x"] });
    let p = problem(
        m.delivery.post(&inspections, Some(&officer()), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(crate::harness::fields(&p).len(), 2);
    problem(
        m.delivery
            .post(
                &inspections,
                Some(&operator(SCHOOL)),
                &json!({ "findings": "ok" }),
            )
            .await,
        403,
        "forbidden_role",
    )
    .await;
    let visit = json!({ "findings": "学员在岗, 教师到位", "photo_urls": ["https://files.example/insp/1.jpg"] });
    // Sent twice with its key (a retry after a lost answer): recorded once.
    for replayed in [None, Some("true")] {
        let res = m
            .delivery
            .request(reqwest::Method::POST, &inspections, Some(&officer()))
            .header("Idempotency-Key", "inspection-1")
            .json(&visit)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 201);
        assert_eq!(
            res.headers()
                .get("Idempotent-Replayed")
                .map(|v| v.to_str().expect("ascii")),
            replayed
        );
    }
    let archive = body(
        m.delivery
            .get(&format!("/v1/classes/{id}/archive"), Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(archive["inspections"][0]["findings"], "学员在岗, 教师到位");
    assert_eq!(archive["inspections"].as_array().expect("list").len(), 1);

    // Someone edits a stored check-in in the database; the archive says where.
    let first = archive["attendance"][0]["seq"].as_i64().expect("seq");
    let mut conn = m.delivery.pool.get().await.expect("conn");
    conn.batch_execute(&format!(
        "UPDATE attendance SET at = at - interval '20 minutes' WHERE seq = {first}"
    ))
    .await
    .expect("tamper");
    let archive = body(
        m.delivery
            .get(&format!("/v1/classes/{id}/archive"), Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(
        archive["chain"],
        json!({ "intact": false, "broken_at": first })
    );
    m.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_an_ended_class_completes_those_who_attended_enough() {
    use contracts::delivery::ENROLMENTS_TOPIC;
    use test_support::read_topic;

    let m = mesh().await;
    // A class of one four-second session.
    let start = Utc::now() + Duration::seconds(2);
    let end = start + Duration::seconds(4);
    let mut class = m.class_body("6-31-01-03");
    class["sessions"] = json!([{ "starts_at": start, "ends_at": end, "venue_id": m.venue, "teacher_id": m.teacher }]);
    let id = body(
        m.delivery
            .post("/v1/classes", Some(&operator(SCHOOL)), &class)
            .await,
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        m.delivery
            .post(
                &format!("/v1/classes/{id}/approve"),
                Some(&officer()),
                &json!({})
            )
            .await
            .status(),
        200
    );
    let mut enrolments = Vec::new();
    for citizen in ["11010519491231002X", "350102199003071234"] {
        let res = m
            .delivery
            .post(
                &format!("/v1/classes/{id}/enrolments"),
                Some(&operator(SCHOOL)),
                &trainee(citizen),
            )
            .await;
        enrolments.push(
            body(res).await["id"]
                .as_str()
                .expect("enrolment")
                .to_owned(),
        );
    }
    let url = format!("/v1/classes/{id}/attendance");
    let mark = |who: &str, kind: &str, at| json!({ "enrolment_id": who, "session_seq": 1, "kind": kind, "at": at });
    // The first attends the whole session; the second checks in and never out.
    for body in [
        mark(&enrolments[0], "check_in", start),
        mark(&enrolments[0], "check_out", end),
        mark(&enrolments[1], "check_in", start),
    ] {
        assert_eq!(
            m.delivery
                .post(&url, Some(&operator(SCHOOL)), &body)
                .await
                .status(),
            201
        );
    }
    problem(
        m.delivery
            .post(
                &format!("/v1/classes/{id}/close"),
                Some(&operator(SCHOOL)),
                &json!({}),
            )
            .await,
        409,
        "class_not_ended",
    )
    .await;
    tokio::time::sleep(
        (end - Utc::now()).to_std().unwrap_or_default() + std::time::Duration::from_millis(200),
    )
    .await;

    let closed = body(
        m.delivery
            .post(
                &format!("/v1/classes/{id}/close"),
                Some(&operator(SCHOOL)),
                &json!({}),
            )
            .await,
    )
    .await;
    assert_eq!(closed["class"]["status"], "closed");
    let outcomes: Vec<_> = closed["roster"]
        .as_array()
        .expect("roster")
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(outcomes, ["completed", "not_completed"]);
    problem(
        m.delivery
            .post(
                &format!("/v1/classes/{id}/close"),
                Some(&operator(SCHOOL)),
                &json!({}),
            )
            .await,
        409,
        "class_not_open",
    )
    .await;

    let kafka = &m.delivery.cfg.kafka;
    let events = read_topic(
        kafka,
        &kafka.topic(ENROLMENTS_TOPIC),
        4,
        crate::harness::WAIT,
    )
    .await
    .expect("enrolments");
    let results: Vec<_> = events
        .iter()
        .skip(2)
        .map(|e| {
            (
                e.headers["ce_type"].as_str(),
                e.payload["completed"].as_bool(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("qiancheng.delivery.enrolment.completed.v1", Some(true)),
            ("qiancheng.delivery.enrolment.not_completed.v1", Some(false))
        ]
    );
    assert_eq!(
        events[2].payload["planned_hours"]
            .as_f64()
            .map(|h| (h * 3600.0).round()),
        Some(4.0)
    );
    assert_eq!(
        events[2].payload["statistical_year"],
        ids::StatisticalYear::of_instant(Utc::now()).year()
    );
    let classes = read_topic(
        kafka,
        &kafka.topic(contracts::delivery::CLASSES_TOPIC),
        4,
        crate::harness::WAIT,
    )
    .await
    .expect("classes");
    let lifecycle: Vec<_> = classes
        .iter()
        .map(|e| e.headers["ce_type"].trim_start_matches("qiancheng.delivery.class."))
        .collect();
    assert_eq!(
        lifecycle,
        ["filed.v1", "approved.v1", "started.v1", "closed.v1"]
    );
    m.stop().await;
}
