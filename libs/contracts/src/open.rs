//! A closed vocabulary as an event carries it, open to words added later.

use std::fmt;

use ids::{InvalidValue, Vocabulary};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A word of a closed vocabulary an event may carry (an enum declared with
/// `ids::vocabulary!`). A trait of its own, listed type by type, so `Open`
/// can also be built from the raw word (`String` is no `Word`).
pub trait Word: Vocabulary {}

macro_rules! words {
    ($($word:ty),+) => {
        $(impl Word for $word {})+
    };
}
words!(
    ids::TargetGroup,
    ids::Rating,
    crate::assessment::AssessmentKind,
    crate::assessment::BodyKind,
    crate::assessment::CertificateRoute,
    crate::assessment::CertificateStatus,
    crate::delivery::ClassStatus,
    crate::delivery::ConflictKind,
    crate::delivery::FundingRoute,
    crate::employment::RecordSource,
    crate::registry::Nature,
    crate::registry::Employment,
    crate::registry::InstitutionStatus,
    crate::subsidy::ClaimStatus,
    crate::subsidy::FundSource,
    crate::subsidy::PayeeType,
    crate::subsidy::PaymentStatus,
    crate::subsidy::RecoveryCause,
    crate::subsidy::SubsidyKind
);

/// A value of a closed vocabulary in an event. A producer newer than its
/// consumer may send a word the consumer does not know yet: the event still
/// reads, and the consumer decides what the unknown word means for it
/// (dead-letter the event, keep the word as it came) instead of failing on
/// the whole payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Open<T> {
    Known(T),
    /// The word as it came.
    Unknown(String),
}

impl<T: Word> Open<T> {
    /// The known word, or why the word is not one this version knows.
    pub fn known(&self) -> Result<T, InvalidValue> {
        match self {
            Self::Known(word) => Ok(*word),
            Self::Unknown(raw) => raw.parse(),
        }
    }

    /// The word as spelt, known or not.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(word) => word.as_str(),
            Self::Unknown(raw) => raw,
        }
    }
}

impl<T: Word> From<T> for Open<T> {
    fn from(word: T) -> Self {
        Self::Known(word)
    }
}

/// Reads a word as the vocabulary knows it, or keeps it as it came.
impl<T: Word> From<String> for Open<T> {
    fn from(raw: String) -> Self {
        Self::from(raw.as_str())
    }
}

/// Reads a word as the vocabulary knows it, or keeps it as it came.
impl<T: Word> From<&str> for Open<T> {
    fn from(raw: &str) -> Self {
        raw.parse()
            .map_or_else(|_| Self::Unknown(raw.to_owned()), Self::Known)
    }
}

impl<T: Word> fmt::Display for Open<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<T: Word> Serialize for Open<T> {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de, T: Word> Deserialize<'de> for Open<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(Self::from(raw.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::CompletionEvent;
    use ids::{Rating, TargetGroup};

    /// A completion as a newer delivery would send it, with a target group
    /// this version does not know.
    fn newer_completion(group: &str) -> serde_json::Value {
        serde_json::json!({
            "enrolment_id": "0190a1b2-0000-7000-8000-000000000001",
            "class_id": "0190a1b2-0000-7000-8000-000000000002",
            "institution_id": "0190a1b2-0000-7000-8000-000000000003",
            "person_id": "p_0123456789abcdef0123456789abcdef",
            "target_group": group,
            "occupation_code": "6-31-01-03",
            "skill_level": "senior",
            "completed": true,
            "attended_hours": 80.0,
            "planned_hours": 80.0,
            "completed_on": "2026-07-01",
            "statistical_year": 2026
        })
    }

    #[test]
    fn an_older_consumer_reads_an_event_with_a_word_it_does_not_know() {
        let e: CompletionEvent =
            serde_json::from_value(newer_completion("veteran")).expect("the event still reads");
        assert_eq!(e.target_group, Open::Unknown("veteran".to_owned()));
        let refused = e
            .target_group
            .known()
            .expect_err("not a group this version knows");
        assert_eq!(refused.code, "target_group_unknown");
        // Passed on, the word stays as it came.
        let again = serde_json::to_value(&e).expect("serialises");
        assert_eq!(again["target_group"], "veteran");

        let e: CompletionEvent =
            serde_json::from_value(newer_completion("registered_unemployed")).expect("reads");
        assert_eq!(
            e.target_group.known(),
            Ok(TargetGroup::RegisteredUnemployed)
        );
    }

