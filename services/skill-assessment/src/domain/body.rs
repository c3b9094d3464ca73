//! Assessment bodies (评价机构) and what they may assess.

use chrono::NaiveDate;
use ids::SkillLevel;
use serde::{Deserialize, Serialize};

pub use contracts::assessment::{AssessmentKind, BodyKind};

ids::vocabulary! {
    /// Whether a body may assess and certify.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum BodyStatus: "body_status_unknown" {
        Active = "active",
        /// Suspended by the bureau: no sessions, no certificates.
        Suspended = "suspended",
    }
}

/// The certificate number's letter for a body of this kind: `Y` for an
/// employer (用人单位), `S` for a social body; a technical school assesses
/// as a social body.
pub fn certificate_letter(kind: BodyKind) -> char {
    match kind {
        BodyKind::Enterprise => 'Y',
        BodyKind::SocialOrganisation | BodyKind::TechnicalSchool => 'S',
    }
}

/// One occupation × level × kind a body may assess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeItem {
    pub assessment_kind: AssessmentKind,
    #[schema(example = "6-31-01-03")]
    pub occupation_code: String,
    pub skill_level: SkillLevel,
}

// The two kinds of a body's staff (no doc comment: it would enter the
// OpenAPI schema, which stays as it was).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// 考评员
    Assessor,
    /// 督导员
    Supervisor,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assessor => "assessor",
            Self::Supervisor => "supervisor",
        }
    }
}

/// What the store knows of a body when it is asked to act.
#[derive(Debug, Clone)]
pub struct BodyFacts {
    pub active: bool,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub scope: Vec<ScopeItem>,
}

/// Why a body may not assess or certify something; every reason is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub detail: String,
}

/// A body acts only while filed, not suspended, within its validity and
/// within its scope (谁备案、谁监管).
pub fn may_assess(body: &BodyFacts, item: &ScopeItem, on: NaiveDate) -> Vec<Refusal> {
    let mut out = Vec::new();
    if !body.active {
        out.push(Refusal {
            code: "body_suspended",
            detail: "the assessment body is suspended".into(),
        });
    }
    if on < body.valid_from || on > body.valid_until {
        out.push(Refusal {
            code: "body_not_valid",
            detail: format!(
                "the body's filing is valid from {} to {}, not on {on}",
                body.valid_from, body.valid_until
            ),
        });
    }
    if !body.scope.contains(item) {
        out.push(Refusal {
            code: "out_of_scope",
            detail: format!(
                "the body is not filed to assess {} {} at level {}",
                item.assessment_kind.as_str(),
                item.occupation_code,
                item.skill_level
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn item(level: SkillLevel) -> ScopeItem {
        ScopeItem {
            assessment_kind: AssessmentKind::Certification,
            occupation_code: "6-31-01-03".into(),
            skill_level: level,
        }
    }

    fn body(active: bool) -> BodyFacts {
        BodyFacts {
            active,
            valid_from: day("2026-01-01"),
            valid_until: day("2028-12-31"),
            scope: vec![item(SkillLevel::Senior)],
        }
    }

    #[test]
    fn an_active_body_in_scope_and_validity_may_assess() {
        assert!(may_assess(&body(true), &item(SkillLevel::Senior), day("2026-06-01")).is_empty());
    }

    #[test]
    fn every_reason_is_given() {
        let codes: Vec<_> = may_assess(
            &body(false),
            &item(SkillLevel::Technician),
            day("2029-01-01"),
        )
        .into_iter()
        .map(|r| r.code)
        .collect();
        assert_eq!(codes, ["body_suspended", "body_not_valid", "out_of_scope"]);
    }

    #[test]
    fn validity_includes_both_ends() {
        let b = body(true);
        assert!(may_assess(&b, &item(SkillLevel::Senior), day("2026-01-01")).is_empty());
        assert!(may_assess(&b, &item(SkillLevel::Senior), day("2028-12-31")).is_empty());
        assert_eq!(
            may_assess(&b, &item(SkillLevel::Senior), day("2025-12-31")).len(),
            1
        );
    }

    #[test]
    fn enterprises_number_with_y_and_schools_with_s() {
        assert_eq!(certificate_letter(BodyKind::Enterprise), 'Y');
        assert_eq!(certificate_letter(BodyKind::TechnicalSchool), 'S');
        assert_eq!(certificate_letter(BodyKind::SocialOrganisation), 'S');
    }
}
