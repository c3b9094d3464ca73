//! Where a claim, a payment and a recovery stand: closed vocabularies,
//! each spelt once here and stored as that text.

pub use contracts::subsidy::{ClaimStatus, PaymentStatus};

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
    /// Where a recovery order (追回) stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    fn a_recovery_is_settled_once_nothing_is_owed() {
        assert_eq!(RecoveryStatus::owing(1), RecoveryStatus::Open);
        assert_eq!(RecoveryStatus::owing(0), RecoveryStatus::Settled);
        assert_eq!(RecoveryStatus::owing(-5), RecoveryStatus::Settled);
    }
}
