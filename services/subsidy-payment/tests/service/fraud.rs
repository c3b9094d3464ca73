//! Fraud rules fed by the other services' events: each finding explains
//! itself on the claim, and the score sends the claim to review.

use chrono::{Days, Utc};
use contracts::assessment::{ResultEvent, RESULTS_TOPIC, RESULT_RECORDED};
use contracts::delivery::{
    CompletionEvent, ConflictAlert, EnrolmentEvent, ALERTS_TOPIC, CONFLICT_DETECTED,
    ENROLMENTS_TOPIC, TRAINEE_ENROLLED,
};
use messaging::OutboxEvent;
use serde_json::Value;
use uuid::Uuid;

use crate::harness::*;

/// Delivery's enrolment behind `completion`, with the facts it reads from
/// the citizen ID and the class's dates.
fn enrolment(completion: &OutboxEvent, age: u32, male: bool, days: (u64, u64)) -> OutboxEvent {
    enrolment_with_phone(completion, age, male, days, None)
}

fn enrolment_with_phone(
    completion: &OutboxEvent,
    age: u32,
    male: bool,
    days: (u64, u64),
    phone_lookup: Option<&str>,
) -> OutboxEvent {
    let c: CompletionEvent = serde_json::from_value(completion.payload.clone()).unwrap();
    let e = EnrolmentEvent {
        enrolment_id: c.enrolment_id,
        class_id: c.class_id,
        institution_id: c.institution_id,
        person_id: c.person_id,
        target_group: c.target_group,
        occupation_code: c.occupation_code,
        skill_level: c.skill_level,
        voucher_ref: None,
        age_at_enrolment: Some(age),
        male: Some(male),
        class_starts_at: Some(Utc::now() - chrono::Duration::days(days.0 as i64)),
        class_ends_at: Some(Utc::now() - chrono::Duration::days(days.1 as i64)),
        phone_lookup: phone_lookup.map(str::to_owned),
    };
    OutboxEvent::new(
        ENROLMENTS_TOPIC,
        TRAINEE_ENROLLED,
        c.class_id.to_string(),
        &e,
    )
}

