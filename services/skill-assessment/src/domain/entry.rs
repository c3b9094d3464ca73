//! Entry rules (申报条件) for direct applicants: people who did not complete
//! a subsidised class may still sit an exam when their experience in the
//! occupation, with or without the certificate of the level below, meets
//! the level's rule. Simplified from the national occupational standards:
//! the body checks the documents; the system checks the declared figures.

use ids::SkillLevel;
use serde::{Deserialize, Serialize};

// How a candidate comes to an exam (no doc comment: it would enter the
// OpenAPI schema, which stays as it was).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CandidateRoute {
    /// Completed a class of this occupation and level (from delivery).
    Completion,
    /// Applies directly under the level's entry rules.
    Direct,
}

impl CandidateRoute {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completion => "completion",
            Self::Direct => "direct",
        }
    }
}

/// What a direct applicant brings.
#[derive(Debug, Clone, Copy)]
pub struct Evidence {
    /// Years worked in the occupation, as declared.
    pub experience_years: u8,
    /// Holds a valid certificate of the level directly below, same occupation.
    pub holds_level_below: bool,
}

/// Years of experience required with the certificate of the level below,
/// and without it (`None`: not possible without it).
fn years_required(level: SkillLevel) -> Option<(u8, Option<u8>)> {
    match level {
        SkillLevel::Apprentice | SkillLevel::Junior => Some((0, Some(0))),
        SkillLevel::Intermediate => Some((4, Some(6))),
        SkillLevel::Senior => Some((5, Some(10))),
        SkillLevel::Technician => Some((4, None)),
        SkillLevel::SeniorTechnician => Some((4, None)),
        // Reached by selection or exceptional certification only.
        SkillLevel::MasterTechnician | SkillLevel::ChiefTechnician => None,
    }
}

/// `Err` says what is missing.
pub fn may_apply_directly(level: SkillLevel, evidence: Evidence) -> Result<(), String> {
    let Some((with_cert, without)) = years_required(level) else {
        return Err(format!(
            "{} is reached by selection or exceptional certification, not by exam application",
            level.name_zh()
        ));
    };
    if evidence.holds_level_below && evidence.experience_years >= with_cert {
        return Ok(());
    }
    match without {
        Some(years) if evidence.experience_years >= years => Ok(()),
        Some(years) => Err(format!(
            "{} needs {with_cert} years in the occupation with the certificate of the level below, or {years} years without it",
            level.name_zh()
        )),
        None => Err(format!(
            "{} needs the certificate of the level below and {with_cert} years in the occupation",
            level.name_zh()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(years: u8, below: bool) -> Evidence {
        Evidence {
            experience_years: years,
            holds_level_below: below,
        }
    }

    #[test]
    fn anyone_may_apply_for_the_first_level() {
        assert!(may_apply_directly(SkillLevel::Junior, ev(0, false)).is_ok());
    }

    #[test]
    fn the_certificate_below_shortens_the_experience_needed() {
        assert!(may_apply_directly(SkillLevel::Senior, ev(5, true)).is_ok());
        assert!(may_apply_directly(SkillLevel::Senior, ev(5, false)).is_err());
        assert!(may_apply_directly(SkillLevel::Senior, ev(10, false)).is_ok());
    }

    #[test]
    fn technicians_need_the_senior_certificate() {
        assert!(may_apply_directly(SkillLevel::Technician, ev(30, false)).is_err());
        assert!(may_apply_directly(SkillLevel::Technician, ev(4, true)).is_ok());
    }

    #[test]
    fn the_top_rungs_are_not_open_to_applications() {
        assert!(may_apply_directly(SkillLevel::ChiefTechnician, ev(40, true)).is_err());
    }
}
