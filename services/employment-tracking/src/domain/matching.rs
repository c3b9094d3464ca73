//! Employment services (就业服务): vacancies matched to completers who are
//! not yet employed, by occupation, skill level and place of work.

use ids::{OccupationCode, SkillLevel};

/// A vacancy as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub occupation: OccupationCode,
    /// The lowest level the job takes.
    pub min_level: SkillLevel,
    /// Work location (region code of the city).
    pub work_city: String,
}

/// A completer as matching sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeker {
    pub occupation: OccupationCode,
    pub level: SkillLevel,
    /// The city whose programme trained them.
    pub city: String,
}

/// How well a vacancy fits, higher is better; `None` when it does not.
/// Occupation: the same code 3, the same occupation but another sub-trade
/// (工种) 2, the same middle category (中类, `d-dd`) 1. A level below the
/// vacancy's minimum never fits; a job in the completer's own city adds 1.
pub fn score(opening: &Opening, seeker: &Seeker) -> Option<i32> {
    if seeker.level < opening.min_level {
        return None;
    }
    let occupation = if opening.occupation == seeker.occupation {
        3
    } else if opening.occupation.occupation() == seeker.occupation.occupation() {
        2
    } else if opening.occupation.as_str()[..4] == seeker.occupation.as_str()[..4] {
        1
    } else {
        return None;
    };
    Some(occupation + i32::from(opening.work_city == seeker.city))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opening(code: &str, level: SkillLevel, city: &str) -> Opening {
        Opening {
            occupation: code.parse().expect("code"),
            min_level: level,
            work_city: city.into(),
        }
    }

    fn seeker() -> Seeker {
        Seeker {
            occupation: "6-31-01-03".parse().expect("code"),
            level: SkillLevel::Senior,
            city: "350100".into(),
        }
    }

    #[test]
    fn scores_by_occupation_level_and_city() {
        let s = seeker();
        assert_eq!(
            score(&opening("6-31-01-03", SkillLevel::Senior, "350100"), &s),
            Some(4)
        );
        assert_eq!(
            score(&opening("6-31-01-03", SkillLevel::Junior, "350200"), &s),
            Some(3)
        );
        assert_eq!(
            score(&opening("6-31-01-03-02", SkillLevel::Junior, "350200"), &s),
            Some(2)
        );
        assert_eq!(
            score(&opening("6-31-02-01", SkillLevel::Junior, "350100"), &s),
            Some(2)
        );
        assert_eq!(
            score(&opening("4-10-01-05", SkillLevel::Junior, "350100"), &s),
            None
        );
        assert_eq!(
            score(&opening("6-31-01-03", SkillLevel::Technician, "350100"), &s),
            None,
            "the completer's level is below the job's"
        );
    }
}
