//! Bank reconciliation (银行对账): each line of a bank result file set
//! against the batch and against what earlier files already said of it.
//!
//! Result files are incremental: the bank reports each transfer once. So a
//! line confirmed by an earlier file and confirmed again means the money
//! went out twice ([`LineOutcome::PaidTwice`]); one that says the opposite
//! of an earlier file contradicts it. Neither changes the ledger: a payout
//! is answered by exactly one line, and everything the officer must take
//! up with the bank is flagged as needing attention.

use serde::{Deserialize, Serialize};

use super::bank_file::{self, Outcome};

/// What became of one line of a result file, or of a batch line the file
/// did not mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineOutcome {
    /// Paid: the payments of the line are confirmed in the ledger.
    Confirmed,
    /// Not paid: the claims are payable again.
    Failed,
    /// The batch line was not in the file: still at the bank.
    Missing,
    /// The reference is not a line of this batch.
    UnknownReference,
    /// The reference was already answered earlier in the same file.
    Duplicate,
    /// The amount differs from the line sent.
    AmountMismatch,
    /// The line could not be read.
    Malformed,
    /// An earlier file gave the same failure: nothing new.
    AlreadySettled,
    /// An earlier file confirmed this line and this one confirms it again:
    /// the bank paid it twice.
    PaidTwice,
    /// This file says the opposite of an earlier one (paid after failed,
    /// failed after paid).
    ContradictsEarlier,
}

impl LineOutcome {
    pub const ALL: [Self; 10] = [
        Self::Confirmed,
        Self::Failed,
        Self::Missing,
        Self::UnknownReference,
        Self::Duplicate,
        Self::AmountMismatch,
        Self::Malformed,
        Self::AlreadySettled,
        Self::PaidTwice,
        Self::ContradictsEarlier,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
            Self::Missing => "missing",
            Self::UnknownReference => "unknown_reference",
            Self::Duplicate => "duplicate",
            Self::AmountMismatch => "amount_mismatch",
            Self::Malformed => "malformed",
            Self::AlreadySettled => "already_settled",
            Self::PaidTwice => "paid_twice",
            Self::ContradictsEarlier => "contradicts_earlier",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether an officer must take the line up with the bank: money may
    /// have gone where the ledger does not say, or a line of the file
    /// answered nothing. Missing lines only wait for a later file.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            Self::UnknownReference
                | Self::Duplicate
                | Self::AmountMismatch
                | Self::Malformed
                | Self::PaidTwice
                | Self::ContradictsEarlier
        )
    }
}

/// How an earlier file answered a batch line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Earlier {
    /// Sent, no answer yet.
    Unanswered,
    Confirmed,
    Failed,
}

/// What to do with one readable answer (confirmed or failed) given what
/// earlier files said: apply it, or only report it.
pub fn against_earlier(outcome: &Outcome, earlier: Earlier) -> LineOutcome {
    let paid = match outcome {
        Outcome::Confirmed { .. } => true,
        Outcome::Failed { .. } => false,
        Outcome::UnknownReference { .. } => return LineOutcome::UnknownReference,
        Outcome::Duplicate { .. } => return LineOutcome::Duplicate,
        Outcome::AmountMismatch { .. } => return LineOutcome::AmountMismatch,
        Outcome::Malformed { .. } => return LineOutcome::Malformed,
    };
    match (earlier, paid) {
        (Earlier::Unanswered, true) => LineOutcome::Confirmed,
        (Earlier::Unanswered, false) => LineOutcome::Failed,
        (Earlier::Confirmed, true) => LineOutcome::PaidTwice,
        (Earlier::Failed, false) => LineOutcome::AlreadySettled,
        (Earlier::Confirmed, false) | (Earlier::Failed, true) => LineOutcome::ContradictsEarlier,
    }
}

/// One line of a reconciliation report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// Line of the file (1 = header); none for a batch line it missed.
    pub line: Option<usize>,
    pub reference: Option<String>,
    pub outcome: LineOutcome,
    pub detail: Option<String>,
}

pub const EXPORT_HEADER: &str = "line,reference,outcome,detail";

