//! Institution scorecards (绩效评价, policy item 6): four indicators, each a
//! rate in [0, 1], weighted by the current formula; fraud findings subtract
//! a penalty each; the score maps to a rating A–D by thresholds.
//!
//! An indicator without a denominator (no plan, no completers, no survey
//! answers, no decided employment outcome) is left out and the remaining
//! weights are rescaled to sum to 1, so an institution is not marked down
//! for what cannot be measured yet. With no indicator at all there is no
//! score and no rating.

use ids::{FieldError, Rating};
use serde::{Deserialize, Serialize};

/// Weights of the four indicators; they must sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// 序时培训任务完成情况: delivered ÷ planned volume pro rata to the date.
    pub plan_progress: f64,
    /// 培训取证率: completers holding a valid certificate ÷ completers.
    pub certificate_rate: f64,
    /// 培训满意度: mean answer score, rescaled from 1–5 to 0–1.
    pub satisfaction: f64,
    /// Employed within the window ÷ completers whose outcome is decided.
    pub employment_rate: f64,
}

/// Lowest scores of ratings A, B and C; below C is D.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

/// The scoring formula; officers change it, every version is kept.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Formula {
    pub weights: Weights,
    pub thresholds: Thresholds,
    /// Subtracted from the weighted score per fraud finding (a claim an
    /// officer rejected or refused for fraud, a recovery for fraud or a
    /// revoked certificate); the score does not go below 0.
    pub fraud_penalty: f64,
}

/// How far from 1 the weights' sum may be (decimal fractions such as 0.1
/// are not exact in binary).
const SUM_TOLERANCE: f64 = 1e-9;

fn in_unit(v: f64) -> bool {
    v.is_finite() && (0.0..=1.0).contains(&v)
}

impl Formula {
    /// Every problem of a proposed formula.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        let mut bad = |field: &str, code: &str, message: &str| {
            out.push(FieldError {
                field: field.into(),
                code: code.into(),
                message: message.into(),
            })
        };
        let w = self.weights;
        for (field, v) in [
            ("weights.plan_progress", w.plan_progress),
            ("weights.certificate_rate", w.certificate_rate),
            ("weights.satisfaction", w.satisfaction),
            ("weights.employment_rate", w.employment_rate),
        ] {
            if !in_unit(v) {
                bad(field, "weight_range", "a weight is between 0 and 1");
            }
        }
        let sum = w.plan_progress + w.certificate_rate + w.satisfaction + w.employment_rate;
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            bad("weights", "weights_sum", "the weights must sum to 1");
        }
        let t = self.thresholds;
        for (field, v) in [
            ("thresholds.a", t.a),
            ("thresholds.b", t.b),
            ("thresholds.c", t.c),
        ] {
            if !in_unit(v) {
                bad(field, "threshold_range", "a threshold is between 0 and 1");
            }
        }
        if !(t.a > t.b && t.b > t.c) {
            bad(
                "thresholds",
                "thresholds_order",
                "thresholds must fall strictly from A to C",
            );
        }
        if !in_unit(self.fraud_penalty) {
            bad(
                "fraud_penalty",
                "penalty_range",
                "the penalty per finding is between 0 and 1",
            );
        }
        out
    }
}

/// Where an institution's planned volume comes from: an officer's plan, or
/// else the capacity of the classes it filed for the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanSource {
    SetByOfficer,
    CapacityOfClasses,
}

/// What a scorecard is computed from, for one institution and year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(examples(json!({"planned": 400, "plan_source": "set_by_officer", "delivered": 300, "pro_rata": 0.8329,
    "completers": 300, "certified": 252, "responses": 210, "surveys_due": 300, "satisfaction_mean": 4.3,
    "employed": 150, "outcomes_decided": 190, "fraud_findings": 0})))]
