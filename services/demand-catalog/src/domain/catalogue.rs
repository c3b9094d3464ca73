//! The yearly guidance catalogue (职业技能培训需求指导目录, policy item 1):
//! a city drafts it, publishes it by 30 June, and may update it during the
//! year; every update after publication is a new version.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use ids::Fen;
use ids::{FieldError, InvalidValue};
use serde::{Deserialize, Serialize};

use super::Refusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CatalogueStatus {
    Draft,
    Published,
}

impl CatalogueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            _ => None,
        }
    }
}

/// A status as a client writes it, e.g. in a list's filter.
impl FromStr for CatalogueStatus {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| {
            InvalidValue::new(
                "catalogue_status_unknown",
                format!("{s:?} is not one of draft, published"),
            )
        })
    }
}

/// The first year of the action; catalogues before it make no sense.
pub const FIRST_YEAR: i32 = 2025;
/// A subsidy standard above 50,000 yuan per person is a typing error.
pub const MAX_SUBSIDY: Fen = Fen::new(5_000_000);

/// Catalogue years: from the action's first year to next year.
pub fn check_year(year: i32, today: NaiveDate) -> Option<FieldError> {
    (!(FIRST_YEAR..=today.year() + 1).contains(&year)).then(|| {
        FieldError::new(
            "year",
            "year_range",
            format!("year must be between {FIRST_YEAR} and {}", today.year() + 1),
        )
    })
}

/// The terms of an entry that the catalogue's year constrains.
#[derive(Debug, Clone, Copy)]
pub struct EntryTerms<'a> {
    pub occupation_name: &'a str,
    pub subsidy: Fen,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// Every problem of an entry's terms for a catalogue of `year`.
pub fn check_entry(year: i32, terms: EntryTerms<'_>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = terms.occupation_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(
            "occupation_name",
            "occupation_name_length",
            "a name has 1 to 100 characters",
        ));
    }
    if terms.subsidy.get() < 0 {
        errors.push(FieldError::new(
            "subsidy_fen",
            "money_negative",
            "an amount in fen cannot be negative",
        ));
    } else if terms.subsidy > MAX_SUBSIDY {
        errors.push(FieldError::new(
            "subsidy_fen",
            "subsidy_too_high",
            format!("at most {MAX_SUBSIDY} yuan per person"),
        ));
    }
    if terms.valid_from > terms.valid_to {
        errors.push(FieldError::new(
            "valid_to",
            "validity_reversed",
            "the validity ends before it starts",
        ));
    } else if terms.valid_to.year() < year || terms.valid_from.year() > year {
        errors.push(FieldError::new(
            "valid_from",
            "validity_outside_year",
            format!("the validity must overlap the catalogue's year {year}"),
        ));
    }
    errors
}

/// Published after 30 June of its year: allowed, but flagged (policy item 1
/// asks for publication by the end of June).
pub fn is_late(year: i32, published_on: NaiveDate) -> bool {
    (published_on.year(), published_on.month()) > (year, 6)
}

/// First publication: a draft with at least one entry.
pub fn check_publish(status: CatalogueStatus, active_entries: i64) -> Result<(), Refusal> {
    match status {
        CatalogueStatus::Published => Err(Refusal::Conflict {
            code: "already_published",
            message: "the catalogue is published; later changes become new versions by themselves"
                .into(),
        }),
        CatalogueStatus::Draft if active_entries == 0 => Err(Refusal::Conflict {
            code: "catalogue_empty",
            message: "a catalogue needs at least one entry to be published".into(),
        }),
        CatalogueStatus::Draft => Ok(()),
    }
}

/// The version a change lands in: drafts stay at 0 until published; each
/// change to a published catalogue makes the next version.
pub fn version_after_change(status: CatalogueStatus, version: i32) -> i32 {
    match status {
        CatalogueStatus::Draft => version,
        CatalogueStatus::Published => version + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn terms(subsidy: i64, from: NaiveDate, to: NaiveDate) -> EntryTerms<'static> {
        EntryTerms {
            occupation_name: "电工",
            subsidy: Fen::new(subsidy),
            valid_from: from,
            valid_to: to,
        }
    }

    #[test]
    fn late_means_after_the_thirtieth_of_june() {
        assert!(!is_late(2026, d(2026, 6, 30)));
        assert!(is_late(2026, d(2026, 7, 1)));
        assert!(!is_late(2026, d(2025, 12, 20)));
    }

    #[test]
    fn entries_are_checked_against_the_year() {
        assert!(check_entry(2026, terms(150_000, d(2026, 1, 1), d(2026, 12, 31))).is_empty());
        assert!(
            check_entry(2026, terms(0, d(2025, 12, 1), d(2026, 1, 31))).is_empty(),
            "overlap suffices"
        );
        let codes = |errs: Vec<FieldError>| errs.into_iter().map(|e| e.code).collect::<Vec<_>>();
        assert_eq!(
            codes(check_entry(2026, terms(-1, d(2026, 3, 1), d(2026, 2, 1)))),
            ["money_negative", "validity_reversed"]
        );
        assert_eq!(
            codes(check_entry(
                2026,
                terms(5_000_001, d(2027, 1, 1), d(2027, 2, 1))
            )),
            ["subsidy_too_high", "validity_outside_year"]
        );
    }

    #[test]
    fn publishing_needs_a_non_empty_draft() {
        assert!(check_publish(CatalogueStatus::Draft, 3).is_ok());
        assert!(matches!(
            check_publish(CatalogueStatus::Draft, 0),
            Err(Refusal::Conflict {
                code: "catalogue_empty",
                ..
            })
        ));
        assert!(matches!(
            check_publish(CatalogueStatus::Published, 3),
            Err(Refusal::Conflict {
                code: "already_published",
                ..
            })
        ));
    }

    #[test]
    fn versions_move_only_once_published() {
        assert_eq!(version_after_change(CatalogueStatus::Draft, 0), 0);
        assert_eq!(version_after_change(CatalogueStatus::Published, 1), 2);
    }

    #[test]
    fn years_run_from_the_action_start_to_next_year() {
        let today = d(2026, 11, 25);
        assert!(check_year(2025, today).is_none() && check_year(2027, today).is_none());
        assert!(check_year(2024, today).is_some() && check_year(2028, today).is_some());
    }
}
