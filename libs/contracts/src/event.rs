//! Every event the mesh publishes, read by its topic and type into its
//! payload: a consumer matches on these variants, never on topic or type
//! strings.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::assessment::{self, CertificateEvent, LeadingTalentEvent, ResultEvent};
use crate::catalog::{self, CatalogueEntryEvent, CataloguePublishedEvent};
use crate::delivery::{self, ClassEvent, CompletionEvent, ConflictAlert, EnrolmentEvent};
use crate::employment::{
    self, ApprenticeshipEvent, EmploymentRecordEvent, InsuredMonthsEvent, OutcomeEvent,
};
use crate::evaluation::{self, RatingEvent};
use crate::registry::{self, BrandEvent, InstitutionEvent, TeacherEvent, VenueEvent};
use crate::subsidy::{self, ClaimEvent, PaymentEvent, RecoveryEvent};

/// An event of the mesh, with its payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An entry published, changed or withdrawn (`catalog.entries.v1`).
    CatalogueEntry(CatalogueEntryEvent),
    CataloguePublished(CataloguePublishedEvent),
    /// An institution's standing, scope or rating changed.
    Institution(InstitutionEvent),
    Teacher(TeacherEvent),
    Venue(VenueEvent),
    Brand(BrandEvent),
    /// A class filed, approved, started or closed.
    Class(ClassEvent),
    Enrolled(EnrolmentEvent),
    Withdrawn(EnrolmentEvent),
    /// A class ended for a trainee: `completed` says whether they did.
    Completion(CompletionEvent),
    Conflict(ConflictAlert),
    ExamResult(ResultEvent),
    CertificateIssued(CertificateEvent),
    CertificateRevoked(CertificateEvent),
    LeadingTalent(LeadingTalentEvent),
    EmploymentRecord(EmploymentRecordEvent),
    /// Employed within the follow-up window, or not at its end.
    Outcome(OutcomeEvent),
    Apprenticeship(ApprenticeshipEvent),
    InsuredMonths(InsuredMonthsEvent),
    Rating(RatingEvent),
    /// A claim decided: `decision` is the event type (approved, refused,
    /// rejected, …) as [`subsidy`] names it.
    Claim {
        decision: &'static str,
        claim: ClaimEvent,
    },
    Payment(PaymentEvent),
    Recovery(RecoveryEvent),
}

/// Why an event could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("no event of this mesh is published on topic {0}")]
    UnknownTopic(String),
    #[error("the {event_type} payload does not read: {source}")]
    Payload {
        event_type: String,
        source: serde_json::Error,
    },
}

/// The claim decisions, each the type of its `subsidy.claims.v1` event.
const CLAIM_DECISIONS: [&str; 7] = [
    subsidy::CLAIM_APPROVED,
    subsidy::CLAIM_QUEUED_FOR_REVIEW,
    subsidy::CLAIM_REFUSED,
    subsidy::CLAIM_REJECTED,
    subsidy::CLAIM_DOCUMENTS_REQUESTED,
    subsidy::CLAIM_DISPUTED,
    subsidy::CLAIM_DISPUTE_DISMISSED,
];

impl Event {
    /// Reads the event of `event_type` on the logical `topic`. `Ok(None)`:
    /// a type this version does not know on a topic it does (a newer
    /// producer's), which a consumer passes by; an unknown topic or a
    /// payload that does not read is an error.
    pub fn read(topic: &str, event_type: &str, data: &Value) -> Result<Option<Self>, ReadError> {
        let payload = |e| ReadError::Payload {
            event_type: event_type.to_owned(),
            source: e,
        };
        Self::of(topic, event_type, data).map_err(|e| match e {
            Failure::Topic => ReadError::UnknownTopic(topic.to_owned()),
            Failure::Payload(e) => payload(e),
        })
    }

