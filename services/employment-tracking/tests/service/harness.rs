//! Employment tracking on a broker fed with a recorded history of the
//! registry's and delivery's events; helpers to complete trainees, send
//! contribution batches and read what was published.

use std::time::Duration;

use chrono::NaiveDate;
use contracts::delivery::{CompletionEvent, ENROLMENTS_TOPIC, TRAINEE_COMPLETED};
use contracts::registry::{InstitutionEvent, INSTITUTIONS_TOPIC, INSTITUTION_APPROVED};
use employment_tracking::EmploymentTracking;
use ids::{CitizenId, PersonIdKey, SkillLevel};
use messaging::OutboxEvent;
use platform::auth::Role;
use reqwest::{Method, Response};
use serde_json::Value;
use test_support::{body, read_topic, Record, Shared, TestApp, WAIT};
use uuid::Uuid;

pub use test_support::{fields, problem};

/// The training school whose completers are followed up.
pub const SCHOOL: &str = "91350100M000100Y43";
/// Another school.
pub const OTHER_SCHOOL: &str = "91350100MA2YYY005Y";
/// Two employers.
pub const FACTORY: &str = "91350100MA2XYA001F";
pub const SHIPYARD: &str = "91350200MA3ABC0028";

use test_support::keys::PERSON_ID_KEY as PERSON_KEY;

pub fn officer() -> String {
    test_support::token(Role::BureauOfficer, Some("350100"), None)
}

/// The city's social-insurance agency's system: uploads contribution
/// batches, and nothing else.
pub fn integrator() -> String {
    test_support::token_with(
        Role::Integrator,
        Some("350100"),
        Some("11350100MB0000000Y"),
        Some("employment:social_insurance"),
    )
}

/// An enterprise's own system, granted `scope`.
pub fn enterprise_system(org: &str, scope: &str) -> String {
    test_support::token_with(Role::Integrator, Some("350100"), Some(org), Some(scope))
}

pub fn enterprise(org: &str) -> String {
    test_support::token(Role::Enterprise, Some("350100"), Some(org))
}

pub fn operator(org: &str) -> String {
    test_support::token(Role::InstitutionOperator, Some("350100"), Some(org))
}

pub fn person_id(citizen: &str) -> String {
    let citizen: CitizenId = citizen.parse().expect("citizen id");
    PersonIdKey::from_base64(PERSON_KEY)
        .expect("key")
        .person_id(&citizen)
        .to_string()
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

pub struct Tracking {
    pub app: TestApp<EmploymentTracking>,
    pub shared: Shared,
    pub school: Uuid,
}

pub async fn start() -> Tracking {
    start_with(|_| {}).await
}

/// Starts the service after the registry announced the school.
pub async fn start_with(adjust: impl FnOnce(&mut employment_tracking::Config)) -> Tracking {
    let shared = Shared::new();
    messaging::ensure_topics(&shared.kafka, &[ENROLMENTS_TOPIC, INSTITUTIONS_TOPIC])
        .await
        .expect("topics");
    let app = TestApp::<EmploymentTracking>::start(env!("CARGO_MANIFEST_DIR"), &shared, |cfg| {
        cfg.service.person_id_key = PERSON_KEY.into();
        adjust(cfg);
    })
    .await;
    let school = Uuid::now_v7();
    let listed = InstitutionEvent {
        institution_id: school,
        city: "350100".parse().expect("city"),
        credit_code: SCHOOL.parse().expect("code"),
        name: "福州电工培训学校".into(),
        nature: "private".into(),
        status: "approved".into(),
        high_skill_base: false,
        scope: Vec::new(),
        reason: None,
        rating: None,
        under_review: false,
    };
    test_support::publish(
        &shared.kafka,
        "350100",
        &[OutboxEvent::new(
            INSTITUTIONS_TOPIC,
            INSTITUTION_APPROVED,
            school.to_string(),
            &listed,
        )],
    )
    .await
    .expect("publish");
    Tracking {
        app,
        shared,
        school,
    }
}

/// A completion as delivery publishes it.
pub fn completion(institution: Uuid, citizen: &str, completed_on: &str) -> OutboxEvent {
    let on = date(completed_on);
    let payload = CompletionEvent {
        enrolment_id: Uuid::now_v7(),
        class_id: Uuid::now_v7(),
        institution_id: institution,
        person_id: serde_json::from_value(Value::String(person_id(citizen))).expect("person"),
        target_group: "registered_unemployed".into(),
        occupation_code: "6-31-01-03".parse().expect("code"),
        skill_level: SkillLevel::Senior,
        completed: true,
        attended_hours: 60.0,
        planned_hours: 64.0,
        completed_on: on,
        statistical_year: ids::StatisticalYear::of(on).year(),
        catalogue_year: None,
    };
    OutboxEvent::new(
        ENROLMENTS_TOPIC,
        TRAINEE_COMPLETED,
        payload.class_id.to_string(),
        &payload,
    )
}

impl Tracking {
    /// Publishes events as delivery would.
    pub async fn publish(&self, events: &[OutboxEvent]) {
        test_support::publish(&self.shared.kafka, "350100", events)
            .await
            .expect("publish");
    }

    /// A trainee of the school completes on `completed_on`; returns the
    /// enrolment id once the follow-up is open.
    pub async fn complete(&self, citizen: &str, completed_on: &str) -> String {
        let event = completion(self.school, citizen, completed_on);
        let id = event.payload["enrolment_id"]
            .as_str()
            .expect("id")
            .to_owned();
        self.publish(&[event]).await;
        self.follow_up(&id).await;
        id
    }

    /// Waits until the follow-up exists (and the school is known) and
    /// returns it.
    pub async fn follow_up(&self, enrolment: &str) -> Value {
        let path = format!("/v1/follow-ups/{enrolment}");
        test_support::eventually(WAIT, || async {
            let res = self.app.get(&path, Some(&operator(SCHOOL))).await;
            match res.status().as_u16() {
                200 => Ok(body(res).await),
                status => Err(format!("the completion has not arrived: {status}")),
            }
        })
        .await
    }

    pub async fn put_batch(&self, id: &str, lines: &str, token: &str) -> Response {
        self.app
            .request(
                Method::PUT,
                &format!("/v1/social-insurance/batches/{id}"),
                Some(token),
            )
            .header("content-type", "application/x-ndjson")
            .body(lines.to_owned())
            .send()
            .await
            .expect("request")
    }

    /// Waits for `n` events on a topic of this service.
    pub async fn events(&self, topic: &str, n: usize) -> Vec<Record> {
        let got = read_topic(&self.shared.kafka, &self.shared.kafka.topic(topic), n, WAIT)
            .await
            .expect("read");
        assert_eq!(got.len(), n, "events on {topic}: {got:?}");
        got
    }

    /// Asserts that exactly `n` events are on a topic: waits for them, then
    /// a little longer for any more.
    pub async fn exactly(&self, topic: &str, n: usize) -> Vec<Record> {
        self.events(topic, n).await;
        let got = read_topic(
            &self.shared.kafka,
            &self.shared.kafka.topic(topic),
            n + 1,
            Duration::from_secs(3),
        )
        .await
        .expect("read");
        assert_eq!(got.len(), n, "events on {topic}: {got:?}");
        got
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }
}

pub fn contribution(citizen: &str, employer: &str, month: &str) -> String {
    format!(r#"{{"citizen_id":"{citizen}","employer_credit_code":"{employer}","month":"{month}"}}"#)
}

pub fn ce_type(r: &Record) -> &str {
    r.headers.get("ce_type").map(String::as_str).unwrap_or("")
}
