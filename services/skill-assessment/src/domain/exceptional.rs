//! Exceptional certification (破格认定, policy item 10): on what grounds an
//! enterprise body may certify its staff straight to 高级工 or above, and
//! the bureau's decision on it.

use serde::{Deserialize, Serialize};

ids::vocabulary! {
    /// Where an application for exceptional certification stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ExceptionalStatus: "exceptional_status_unknown" {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

/// Grounds for exceptional certification (破格认定).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grounds {
    /// Solved a major technical problem (解决重大技术难题).
    MajorTechnicalProblem,
    /// Won a provincial award (获得省级奖项).
    ProvincialAward,
    /// Trained apprentices well (带徒成效显著).
    ApprenticesTrained,
}

impl Grounds {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MajorTechnicalProblem => "major_technical_problem",
            Self::ProvincialAward => "provincial_award",
            Self::ApprenticesTrained => "apprentices_trained",
        }
    }
}

// The bureau's review of an application (no doc comment: it would enter
// the OpenAPI schema, which stays as it was).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}
