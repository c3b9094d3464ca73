//! Filing checked against the catalogue's and the registry's events.

use contracts::delivery::{CLASSES_TOPIC, ENROLMENTS_TOPIC};
use serde_json::json;
use test_support::{body, read_topic};

use crate::harness::{fields, mesh, officer, operator, problem, trainee, SCHOOL, WAIT, YEAR};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_is_filed_approved_and_enrolled_and_a_suspension_stops_the_next_filing() {
    let m = mesh().await;
    // Not in the catalogue of the year, though in the institution's scope.
    let p = problem(
        m.delivery
            .post(
                "/v1/classes",
                Some(&operator(SCHOOL)),
                &m.class_body("4-10-01-05"),
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("occupation_code".to_owned(), "not_in_catalogue".to_owned())]
    );

    let class = m.approved_class().await;
    let enrolled = m.enrol(&class, "11010519491231002X").await;
    assert_eq!(
        enrolled["citizen_id"], "110105********002X",
        "answered masked"
    );
    let again = m
        .delivery
        .post(
            &format!("/v1/classes/{class}/enrolments"),
            Some(&operator(SCHOOL)),
            &trainee("11010519491231002X"),
        )
        .await;
    problem(again, 409, "already_enrolled").await;

    let kafka = &m.delivery.cfg.kafka;
    let classes = read_topic(kafka, &kafka.topic(CLASSES_TOPIC), 2, WAIT)
        .await
        .expect("classes");
    let kinds: Vec<_> = classes
        .iter()
        .map(|r| r.headers["ce_type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "qiancheng.delivery.class.filed.v1",
            "qiancheng.delivery.class.approved.v1"
        ]
    );
    let enrolments = read_topic(kafka, &kafka.topic(ENROLMENTS_TOPIC), 1, WAIT)
        .await
        .expect("enrolments");
    let payload = enrolments[0].payload.to_string();
    assert_eq!(enrolments[0].payload["person_id"], enrolled["person_id"]);
    assert!(
        !payload.contains("19491231")
            && !payload.contains("王五")
            && !payload.contains("13912345678"),
        "no personal data in events: {payload}"
    );
    // What fraud rules need instead: age and sex read from the ID, the
    // class's times, a keyed hash of the phone.
    let citizen: ids::CitizenId = "11010519491231002X".parse().expect("id");
    let today = ids::business_date(chrono::Utc::now());
    assert_eq!(
        enrolments[0].payload["age_at_enrolment"],
        citizen.age_on(today)
    );
    assert_eq!(enrolments[0].payload["male"], false);
    assert!(enrolments[0].payload["class_starts_at"].is_string());
    let phone = enrolments[0].payload["phone_lookup"]
        .as_str()
        .expect("phone hash");
    assert_eq!(phone.len(), 64, "{payload}");

    // The registry suspends the school; delivery hears it and refuses the next filing.
    let fraud = json!({ "reason_kind": "fraud", "detail": "虚报" });
    assert_eq!(
        m.registry
            .post(
                &format!("/v1/institutions/{}/suspend", m.institution),
                Some(&officer()),
                &fraud
            )
            .await
            .status(),
        200
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut refused = Vec::new();
    while tokio::time::Instant::now() < deadline {
        let res = m
            .delivery
            .post(
                "/v1/classes",
                Some(&operator(SCHOOL)),
                &m.class_body("6-31-01-03"),
            )
            .await;
        if res.status() == 422 {
            refused = fields(&body(res).await);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        refused,
        [(
            "institution_id".to_owned(),
            "institution_not_approved".to_owned()
        )]
    );
    m.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_filing_gets_every_reason_and_stores_nothing() {
    let m = mesh().await;
    let mut bad = m.class_body("6-31-01-03");
    bad["capacity"] = json!(0);
    bad["sessions"][1]["starts_at"] = json!("2027-01-10T05:00:00Z");
    bad["sessions"][0]["teacher_id"] = json!("0194f1a2-0000-7000-8000-000000000001");
    let p = problem(
        m.delivery
            .post("/v1/classes", Some(&operator(SCHOOL)), &bad)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let want = [
        ("capacity", "capacity_range"),
        ("sessions[0].teacher_id", "teacher_not_of_institution"),
        ("sessions[1].starts_at", "sessions_out_of_order"),
    ];
    assert_eq!(fields(&p), want.map(|(f, c)| (f.to_owned(), c.to_owned())));
    bad["funding_route"] = json!("lottery");
    let p = problem(
        m.delivery
            .post("/v1/classes", Some(&operator(SCHOOL)), &bad)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "funding_route");
    let mut no_plan = m.class_body("6-31-01-03");
    no_plan["plan"]["safety_content"] = json!(" ");
    let p = problem(
        m.delivery
            .post("/v1/classes", Some(&operator(SCHOOL)), &no_plan)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [(
            "plan.safety_content".to_owned(),
            "safety_missing".to_owned()
        )]
    );
    // Another organisation cannot file for the school.
    problem(
        m.delivery
            .post(
                "/v1/classes",
                Some(&operator(crate::harness::OTHER)),
                &m.class_body("6-31-01-03"),
            )
            .await,
        403,
        "out_of_scope",
    )
    .await;
    let kafka = &m.delivery.cfg.kafka;
    assert!(
        read_topic(
            kafka,
            &kafka.topic(CLASSES_TOPIC),
            1,
            std::time::Duration::from_secs(2)
        )
        .await
        .expect("read")
        .is_empty(),
        "nothing filed"
    );
    m.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_and_late_replayed_events_change_nothing() {
    use contracts::registry::{INSTITUTIONS_TOPIC, INSTITUTION_APPROVED};
    use institution_registry::{Command, InstitutionRegistry};
    use runtime::Service;

    let m = mesh().await;
    let fraud = json!({ "reason_kind": "fraud", "detail": "虚报" });
    assert_eq!(
        m.registry
            .post(
                &format!("/v1/institutions/{}/suspend", m.institution),
                Some(&officer()),
                &fraud
            )
            .await
            .status(),
        200
    );
    let refused = || async {
        let res = m
            .delivery
            .post(
                "/v1/classes",
                Some(&operator(SCHOOL)),
                &m.class_body("6-31-01-03"),
            )
            .await;
        fields(&body(res).await)
    };
    let suspended = [(
        "institution_id".to_owned(),
        "institution_not_approved".to_owned(),
    )];
    let deadline = tokio::time::Instant::now() + WAIT;
    while refused().await != suspended && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(refused().await, suspended);

    // The registry announces everything again (a repeat), and a stale
    // "approved" state from an hour ago arrives late.
    InstitutionRegistry::run_command(Command::Republish, &m.registry.cfg)
        .await
        .expect("republish");
    let stale = contracts::registry::InstitutionEvent {
        institution_id: m.institution.parse().expect("uuid"),
        city: "350100".parse().expect("city"),
        credit_code: SCHOOL.parse().expect("code"),
        name: "stale".into(),
        nature: "private".into(),
        status: "approved".into(),
        high_skill_base: false,
        scope: Vec::new(),
        reason: None,
        rating: None,
        under_review: false,
    };
    let mut late = messaging::OutboxEvent::new(
        INSTITUTIONS_TOPIC,
        INSTITUTION_APPROVED,
        m.institution.clone(),
        &stale,
    );
    late.occurred_at = chrono::Utc::now() - chrono::Duration::hours(1);
    let mut conn = m.registry.pool.get().await.expect("conn");
    messaging::enqueue(&mut conn, &[late])
        .await
        .expect("enqueue");
    // Both are on the topic and consumed; the school stays suspended.
    let kafka = &m.registry.cfg.kafka;
    let seen = test_support::read_topic(kafka, &kafka.topic(INSTITUTIONS_TOPIC), 4, WAIT)
        .await
        .expect("topic");
    assert_eq!(
        seen.len(),
        4,
        "approved, suspended, the repeat, the stale one"
    );
    // Wait until delivery has handled all four (its inbox records each).
    let handled = || async {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = m.delivery.pool.get().await.expect("conn");
        let sql = "SELECT count(*) AS n FROM inbox WHERE topic = 'registry.institutions.v1'";
        diesel_async::RunQueryDsl::get_result::<N>(diesel::sql_query(sql), &mut conn)
            .await
            .expect("count")
            .n
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while handled().await < 4 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(handled().await, 4);
    assert_eq!(refused().await, suspended);
    m.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_d_rating_stops_the_next_filing_until_the_bureau_reviews_the_institution() {
    use contracts::evaluation::{RatingEvent, RATINGS_TOPIC, RATING_CHANGED};

    let m = mesh().await;
    let file = || async {
        m.delivery
            .post(
                "/v1/classes",
                Some(&operator(SCHOOL)),
                &m.class_body("6-31-01-03"),
            )
            .await
    };
    // A probe refused for its capacity alone shows what delivery knows
    // without filing anything.
    let probe = || async {
        let mut class = m.class_body("6-31-01-03");
        class["capacity"] = json!(0);
        let res = m
            .delivery
            .post("/v1/classes", Some(&operator(SCHOOL)), &class)
            .await;
        fields(&body(res).await)
    };
    let sound = vec![("capacity".to_owned(), "capacity_range".to_owned())];
    assert_eq!(probe().await, sound);
    let rating = RatingEvent {
        institution_id: m.institution.parse().expect("uuid"),
        city: "350100".parse().expect("city"),
        statistical_year: YEAR,
        rating: "D".into(),
        previous: Some("C".into()),
        score: Some(0.31),
        formula_version: 1,
        overridden: false,
        reason: None,
        decided_at: chrono::Utc::now(),
    };
    test_support::publish(
        &m.shared.kafka,
        "350100",
        &[messaging::OutboxEvent::new(
            RATINGS_TOPIC,
            RATING_CHANGED,
            m.institution.clone(),
            &rating,
        )],
    )
    .await
    .expect("published");
    let under_review = (
        "institution_id".to_owned(),
        "institution_under_review".to_owned(),
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    while !probe().await.contains(&under_review) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        fields(&body(file().await).await),
        [under_review],
        "registry → delivery carried the D"
    );

    let reviewed = m
        .registry
        .post(
            &format!("/v1/institutions/{}/rating-review", m.institution),
            Some(&officer()),
            &json!({ "note": "整改到位" }),
        )
        .await;
    assert_eq!(reviewed.status(), 200);
    let deadline = tokio::time::Instant::now() + WAIT;
    while probe().await != sound && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        file().await.status(),
        201,
        "filing is open again after the review"
    );
    m.stop().await;
}