    #[test]
    fn a_rating_reads_as_known_or_as_it_came() {
        assert_eq!(Open::<Rating>::from("D"), Open::Known(Rating::D));
        assert_eq!(Open::<Rating>::from("A+"), Open::Unknown("A+".to_owned()));
        assert_eq!(Open::<Rating>::from("A+").to_string(), "A+");
    }

    #[test]
    fn statuses_and_causes_a_newer_producer_adds_still_read() {
        use crate::assessment::CertificateStatus;
        use crate::registry::InstitutionStatus;
        use crate::subsidy::RecoveryCause;
        let read = |word: &str| serde_json::Value::String(word.to_owned());
        let revoked: Open<CertificateStatus> =
            serde_json::from_value(read("revoked")).expect("reads");
        assert_eq!(revoked, Open::Known(CertificateStatus::Revoked));
        let newer: Open<CertificateStatus> =
            serde_json::from_value(read("suspended")).expect("reads");
        assert_eq!(newer, Open::Unknown("suspended".to_owned()));
        assert_eq!(
            newer.known().map_err(|e| e.code),
            Err("certificate_status_unknown")
        );
        assert_eq!(
            Open::<InstitutionStatus>::from(String::from("suspended")),
            Open::Known(InstitutionStatus::Suspended)
        );
        let cause: Open<RecoveryCause> = RecoveryCause::DisputeUpheld.into();
        assert_eq!(
            serde_json::to_value(&cause).expect("serialises"),
            read("dispute_upheld")
        );
    }

    /// Every word of every vocabulary an event carries reads back as that
    /// word, and a word added by a newer producer reads as it came, under
    /// the vocabulary's own error code.
    #[test]
    fn every_vocabulary_reads_its_words_and_keeps_a_newer_one() {
        fn check<T: Word + std::fmt::Debug + PartialEq>(all: &[T], code: &str) {
            for word in all {
                let json = serde_json::to_value(Open::from(*word)).expect("serialises");
                let back: Open<T> = serde_json::from_value(json).expect("reads");
                assert_eq!(back, Open::Known(*word));
            }
            let newer: Open<T> =
                serde_json::from_value(serde_json::json!("added_later")).expect("reads");
            assert_eq!(newer.as_str(), "added_later");
            assert_eq!(newer.known().map_err(|e| e.code), Err(code));
        }
        use crate::assessment::{AssessmentKind, BodyKind, CertificateRoute, CertificateStatus};
        use crate::delivery::{ClassStatus, ConflictKind, FundingRoute};
        use crate::employment::RecordSource;
        use crate::registry::{Employment, InstitutionStatus, Nature};
        use crate::subsidy::{
            ClaimStatus, FundSource, PayeeType, PaymentStatus, RecoveryCause, SubsidyKind,
        };
        check(&TargetGroup::ALL, "target_group_unknown");
        check(&Rating::ALL, "rating_unknown");
        check(&AssessmentKind::ALL, "assessment_kind_unknown");
        check(&BodyKind::ALL, "body_kind_unknown");
        check(&CertificateRoute::ALL, "certificate_route_unknown");
        check(&CertificateStatus::ALL, "certificate_status_unknown");
        check(&ClassStatus::ALL, "class_status_unknown");
        check(&ConflictKind::ALL, "conflict_kind_unknown");
        check(&FundingRoute::ALL, "funding_route_unknown");
        check(&RecordSource::ALL, "record_source_unknown");
        check(&Nature::ALL, "nature_unknown");
        check(&Employment::ALL, "employment_unknown");
        check(&InstitutionStatus::ALL, "institution_status_unknown");
        check(&ClaimStatus::ALL, "claim_status_unknown");
        check(&FundSource::ALL, "fund_unknown");
        check(&PayeeType::ALL, "payee_type_unknown");
        check(&PaymentStatus::ALL, "payment_status_unknown");
        check(&RecoveryCause::ALL, "recovery_cause_unknown");
        check(&SubsidyKind::ALL, "subsidy_kind_unknown");
    }
}