fn class_of(completion: &OutboxEvent) -> Uuid {
    completion.payload["class_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn rules(claim: &Value) -> Vec<String> {
    let mut out: Vec<String> = claim["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_retiree_enrolled_as_unemployed_goes_to_review_and_a_sound_trainee_does_not() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let inst = institution(401);
    let (retiree, sound) = (person(401), person(402));
    let (a, b) = (completion(&retiree, inst.id), completion(&sound, inst.id));
    publish(
        &app,
        &[
            inst.event.clone(),
            catalogue_entry(),
            enrolment(&a, 63, true, (30, 5)),
            a.clone(),
            enrolment(&b, 35, false, (30, 5)),
            b.clone(),
        ],
    )
    .await;
    publish(
        &app,
        &[
            certificate(&retiree, Uuid::now_v7(), false),
            certificate(&sound, Uuid::now_v7(), false),
        ],
    )
    .await;
    let list = wait_for_claims(&app, |c| c.len() == 2).await;
    let of = |p: &str| list.iter().find(|c| c["person_id"] == p).unwrap().clone();
    let flagged = of(&retiree);
    assert_eq!(flagged["status"], "in_review");
    assert_eq!(rules(&flagged), ["retiree_as_unemployed"]);
    assert!(
        flagged["findings"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("aged 63"),
        "{flagged}"
    );
    assert_eq!(flagged["risk_score"], 60);
    assert_eq!(of(&sound)["status"], "approved");
    assert_eq!(rules(&of(&sound)), Vec::<String>::new());
    app.stop().await;
}

#[tokio::test]
async fn overlapping_classes_supervision_alerts_and_a_pass_rate_spike_are_findings() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let inst = institution(411);
    let p = person(411);
    let here = completion(&p, inst.id);
    // The same person in another class of the same weeks (another
    // occupation: only the overlap matters).
    let elsewhere = completion(&p, inst.id);
    let alert = ConflictAlert {
        alert_id: Uuid::now_v7(),
        kind: "teacher_double_booked".into(),
        class_id: Uuid::now_v7(),
        other_class_id: class_of(&here),
        institution_id: inst.id,
        subject: Uuid::now_v7().to_string(),
        at: Utc::now(),
    };
    // The body passed 10 of 40 last year, 24 of 24 this month.
    let body = Uuid::now_v7();
    let result = |days_ago: u64, passed: bool| {
        let e = ResultEvent {
            result_id: Uuid::now_v7(),
            session_id: Uuid::now_v7(),
            body_id: body,
            city: "350100".parse().unwrap(),
            person_id: serde_json::from_value(serde_json::json!(person(9000))).unwrap(),
            assessment_kind: "certification".into(),
            occupation_code: OCCUPATION.parse().unwrap(),
            skill_level: ids::SkillLevel::Senior,
            theory_score: if passed { 80 } else { 40 },
            practical_score: if passed { 80 } else { 40 },
            passed,
            assessed_on: today() - Days::new(days_ago),
            statistical_year: year(),
            class_id: None,
            institution_id: None,
        };
        OutboxEvent::new(RESULTS_TOPIC, RESULT_RECORDED, body.to_string(), &e)
    };
    let mut results: Vec<OutboxEvent> = (0..40).map(|i| result(100, i < 10)).collect();
    results.extend((0..24).map(|_| result(3, true)));
    publish(&app, &results).await;
    publish(
        &app,
        &[OutboxEvent::new(
            ALERTS_TOPIC,
            CONFLICT_DETECTED,
            alert.class_id.to_string(),
            &alert,
        )],
    )
    .await;
    publish(
        &app,
        &[
            inst.event.clone(),
            catalogue_entry(),
            enrolment(&elsewhere, 30, true, (20, 10)),
            enrolment(&here, 30, true, (40, 15)),
            here.clone(),
        ],
    )
    .await;
    let mut cert = certificate(&p, Uuid::now_v7(), false);
    cert.payload["body_id"] = serde_json::json!(body);
    publish(&app, &[cert]).await;
    let list = wait_for_claims(&app, |c| c.len() == 1).await;
    assert_eq!(list[0]["status"], "in_review");
    assert_eq!(
        rules(&list[0]),
        [
            "attendance_alerts",
            "overlapping_classes",
            "pass_rate_spike"
        ]
    );
    let reasons = list[0]["findings"].to_string();
    assert!(
        reasons.contains(&class_of(&elsewhere).to_string()),
        "{reasons}"
    );
    assert!(
        reasons.contains("100 % of 24 candidates, against 25 %"),
        "{reasons}"
    );
    assert_eq!(list[0]["risk_score"], 90);
    app.stop().await;
}

#[tokio::test]
async fn one_phone_number_behind_three_trainees_is_a_finding_on_their_claims() {
    let app = start().await;
    allocate(&app, "employment_subsidy", 1_000_000).await;
    let inst = institution(421);
    let people = [person(421), person(422), person(423)];
    let shared = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    // All three enrolments precede any completion on the (ordered) topic:
    // no claim is decided before the third sharer is known.
    let completions: Vec<OutboxEvent> = people.iter().map(|p| completion(p, inst.id)).collect();
    let mut history = vec![inst.event.clone(), catalogue_entry()];
    history.extend(
        completions
            .iter()
            .map(|c| enrolment_with_phone(c, 30, true, (30, 5), Some(shared))),
    );
    history.extend(completions.iter().cloned());
    publish(&app, &history).await;
    let certificates: Vec<OutboxEvent> = people
        .iter()
        .map(|p| certificate(p, Uuid::now_v7(), false))
        .collect();
    publish(&app, &certificates).await;
    let list = wait_for_claims(&app, |c| c.len() == 3).await;
    for claim in &list {
        assert_eq!(rules(claim), ["shared_phone"], "{claim}");
        assert!(claim["findings"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("given by 3 trainees"));
        assert_eq!(
            claim["status"], "approved",
            "25 is below the review threshold"
        );
    }
    app.stop().await;
}
