//! Bank files: the payment file sent to the bank for a [`Batch`], and the
//! bank's result file read back line by line.
//!
//! Payment file (UTF-8 CSV, RFC 4180 quoting, CRLF line ends):
//! `payee_account,payee_name,amount,reference`, amounts in yuan with two
//! decimals computed exactly from fen.
//!
//! Result file: `reference,status,amount,reason` with `status` `success`
//! or `failed`; `reason` may be empty on success. Every non-blank line after
//! the header gives exactly one [`Outcome`]: good lines are accepted, bad
//! ones reported with their line number, and batch lines the file does not
//! mention are listed as missing (they stay in flight).

use std::collections::HashSet;

use ids::Fen;
use serde::Serialize;

use super::money::parse_yuan;
use super::payout::Batch;

pub const PAYMENT_HEADER: &str = "payee_account,payee_name,amount,reference";
pub const RESULT_HEADER: &str = "reference,status,amount,reason";

/// Quotes a field when it holds a comma, quote or line break. A leading
/// `=`, `+`, `-`, `@`, tab or carriage return (OWASP's CSV-injection list)
/// is prefixed with `'` so no spreadsheet evaluates a name typed by a payee.
pub fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The payment file of a batch.
pub fn export(batch: &Batch) -> String {
    let mut out = String::from(PAYMENT_HEADER);
    out.push_str("\r\n");
    for l in &batch.lines {
        let row = [
            field(&l.account_no),
            field(&l.account_name),
            l.amount.to_string(),
            field(&l.reference),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// What one line of the result file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Confirmed {
        line: usize,
        reference: String,
        amount: Fen,
    },
    Failed {
        line: usize,
        reference: String,
        reason: String,
    },
    /// The reference is not a line of this batch.
    UnknownReference {
        line: usize,
        reference: String,
    },
    /// The reference was already answered earlier in the file.
    Duplicate {
        line: usize,
        reference: String,
    },
    /// The amount differs from the line sent: not applied.
    AmountMismatch {
        line: usize,
        reference: String,
        sent: Fen,
        reported: Fen,
    },
    Malformed {
        line: usize,
        problem: String,
    },
}

/// The whole result file, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    /// References of the batch the file never mentioned.
    pub missing: Vec<String>,
}

impl Report {
    pub fn confirmed(&self) -> impl Iterator<Item = &str> {
        self.outcomes.iter().filter_map(|o| match o {
            Outcome::Confirmed { reference, .. } => Some(reference.as_str()),
            _ => None,
        })
    }

    pub fn failed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.outcomes.iter().filter_map(|o| match o {
            Outcome::Failed {
                reference, reason, ..
            } => Some((reference.as_str(), reason.as_str())),
            _ => None,
        })
    }
}

/// Splits one CSV line into fields, honouring quotes.
fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (false, '"') => return Err("a quote inside an unquoted field".to_owned()),
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => {
                quoted = false;
                if !matches!(chars.peek(), None | Some(',')) {
                    return Err("text after a closing quote".to_owned());
                }
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut cur));
                at_start = true;
            }
            (_, c) => {
                cur.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err("an unclosed quote".to_owned());
    }
    fields.push(cur);
    Ok(fields)
}

/// Reads the bank's result file against the batch it answers.
pub fn read_result(batch: &Batch, text: &str) -> Report {
    let mut outcomes = Vec::new();
    let mut answered: HashSet<String> = HashSet::new();
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let header_ok = lines
        .by_ref()
        .find(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| (n, l.trim() == RESULT_HEADER));
    match header_ok {
        Some((_, true)) => {}
        Some((n, false)) => outcomes.push(Outcome::Malformed {
            line: n,
            problem: format!("the header must be {RESULT_HEADER:?}"),
        }),
        None => outcomes.push(Outcome::Malformed {
            line: 1,
            problem: "the file is empty".to_owned(),
        }),
    }
    if !matches!(header_ok, Some((_, true))) {
        return Report {
            outcomes,
            missing: batch.lines.iter().map(|l| l.reference.clone()).collect(),
        };
    }
    for (n, raw) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        outcomes.push(read_line(batch, n, raw, &mut answered));
    }
    let missing = batch
        .lines
        .iter()
        .filter(|l| !answered.contains(&l.reference))
        .map(|l| l.reference.clone())
        .collect();
    Report { outcomes, missing }
}

