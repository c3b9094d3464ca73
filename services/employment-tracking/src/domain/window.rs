//! Follow-up windows (就业跟踪期): how long after completion employment
//! still earns the employment-promotion reward (培训促进就业奖补), and the
//! milestones at which a completer is counted as employed.
//!
//! Social insurance is paid by calendar month, so evidence from contributions
//! is reasoned about in months: a month is its first day.

use chrono::{Datelike, Months, NaiveDate};

/// Months after the completion month at which employment is counted.
pub const MILESTONES: [u32; 3] = [3, 6, 12];

/// The last day of the window: `months` calendar months after completion,
/// clamped to the month's end (31 August + 6 months = end of February).
pub fn window_end(completed_on: NaiveDate, months: u32) -> NaiveDate {
    add_months(completed_on, months)
}

/// `n` calendar months after `date`, clamped to the month's end; past the
/// end of chrono's calendar, its last day (a window that never closes).
fn add_months(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

/// The window is open until its last day has passed.
pub fn is_closed(window_end: NaiveDate, today: NaiveDate) -> bool {
    today > window_end
}

/// The first day of the month of `date`.
// why: every month has a day 1, so `with_day(1)` always answers.
#[allow(clippy::expect_used)]
pub fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("every month has a first day")
}

/// The month `n` months after the month of `date`.
pub fn months_after(date: NaiveDate, n: u32) -> NaiveDate {
    add_months(month_of(date), n)
}

/// The last day of the month starting on `month` (the calendar's last day
/// for its last month).
pub fn month_end(month: NaiveDate) -> NaiveDate {
    month_of(month)
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// Does a contribution for `month` show employment within the window? The
/// completion month itself does not count: its contribution may pay for the
/// job held before or during training. A month counts when it begins on or
/// before the window's last day.
pub fn month_in_window(completed_on: NaiveDate, window_end: NaiveDate, month: NaiveDate) -> bool {
    let month = month_of(month);
    month > month_of(completed_on) && month <= window_end
}

/// The calendar month a milestone looks at: the completion month + `n`.
pub fn milestone_month(completed_on: NaiveDate, n: u32) -> NaiveDate {
    months_after(completed_on, n)
}

/// A milestone's state on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneState {
    /// A contribution for the month is known.
    Employed,
    /// The month is over and no contribution is known (yet: data may lag).
    NotShown,
    /// The month has not ended.
    Pending,
}

impl MilestoneState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Employed => "employed",
            Self::NotShown => "not_shown",
            Self::Pending => "pending",
        }
    }
}

pub fn milestone_state(month: NaiveDate, contributed: bool, today: NaiveDate) -> MilestoneState {
    if contributed {
        MilestoneState::Employed
    } else if today > month_end(month) {
        MilestoneState::NotShown
    } else {
        MilestoneState::Pending
    }
}

/// Whole months from `from` to `to` (a contract from 1 March to 28 February
/// is 12 months: the day after its end completes the month).
pub fn whole_months(from: NaiveDate, to: NaiveDate) -> i32 {
    let Some(after) = to.succ_opt() else {
        return 0;
    };
    let mut months = (after.year() - from.year()) * 12 + after.month() as i32 - from.month() as i32;
    // Adding months clamps to month ends, so count down to the last whole one.
    while months > 0
        && from
            .checked_add_months(Months::new(months.unsigned_abs()))
            .is_some_and(|d| d > after)
    {
        months -= 1;
    }
    months.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_window_ends_the_same_day_months_later_clamped_to_month_ends() {
        assert_eq!(window_end(d("2027-01-15"), 6), d("2027-07-15"));
        assert_eq!(window_end(d("2027-08-31"), 6), d("2028-02-29"));
        assert_eq!(window_end(d("2026-08-31"), 6), d("2027-02-28"));
        assert_eq!(window_end(d("2027-03-31"), 3), d("2027-06-30"));
        assert_eq!(window_end(d("2027-11-30"), 12), d("2028-11-30"));
    }

    #[test]
    fn the_window_closes_the_day_after_its_last_day() {
        let end = d("2027-07-15");
        assert!(!is_closed(end, d("2027-07-15")));
        assert!(is_closed(end, d("2027-07-16")));
    }

    #[test]
    fn contribution_months_after_completion_up_to_the_windows_end_count() {
        let done = d("2027-01-15");
        let end = window_end(done, 6);
        assert!(
            !month_in_window(done, end, d("2027-01-01")),
            "completion month"
        );
        assert!(month_in_window(done, end, d("2027-02-01")));
        assert!(
            month_in_window(done, end, d("2027-07-01")),
            "begins before the end"
        );
        assert!(!month_in_window(done, end, d("2027-08-01")));
        assert!(!month_in_window(done, end, d("2026-12-01")));
    }

    #[test]
    fn milestones_look_at_the_completion_month_plus_three_six_and_twelve() {
        let done = d("2026-11-30");
        let months: Vec<_> = MILESTONES
            .iter()
            .map(|n| milestone_month(done, *n))
            .collect();
        assert_eq!(months, [d("2027-02-01"), d("2027-05-01"), d("2027-11-01")]);
        assert_eq!(milestone_month(d("2027-01-31"), 3), d("2027-04-01"));
    }

    #[test]
    fn a_milestone_is_pending_until_its_month_ends() {
        let m = d("2027-04-01");
        assert_eq!(
            milestone_state(m, false, d("2027-04-30")),
            MilestoneState::Pending
        );
        assert_eq!(
            milestone_state(m, false, d("2027-05-01")),
            MilestoneState::NotShown
        );
        assert_eq!(
            milestone_state(m, true, d("2027-04-02")),
            MilestoneState::Employed
        );
    }

    #[test]
    fn whole_months_count_the_day_after_the_end() {
        assert_eq!(whole_months(d("2027-03-01"), d("2028-02-29")), 12);
        assert_eq!(whole_months(d("2027-03-01"), d("2028-02-27")), 11);
        assert_eq!(whole_months(d("2026-09-01"), d("2027-02-28")), 6);
        assert_eq!(whole_months(d("2026-09-01"), d("2027-01-31")), 5);
        assert_eq!(whole_months(d("2026-09-15"), d("2027-03-14")), 6);
        assert_eq!(whole_months(d("2026-09-15"), d("2027-03-13")), 5);
        assert_eq!(whole_months(d("2027-01-31"), d("2027-02-28")), 1);
        assert_eq!(whole_months(d("2027-05-10"), d("2027-05-01")), 0);
    }
}