    fn of(topic: &str, event_type: &str, data: &Value) -> Result<Option<Self>, Failure> {
        fn p<T: DeserializeOwned>(data: &Value) -> Result<T, Failure> {
            T::deserialize(data).map_err(Failure::Payload)
        }
        Ok(match topic {
            catalog::ENTRIES_TOPIC => Some(Self::CatalogueEntry(p(data)?)),
            catalog::CATALOGUES_TOPIC => Some(Self::CataloguePublished(p(data)?)),
            registry::INSTITUTIONS_TOPIC => Some(Self::Institution(p(data)?)),
            registry::TEACHERS_TOPIC => Some(Self::Teacher(p(data)?)),
            registry::VENUES_TOPIC => Some(Self::Venue(p(data)?)),
            registry::BRANDS_TOPIC => Some(Self::Brand(p(data)?)),
            delivery::CLASSES_TOPIC => Some(Self::Class(p(data)?)),
            delivery::ALERTS_TOPIC => Some(Self::Conflict(p(data)?)),
            delivery::ENROLMENTS_TOPIC => match event_type {
                delivery::TRAINEE_ENROLLED => Some(Self::Enrolled(p(data)?)),
                delivery::TRAINEE_WITHDRAWN => Some(Self::Withdrawn(p(data)?)),
                delivery::TRAINEE_COMPLETED | delivery::TRAINEE_NOT_COMPLETED => {
                    Some(Self::Completion(p(data)?))
                }
                _ => None,
            },
            assessment::RESULTS_TOPIC => Some(Self::ExamResult(p(data)?)),
            assessment::CERTIFICATES_TOPIC => match event_type {
                assessment::CERTIFICATE_ISSUED => Some(Self::CertificateIssued(p(data)?)),
                assessment::CERTIFICATE_REVOKED => Some(Self::CertificateRevoked(p(data)?)),
                _ => None,
            },
            assessment::LEADING_TALENTS_TOPIC => Some(Self::LeadingTalent(p(data)?)),
            employment::RECORDS_TOPIC => Some(Self::EmploymentRecord(p(data)?)),
            employment::OUTCOMES_TOPIC => Some(Self::Outcome(p(data)?)),
            employment::APPRENTICESHIPS_TOPIC => Some(Self::Apprenticeship(p(data)?)),
            employment::INSURANCE_TOPIC => Some(Self::InsuredMonths(p(data)?)),
            evaluation::RATINGS_TOPIC => Some(Self::Rating(p(data)?)),
            subsidy::CLAIMS_TOPIC => match CLAIM_DECISIONS.iter().find(|d| **d == event_type) {
                Some(decision) => Some(Self::Claim {
                    decision,
                    claim: p(data)?,
                }),
                None => None,
            },
            subsidy::PAYMENTS_TOPIC => Some(Self::Payment(p(data)?)),
            subsidy::RECOVERIES_TOPIC => Some(Self::Recovery(p(data)?)),
            _ => return Err(Failure::Topic),
        })
    }
}

enum Failure {
    Topic,
    Payload(serde_json::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(status: &str) -> Value {
        serde_json::json!({
            "certificate_id": "0190a1b2-0000-7000-8000-000000000001",
            "certificate_no": "S3501002026000000000001",
            "city": "350100",
            "person_id": "p_0123456789abcdef0123456789abcdef",
            "body_id": "0190a1b2-0000-7000-8000-000000000002",
            "body_credit_code": "91350100M000100Y43",
            "body_kind": "social_organisation",
            "assessment_kind": "certification",
            "occupation_code": "6-31-01-03",
            "skill_level": "senior",
            "high_skilled": true,
            "route": "exam",
            "issued_on": "2026-07-01",
            "statistical_year": 2026,
            "class_id": null,
            "institution_id": null,
            "status": status,
            "revoked_reason": null,
            "revoked_on": null
        })
    }

    #[test]
    fn an_event_reads_by_its_topic_and_type_into_its_payload() {
        let revoked = Event::read(
            assessment::CERTIFICATES_TOPIC,
            assessment::CERTIFICATE_REVOKED,
            &certificate("revoked"),
        )
        .expect("reads");
        assert!(matches!(
            revoked,
            Some(Event::CertificateRevoked(c)) if c.status == crate::Open::Known(assessment::CertificateStatus::Revoked)
        ));
        let issued = Event::read(
            assessment::CERTIFICATES_TOPIC,
            assessment::CERTIFICATE_ISSUED,
            &certificate("valid"),
        )
        .expect("reads");
        assert!(matches!(issued, Some(Event::CertificateIssued(_))));
    }

    #[test]
    fn a_newer_type_passes_by_and_a_stranger_topic_or_payload_is_refused() {
        let newer = Event::read(
            assessment::CERTIFICATES_TOPIC,
            "qiancheng.assessment.certificate.reissued.v1",
            &certificate("valid"),
        )
        .expect("a known topic");
        assert_eq!(newer, None);
        let stranger = Event::read("payments.v1", "x", &Value::Null);
        assert!(matches!(stranger, Err(ReadError::UnknownTopic(t)) if t == "payments.v1"));
        let broken = Event::read(
            assessment::CERTIFICATES_TOPIC,
            assessment::CERTIFICATE_ISSUED,
            &serde_json::json!({ "certificate_id": 7 }),
        );
        assert!(matches!(broken, Err(ReadError::Payload { .. })));
    }

    #[test]
    fn a_claim_carries_its_decision() {
        let claim = serde_json::json!({
            "claim_id": "0190a1b2-0000-7000-8000-000000000001",
            "city": "350100",
            "kind": "training",
            "person_id": "p_0123456789abcdef0123456789abcdef",
            "occupation_code": "6-31-01-03",
            "skill_level": "senior",
            "statistical_year": 2026,
            "institution_id": null,
            "payee_type": "institution",
            "fund": null,
            "amount_fen": 0,
            "status": "rejected",
            "risk_score": 80,
            "reasons": []
        });
        let read =
            Event::read(subsidy::CLAIMS_TOPIC, subsidy::CLAIM_REJECTED, &claim).expect("reads");
        assert!(matches!(
            read,
            Some(Event::Claim { decision, .. }) if decision == subsidy::CLAIM_REJECTED
        ));
    }
}
