//! The service with its keys; bodies, staff and sessions made over HTTP;
//! completions published as delivery would.

use chrono::Utc;
use contracts::delivery::{CompletionEvent, ENROLMENTS_TOPIC, TRAINEE_COMPLETED};
use ids::{CitizenId, PersonIdKey};
use messaging::OutboxEvent;
use platform::auth::Role;
use serde_json::{json, Value};
use skill_assessment::SkillAssessment;
use test_support::{body, Shared, TestApp};
use uuid::Uuid;

pub use test_support::{fields, problem, WAIT};

use test_support::keys::PERSON_ID_KEY;
pub const OCCUPATION: &str = "6-31-01-03";

pub fn officer() -> String {
    test_support::token(Role::BureauOfficer, Some("350100"), None)
}

pub fn assessor(org: &str) -> String {
    test_support::token(Role::Assessor, Some("350100"), Some(org))
}

pub fn enterprise(org: &str) -> String {
    test_support::token(Role::Enterprise, Some("350100"), Some(org))
}

/// A valid citizen ID (GB 11643) from a sequence number.
pub fn citizen(seq: u32) -> String {
    let first17 = format!("350102199003{:02}{:03}", 1 + seq % 28, seq % 1000);
    CitizenId::with_check_char(&first17)
        .expect("valid")
        .expose()
        .to_owned()
}

/// A valid unified social credit code (GB 32100) ending a fixed stem.
pub fn credit_code(seq: u32) -> String {
    ids::CreditCode::with_check_char(&format!("91350100MA{seq:07}"))
        .expect("valid")
        .to_string()
}

pub fn person_id(citizen_id: &str) -> String {
    let citizen: CitizenId = citizen_id.parse().expect("valid");
    PersonIdKey::from_base64(PERSON_ID_KEY)
        .expect("key")
        .person_id(&citizen)
        .to_string()
}

/// Starts the service once delivery's topic exists, as it does in a city.
pub async fn start() -> TestApp<SkillAssessment> {
    start_with(|_| {}).await
}

/// [`start`], after `adjust` had its say on the configuration.
pub async fn start_with(
    adjust: impl FnOnce(&mut skill_assessment::Config),
) -> TestApp<SkillAssessment> {
    let shared = Shared::new();
    messaging::ensure_topics(&shared.kafka, &[ENROLMENTS_TOPIC])
        .await
        .expect("delivery's topic");
    TestApp::<SkillAssessment>::start(env!("CARGO_MANIFEST_DIR"), &shared, |cfg| {
        cfg.service.pii_encryption_keys = test_support::keys::PII_ENCRYPTION_KEYS.into();
        cfg.service.pii_lookup_key = test_support::keys::PII_LOOKUP_KEY.into();
        cfg.service.person_id_key = PERSON_ID_KEY.into();
        cfg.service.credential_secret = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=".into();
        cfg.service.public_base_url = "https://assessment.350100.example".into();
        adjust(cfg);
    })
    .await
}

/// A filed body with one assessor and one supervisor, in scope for
/// certification of `OCCUPATION` at the senior level.
pub struct Body {
    pub id: String,
    pub code: String,
    pub credit_code: String,
    pub token: String,
    pub assessor: String,
    pub supervisor: String,
}

pub async fn file_body(app: &TestApp<SkillAssessment>, seq: u32, kind: &str) -> Body {
    file_body_of(app, &credit_code(seq), &format!("评价机构 {seq}"), kind).await
}