pub struct Inputs {
    /// The planned volume for the year, if any.
    pub planned: Option<i64>,
    pub plan_source: Option<PlanSource>,
    /// Subsidised trainings (人次) completed up to the as-of date.
    pub delivered: i64,
    /// Share of the year elapsed on the as-of date.
    pub pro_rata: f64,
    /// Completers of the year (the same as `delivered`, all year).
    pub completers: i64,
    /// Completers holding a valid certificate from their class.
    pub certified: i64,
    /// Survey answers, and surveys open to be answered.
    pub responses: i64,
    pub surveys_due: i64,
    /// Mean of the answers' scores (1–5).
    pub satisfaction_mean: Option<f64>,
    /// Completers employed within the window, and those decided either way.
    pub employed: i64,
    pub outcomes_decided: i64,
    pub fraud_findings: i64,
}

/// One indicator as scored: its rate and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Indicator {
    pub name: String,
    pub numerator: f64,
    pub denominator: f64,
    /// In [0, 1]; absent when there is no denominator.
    pub value: Option<f64>,
    /// The formula's weight, and the weight applied after rescaling over
    /// the indicators present.
    pub weight: f64,
    pub applied_weight: f64,
}

/// A scorecard's score and rating, with every input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scored {
    pub indicators: Vec<Indicator>,
    /// Weighted mean of the indicators present.
    pub weighted: Option<f64>,
    pub fraud_findings: i64,
    pub penalty: f64,
    /// `weighted − penalty`, not below 0.
    pub score: Option<f64>,
    pub rating: Option<Rating>,
}

/// The rating a score earns.
pub fn rating(score: f64, t: &Thresholds) -> Rating {
    if score >= t.a {
        Rating::A
    } else if score >= t.b {
        Rating::B
    } else if score >= t.c {
        Rating::C
    } else {
        Rating::D
    }
}

fn indicator(name: &str, numerator: f64, denominator: f64, weight: f64, cap: bool) -> Indicator {
    let value = (denominator > 0.0).then(|| {
        let v = numerator / denominator;
        if cap {
            v.min(1.0)
        } else {
            v
        }
    });
    Indicator {
        name: name.into(),
        numerator,
        denominator,
        value,
        weight,
        applied_weight: 0.0,
    }
}

/// Scores an institution's year.
pub fn score(inputs: &Inputs, f: &Formula) -> Scored {
    let w = f.weights;
    let expected = inputs.planned.unwrap_or(0) as f64 * inputs.pro_rata;
    // Ahead of plan is not rewarded beyond 100 %.
    let mut indicators = vec![
        indicator(
            "plan_progress",
            inputs.delivered as f64,
            expected,
            w.plan_progress,
            true,
        ),
        indicator(
            "certificate_rate",
            inputs.certified as f64,
            inputs.completers as f64,
            w.certificate_rate,
            false,
        ),
        Indicator {
            // The mean score (1–5) rescaled to 0–1; the response rate is shown
            // beside it (numerator ÷ denominator) but not scored.
            value: inputs
                .satisfaction_mean
                .filter(|_| inputs.responses > 0)
                .map(|m| ((m - 1.0) / 4.0).clamp(0.0, 1.0)),
            ..indicator(
                "satisfaction",
                inputs.responses as f64,
                inputs.surveys_due as f64,
                w.satisfaction,
                false,
            )
        },
        indicator(
            "employment_rate",
            inputs.employed as f64,
            inputs.outcomes_decided as f64,
            w.employment_rate,
            false,
        ),
    ];
    let present: f64 = indicators
        .iter()
        .filter(|i| i.value.is_some())
        .map(|i| i.weight)
        .sum();
    let weighted = (present > 0.0).then(|| {
        indicators
            .iter_mut()
            .filter_map(|i| {
                let v = i.value?;
                i.applied_weight = i.weight / present;
                Some(v * i.applied_weight)
            })
            .sum::<f64>()
    });
    let penalty = f.fraud_penalty * inputs.fraud_findings as f64;
    let score = weighted.map(|s| (s - penalty).max(0.0));
    Scored {
        indicators,
        weighted,
        fraud_findings: inputs.fraud_findings,
        penalty,
        score,
        rating: score.map(|s| rating(s, &f.thresholds)),
    }
}

