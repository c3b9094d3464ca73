//! New-style apprenticeship (新型学徒制, policy item 9): a final-year
//! student with an internship agreement (实习协议) of at least six months
//! is an apprentice; a labour contract (劳动合同) of at least one year with
//! the same enterprise after graduation makes the enterprise eligible from
//! the start of employment, and the internship counts as training time.

use chrono::{Months, NaiveDate};

use super::window::whole_months;

ids::vocabulary! {
    /// internship, recognised, not_recognised
    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ApprenticeshipStatus: "apprenticeship_status_unknown" {
        Internship = "internship",
        Recognised = "recognised",
        NotRecognised = "not_recognised",
    }
}

pub const MIN_INTERNSHIP_MONTHS: i32 = 6;
pub const MIN_CONTRACT_MONTHS: i32 = 12;
/// The final year: the internship starts at most this long before graduation.
pub const FINAL_YEAR_MONTHS: u32 = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Internship {
    pub enterprise: String,
    pub graduation_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabourContract {
    pub employer: String,
    pub starts_on: NaiveDate,
    /// `None`: open-ended (无固定期限劳动合同).
    pub ends_on: Option<NaiveDate>,
}

/// Why an apprenticeship is not (or would not be) recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: &'static str,
    pub message: String,
}

fn reason(code: &'static str, message: impl Into<String>) -> Reason {
    Reason {
        code,
        message: message.into(),
    }
}

/// What the internship alone already rules out.
pub fn internship_issues(i: &Internship) -> Vec<Reason> {
    let mut out = Vec::new();
    let months = whole_months(i.starts_on, i.ends_on);
    if months < MIN_INTERNSHIP_MONTHS {
        out.push(reason(
            "internship_too_short",
            format!(
                "the internship agreement covers {months} whole months; a new-style apprenticeship needs at least {MIN_INTERNSHIP_MONTHS}"
            ),
        ));
    }
    let final_year_starts = i
        .graduation_on
        .checked_sub_months(Months::new(FINAL_YEAR_MONTHS))
        // A graduation in chrono's first year: the final year starts with the calendar.
        .unwrap_or(NaiveDate::MIN);
    if i.starts_on >= i.graduation_on || i.starts_on < final_year_starts {
        out.push(reason(
            "not_final_year",
            "the internship must start in the student's final year, before graduation",
        ));
    }
    out
}

/// The decision once the labour contract is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Recognised {
        /// The start of employment: the enterprise is subsidised from here.
        recognised_from: NaiveDate,
        /// Internship months counted as apprenticeship training time.
        training_months: i32,
        contract_months: Option<i32>,
    },
    NotRecognised(Vec<Reason>),
}

pub fn decide(i: &Internship, c: &LabourContract) -> Decision {
    let mut reasons = internship_issues(i);
    if c.employer != i.enterprise {
        reasons.push(reason(
            "different_enterprise",
            "the labour contract must be with the enterprise of the internship",
        ));
    }
    if c.starts_on < i.graduation_on {
        reasons.push(reason(
            "contract_before_graduation",
            "the labour contract must start after graduation",
        ));
    }
    if c.starts_on <= i.ends_on {
        reasons.push(reason(
            "contract_during_internship",
            "the labour contract must start after the internship ends",
        ));
    }
    let contract_months = c.ends_on.map(|end| whole_months(c.starts_on, end));
    if let Some(months) = contract_months.filter(|m| *m < MIN_CONTRACT_MONTHS) {
        reasons.push(reason(
            "contract_too_short",
            format!(
                "the labour contract runs {months} whole months; at least {MIN_CONTRACT_MONTHS} are needed"
            ),
        ));
    }
    if reasons.is_empty() {
        Decision::Recognised {
            recognised_from: c.starts_on,
            training_months: whole_months(i.starts_on, i.ends_on),
            contract_months,
        }
    } else {
        Decision::NotRecognised(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: &str = "91350100M000100Y43";

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn internship(from: &str, to: &str) -> Internship {
        Internship {
            enterprise: E.into(),
            graduation_on: d("2027-06-30"),
            starts_on: d(from),
            ends_on: d(to),
        }
    }

    fn contract(from: &str, to: Option<&str>) -> LabourContract {
        LabourContract {
            employer: E.into(),
            starts_on: d(from),
            ends_on: to.map(d),
        }
    }

    fn codes(decision: Decision) -> Vec<&'static str> {
        match decision {
            Decision::NotRecognised(r) => r.into_iter().map(|r| r.code).collect(),
            Decision::Recognised { .. } => Vec::new(),
        }
    }

    #[test]
    fn six_months_then_a_year_is_recognised_from_the_start_of_employment() {
        let decision = decide(
            &internship("2027-01-01", "2027-06-30"),
            &contract("2027-07-01", Some("2028-06-30")),
        );
        assert_eq!(
            decision,
            Decision::Recognised {
                recognised_from: d("2027-07-01"),
                training_months: 6,
                contract_months: Some(12)
            }
        );
        let open_ended = decide(
            &internship("2027-01-01", "2027-06-30"),
            &contract("2027-07-01", None),
        );
        assert!(matches!(
            open_ended,
            Decision::Recognised {
                contract_months: None,
                ..
            }
        ));
    }

    #[test]
    fn a_five_month_internship_is_not_recognised() {
        let i = internship("2027-02-01", "2027-06-30");
        assert_eq!(internship_issues(&i)[0].code, "internship_too_short");
        assert_eq!(
            codes(decide(&i, &contract("2027-07-01", Some("2028-06-30")))),
            ["internship_too_short"]
        );
    }

    #[test]
    fn the_contract_must_be_a_year_with_the_same_enterprise_after_graduation() {
        let i = internship("2027-01-01", "2027-06-30");
        assert_eq!(
            codes(decide(&i, &contract("2027-07-01", Some("2028-06-29")))),
            ["contract_too_short"]
        );
        let mut other = contract("2027-07-01", Some("2028-06-30"));
        other.employer = "91110000100000000R".into();
        assert_eq!(codes(decide(&i, &other)), ["different_enterprise"]);
        assert_eq!(
            codes(decide(&i, &contract("2027-06-01", Some("2028-06-30")))),
            ["contract_before_graduation", "contract_during_internship"]
        );
    }

    #[test]
    fn the_internship_must_start_in_the_final_year() {
        let mut early = internship("2026-05-01", "2027-06-30");
        assert_eq!(internship_issues(&early)[0].code, "not_final_year");
        early.starts_on = d("2026-06-30");
        assert!(internship_issues(&early).is_empty());
        let after = Internship {
            graduation_on: d("2026-12-31"),
            ..internship("2027-01-01", "2027-06-30")
        };
        assert_eq!(internship_issues(&after)[0].code, "not_final_year");
    }
}