/// [`file_body`] for the organisation `credit_code`.
pub async fn file_body_of(
    app: &TestApp<SkillAssessment>,
    credit_code: &str,
    name: &str,
    kind: &str,
) -> Body {
    let credit_code = credit_code.to_owned();
    let res = app
        .post(
            "/v1/assessment-bodies",
            Some(&officer()),
            &json!({
                "credit_code": credit_code,
                "name": name,
                "kind": kind,
                "valid_from": "2025-01-01",
                "valid_until": "2030-12-31",
                "scope": [
                    { "assessment_kind": "certification", "occupation_code": OCCUPATION, "skill_level": "senior" },
                    { "assessment_kind": "certification", "occupation_code": OCCUPATION, "skill_level": "technician" },
                ],
            }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let filed = body(res).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let token = if kind == "enterprise" {
        enterprise(&credit_code)
    } else {
        assessor(&credit_code)
    };
    let mut staff = Vec::new();
    for (role, no) in [("assessor", "KP-1"), ("supervisor", "DD-1")] {
        // Each sent twice with its key, as a retry after a lost answer:
        // registered once, the retry answered as the first.
        let mut answers = Vec::new();
        for _ in 0..2 {
            let res = app
                .request(
                    reqwest::Method::POST,
                    &format!("/v1/assessment-bodies/{id}/staff"),
                    Some(&token),
                )
                .header("Idempotency-Key", format!("staff-{no}"))
                .json(&json!({ "role": role, "name": "陈老师", "credential_no": no }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
            let replayed = res.headers().contains_key("Idempotent-Replayed");
            answers.push((replayed, body(res).await));
        }
        assert_eq!(
            (answers[0].0, answers[1].0),
            (false, true),
            "only the retry is a replay"
        );
        assert_eq!(answers[0].1, answers[1].1);
        staff.push(answers[0].1["id"].as_str().unwrap().to_owned());
    }
    Body {
        id,
        code: filed["code"].as_str().unwrap().to_owned(),
        credit_code,
        token,
        assessor: staff[0].clone(),
        supervisor: staff[1].clone(),
    }
}

/// A session today for the senior level; returns its id.
pub async fn schedule(app: &TestApp<SkillAssessment>, body: &Body, level: &str) -> String {
    let res = app
        .post(
            "/v1/sessions",
            Some(&body.token),
            &session_request(body, level),
        )
        .await;
    assert_eq!(res.status(), 201);
    test_support::body(res).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub fn session_request(body: &Body, level: &str) -> Value {
    json!({
        "assessment_kind": "certification",
        "occupation_code": OCCUPATION,
        "skill_level": level,
        "exam_date": ids::business_date(Utc::now()),
        "venue": "鼓楼区实训基地 3 楼",
        "assessor_ids": [body.assessor],
        "supervisor_id": body.supervisor,
    })
}

/// Publishes delivery's completion of `citizen_id` at the senior level and
/// waits until the service has it (a registration no longer says
/// `no_completion` is checked by the caller).
pub async fn complete(app: &TestApp<SkillAssessment>, citizen_id: &str) -> Uuid {
    let class_id = Uuid::now_v7();
    let on = ids::business_date(Utc::now());
    let event = CompletionEvent {
        enrolment_id: Uuid::now_v7(),
        class_id,
        institution_id: Uuid::now_v7(),
        person_id: serde_json::from_value(json!(person_id(citizen_id))).unwrap(),
        target_group: "registered_unemployed".into(),
        occupation_code: OCCUPATION.parse().unwrap(),
        skill_level: ids::SkillLevel::Senior,
        completed: true,
        attended_hours: 80.0,
        planned_hours: 80.0,
        completed_on: on,
        statistical_year: ids::StatisticalYear::of(on).year(),
        catalogue_year: None,
    };
    test_support::publish(
        &app.cfg.kafka,
        "350100",
        &[OutboxEvent::new(
            ENROLMENTS_TOPIC,
            TRAINEE_COMPLETED,
            class_id.to_string(),
            &event,
        )],
    )
    .await
    .expect("published");
    class_id
}

/// Registers a completer, retrying while the completion is on its way.
pub async fn register_completer(
    app: &TestApp<SkillAssessment>,
    body: &Body,
    session: &str,
    citizen_id: &str,
    name: &str,
) -> Value {
    let path = format!("/v1/sessions/{session}/candidates");
    let candidate = json!({ "citizen_id": citizen_id, "name": name, "route": "completion" });
    test_support::eventually(WAIT, || async {
        let res = app.post(&path, Some(&body.token), &candidate).await;
        if res.status() == 201 {
            return Ok(test_support::body(res).await);
        }
        let p = test_support::body(res).await;
        assert_eq!(p["code"], "no_completion", "{p}");
        Err("the completion has not arrived".to_owned())
    })
    .await
}

pub async fn score(
    app: &TestApp<SkillAssessment>,
    body: &Body,
    session: &str,
    candidate: &str,
    theory: i64,
    practical: i64,
) -> reqwest::Response {
    app.put(
        &format!("/v1/sessions/{session}/candidates/{candidate}/result"),
        Some(&body.token),
        &json!({ "theory_score": theory, "practical_score": practical }),
    )
    .await
}

pub async fn issue(
    app: &TestApp<SkillAssessment>,
    body: &Body,
    session: &str,
    candidate: &str,
) -> reqwest::Response {
    app.post(
        &format!("/v1/sessions/{session}/candidates/{candidate}/certificate"),
        Some(&body.token),
        &json!(null),
    )
    .await
}

/// A completer who passed and holds a certificate: (certificate, class id).
pub async fn certified(
    app: &TestApp<SkillAssessment>,
    body: &Body,
    seq: u32,
    name: &str,
) -> (Value, Uuid) {
    let citizen_id = citizen(seq);
    let class_id = complete(app, &citizen_id).await;
    let session = schedule(app, body, "senior").await;
    let candidate = register_completer(app, body, &session, &citizen_id, name).await;
    let candidate = candidate["id"].as_str().unwrap();
    assert_eq!(
        score(app, body, &session, candidate, 82, 90).await.status(),
        200
    );
    let res = issue(app, body, &session, candidate).await;
    assert_eq!(res.status(), 201);
    (test_support::body(res).await, class_id)
}