/// The formula in force before any officer changed it (version 1, also
/// written by the migration).
pub const DEFAULT_FORMULA: Formula = Formula {
    weights: Weights {
        plan_progress: 0.3,
        certificate_rate: 0.25,
        satisfaction: 0.2,
        employment_rate: 0.25,
    },
    thresholds: Thresholds {
        a: 0.85,
        b: 0.7,
        c: 0.55,
    },
    fraud_penalty: 0.1,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs {
            planned: Some(100),
            plan_source: Some(PlanSource::SetByOfficer),
            delivered: 40,
            pro_rata: 0.5,
            completers: 40,
            certified: 30,
            responses: 20,
            surveys_due: 40,
            satisfaction_mean: Some(4.0),
            employed: 24,
            outcomes_decided: 30,
            fraud_findings: 0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_default_formula_is_valid() {
        assert!(DEFAULT_FORMULA.problems().is_empty());
    }

    #[test]
    fn weights_must_sum_to_one_and_thresholds_fall() {
        let mut f = DEFAULT_FORMULA;
        f.weights.satisfaction = 0.3;
        f.thresholds.b = 0.9;
        let codes: Vec<_> = f.problems().into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["weights_sum", "thresholds_order"]);
        f = DEFAULT_FORMULA;
        f.weights.plan_progress = -0.1;
        f.weights.certificate_rate = 0.65;
        let codes: Vec<_> = f.problems().into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["weight_range"]);
    }

    #[test]
    fn a_hand_computed_scorecard() {
        let s = score(&inputs(), &DEFAULT_FORMULA);
        // plan 40 / (100 × 0.5) = 0.8; certificates 30/40 = 0.75;
        // satisfaction (4 − 1) / 4 = 0.75; employment 24/30 = 0.8.
        // 0.3×0.8 + 0.25×0.75 + 0.2×0.75 + 0.25×0.8 = 0.7775 → B.
        let values: Vec<_> = s.indicators.iter().map(|i| i.value.expect("v")).collect();
        assert_eq!(values, [0.8, 0.75, 0.75, 0.8]);
        assert!(close(s.score.expect("score"), 0.7775));
        assert_eq!(s.rating, Some(Rating::B));
    }

    #[test]
    fn ahead_of_plan_is_capped_and_fraud_is_penalised() {
        let mut i = inputs();
        i.delivered = 80;
        i.fraud_findings = 2;
        let s = score(&i, &DEFAULT_FORMULA);
        assert_eq!(s.indicators[0].value, Some(1.0));
        // 0.3 + 0.1875 + 0.15 + 0.2 = 0.8375, minus 2 × 0.1 = 0.6375 → C.
        assert!(close(s.weighted.expect("w"), 0.8375));
        assert!(close(s.score.expect("score"), 0.6375));
        assert_eq!(s.rating, Some(Rating::C));
        i.fraud_findings = 20;
        assert_eq!(score(&i, &DEFAULT_FORMULA).score, Some(0.0));
    }

    #[test]
    fn missing_indicators_leave_the_weights_rescaled() {
        let i = Inputs {
            planned: None,
            plan_source: None,
            responses: 0,
            satisfaction_mean: None,
            outcomes_decided: 0,
            employed: 0,
            ..inputs()
        };
        let s = score(&i, &DEFAULT_FORMULA);
        // Only the certificate rate (0.75) is measurable: it carries all weight.
        assert!(close(s.indicators[1].applied_weight, 1.0));
        assert!(close(s.score.expect("score"), 0.75));
        assert_eq!(s.rating, Some(Rating::B));
        let none = Inputs {
            completers: 0,
            certified: 0,
            delivered: 0,
            ..i
        };
        let s = score(&none, &DEFAULT_FORMULA);
        assert_eq!((s.score, s.rating), (None, None));
    }

    #[test]
    fn thresholds_are_inclusive() {
        let t = DEFAULT_FORMULA.thresholds;
        assert_eq!(rating(0.85, &t), Rating::A);
        assert_eq!(rating(0.8499, &t), Rating::B);
        assert_eq!(rating(0.55, &t), Rating::C);
        assert_eq!(rating(0.0, &t), Rating::D);
    }
}
