//! One line of a social-insurance contribution batch (社保缴费记录): the
//! person, the paying employer and the month. A bad line is reported with
//! every problem it has; the good lines of the batch are still taken.

use chrono::{Datelike, NaiveDate};
use ids::{CitizenId, CreditCode};
use serde::Deserialize;

use super::window::month_of;

/// Longest line accepted; a contribution record is a few dozen bytes.
pub const MAX_LINE_BYTES: usize = 4096;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    citizen_id: String,
    employer_credit_code: String,
    /// `YYYY-MM`
    month: String,
}

/// A line that parsed and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub citizen: CitizenId,
    pub employer: CreditCode,
    /// The first day of the month paid for.
    pub month: NaiveDate,
}

/// A problem with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

fn problem(field: &str, code: &str, message: impl Into<String>) -> LineProblem {
    LineProblem {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// `YYYY-MM` from 2000-01 up to the current month.
pub fn parse_month(raw: &str, today: NaiveDate) -> Result<NaiveDate, LineProblem> {
    let month = (raw.len() == 7 && raw.as_bytes().get(4) == Some(&b'-'))
        .then(|| NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| problem("month", "month_format", "a month looks like 2027-03"))?;
    if month > month_of(today) {
        return Err(problem(
            "month",
            "month_in_future",
            "contributions are reported for past or current months",
        ));
    }
    if month.year() < 2000 {
        return Err(problem(
            "month",
            "month_range",
            "months before 2000-01 are not taken",
        ));
    }
    Ok(month)
}

/// Parses and validates one line; every problem is reported.
pub fn parse_line(raw: &[u8], today: NaiveDate) -> Result<Paid, Vec<LineProblem>> {
    if raw.len() > MAX_LINE_BYTES {
        return Err(vec![problem(
            "line",
            "line_too_long",
            format!("a line is at most {MAX_LINE_BYTES} bytes"),
        )]);
    }
    let line: Line = serde_json::from_slice(raw).map_err(|e| {
        let message = e.to_string();
        let (field, code) = if message.starts_with("unknown field") {
            (message.split('`').nth(1).unwrap_or("line"), "unknown_field")
        } else if message.starts_with("missing field") {
            (message.split('`').nth(1).unwrap_or("line"), "missing_field")
        } else if e.is_data() {
            // serde's own message may quote the value: a citizen ID.
            return vec![problem(
                "line",
                "invalid_value",
                "citizen_id, employer_credit_code and month are strings",
            )];
        } else {
            ("line", "malformed_json")
        };
        let field = field.to_owned();
        vec![problem(&field, code, message)]
    })?;
    let mut problems = Vec::new();
    let citizen = line
        .citizen_id
        .parse::<CitizenId>()
        .map_err(|e| problems.push(problem("citizen_id", e.code, e.message)))
        .ok();
    let employer = line
        .employer_credit_code
        .parse::<CreditCode>()
        .map_err(|e| problems.push(problem("employer_credit_code", e.code, e.message)))
        .ok();
    let month = parse_month(line.month.trim(), today)
        .map_err(|p| problems.push(p))
        .ok();
    match (citizen, employer, month) {
        (Some(citizen), Some(employer), Some(month)) => Ok(Paid {
            citizen,
            employer,
            month,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        "2027-05-20".parse().expect("date")
    }

    fn codes(raw: &str) -> Vec<(String, String)> {
        parse_line(raw.as_bytes(), today())
            .expect_err("bad")
            .into_iter()
            .map(|p| (p.field, p.code))
            .collect()
    }

    #[test]
    fn a_good_line_parses() {
        let paid = parse_line(
            br#"{"citizen_id":"11010519491231002x","employer_credit_code":"91350100M000100Y43","month":"2027-05"}"#,
            today(),
        )
        .expect("good");
        assert_eq!(paid.month, "2027-05-01".parse::<NaiveDate>().expect("date"));
        assert_eq!(paid.citizen.expose(), "11010519491231002X");
    }

    #[test]
    fn every_problem_of_a_line_is_named() {
        assert_eq!(
            codes(
                r#"{"citizen_id":"110105194912310021","employer_credit_code":"91350100M000100Y44","month":"2027-13"}"#
            ),
            [
                ("citizen_id".to_owned(), "citizen_id_check_digit".to_owned()),
                (
                    "employer_credit_code".to_owned(),
                    "credit_code_check_digit".to_owned()
                ),
                ("month".to_owned(), "month_format".to_owned()),
            ]
        );
        assert_eq!(
            codes(
                r#"{"citizen_id":"11010519491231002X","employer_credit_code":"91350100M000100Y43","month":"2027-06"}"#
            ),
            [("month".to_owned(), "month_in_future".to_owned())]
        );
        assert_eq!(
            codes("{not json"),
            [("line".to_owned(), "malformed_json".to_owned())]
        );
        let typed = parse_line(
            br#"{"citizen_id":350102199003071234,"employer_credit_code":"x","month":"2027-01"}"#,
            today(),
        )
        .expect_err("a number");
        assert_eq!(typed[0].code, "invalid_value");
        assert!(
            !typed[0].message.contains("350102"),
            "the value is not quoted"
        );
        assert_eq!(
            codes(r#"{"citizen_id":"11010519491231002X","month":"2027-01"}"#),
            [(
                "employer_credit_code".to_owned(),
                "missing_field".to_owned()
            )]
        );
        assert_eq!(
            codes(
                r#"{"citizen_id":"11010519491231002X","employer_credit_code":"91350100M000100Y43","month":"2027-01","name":"x"}"#
            ),
            [("name".to_owned(), "unknown_field".to_owned())]
        );
    }
}
