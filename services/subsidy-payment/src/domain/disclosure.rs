//! Public disclosure of fund use (资金使用情况向社会公开, policy item 15)
//! and of payment timeliness (及时受理、尽快拨付, item 14). Only
//! aggregates leave this module: no person, payee or claim.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use ids::{CityCode, Fen};
use serde::Serialize;

use super::subsidy::{FundSource, SubsidyKind};

/// A calendar month, `2026-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One confirmed payment, reduced to what disclosure may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaidClaim {
    pub city: CityCode,
    pub fund: FundSource,
    pub kind: SubsidyKind,
    pub amount: Fen,
    /// Business date the claim was filed.
    pub claimed_on: NaiveDate,
    /// Business date the bank confirmed payment.
    pub paid_on: NaiveDate,
}

/// The disclosure cell: city × fund × month of payment × kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Cell {
    pub city: CityCode,
    pub fund: FundSource,
    pub month: Month,
    pub kind: SubsidyKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub payments: u64,
    pub amount: Fen,
}

/// Fund use per cell, sorted by cell. Recoveries are disclosed from the
/// ledger separately; this counts what was paid.
pub fn fund_use(paid: &[PaidClaim]) -> BTreeMap<Cell, Totals> {
    let mut out: BTreeMap<Cell, Totals> = BTreeMap::new();
    for p in paid {
        let cell = Cell {
            city: p.city,
            fund: p.fund,
            month: Month::of(p.paid_on),
            kind: p.kind,
        };
        let t = out.entry(cell).or_default();
        t.payments += 1;
        t.amount = Fen::new(t.amount.get() + p.amount.get());
    }
    out
}

/// The nearest-rank percentile (`p` in 1–100) of `values`: sort ascending
/// and take the value at 1-based rank ⌈p × n / 100⌉. It is always one of
/// the values, so whole days stay whole; the median is `p = 50` (the lower
/// middle for an even count). `None` for no values.
pub fn percentile(values: &[i64], p: u32) -> Option<i64> {
    if values.is_empty() || p == 0 || p > 100 {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len() as u64;
    let rank = (u64::from(p) * n).div_ceil(100);
    v.get(usize::try_from(rank).ok()? - 1).copied()
}

/// Days from claim to payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timeliness {
    pub payments: usize,
    pub median_days: i64,
    pub p90_days: i64,
}

/// Median and 90th percentile of days from claim to payment.
pub fn timeliness(paid: &[PaidClaim]) -> Option<Timeliness> {
    let days: Vec<i64> = paid
        .iter()
        .map(|p| (p.paid_on - p.claimed_on).num_days())
        .collect();
    Some(Timeliness {
        payments: days.len(),
        median_days: percentile(&days, 50)?,
        p90_days: percentile(&days, 90)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn paid(
        fund: FundSource,
        kind: SubsidyKind,
        fen: i64,
        claimed: NaiveDate,
        on: NaiveDate,
    ) -> PaidClaim {
        PaidClaim {
            city: "350100".parse().expect("city"),
            fund,
            kind,
            amount: Fen::new(fen),
            claimed_on: claimed,
            paid_on: on,
        }
    }

    #[test]
    fn percentiles_by_nearest_rank_match_hand_computation() {
        let one_to_ten: Vec<i64> = (1..=10).collect();
        // n = 10: median rank ⌈5⌉ = 5, p90 rank ⌈9⌉ = 9.
        assert_eq!(percentile(&one_to_ten, 50), Some(5));
        assert_eq!(percentile(&one_to_ten, 90), Some(9));
        assert_eq!(percentile(&one_to_ten, 100), Some(10));
        // n = 3, unsorted: median rank ⌈1.5⌉ = 2, p90 rank ⌈2.7⌉ = 3.
        assert_eq!(percentile(&[30, 10, 20], 50), Some(20));
        assert_eq!(percentile(&[30, 10, 20], 90), Some(30));
        // n = 11: p90 rank ⌈9.9⌉ = 10.
        let eleven = [1, 2, 3, 4, 5, 6, 7, 8, 9, 40, 50];
        assert_eq!(percentile(&eleven, 90), Some(40));
        assert_eq!(percentile(&eleven, 50), Some(6));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[1], 0), None);
    }

    #[test]
    fn timeliness_counts_days_from_claim_to_payment() {
        use FundSource::*;
        use SubsidyKind::*;
        let rows = [
            paid(
                EmploymentSubsidy,
                Training,
                1,
                d(2026, 1, 1),
                d(2026, 1, 11),
            ),
            paid(
                EmploymentSubsidy,
                Training,
                1,
                d(2026, 1, 1),
                d(2026, 1, 31),
            ),
            paid(
                EmploymentSubsidy,
                Training,
                1,
                d(2026, 1, 30),
                d(2026, 2, 4),
            ),
        ];
        assert_eq!(
            timeliness(&rows),
            Some(Timeliness {
                payments: 3,
                median_days: 10,
                p90_days: 30
            })
        );
        assert_eq!(timeliness(&[]), None);
    }

    #[test]
    fn fund_use_is_summed_per_city_fund_month_and_kind() {
        use FundSource::*;
        use SubsidyKind::*;
        let rows = [
            paid(
                UnemploymentInsurance,
                Training,
                150_000,
                d(2026, 1, 1),
                d(2026, 2, 3),
            ),
            paid(
                UnemploymentInsurance,
                Training,
                150_000,
                d(2026, 1, 9),
                d(2026, 2, 28),
            ),
            paid(
                UnemploymentInsurance,
                Training,
                90_000,
                d(2026, 2, 9),
                d(2026, 3, 1),
            ),
            paid(
                EmploymentSubsidy,
                EmploymentReward,
                30_000,
                d(2026, 1, 9),
                d(2026, 2, 28),
            ),
        ];
        let use_ = fund_use(&rows);
        assert_eq!(use_.len(), 3);
        let feb = Cell {
            city: "350100".parse().expect("city"),
            fund: UnemploymentInsurance,
            month: Month {
                year: 2026,
                month: 2,
            },
            kind: Training,
        };
        assert_eq!(
            use_[&feb],
            Totals {
                payments: 2,
                amount: Fen::new(300_000)
            }
        );
        let json = serde_json::to_value(feb).expect("ser");
        assert_eq!(json["month"], "2026-02");
        assert_eq!(json["city"], "350100");
    }
}
