//! Where a claim, a payment and a recovery stand: closed vocabularies,
//! each spelt once here and stored as that text.

use std::collections::BTreeSet;

pub use contracts::subsidy::{ClaimStatus, PaymentStatus};
use serde::{Deserialize, Serialize};

/// Statuses that hold no grant: the person may claim the same again.
pub const WITHOUT_GRANT: [ClaimStatus; 2] = [ClaimStatus::Refused, ClaimStatus::Rejected];

/// Still open to an officer's decision (and to a revoked certificate's
/// rejection): nothing has gone to the bank.
pub fn undecided_or_unpaid(status: ClaimStatus) -> bool {
    use ClaimStatus::*;
    matches!(status, Approved | InReview | DocumentsRequested | Disputed)
}

/// The person may dispute the claim: it is not refused, rejected,
/// recovered or disputed already.
pub fn disputable(status: ClaimStatus) -> bool {
    use ClaimStatus::*;
    matches!(
        status,
        InReview | Approved | DocumentsRequested | Paid | InPayout
    )
}

ids::vocabulary! {
    /// How an officer resolved a dispute (异议).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum DisputeResolution: "dispute_resolution_unknown" {
        /// The person was right: an unpaid claim is rejected, a paid one
        /// recovered.
        Upheld = "upheld",
        /// The claim goes back to where it was.
        Dismissed = "dismissed",
    }
}

ids::vocabulary! {
    /// Where a dispute (异议) stands, as the officers' list filters it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum DisputeState: "dispute_state_unknown" {
        /// Waiting for an officer; the claim is frozen.
        Open = "open",
        /// Upheld or dismissed.
        Resolved = "resolved",
    }
}

ids::vocabulary! {
    /// Where a recovery order (追回) stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum RecoveryStatus: "recovery_status_unknown" {
        /// Money still owed back.
        Open = "open",
        /// Repaid or withheld in full.
        Settled = "settled",
    }
}

impl RecoveryStatus {
    /// What an order owing `left` fen stands at.
    pub fn owing(left: i64) -> Self {
        if left <= 0 {
            Self::Settled
        } else {
            Self::Open
        }
    }
}

ids::vocabulary! {
    /// Where a payout batch (拨付批次) stands with the bank.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum BatchStatus: "batch_status_unknown" {
        /// Some payment still awaits the bank's answer.
        AtBank = "at_bank",
        /// The bank answered every payment, confirming or failing it.
        Settled = "settled",
    }
}

/// What a batch's payments add up to, by the bank's answers so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchFigures {
    /// Bank lines (one transfer each, per payee).
    pub lines: usize,
    /// Claims paid by the lines.
    pub payments: usize,
    pub total_fen: i64,
    pub confirmed_fen: i64,
    pub failed_fen: i64,
    /// Sent, not yet answered.
    pub at_bank_fen: i64,
}

impl BatchFigures {
    /// Adds up a batch's payments: each claim's (reference of its bank
    /// line, status, amount).
    pub fn of<'a>(payments: impl IntoIterator<Item = (&'a str, PaymentStatus, i64)>) -> Self {
        let mut figures = Self::default();
        let mut lines = BTreeSet::new();
        for (reference, status, amount) in payments {
            lines.insert(reference);
            figures.payments += 1;
            figures.total_fen += amount;
            *match status {
                PaymentStatus::Sent => &mut figures.at_bank_fen,
                PaymentStatus::Confirmed => &mut figures.confirmed_fen,
                PaymentStatus::Failed => &mut figures.failed_fen,
            } += amount;
        }
        figures.lines = lines.len();
        figures
    }

    /// At the bank while any payment awaits its answer.
    pub fn status(&self) -> BatchStatus {
        if self.at_bank_fen > 0 {
            BatchStatus::AtBank
        } else {
            BatchStatus::Settled
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_as_it_is_stored() {
        for s in ClaimStatus::ALL {
            assert_eq!(s.as_str().parse::<ClaimStatus>(), Ok(s));
        }
        for s in PaymentStatus::ALL {
            assert_eq!(s.as_str().parse::<PaymentStatus>(), Ok(s));
        }
        for s in DisputeResolution::ALL {
            assert_eq!(s.as_str().parse::<DisputeResolution>(), Ok(s));
        }
        for s in RecoveryStatus::ALL {
            assert_eq!(s.as_str().parse::<RecoveryStatus>(), Ok(s));
        }
        assert_eq!(
            "lost".parse::<ClaimStatus>().map_err(|e| e.code),
            Err("claim_status_unknown")
        );
        assert_eq!(ClaimStatus::ALL.len(), 9);
    }

    #[test]
    fn only_a_claim_standing_or_paid_can_be_disputed() {
        let disputable: Vec<ClaimStatus> = ClaimStatus::ALL
            .into_iter()
            .filter(|s| disputable(*s))
            .collect();
        assert_eq!(
            disputable,
            [
                ClaimStatus::InReview,
                ClaimStatus::DocumentsRequested,
                ClaimStatus::Approved,
                ClaimStatus::InPayout,
                ClaimStatus::Paid,
            ]
        );
    }

    #[test]
    fn a_batch_is_at_the_bank_until_every_payment_is_answered() {
        use PaymentStatus::*;
        let answered = BatchFigures::of([
            ("B-1", Confirmed, 300),
            ("B-1", Failed, 200),
            ("B-2", Confirmed, 500),
        ]);
        assert_eq!(
            answered,
            BatchFigures {
                lines: 2,
                payments: 3,
                total_fen: 1000,
                confirmed_fen: 800,
                failed_fen: 200,
                at_bank_fen: 0,
            }
        );
        assert_eq!(answered.status(), BatchStatus::Settled);
        let waiting = BatchFigures::of([("B-1", Confirmed, 300), ("B-2", Sent, 500)]);
        assert_eq!(
            (waiting.at_bank_fen, waiting.status()),
            (500, BatchStatus::AtBank)
        );
        for s in BatchStatus::ALL {
            assert_eq!(s.as_str().parse::<BatchStatus>(), Ok(s));
        }
        for s in DisputeState::ALL {
            assert_eq!(s.as_str().parse::<DisputeState>(), Ok(s));
        }
    }

    #[test]
    fn a_recovery_is_settled_once_nothing_is_owed() {
        assert_eq!(RecoveryStatus::owing(1), RecoveryStatus::Open);
        assert_eq!(RecoveryStatus::owing(0), RecoveryStatus::Settled);
        assert_eq!(RecoveryStatus::owing(-5), RecoveryStatus::Settled);
    }
}
