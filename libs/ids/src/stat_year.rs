//! The statistical year (统计年度: 1 December to 30 November, Asia/Shanghai)
//! and the business date every count and deadline is taken on.

use std::fmt;
use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// Business dates are in China Standard Time.
pub const BUSINESS_TZ: Tz = chrono_tz::Asia::Shanghai;

/// The business date of an instant (Asia/Shanghai).
pub fn business_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&BUSINESS_TZ).date_naive()
}

/// The training statistics year (统计年度): 1 December of the previous year to
/// 30 November, named by the year it ends in. A class finished on 2025-12-03
/// counts for 2026. Derived from a date, or read from a number within
/// [`StatisticalYear::RANGE`] (a stored year or a query's), never assumed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(try_from = "i32", into = "i32")]
pub struct StatisticalYear(i32);

impl StatisticalYear {
    /// The years a number may name: the programme's (2025–2027) with a wide
    /// margin, and every one of them has its 1 December and 30 November.
    pub const RANGE: RangeInclusive<i32> = 2000..=2100;

    /// The statistical year numbered `year`, refused outside [`Self::RANGE`].
    pub fn new(year: i32) -> Result<Self, InvalidValue> {
        if Self::RANGE.contains(&year) {
            Ok(Self(year))
        } else {
            Err(InvalidValue::new(
                "statistical_year_range",
                format!(
                    "a statistical year is between {} and {}",
                    Self::RANGE.start(),
                    Self::RANGE.end()
                ),
            ))
        }
    }

    pub fn of(date: NaiveDate) -> Self {
        if date.month() == 12 {
            Self(date.year() + 1)
        } else {
            Self(date.year())
        }
    }

    pub fn of_instant(at: DateTime<Utc>) -> Self {
        Self::of(business_date(at))
    }

    pub fn year(self) -> i32 {
        self.0
    }

    pub fn first_day(self) -> NaiveDate {
        day_within_calendar(self.0 - 1, 12, 1)
    }

    pub fn last_day(self) -> NaiveDate {
        day_within_calendar(self.0, 11, 30)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Self::of(date) == self
    }
}

/// `day` of `month` in `year`. Every year of chrono's calendar has its
/// 1 December and 30 November; the statistical years [`StatisticalYear::of`]
/// names for the calendar's very first and last dates reach past it, and
/// stop at its ends.
fn day_within_calendar(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(if year < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

impl TryFrom<i32> for StatisticalYear {
    type Error = InvalidValue;

    fn try_from(year: i32) -> Result<Self, InvalidValue> {
        Self::new(year)
    }
}

impl From<StatisticalYear> for i32 {
    fn from(year: StatisticalYear) -> i32 {
        year.0
    }
}

impl fmt::Display for StatisticalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn december_belongs_to_the_next_year() {
        assert_eq!(StatisticalYear::of(d(2025, 12, 3)).year(), 2026);
        assert_eq!(StatisticalYear::of(d(2025, 12, 1)).year(), 2026);
        assert_eq!(StatisticalYear::of(d(2025, 11, 30)).year(), 2025);
        assert_eq!(StatisticalYear::of(d(2026, 1, 1)).year(), 2026);
    }

    #[test]
    fn bounds_are_first_of_december_to_thirtieth_of_november() {
        let y = StatisticalYear::of(d(2026, 6, 1));
        assert_eq!(y.first_day(), d(2025, 12, 1));
        assert_eq!(y.last_day(), d(2026, 11, 30));
        assert!(y.contains(y.first_day()) && y.contains(y.last_day()));
        assert!(!y.contains(d(2026, 12, 1)));
    }

    #[test]
    fn the_years_at_the_calendars_ends_stop_there() {
        let last = StatisticalYear::of(NaiveDate::MAX);
        assert_eq!(
            (last.first_day(), last.last_day()),
            (d(NaiveDate::MAX.year(), 12, 1), NaiveDate::MAX)
        );
        let first = StatisticalYear::of(NaiveDate::MIN);
        assert_eq!(
            (first.first_day(), first.last_day()),
            (NaiveDate::MIN, d(NaiveDate::MIN.year(), 11, 30))
        );
    }

    #[test]
    fn a_numbered_year_is_read_only_within_the_range() {
        assert_eq!(
            StatisticalYear::new(2026).map(StatisticalYear::year),
            Ok(2026)
        );
        assert_eq!(
            StatisticalYear::new(2026).map(StatisticalYear::first_day),
            Ok(d(2025, 12, 1))
        );
        for year in [1970, 1999, 2101, 262_143, i32::MIN] {
            let refused = StatisticalYear::new(year).expect_err("outside the range");
            assert_eq!(refused.code, "statistical_year_range", "{year}");
        }
        let read: StatisticalYear = serde_json::from_str("2027").expect("a year");
        assert_eq!(
            (read.year(), serde_json::to_string(&read).ok()),
            (2027, Some("2027".into()))
        );
        assert!(serde_json::from_str::<StatisticalYear>("1970").is_err());
    }

    #[test]
    fn instants_are_read_in_shanghai_time() {
        // 2025-11-30 16:30 UTC is already 1 December in Shanghai.
        let at = Utc
            .with_ymd_and_hms(2025, 11, 30, 16, 30, 0)
            .single()
            .expect("instant");
        assert_eq!(business_date(at), d(2025, 12, 1));
        assert_eq!(StatisticalYear::of_instant(at).year(), 2026);
    }
}
