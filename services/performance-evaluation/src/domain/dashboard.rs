//! Programme targets (policy items 2, 12) and the dashboard's reading of
//! them: progress against the time-proportional expectation, a linear
//! projection to the end of the statistical year, and a warning when a
//! city is behind.
//!
//! - **Defaults**: the province's 2025–2027 totals split equally over the
//!   ten cities and three statistical years — 600,000 trainings → 20,000
//!   per city and year; 300,000 new skilled workers → 10,000; a high-skilled
//!   share of at least 35 %; one training brand per city (brands are
//!   counted cumulatively, a brand once built stays); about 50 leading
//!   talents a year province-wide → 5 per city and year. Other years have
//!   no default: officers set them.
//! - **Expected to date** = target × elapsed share of the year.
//! - **Projection** = actual ÷ elapsed share (the pace so far kept to the
//!   year's end), rounded down.
//! - **Behind** (the warning): a flow's projection is below its target; the
//!   high-skilled share of the year's new skilled workers is below its
//!   target share; fewer brands than the target.

use chrono::NaiveDate;
use ids::FieldError;
use serde::{Deserialize, Serialize};

use super::counting;

/// Years the province's totals are split over.
pub const PROGRAMME_YEARS: std::ops::RangeInclusive<i32> = 2025..=2027;
/// Cities sharing the totals.
const CITIES: i64 = 10;

/// A city's targets for a statistical year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"subsidised_trainings": 22000, "new_skilled_workers": 11000, "high_skilled_share": 0.35,
    "training_brands": 2, "leading_talents": 5})))]
pub struct Targets {
    /// Subsidised trainings (补贴性培训, 人次).
    #[schema(minimum = 0)]
    pub subsidised_trainings: i64,
    /// New skilled workers (新增技能人才), each person once.
    #[schema(minimum = 0)]
    pub new_skilled_workers: i64,
    /// Least share of the new skilled workers who are high-skilled
    /// (高级工 and above), 0–1.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub high_skilled_share: f64,
    /// Training brands (培训品牌) built by the end of the year, cumulative.
    #[schema(minimum = 0)]
    pub training_brands: i64,
    /// High-skill leading talents (高技能领军人才) selected in the year.
    #[schema(minimum = 0)]
    pub leading_talents: i64,
}

impl Targets {
    /// The equal split of the province's totals, for 2025–2027.
    pub fn default_for(year: i32) -> Option<Targets> {
        let years = i64::from(PROGRAMME_YEARS.end() - PROGRAMME_YEARS.start() + 1);
        PROGRAMME_YEARS.contains(&year).then_some(Targets {
            subsidised_trainings: 600_000 / CITIES / years,
            new_skilled_workers: 300_000 / CITIES / years,
            high_skilled_share: 0.35,
            training_brands: 1,
            leading_talents: 50 / CITIES,
        })
    }

    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        for (field, v) in [
            ("subsidised_trainings", self.subsidised_trainings),
            ("new_skilled_workers", self.new_skilled_workers),
            ("training_brands", self.training_brands),
            ("leading_talents", self.leading_talents),
        ] {
            if v < 0 {
                out.push(FieldError {
                    field: field.into(),
                    code: "target_negative".into(),
                    message: "a target is zero or more".into(),
                });
            }
        }
        if !(self.high_skilled_share.is_finite() && (0.0..=1.0).contains(&self.high_skilled_share))
        {
            out.push(FieldError {
                field: "high_skilled_share".into(),
                code: "share_range".into(),
                message: "a share is between 0 and 1".into(),
            });
        }
        out
    }

    /// Targets of several cities together; the share is the one the
    /// cities' new-skilled-worker targets weigh to.
    pub fn sum(all: &[Targets]) -> Option<Targets> {
        if all.is_empty() {
            return None;
        }
        let skilled: i64 = all.iter().map(|t| t.new_skilled_workers).sum();
        let high: f64 = all
            .iter()
            .map(|t| t.high_skilled_share * t.new_skilled_workers as f64)
            .sum();
        Some(Targets {
            subsidised_trainings: all.iter().map(|t| t.subsidised_trainings).sum(),
            new_skilled_workers: skilled,
            high_skilled_share: if skilled > 0 {
                high / skilled as f64
            } else {
                all.iter().map(|t| t.high_skilled_share).fold(0.0, f64::max)
            },
            training_brands: all.iter().map(|t| t.training_brands).sum(),
            leading_talents: all.iter().map(|t| t.leading_talents).sum(),
        })
    }
}

