//! Where a claim, a payment and a recovery stand: closed vocabularies,
//! each spelt once here and stored as that text.

ids::vocabulary! {
    /// Where a claim stands (申领状态).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ClaimStatus: "claim_status_unknown" {
        /// Not payable; recorded only when the grant was already made.
        Refused = "refused",
        /// Payable, waiting for an officer (the fraud rules' verdict).
        InReview = "in_review",
        /// The officer asked for documents before deciding.
        DocumentsRequested = "documents_requested",
        /// Frozen while a dispute (异议) is resolved.
        Disputed = "disputed",
        /// The money is committed in the ledger, not yet sent.
        Approved = "approved",
        /// In a payout batch at the bank.
        InPayout = "in_payout",
        /// The bank confirmed the transfer.
        Paid = "paid",
        /// An officer (or a revoked certificate) turned it down.
        Rejected = "rejected",
        /// Paid, then ordered back (追回).
        Recovered = "recovered",
    }
}

impl ClaimStatus {
    /// Statuses that hold no grant: the person may claim the same again.
    pub const WITHOUT_GRANT: [ClaimStatus; 2] = [Self::Refused, Self::Rejected];

    /// Still open to an officer's decision (and to a revoked certificate's
    /// rejection): nothing has gone to the bank.
    pub fn undecided_or_unpaid(self) -> bool {
        matches!(
            self,
            Self::Approved | Self::InReview | Self::DocumentsRequested | Self::Disputed
        )
    }
}

impl ClaimStatus {
    /// The person may dispute the claim: it is not refused, rejected,
    /// recovered or disputed already.
    pub fn disputable(self) -> bool {
        matches!(
            self,
            Self::InReview
                | Self::Approved
                | Self::DocumentsRequested
                | Self::Paid
                | Self::InPayout
        )
    }
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
    /// Where one transfer of a payout batch stands at the bank.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PaymentStatus: "payment_status_unknown" {
        /// In a file the bank has, no answer yet.
        Sent = "sent",
        Confirmed = "confirmed",
        Failed = "failed",
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
            .filter(|s| s.disputable())
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
