//! The service on a broker fed with recorded histories; builders of the
//! other services' events as they publish them, and helpers to wait for
//! what the service makes of them.

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use contracts::assessment::{
    CertificateEvent, LeadingTalentEvent, CERTIFICATES_TOPIC, CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED, LEADING_TALENTS_TOPIC, LEADING_TALENT_SELECTED,
};
use contracts::delivery::{
    CompletionEvent, ENROLMENTS_TOPIC, TRAINEE_COMPLETED, TRAINEE_NOT_COMPLETED,
};
use contracts::employment::{
    OutcomeEvent, EMPLOYED_WITHIN_WINDOW, NOT_EMPLOYED_AT_WINDOW_END, OUTCOMES_TOPIC,
};
use contracts::registry::{
    BrandEvent, InstitutionEvent, BRANDS_TOPIC, BRAND_REGISTERED, INSTITUTIONS_TOPIC,
    INSTITUTION_APPROVED,
};
use contracts::subsidy::{
    ClaimEvent, ReasonItem, RecoveryEvent, CLAIMS_TOPIC, CLAIM_REFUSED, CLAIM_REJECTED,
    RECOVERIES_TOPIC, RECOVERY_ORDERED,
};
use ids::{Fen, PersonId, SkillLevel};
use messaging::OutboxEvent;
use performance_evaluation::PerformanceEvaluation;
use platform::auth::Role;
use serde_json::Value;
use test_support::{body, read_topic, Record, Shared, TestApp, WAIT};
use uuid::Uuid;

pub use test_support::{fields, problem};

/// The training school evaluated.
pub const SCHOOL: &str = "91350100M000100Y43";

pub fn officer(city: &str) -> String {
    test_support::token(Role::BureauOfficer, Some(city), None)
}

pub fn operator(org: &str) -> String {
    test_support::token(Role::InstitutionOperator, Some("350100"), Some(org))
}