/// The report as CSV for an officer's spreadsheet (UTF-8, CRLF). The bank
/// writes the references and reasons, so each field is defused like the
/// payment file's.
pub fn export(lines: &[ReportLine]) -> String {
    let mut out = String::from(EXPORT_HEADER);
    out.push_str("\r\n");
    for l in lines {
        let row = [
            l.line.map(|n| n.to_string()).unwrap_or_default(),
            bank_file::field(l.reference.as_deref().unwrap_or_default()),
            l.outcome.as_str().to_owned(),
            bank_file::field(l.detail.as_deref().unwrap_or_default()),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The figures of one reconciliation, as listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub confirmed: usize,
    pub failed: usize,
    pub missing: usize,
    pub needs_attention: usize,
}

impl Tally {
    pub fn of(outcomes: impl IntoIterator<Item = LineOutcome>) -> Self {
        outcomes.into_iter().fold(Self::default(), |mut t, o| {
            match o {
                LineOutcome::Confirmed => t.confirmed += 1,
                LineOutcome::Failed => t.failed += 1,
                LineOutcome::Missing => t.missing += 1,
                _ => {}
            }
            t.needs_attention += usize::from(o.needs_attention());
            t
        })
    }
}

#[cfg(test)]
mod tests {
    use ids::Fen;

    use super::*;

    fn confirmed() -> Outcome {
        Outcome::Confirmed {
            line: 2,
            reference: "B1-0001".into(),
            amount: Fen::new(100),
        }
    }

    fn failed() -> Outcome {
        Outcome::Failed {
            line: 2,
            reference: "B1-0001".into(),
            reason: "account closed".into(),
        }
    }

    #[test]
    fn an_answer_applies_once_and_a_second_answer_is_only_reported() {
        use Earlier::*;
        use LineOutcome as O;
        let table = [
            (confirmed(), Unanswered, O::Confirmed),
            (failed(), Unanswered, O::Failed),
            (confirmed(), Confirmed, O::PaidTwice),
            (failed(), Failed, O::AlreadySettled),
            (failed(), Confirmed, O::ContradictsEarlier),
            (confirmed(), Failed, O::ContradictsEarlier),
        ];
        for (outcome, earlier, expected) in table {
            assert_eq!(
                against_earlier(&outcome, earlier),
                expected,
                "{outcome:?} after {earlier:?}"
            );
        }
    }

    #[test]
    fn unreadable_or_foreign_lines_stay_what_the_file_reading_found() {
        let line = |o: Outcome| against_earlier(&o, Earlier::Unanswered);
        let reference = || "B1-0009".to_owned();
        assert_eq!(
            line(Outcome::UnknownReference {
                line: 3,
                reference: reference()
            }),
            LineOutcome::UnknownReference
        );
        assert_eq!(
            line(Outcome::Duplicate {
                line: 4,
                reference: reference()
            }),
            LineOutcome::Duplicate
        );
        assert_eq!(
            line(Outcome::AmountMismatch {
                line: 5,
                reference: reference(),
                sent: Fen::new(1),
                reported: Fen::new(2)
            }),
            LineOutcome::AmountMismatch
        );
        assert_eq!(
            line(Outcome::Malformed {
                line: 6,
                problem: "x".into()
            }),
            LineOutcome::Malformed
        );
    }

    #[test]
    fn the_export_defuses_what_the_bank_wrote() {
        let lines = [
            ReportLine {
                line: Some(2),
                reference: Some("B1-0001".into()),
                outcome: LineOutcome::PaidTwice,
                detail: Some("=HYPERLINK(\"x\")".into()),
            },
            ReportLine {
                line: None,
                reference: Some("B1-0002".into()),
                outcome: LineOutcome::Missing,
                detail: None,
            },
        ];
        assert_eq!(
            export(&lines),
            "line,reference,outcome,detail\r\n\
             2,B1-0001,paid_twice,\"'=HYPERLINK(\"\"x\"\")\"\r\n\
             ,B1-0002,missing,\r\n"
        );
    }

    #[test]
    fn the_tally_counts_what_needs_an_officer() {
        use LineOutcome as O;
        let t = Tally::of([
            O::Confirmed,
            O::Confirmed,
            O::Failed,
            O::Missing,
            O::PaidTwice,
            O::AlreadySettled,
            O::Malformed,
        ]);
        assert_eq!(
            t,
            Tally {
                confirmed: 2,
                failed: 1,
                missing: 1,
                needs_attention: 2
            }
        );
        for o in LineOutcome::ALL {
            assert_eq!(LineOutcome::parse(o.as_str()), Some(o));
        }
    }
}