/// What happened up to the as-of date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Actuals {
    pub subsidised_trainings: i64,
    pub new_skilled_workers: i64,
    /// Of the new skilled workers, those with a high-skilled certificate.
    pub high_skilled_workers: i64,
    pub training_brands: i64,
    pub leading_talents: i64,
}

impl Actuals {
    pub fn sum(all: &[Actuals]) -> Actuals {
        all.iter().fold(Actuals::default(), |a, b| Actuals {
            subsidised_trainings: a.subsidised_trainings + b.subsidised_trainings,
            new_skilled_workers: a.new_skilled_workers + b.new_skilled_workers,
            high_skilled_workers: a.high_skilled_workers + b.high_skilled_workers,
            training_brands: a.training_brands + b.training_brands,
            leading_talents: a.leading_talents + b.leading_talents,
        })
    }
}

/// A count that grows through the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Flow {
    pub target: Option<i64>,
    pub actual: i64,
    /// target × elapsed share of the year.
    pub expected_to_date: Option<f64>,
    /// actual ÷ elapsed share, rounded down.
    pub projection: i64,
    pub behind: bool,
}

/// The high-skilled share of the year's new skilled workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Share {
    pub target: Option<f64>,
    pub high_skilled_workers: i64,
    pub new_skilled_workers: i64,
    /// Absent while there are no new skilled workers.
    pub actual: Option<f64>,
    pub behind: bool,
}

/// A stock: what exists by the date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stock {
    pub target: Option<i64>,
    pub actual: i64,
    pub behind: bool,
}

/// Progress of a city, or of the province, in a statistical year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Progress {
    pub year: i32,
    pub as_of: NaiveDate,
    pub elapsed_days: i64,
    pub total_days: i64,
    /// elapsed_days ÷ total_days
    pub pro_rata: f64,
    pub targets: Option<Targets>,
    pub actuals: Actuals,
    pub subsidised_trainings: Flow,
    pub new_skilled_workers: Flow,
    pub high_skilled_share: Share,
    pub training_brands: Stock,
    pub leading_talents: Flow,
    /// Names of the indicators behind; empty when on track.
    pub warnings: Vec<String>,
}

fn flow(target: Option<i64>, actual: i64, pro_rata: f64) -> Flow {
    // A whole number of people, far inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let projection = if pro_rata > 0.0 {
        (actual as f64 / pro_rata).floor() as i64
    } else {
        actual
    };
    Flow {
        target,
        actual,
        expected_to_date: target.map(|t| t as f64 * pro_rata),
        projection,
        behind: target.is_some_and(|t| projection < t),
    }
}

