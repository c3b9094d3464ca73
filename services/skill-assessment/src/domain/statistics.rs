//! The statistics feed: new skilled workers (新增技能人才) and the
//! high-skilled share (高技能人才占比) of a statistical year.

use std::collections::HashMap;

use ids::SkillLevel;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Tally {
    /// People certified in the year (each person once).
    pub new_skilled_workers: u64,
    /// Of them, people certified at 高级工 or above.
    pub high_skilled: u64,
    /// `high_skilled ÷ new_skilled_workers`, 0 when nobody was certified.
    pub high_skilled_share: f64,
    /// Certificates per level (a person may hold several).
    pub certificates_by_level: HashMap<String, u64>,
}

/// Counts people, not certificates: a person certified twice in a year is
/// one new skilled worker, high-skilled if either certificate is.
pub fn tally(certified: &[(String, SkillLevel)]) -> Tally {
    let mut best: HashMap<&str, SkillLevel> = HashMap::new();
    let mut by_level: HashMap<String, u64> = HashMap::new();
    for (person, level) in certified {
        *by_level.entry(level.as_str().to_owned()).or_default() += 1;
        let e = best.entry(person.as_str()).or_insert(*level);
        *e = (*e).max(*level);
    }
    let total = best.len() as u64;
    let high = best.values().filter(|l| l.is_high_skilled()).count() as u64;
    Tally {
        new_skilled_workers: total,
        high_skilled: high,
        high_skilled_share: if total == 0 {
            0.0
        } else {
            (high as f64 / total as f64 * 10_000.0).round() / 10_000.0
        },
        certificates_by_level: by_level,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_people_once_at_their_highest_level() {
        let t = tally(&[
            ("a".into(), SkillLevel::Intermediate),
            ("a".into(), SkillLevel::Senior),
            ("b".into(), SkillLevel::Junior),
            ("c".into(), SkillLevel::Technician),
        ]);
        assert_eq!(t.new_skilled_workers, 3);
        assert_eq!(t.high_skilled, 2);
        assert_eq!(t.high_skilled_share, 0.6667);
        assert_eq!(t.certificates_by_level["senior"], 1);
        assert_eq!(t.certificates_by_level.values().sum::<u64>(), 4);
    }

    #[test]
    fn an_empty_year_has_no_share() {
        assert_eq!(tally(&[]).high_skilled_share, 0.0);
    }
}
