//! Results (成绩) and the pass rule: theory and practical scores out of 100,
//! each at or above its minimum (60 unless set otherwise for the occupation
//! and level).

use serde::{Deserialize, Serialize};

/// The minimum theory and practical scores, out of 100, that pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(examples(json!({"theory_min": 60, "practical_min": 70})))]
pub struct PassRule {
    pub theory_min: u8,
    pub practical_min: u8,
}

impl Default for PassRule {
    fn default() -> Self {
        Self {
            theory_min: 60,
            practical_min: 60,
        }
    }
}

impl PassRule {
    pub fn passes(self, theory: u8, practical: u8) -> bool {
        theory >= self.theory_min && practical >= self.practical_min
    }
}

/// A score as given, read into the whole points from 0 to 100 it is
/// (`score_range`).
pub fn score(raw: i64) -> Result<u8, ids::InvalidValue> {
    u8::try_from(raw)
        .ok()
        .filter(|s| *s <= 100)
        .ok_or_else(|| ids::InvalidValue::new("score_range", "0 to 100"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_must_reach_their_minimum() {
        let rule = PassRule::default();
        assert!(rule.passes(60, 60));
        assert!(!rule.passes(59, 100));
        assert!(!rule.passes(100, 59));
    }

    #[test]
    fn a_rule_set_for_an_occupation_applies_its_minimums() {
        let rule = PassRule {
            theory_min: 50,
            practical_min: 70,
        };
        assert!(rule.passes(50, 70));
        assert!(!rule.passes(80, 69));
    }

    #[test]
    fn scores_run_from_0_to_100() {
        assert_eq!((score(0), score(100)), (Ok(0), Ok(100)));
        for bad in [-1, 101, 256, i64::MAX] {
            assert_eq!(score(bad).map_err(|e| e.code), Err("score_range"), "{bad}");
        }
    }
}
