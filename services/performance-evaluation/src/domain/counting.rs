//! Counting rules (统计口径) shared by scorecards and the dashboard.
//!
//! - A **subsidised training** (补贴性培训, counted in 人次) is a completed
//!   enrolment: delivery's completion event with `completed = true`. A person
//!   trained twice counts twice. Withdrawals and non-completions do not count.
//! - Its **statistical year** is that of the completion date (Asia/Shanghai
//!   business date): 1 December to 30 November, so 2025-12-03 counts for 2026.
//! - A **new skilled worker** (新增技能人才) is a person holding a valid
//!   certificate issued in the year; each person counts once however many
//!   certificates they got. Revoked certificates never count.
//! - **High-skilled** (高技能人才) means 高级工 and above
//!   ([`ids::SkillLevel::is_high_skilled`]).
//! - **Time-proportional progress** (序时进度): the share of the statistical
//!   year's days elapsed up to and including the as-of date.

use contracts::assessment::CertificateStatus;
use contracts::Open;
use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate};
use ids::{SkillLevel, StatisticalYear};

/// The statistical year a completion counts for.
pub fn training_year(completed_on: NaiveDate) -> i32 {
    StatisticalYear::of(completed_on).year()
}

/// Whether a delivery completion is a subsidised training (人次).
pub fn is_subsidised_training(completed: bool) -> bool {
    completed
}

/// Whether a certificate makes its holder a new skilled worker of its year:
/// a valid one (a status this version does not know counts for nothing).
pub fn counts_as_skilled(status: &Open<CertificateStatus>) -> bool {
    *status == Open::Known(CertificateStatus::Valid)
}

/// Whether a level counts as high-skilled (高级工 and above).
pub fn is_high_skilled(level: SkillLevel) -> bool {
    level.is_high_skilled()
}

/// Days in a statistical year (365 or 366, the leap day falling in its
/// February).
pub fn total_days(year: i32) -> i64 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

/// Days of `year` elapsed on `as_of`, counting `as_of` itself: 1 on
/// 1 December, all of them on 30 November; 0 before the year, all after.
pub fn elapsed_days(year: i32, as_of: NaiveDate) -> i64 {
    match training_year(as_of).cmp(&year) {
        Ordering::Less => 0,
        Ordering::Greater => total_days(year),
        // December's days, then the days of the calendar year so far.
        Ordering::Equal if as_of.month() == 12 => i64::from(as_of.day()),
        Ordering::Equal => 31 + i64::from(as_of.ordinal()),
    }
}

/// The time-proportional share of the year on `as_of`, in [0, 1].
pub fn pro_rata(year: i32, as_of: NaiveDate) -> f64 {
    elapsed_days(year, as_of) as f64 / total_days(year) as f64
}

/// The date a year's figures are taken at when none is asked for: today
/// while the year runs, its last day once it ended.
pub fn default_as_of(year: i32, today: NaiveDate) -> NaiveDate {
    if training_year(today) <= year {
        return today;
    }
    // The year has ended: its last day (chrono's first for a year before
    // its calendar).
    NaiveDate::from_ymd_opt(year, 11, 30).unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_completion_date_decides_the_year() {
        assert_eq!(training_year(d("2025-11-30")), 2025);
        assert_eq!(training_year(d("2025-12-01")), 2026);
        assert_eq!(training_year(d("2025-12-03")), 2026);
        assert_eq!(training_year(d("2026-11-30")), 2026);
    }

    #[test]
    fn only_completions_and_valid_certificates_count() {
        assert!(is_subsidised_training(true));
        assert!(!is_subsidised_training(false));
        assert!(counts_as_skilled(&Open::from("valid")));
        assert!(!counts_as_skilled(&Open::from("revoked")));
        assert!(!counts_as_skilled(&Open::from("suspended")));
    }

    #[test]
    fn high_skilled_starts_at_senior_worker() {
        assert!(!is_high_skilled(SkillLevel::Intermediate));
        assert!(is_high_skilled(SkillLevel::Senior));
        assert!(is_high_skilled(SkillLevel::ChiefTechnician));
    }

    #[test]
    fn years_have_the_leap_day_of_their_february() {
        assert_eq!(total_days(2026), 365);
        // 1 Dec 2027 – 30 Nov 2028 holds 29 Feb 2028.
        assert_eq!(total_days(2028), 366);
    }

    #[test]
    fn pro_rata_counts_the_as_of_day_itself() {
        assert_eq!(elapsed_days(2026, d("2025-12-01")), 1);
        assert_eq!(elapsed_days(2026, d("2025-12-31")), 31);
        assert_eq!(elapsed_days(2026, d("2026-11-30")), 365);
        assert_eq!(pro_rata(2026, d("2026-11-30")), 1.0);
        assert_eq!(elapsed_days(2026, d("2025-11-30")), 0, "before the year");
        assert_eq!(elapsed_days(2026, d("2027-01-15")), 365, "after the year");
    }

    #[test]
    fn pro_rata_on_the_last_day_of_a_month() {
        // Dec 31 + Jan 31 + Feb 28 = 90 days on 28 February 2026.
        assert_eq!(elapsed_days(2026, d("2026-02-28")), 90);
        // Dec–May: 31 + 31 + 28 + 31 + 30 + 31 = 182.
        assert_eq!(elapsed_days(2026, d("2026-05-31")), 182);
        assert!((pro_rata(2026, d("2026-05-31")) - 182.0 / 365.0).abs() < 1e-12);
        // In a leap year February has 29 days: Dec 31 + Jan 31 + Feb 29.
        assert_eq!(elapsed_days(2028, d("2028-02-29")), 91);
        assert!((pro_rata(2028, d("2028-02-29")) - 91.0 / 366.0).abs() < 1e-12);
    }

    #[test]
    fn the_default_as_of_stops_at_the_years_end() {
        assert_eq!(default_as_of(2025, d("2026-03-01")), d("2025-11-30"));
        assert_eq!(default_as_of(2026, d("2026-03-01")), d("2026-03-01"));
    }
}