fn read_line(batch: &Batch, line: usize, raw: &str, answered: &mut HashSet<String>) -> Outcome {
    let malformed = |problem: String| Outcome::Malformed { line, problem };
    let fields = match split_csv(raw) {
        Ok(f) => f,
        Err(e) => return malformed(e),
    };
    let [reference, status, amount, reason] = match <[String; 4]>::try_from(fields) {
        Ok(f) => f,
        Err(f) => return malformed(format!("{} fields, expected 4", f.len())),
    };
    let reference = reference.trim().to_owned();
    let Some(sent) = batch.line(&reference) else {
        return Outcome::UnknownReference { line, reference };
    };
    let reported = match parse_yuan(amount.trim()) {
        Ok(a) => a,
        Err(e) => return malformed(e.message),
    };
    let outcome = match status.trim() {
        "success" if reported != sent.amount => {
            return Outcome::AmountMismatch {
                line,
                reference,
                sent: sent.amount,
                reported,
            }
        }
        "success" => Outcome::Confirmed {
            line,
            reference: reference.clone(),
            amount: reported,
        },
        "failed" if reason.trim().is_empty() => {
            return malformed("a failed line needs a reason".to_owned())
        }
        "failed" => Outcome::Failed {
            line,
            reference: reference.clone(),
            reason: reason.trim().to_owned(),
        },
        other => return malformed(format!("status {other:?} is neither success nor failed")),
    };
    if !answered.insert(reference.clone()) {
        return Outcome::Duplicate { line, reference };
    }
    outcome
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use ids::{CityCode, StatisticalYear};
    use uuid::Uuid;

    use super::*;
    use crate::domain::ledger::ClaimKey;
    use crate::domain::payout::{plan, BankDetails, Item};
    use crate::domain::subsidy::{FundSource, Payee, Pot};

    fn batch() -> Batch {
        let pot = Pot {
            fund: FundSource::EmploymentSubsidy,
            city: "350100".parse::<CityCode>().expect("city"),
            year: StatisticalYear::of(chrono::NaiveDate::from_ymd_opt(2026, 5, 1).expect("date")),
        };
        let payee = |n| Payee::Institution(Uuid::from_u128(n));
        let items = [(1, 150_005), (2, 7), (3, 30_000)]
            .map(|(n, fen)| Item {
                key: ClaimKey {
                    claim_id: Uuid::from_u128(n),
                    payee: payee(n),
                },
                pot,
                amount: Fen::new(fen),
            })
            .to_vec();
        let names = [
            "福州某某职业培训学校",
            "Smith, \"J\" Training",
            "=HYPERLINK()",
        ];
        let details: HashMap<_, _> = (1..=3)
            .map(|n| {
                let d = BankDetails {
                    account_no: format!("62220000000{n}"),
                    account_name: names[n as usize - 1].to_owned(),
                };
                (payee(n), d)
            })
            .collect();
        plan("B7", items, &details).batches.remove(0)
    }

    #[test]
    fn a_field_that_a_spreadsheet_would_evaluate_is_defused() {
        for (typed, written) in [
            ("=1+1", "'=1+1"),
            ("+86 591", "'+86 591"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "\"'\r=1+1\""),
            ("福州=学校", "福州=学校"),
            ("plain", "plain"),
        ] {
            assert_eq!(field(typed), written, "{typed:?}");
        }
    }

    #[test]
    fn the_payment_file_has_exact_yuan_and_safe_fields() {
        let csv = export(&batch());
        let lines: Vec<_> = csv.split("\r\n").collect();
        assert_eq!(lines[0], PAYMENT_HEADER);
        assert_eq!(
            lines[1],
            "622200000001,福州某某职业培训学校,1500.05,B7-0001"
        );
        assert_eq!(
            lines[2],
            "622200000002,\"Smith, \"\"J\"\" Training\",0.07,B7-0002"
        );
        assert_eq!(lines[3], "622200000003,'=HYPERLINK(),300.00,B7-0003");
        assert_eq!(lines[4], "");
        assert_eq!(
            split_csv(lines[2]).expect("csv")[1],
            "Smith, \"J\" Training"
        );
    }

    #[test]
    fn each_result_line_is_accepted_or_reported() {
        let text = "reference,status,amount,reason\r\n\
            B7-0001,success,1500.05,\r\n\
            B7-0002,failed,0.07,\"account closed, returned\"\r\n\
            B7-9999,success,1.00,\r\n\
            B7-0001,success,1500.05,\r\n\
            B7-0003,success,300.01,\r\n\
            B7-0003,success,abc,\r\n\
            B7-0003,pending,300.00,\r\n\
            B7-0003,failed,300.00,\r\n\
            only,three,fields\r\n\
            \r\n";
        let r = read_result(&batch(), text);
        let kinds: Vec<String> = r
            .outcomes
            .iter()
            .map(|o| {
                format!("{o:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "Confirmed",
                "Failed",
                "UnknownReference",
                "Duplicate",
                "AmountMismatch",
                "Malformed",
                "Malformed",
                "Malformed",
                "Malformed"
            ]
        );
        assert_eq!(r.confirmed().collect::<Vec<_>>(), ["B7-0001"]);
        assert_eq!(
            r.failed().collect::<Vec<_>>(),
            [("B7-0002", "account closed, returned")]
        );
        assert_eq!(r.missing, ["B7-0003"]);
        assert_eq!(
            r.outcomes[2],
            Outcome::UnknownReference {
                line: 4,
                reference: "B7-9999".to_owned()
            }
        );
    }

    #[test]
    fn a_file_without_the_header_changes_nothing() {
        let r = read_result(&batch(), "B7-0001,success,1500.05,\n");
        assert!(matches!(
            r.outcomes[..],
            [Outcome::Malformed { line: 1, .. }]
        ));
        assert_eq!(r.missing.len(), 3);
        let r = read_result(&batch(), "");
        assert_eq!(r.missing.len(), 3);
    }
}
