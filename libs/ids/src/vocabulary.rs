//! Closed vocabularies more than one service speaks: each spelt one way,
//! in events and in APIs alike.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// The closed list of key groups (重点群体) plus enterprise employees.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TargetGroup {
    /// 农村转移就业劳动者
    RuralMigrantWorker,
    /// 离校未就业高校毕业生
    UnemployedGraduate,
    /// 登记失业人员
    RegisteredUnemployed,
    /// 就业困难人员
    EmploymentDifficulty,
    /// 企业职工
    EnterpriseEmployee,
}

impl TargetGroup {
    pub const ALL: [TargetGroup; 5] = [
        Self::RuralMigrantWorker,
        Self::UnemployedGraduate,
        Self::RegisteredUnemployed,
        Self::EmploymentDifficulty,
        Self::EnterpriseEmployee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RuralMigrantWorker => "rural_migrant_worker",
            Self::UnemployedGraduate => "unemployed_graduate",
            Self::RegisteredUnemployed => "registered_unemployed",
            Self::EmploymentDifficulty => "employment_difficulty",
            Self::EnterpriseEmployee => "enterprise_employee",
        }
    }

    /// The groups whose enrolment asserts that the person is out of work
    /// and available for it — what a retiree or a full-time student is not.
    pub fn claims_unemployed(self) -> bool {
        matches!(
            self,
            Self::UnemployedGraduate | Self::RegisteredUnemployed | Self::EmploymentDifficulty
        )
    }
}

impl FromStr for TargetGroup {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "target_group_unknown",
                    format!("{s:?} is not one of the target groups"),
                )
            })
    }
}

impl fmt::Display for TargetGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An institution's rating for a statistical year (绩效评价等级), best first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Rating {
    A,
    B,
    C,
    /// Puts the institution under review in the registry.
    D,
}

impl Rating {
    pub const ALL: [Rating; 4] = [Self::A, Self::B, Self::C, Self::D];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
        }
    }
}

impl FromStr for Rating {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| InvalidValue::new("rating_unknown", "one of A, B, C, D"))
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_as_it_is_spelt() {
        for g in TargetGroup::ALL {
            assert_eq!(g.as_str().parse::<TargetGroup>(), Ok(g));
            let json = serde_json::to_string(&g).expect("a group");
            assert_eq!(json, format!("\"{}\"", g.as_str()));
        }
        for r in Rating::ALL {
            assert_eq!(r.as_str().parse::<Rating>(), Ok(r));
            let json = serde_json::to_string(&r).expect("a rating");
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        let refused = "retiree".parse::<TargetGroup>().expect_err("not a group");
        assert_eq!(refused.code, "target_group_unknown");
        assert_eq!(
            "E".parse::<Rating>().map_err(|e| e.code),
            Err("rating_unknown")
        );
    }

    #[test]
    fn only_the_out_of_work_groups_claim_unemployment() {
        assert!(TargetGroup::RegisteredUnemployed.claims_unemployed());
        assert!(!TargetGroup::EnterpriseEmployee.claims_unemployed());
        assert!(!TargetGroup::RuralMigrantWorker.claims_unemployed());
    }
}
