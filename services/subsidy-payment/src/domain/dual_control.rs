//! Dual control (双人复核): what moves money or decides where it goes —
//! a payee's bank account, a budget allocation or reduction, the rules and
//! fraud weights, a payout batch's release, a bank result — is proposed by
//! one person and takes effect only when a second officer of the same city
//! approves it. Proposals expire; both people are recorded.
//!
//! | kind | proposed by | approved by |
//! | --- | --- | --- |
//! | `bank_account` | an officer, or the payee itself | an officer other than the proposer |
//! | `budget_allocation`, `budget_reduction` | an officer | another officer |
//! | `rules` | an officer | another officer |
//! | `payout_release` | an officer | another officer |
//! | `bank_result` | an officer (the bank's signed file) | another officer |

use chrono::{DateTime, Utc};

/// What a proposal changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalKind {
    BankAccount,
    BudgetAllocation,
    BudgetReduction,
    Rules,
    PayoutRelease,
    BankResult,
}

impl ProposalKind {
    pub const ALL: [Self; 6] = [
        Self::BankAccount,
        Self::BudgetAllocation,
        Self::BudgetReduction,
        Self::Rules,
        Self::PayoutRelease,
        Self::BankResult,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BankAccount => "bank_account",
            Self::BudgetAllocation => "budget_allocation",
            Self::BudgetReduction => "budget_reduction",
            Self::Rules => "rules",
            Self::PayoutRelease => "payout_release",
            Self::BankResult => "bank_result",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalStatus {
    Pending,
    /// Approved, and its effect committed with the approval.
    Applied,
    Rejected,
    /// Taken back by the one who proposed it.
    Withdrawn,
    Expired,
    /// Approved, but the effect was refused when applied (e.g. the budget
    /// had meanwhile gone below what a reduction takes); nothing changed.
    Failed,
}

impl ProposalStatus {
    pub const ALL: [Self; 6] = [
        Self::Pending,
        Self::Applied,
        Self::Rejected,
        Self::Withdrawn,
        Self::Expired,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A proposal as the decision needs it.
#[derive(Debug, Clone)]
pub struct Open<'a> {
    pub status: ProposalStatus,
    pub proposed_by: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// Why a decision cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Already decided (or expired and so recorded).
    NotPending(ProposalStatus),
    /// Its time ran out before a second officer approved it.
    Expired,
    /// The proposer cannot approve (or reject) their own proposal.
    SameOfficer,
    /// Only the proposer may withdraw it.
    NotTheProposer,
}

/// The status a proposal has as of `now` (a pending one past its time is
/// expired, whether or not that was recorded yet).
pub fn status_as_of(open: &Open<'_>, now: DateTime<Utc>) -> ProposalStatus {
    match open.status {
        ProposalStatus::Pending if now >= open.expires_at => ProposalStatus::Expired,
        other => other,
    }
}

fn still_open(open: &Open<'_>, now: DateTime<Utc>) -> Result<(), Refusal> {
    match status_as_of(open, now) {
        ProposalStatus::Pending => Ok(()),
        ProposalStatus::Expired => Err(Refusal::Expired),
        other => Err(Refusal::NotPending(other)),
    }
}

/// May `officer` approve or reject the proposal? Only a second officer: the
/// caller has checked that `officer` is a bureau officer of the city.
pub fn may_decide(open: &Open<'_>, officer: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
    still_open(open, now)?;
    if officer == open.proposed_by {
        return Err(Refusal::SameOfficer);
    }
    Ok(())
}

/// May `who` withdraw the proposal? The proposer alone, while it is open;
/// anyone else learns nothing of its state.
pub fn may_withdraw(open: &Open<'_>, who: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
    if who != open.proposed_by {
        return Err(Refusal::NotTheProposer);
    }
    still_open(open, now)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn open(status: ProposalStatus, expires_in: i64) -> (Open<'static>, DateTime<Utc>) {
        let now = Utc::now();
        (
            Open {
                status,
                proposed_by: "officer-a",
                expires_at: now + Duration::hours(expires_in),
            },
            now,
        )
    }

    #[test]
    fn a_second_officer_decides_an_open_proposal_and_nobody_else() {
        let (p, now) = open(ProposalStatus::Pending, 72);
        assert_eq!(may_decide(&p, "officer-b", now), Ok(()));
        assert_eq!(may_decide(&p, "officer-a", now), Err(Refusal::SameOfficer));
        assert_eq!(may_withdraw(&p, "officer-a", now), Ok(()));
        assert_eq!(
            may_withdraw(&p, "officer-b", now),
            Err(Refusal::NotTheProposer)
        );
    }

    #[test]
    fn an_expired_or_decided_proposal_is_decided_by_nobody() {
        let (p, now) = open(ProposalStatus::Pending, -1);
        assert_eq!(status_as_of(&p, now), ProposalStatus::Expired);
        assert_eq!(may_decide(&p, "officer-b", now), Err(Refusal::Expired));
        assert_eq!(may_withdraw(&p, "officer-a", now), Err(Refusal::Expired));
        assert_eq!(
            may_withdraw(&p, "officer-b", now),
            Err(Refusal::NotTheProposer)
        );
        for status in [
            ProposalStatus::Applied,
            ProposalStatus::Rejected,
            ProposalStatus::Withdrawn,
            ProposalStatus::Failed,
        ] {
            let (p, now) = open(status, 72);
            assert_eq!(
                may_decide(&p, "officer-b", now),
                Err(Refusal::NotPending(status))
            );
            assert_eq!(
                may_withdraw(&p, "officer-a", now),
                Err(Refusal::NotPending(status))
            );
            assert_eq!(
                may_withdraw(&p, "officer-b", now),
                Err(Refusal::NotTheProposer)
            );
        }
        let (p, now) = open(ProposalStatus::Expired, 72);
        assert_eq!(may_decide(&p, "officer-b", now), Err(Refusal::Expired));
    }

    #[test]
    fn vocabularies_read_back_what_they_write() {
        for k in ProposalKind::ALL {
            assert_eq!(ProposalKind::parse(k.as_str()), Some(k));
        }
        for s in ProposalStatus::ALL {
            assert_eq!(ProposalStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ProposalKind::parse("payout"), None);
    }
}