impl Progress {
    pub fn compute(year: i32, as_of: NaiveDate, targets: Option<Targets>, a: Actuals) -> Self {
        let pro_rata = counting::pro_rata(year, as_of);
        let trainings = flow(
            targets.map(|t| t.subsidised_trainings),
            a.subsidised_trainings,
            pro_rata,
        );
        let skilled = flow(
            targets.map(|t| t.new_skilled_workers),
            a.new_skilled_workers,
            pro_rata,
        );
        let talents = flow(
            targets.map(|t| t.leading_talents),
            a.leading_talents,
            pro_rata,
        );
        let share_actual = (a.new_skilled_workers > 0)
            .then(|| a.high_skilled_workers as f64 / a.new_skilled_workers as f64);
        let share_target = targets.map(|t| t.high_skilled_share);
        let share = Share {
            target: share_target,
            high_skilled_workers: a.high_skilled_workers,
            new_skilled_workers: a.new_skilled_workers,
            actual: share_actual,
            behind: matches!((share_actual, share_target), (Some(s), Some(t)) if s < t),
        };
        let brands_target = targets.map(|t| t.training_brands);
        let brands = Stock {
            target: brands_target,
            actual: a.training_brands,
            behind: brands_target.is_some_and(|t| a.training_brands < t),
        };
        let warnings = [
            ("subsidised_trainings", trainings.behind),
            ("new_skilled_workers", skilled.behind),
            ("high_skilled_share", share.behind),
            ("training_brands", brands.behind),
            ("leading_talents", talents.behind),
        ]
        .into_iter()
        .filter(|(_, behind)| *behind)
        .map(|(name, _)| name.to_owned())
        .collect();
        Progress {
            year,
            as_of,
            elapsed_days: counting::elapsed_days(year, as_of),
            total_days: counting::total_days(year),
            pro_rata,
            targets,
            actuals: a,
            subsidised_trainings: trainings,
            new_skilled_workers: skilled,
            high_skilled_share: share,
            training_brands: brands,
            leading_talents: talents,
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_defaults_split_the_province_totals_equally() {
        let t = Targets::default_for(2026).expect("programme year");
        assert_eq!(t.subsidised_trainings * 10 * 3, 600_000);
        assert_eq!(t.new_skilled_workers * 10 * 3, 300_000);
        assert_eq!(
            (t.high_skilled_share, t.training_brands, t.leading_talents),
            (0.35, 1, 5)
        );
        assert!(Targets::default_for(2028).is_none());
        assert!(t.problems().is_empty());
    }

    #[test]
    fn negative_targets_are_refused() {
        let t = Targets {
            subsidised_trainings: -1,
            high_skilled_share: 1.2,
            ..Targets::default_for(2025).expect("default")
        };
        let codes: Vec<_> = t
            .problems()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            codes,
            [
                (
                    "subsidised_trainings".to_owned(),
                    "target_negative".to_owned()
                ),
                ("high_skilled_share".to_owned(), "share_range".to_owned()),
            ]
        );
    }

    #[test]
    fn projection_and_warning_on_the_last_day_of_may() {
        let targets = Targets::default_for(2026);
        let actuals = Actuals {
            subsidised_trainings: 9_000,
            new_skilled_workers: 5_100,
            high_skilled_workers: 1_700,
            training_brands: 1,
            leading_talents: 3,
        };
        let p = Progress::compute(2026, d("2026-05-31"), targets, actuals);
        assert_eq!((p.elapsed_days, p.total_days), (182, 365));
        // 20,000 × 182/365 = 9972.6…; 9,000 ÷ (182/365) = 18049.4… → 18049.
        let t = &p.subsidised_trainings;
        assert!((t.expected_to_date.expect("e") - 20_000.0 * 182.0 / 365.0).abs() < 1e-9);
        assert_eq!((t.projection, t.behind), (18_049, true));
        // 5,100 ÷ (182/365) = 10228.0… → on track.
        assert_eq!(p.new_skilled_workers.projection, 10_228);
        assert!(!p.new_skilled_workers.behind);
        // 1,700 / 5,100 = 33.3 % < 35 %.
        assert!(p.high_skilled_share.behind);
        assert!(!p.training_brands.behind);
        // 3 ÷ (182/365) = 6.01… → 6 ≥ 5.
        assert_eq!(p.leading_talents.projection, 6);
        assert_eq!(p.warnings, ["subsidised_trainings", "high_skilled_share"]);
    }

    #[test]
    fn the_province_is_the_sum_of_its_cities() {
        let a = Targets::default_for(2026).expect("t");
        let b = Targets {
            new_skilled_workers: 30_000,
            high_skilled_share: 0.4,
            ..a
        };
        let sum = Targets::sum(&[a, b]).expect("sum");
        assert_eq!(sum.subsidised_trainings, 40_000);
        // (0.35 × 10,000 + 0.4 × 30,000) / 40,000 = 0.3875
        assert!((sum.high_skilled_share - 0.3875).abs() < 1e-12);
        let one = Actuals {
            subsidised_trainings: 3,
            new_skilled_workers: 2,
            high_skilled_workers: 1,
            training_brands: 1,
            leading_talents: 0,
        };
        assert_eq!(Actuals::sum(&[one, one]).subsidised_trainings, 6);
        assert_eq!(Targets::sum(&[]), None);
    }
}
