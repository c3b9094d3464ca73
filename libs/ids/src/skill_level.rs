//! The eight-level skill ladder (职业技能等级), from apprentice up.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// A rung of the "new eight-level" ladder (新八级工), lowest first, so that
/// the derived ordering compares levels.
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
pub enum SkillLevel {
    /// 学徒工
    Apprentice,
    /// 初级工 (五级)
    Junior,
    /// 中级工 (四级)
    Intermediate,
    /// 高级工 (三级)
    Senior,
    /// 技师 (二级)
    Technician,
    /// 高级技师 (一级)
    SeniorTechnician,
    /// 特级技师
    MasterTechnician,
    /// 首席技师
    ChiefTechnician,
}

impl SkillLevel {
    pub const ALL: [SkillLevel; 8] = [
        Self::Apprentice,
        Self::Junior,
        Self::Intermediate,
        Self::Senior,
        Self::Technician,
        Self::SeniorTechnician,
        Self::MasterTechnician,
        Self::ChiefTechnician,
    ];

    /// High-skilled talent (高技能人才) is 高级工 and above.
    pub fn is_high_skilled(self) -> bool {
        self >= Self::Senior
    }

    /// The national level (五级 … 一级) where the rung has one.
    pub fn national_grade(self) -> Option<u8> {
        match self {
            Self::Junior => Some(5),
            Self::Intermediate => Some(4),
            Self::Senior => Some(3),
            Self::Technician => Some(2),
            Self::SeniorTechnician => Some(1),
            Self::Apprentice | Self::MasterTechnician | Self::ChiefTechnician => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apprentice => "apprentice",
            Self::Junior => "junior",
            Self::Intermediate => "intermediate",
            Self::Senior => "senior",
            Self::Technician => "technician",
            Self::SeniorTechnician => "senior_technician",
            Self::MasterTechnician => "master_technician",
            Self::ChiefTechnician => "chief_technician",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Apprentice => "学徒工",
            Self::Junior => "初级工",
            Self::Intermediate => "中级工",
            Self::Senior => "高级工",
            Self::Technician => "技师",
            Self::SeniorTechnician => "高级技师",
            Self::MasterTechnician => "特级技师",
            Self::ChiefTechnician => "首席技师",
        }
    }
}

impl FromStr for SkillLevel {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "skill_level_unknown",
                    format!(
                        "{s:?} is not a skill level; use one of {}",
                        Self::ALL.map(Self::as_str).join(", ")
                    ),
                )
            })
    }
}

impl fmt::Display for SkillLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_skilled_starts_at_senior() {
        let high: Vec<_> = SkillLevel::ALL
            .into_iter()
            .filter(|l| l.is_high_skilled())
            .collect();
        assert_eq!(high.first(), Some(&SkillLevel::Senior));
        assert_eq!(high.len(), 5);
        assert!(!SkillLevel::Intermediate.is_high_skilled());
    }

    #[test]
    fn text_round_trips_for_every_level() {
        for level in SkillLevel::ALL {
            assert_eq!(
                level.as_str().parse::<SkillLevel>().expect("round trip"),
                level
            );
            let json = serde_json::to_string(&level).expect("ser");
            assert_eq!(json, format!("\"{}\"", level.as_str()));
        }
        assert_eq!(
            "expert".parse::<SkillLevel>().expect_err("unknown").code,
            "skill_level_unknown"
        );
    }

    #[test]
    fn national_grades_follow_the_five_levels() {
        assert_eq!(SkillLevel::Junior.national_grade(), Some(5));
        assert_eq!(SkillLevel::SeniorTechnician.national_grade(), Some(1));
        assert_eq!(SkillLevel::ChiefTechnician.national_grade(), None);
    }
}