/// A trainee's token: its subject is their person id.
pub fn trainee(person: &str) -> String {
    test_support::trainee_token(person)
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn person(p: &str) -> PersonId {
    PersonId::from_stored(p)
}

pub struct Evaluation {
    pub app: TestApp<PerformanceEvaluation>,
    pub shared: Shared,
    pub city: &'static str,
}

/// Starts the service for 350100, scoring every second.
pub async fn start() -> Evaluation {
    start_for("350100", |_| {}).await
}

/// Starts an instance for `city` after the consumed topics exist.
pub async fn start_for(
    city: &'static str,
    adjust: impl FnOnce(&mut performance_evaluation::Config),
) -> Evaluation {
    let shared = Shared::new();
    messaging::ensure_topics(
        &shared.kafka,
        &performance_evaluation::events::CONSUMED_TOPICS,
    )
    .await
    .expect("topics");
    let app = TestApp::<PerformanceEvaluation>::start(env!("CARGO_MANIFEST_DIR"), &shared, |cfg| {
        cfg.instance.city = city.into();
        cfg.service.rescore_interval_secs = 1;
        adjust(cfg);
    })
    .await;
    Evaluation { app, shared, city }
}

/// The registry lists an institution.
pub fn institution(id: Uuid, name: &str) -> OutboxEvent {
    let e = InstitutionEvent {
        institution_id: id,
        city: "350100".parse().expect("city"),
        credit_code: SCHOOL.parse().expect("code"),
        name: name.into(),
        nature: "private".into(),
        status: "approved".into(),
        high_skill_base: false,
        scope: Vec::new(),
        reason: None,
        rating: None,
        under_review: false,
    };
    OutboxEvent::new(INSTITUTIONS_TOPIC, INSTITUTION_APPROVED, id.to_string(), &e)
}

/// A trainee's result as delivery publishes it; returns it with its
/// enrolment id.
pub fn completion(
    institution: Uuid,
    class: Uuid,
    person_id: &str,
    on: &str,
    completed: bool,
) -> (Uuid, OutboxEvent) {
    let on = date(on);
    let e = CompletionEvent {
        enrolment_id: Uuid::now_v7(),
        class_id: class,
        institution_id: institution,
        person_id: person(person_id),
        target_group: "registered_unemployed".into(),
        occupation_code: "6-31-01-03".parse().expect("code"),
        skill_level: SkillLevel::Intermediate,
        completed,
        attended_hours: 60.0,
        planned_hours: 64.0,
        completed_on: on,
        statistical_year: ids::StatisticalYear::of(on).year(),
        catalogue_year: None,
    };
    let kind = if completed {
        TRAINEE_COMPLETED
    } else {
        TRAINEE_NOT_COMPLETED
    };
    (
        e.enrolment_id,
        OutboxEvent::new(ENROLMENTS_TOPIC, kind, class.to_string(), &e),
    )
}

/// A certificate as assessment publishes it (issued, or revoked).
pub fn certificate(
    person_id: &str,
    level: SkillLevel,
    issued_on: &str,
    from: Option<(Uuid, Uuid)>,
    revoked: bool,
) -> (Uuid, OutboxEvent) {
    let on = date(issued_on);
    let e = CertificateEvent {
        certificate_id: Uuid::now_v7(),
        certificate_no: "S0001351001002625000001".into(),
        city: "350100".parse().expect("city"),
        person_id: person(person_id),
        body_id: Uuid::now_v7(),
        body_credit_code: "91350100MA2XYA001F".parse().expect("code"),
        body_kind: "social_organisation".into(),
        assessment_kind: "certification".into(),
        occupation_code: "6-31-01-03".parse().expect("code"),
        skill_level: level,
        high_skilled: level.is_high_skilled(),
        route: "exam".into(),
        issued_on: on,
        statistical_year: ids::StatisticalYear::of(on).year(),
        class_id: from.map(|(_, class)| class),
        institution_id: from.map(|(institution, _)| institution),
        status: if revoked { "revoked" } else { "valid" }.into(),
        revoked_reason: revoked.then(|| "fraud".to_owned()),
        revoked_on: revoked.then_some(on),
    };
    let kind = if revoked {
        CERTIFICATE_REVOKED
    } else {
        CERTIFICATE_ISSUED
    };
    (
        e.certificate_id,
        OutboxEvent::new(CERTIFICATES_TOPIC, kind, e.certificate_no.clone(), &e),
    )
}

/// The same certificate in another status.
pub fn with_id(mut event: OutboxEvent, id: Uuid) -> OutboxEvent {
    event.payload["certificate_id"] = Value::String(id.to_string());
    event
}

/// A follow-up outcome as employment tracking publishes it.
pub fn outcome(
    enrolment: Uuid,
    institution: Uuid,
    class: Uuid,
    person_id: &str,
    completed_on: &str,
    employed: bool,
) -> OutboxEvent {
    let on = date(completed_on);
    let e = OutcomeEvent {
        enrolment_id: enrolment,
        class_id: class,
        institution_id: institution,
        city: "350100".parse().expect("city"),
        person_id: person(person_id),
        occupation_code: "6-31-01-03".parse().expect("code"),
        skill_level: SkillLevel::Intermediate,
        completed_on: on,
        window_months: 6,
        employed,
        employed_on: employed.then_some(on),
        employer_credit_code: None,
        source: employed.then(|| "social_insurance".to_owned()),
        statistical_year: ids::StatisticalYear::of(on).year(),
    };
    let kind = if employed {
        EMPLOYED_WITHIN_WINDOW
    } else {
        NOT_EMPLOYED_AT_WINDOW_END
    };
    OutboxEvent::new(OUTCOMES_TOPIC, kind, enrolment.to_string(), &e)
}

/// A claim of the institution's as subsidy payment decided it.
pub fn claim(institution: Uuid, kind: &'static str, reason: &str, year: i32) -> OutboxEvent {
    let e = ClaimEvent {
        claim_id: Uuid::now_v7(),
        city: "350100".parse().expect("city"),
        kind: "training".into(),
        person_id: person(P_CLAIMED),
        occupation_code: None,
        skill_level: "intermediate".into(),
        statistical_year: year,
        institution_id: Some(institution),
        payee_type: "institution".into(),
        fund: None,
        amount_fen: Fen::new(150_000),
        status: if kind == CLAIM_REJECTED {
            "rejected"
        } else {
            "refused"
        }
        .into(),
        risk_score: 80,
        reasons: vec![ReasonItem {
            code: reason.into(),
            text: reason.into(),
        }],
    };
    OutboxEvent::new(CLAIMS_TOPIC, kind, e.claim_id.to_string(), &e)
}

pub const REJECTED: &str = CLAIM_REJECTED;
pub const REFUSED: &str = CLAIM_REFUSED;

/// A recovery order on an institution's claim.
pub fn recovery(institution: Uuid, claim: Uuid, cause: &str) -> OutboxEvent {
    let e = RecoveryEvent {
        recovery_id: Uuid::now_v7(),
        claim_id: claim,
        city: "350100".parse().expect("city"),
        kind: "training".into(),
        person_id: person(P_CLAIMED),
        fund: "employment_subsidy".into(),
        amount_fen: Fen::new(150_000),
        cause: cause.into(),
        reason: "recorded".into(),
        institution_id: Some(institution),
    };
    let mut event = OutboxEvent::new(RECOVERIES_TOPIC, RECOVERY_ORDERED, claim.to_string(), &e);
    // Recorded in statistical year 2025.
    event.occurred_at = Utc
        .with_ymd_and_hms(2025, 9, 1, 2, 0, 0)
        .single()
        .expect("instant");
    event
}

pub fn brand(registered_on: &str) -> OutboxEvent {
    let on = date(registered_on);
    let e = BrandEvent {
        brand_id: Uuid::now_v7(),
        city: "350100".parse().expect("city"),
        name: "闽都电工培训".into(),
        occupation_codes: vec!["6-31-01-03".parse().expect("code")],
        institution_ids: Vec::new(),
        registered_on: on,
        statistical_year: ids::StatisticalYear::of(on).year(),
    };
    OutboxEvent::new(BRANDS_TOPIC, BRAND_REGISTERED, e.brand_id.to_string(), &e)
}

pub fn leading_talent(person_id: &str, year: i32) -> OutboxEvent {
    let e = LeadingTalentEvent {
        talent_id: Uuid::now_v7(),
        city: "350100".parse().expect("city"),
        person_id: person(person_id),
        selection_year: year,
        occupation_code: "6-31-01-03".parse().expect("code"),
        skill_level: SkillLevel::SeniorTechnician,
    };
    OutboxEvent::new(
        LEADING_TALENTS_TOPIC,
        LEADING_TALENT_SELECTED,
        e.talent_id.to_string(),
        &e,
    )
}

impl Evaluation {
    /// Publishes a recorded history as the other services would.
    pub async fn publish(&self, events: &[OutboxEvent]) {
        test_support::publish(&self.shared.kafka, self.city, events)
            .await
            .expect("publish");
    }

    /// Polls `path` (as `token`) until `ready` holds of its answer.
    pub async fn until(&self, path: &str, token: &str, ready: impl Fn(&Value) -> bool) -> Value {
        test_support::eventually(WAIT, || async {
            let res = self.app.get(path, Some(token)).await;
            let status = res.status();
            let got = body(res).await;
            if status == 200 && ready(&got) {
                Ok(got)
            } else {
                Err(format!("{path}: {status} {got}"))
            }
        })
        .await
    }

    /// The first `n` events on a topic of this service, once they are
    /// there (the reader stops at `n`: [`Self::exactly`] says there are no
    /// more).
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

/// Whether two numbers agree to within rounding.
pub fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

/// Person ids as the mesh makes them (64 hex digits): a trainee's token
/// carries one as its subject.
pub const P_OLD: &str = "0f00000000000000000000000000000000000000000000000000000000000001";
pub const P_NEW: &str = "0f00000000000000000000000000000000000000000000000000000000000002";
pub const P_CLAIMED: &str = "0f00000000000000000000000000000000000000000000000000000000000003";
pub const P_DROPPED: &str = "0f00000000000000000000000000000000000000000000000000000000000004";
pub const P1: &str = "0f00000000000000000000000000000000000000000000000000000000000101";
pub const P2: &str = "0f00000000000000000000000000000000000000000000000000000000000102";
pub const P3: &str = "0f00000000000000000000000000000000000000000000000000000000000103";
pub const P4: &str = "0f00000000000000000000000000000000000000000000000000000000000104";
pub const P5: &str = "0f00000000000000000000000000000000000000000000000000000000000105";
pub const P6: &str = "0f00000000000000000000000000000000000000000000000000000000000106";
pub const P7: &str = "0f00000000000000000000000000000000000000000000000000000000000107";
pub const P8: &str = "0f00000000000000000000000000000000000000000000000000000000000108";
pub const P9: &str = "0f00000000000000000000000000000000000000000000000000000000000109";
