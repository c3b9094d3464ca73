//! The double-entry ledger (复式记账) of subsidy money.
//!
//! Every movement is one [`Transaction`] of [`Posting`]s whose amounts sum to
//! zero; the log is append-only and a correction is a new transaction that
//! names the one it corrects (`corrects`). Amounts are signed fen: positive
//! is a debit (money arrives in the account), negative a credit (money
//! leaves it).
//!
//! # Chart of accounts
//!
//! Money flows, per [`Pot`] (fund source × city × statistical year), along
//! the chain below; the balance of each account is the money currently
//! sitting at that stage, so every balance except the source's is ≥ 0.
//!
//! | account | Chinese | balance means |
//! | --- | --- | --- |
//! | `Appropriation(pot)` | 拨入资金 | minus the total allocated to the pot (the only account that is negative) |
//! | `Budget(pot)` | 可用预算 | allocated, not yet committed to a claim; never below zero |
//! | `Payable{payee, pot}` | 应付补贴 | approved claims not yet sent to the bank |
//! | `BankClearing(pot)` | 银行在途 | sent to the bank, result not yet back |
//! | `Paid{payee, pot}` | 已拨付 | paid out (bank confirmed, or withheld by an offset) |
//! | `Receivable{payee, pot}` | 应收追回款 | recovery ordered, not yet repaid or offset |
//!
//! Movements (X > 0):
//!
//! | kind | debit | credit |
//! | --- | --- | --- |
//! | allocation | Budget | Appropriation |
//! | budget reduction | Appropriation | Budget |
//! | approval | Payable | Budget |
//! | release (corrects the approval) | Budget | Payable |
//! | payout (file sent) | BankClearing | Payable |
//! | payout confirmed | Paid | BankClearing |
//! | payout failed (corrects the payout) | Payable | BankClearing |
//! | recovery (corrects the approval) | Receivable | Paid |
//! | repayment | Budget | Receivable |
//! | offset | Paid (pot B) + Budget (pot A) | Payable (pot B) + Receivable (pot A) |
//!
//! A release withdraws an approval not yet sent to the bank (the claim was
//! rejected after all, or its certificate revoked): the whole amount still
//! owed returns to the budget, and the claim can be neither paid nor
//! approved again. Recovered money returns to the budget of the pot it came
//! from. An offset
//! withholds X from a not-yet-paid claim in pot B to settle a recovery in
//! pot A of the same payee; A and B must share fund source and city, since
//! fund sources are never mixed.
//!
//! Claims are keyed by [`ClaimKey`] (claim + payee), the payout's business
//! key: the ledger refuses a second approval, a payout while one is in
//! flight or after one was confirmed, and any amount other than what is
//! still owed on the claim.

use std::collections::HashMap;

use ids::Fen;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::subsidy::{Payee, Pot};

/// An account of the chart above.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Account {
    Appropriation { pot: Pot },
    Budget { pot: Pot },
    Payable { payee: Payee, pot: Pot },
    BankClearing { pot: Pot },
    Paid { payee: Payee, pot: Pot },
    Receivable { payee: Payee, pot: Pot },
}

impl Account {
    pub fn pot(&self) -> Pot {
        match self {
            Self::Appropriation { pot }
            | Self::Budget { pot }
            | Self::BankClearing { pot }
            | Self::Payable { pot, .. }
            | Self::Paid { pot, .. }
            | Self::Receivable { pot, .. } => *pot,
        }
    }

    pub fn payee(&self) -> Option<&Payee> {
        match self {
            Self::Payable { payee, .. }
            | Self::Paid { payee, .. }
            | Self::Receivable { payee, .. } => Some(payee),
            _ => None,
        }
    }

    /// Only the source may hold a negative (credit) balance.
    pub fn may_go_negative(&self) -> bool {
        matches!(self, Self::Appropriation { .. })
    }
}

/// One line of a transaction: signed fen, debit positive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: Account,
    pub amount: i64,
}

fn post(account: Account, amount: i64) -> Posting {
    Posting { account, amount }
}

/// What a transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxKind {
    Allocation,
    BudgetReduction,
    Approval,
    Release,
    Payout,
    PayoutConfirmed,
    PayoutFailed,
    Recovery,
    Repayment,
    Offset,
}

impl TxKind {
    fn needs_claim(self) -> bool {
        !matches!(self, Self::Allocation | Self::BudgetReduction)
    }

    fn needs_corrects(self) -> bool {
        matches!(self, Self::PayoutFailed | Self::Recovery | Self::Release)
    }
}

/// The business key of a claim and of its payout: one claim, one payee.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClaimKey {
    pub claim_id: Uuid,
    pub payee: Payee,
}

/// Why a transaction was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("an amount must be at least 1 fen")]
    NotPositive,
    #[error("a transaction needs postings")]
    Empty,
    #[error("a posting of zero moves nothing")]
    ZeroPosting,
    #[error("postings sum to {0}, not zero")]
    Unbalanced(i128),
    #[error("the postings are not those of a {0:?} transaction")]
    Malformed(TxKind),
    #[error("a {0:?} transaction must name its claim and, where it corrects one, the transaction")]
    MissingLink(TxKind),
    #[error("an offset must stay within one fund source, city and payee")]
    OffsetAcrossFunds,
    #[error("transaction {0} is already in the ledger")]
    DuplicateId(Uuid),
    #[error("transaction {0} to correct is not in the ledger, or is not the one to correct")]
    BadCorrection(Uuid),
    #[error("{0:?} would go below zero")]
    WouldGoNegative(Account),
    #[error("the claim is already approved")]
    AlreadyApproved,
    #[error("the claim is not approved, or in another pot")]
    UnknownClaim,
    #[error("the claim is already paid or its payout is in flight")]
    AlreadyPaid,
    #[error("no payout of the claim is in flight")]
    NoPayoutInFlight,
    #[error("the amount is not what the claim allows: expected {expected}, got {got}")]
    AmountMismatch { expected: i64, got: i64 },
    #[error("the amount exceeds what is open on the claim ({open})")]
    ExceedsOpen { open: i64 },
    #[error("an amount overflowed")]
    Overflow,
}

/// A balanced, well-formed transaction. Only the constructors below and
/// [`Transaction::from_parts`] (which runs [`check`]) build one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TransactionParts")]
pub struct Transaction {
    id: Uuid,
    kind: TxKind,
    postings: Vec<Posting>,
    claim: Option<ClaimKey>,
    against: Option<ClaimKey>,
    corrects: Option<Uuid>,
    memo: String,
}

/// A transaction as stored, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionParts {
    pub id: Uuid,
    pub kind: TxKind,
    pub postings: Vec<Posting>,
    /// The claim moved (for an offset: the recovered claim).
    pub claim: Option<ClaimKey>,
    /// For an offset: the unpaid claim whose money is withheld.
    pub against: Option<ClaimKey>,
    pub corrects: Option<Uuid>,
    pub memo: String,
}

impl TryFrom<TransactionParts> for Transaction {
    type Error = LedgerError;

    fn try_from(p: TransactionParts) -> Result<Self, LedgerError> {
        Transaction::from_parts(p)
    }
}

/// The postings a movement of `amount` consists of; `other` is the pot of
/// the withheld claim of an offset.
fn canonical(
    kind: TxKind,
    amount: i64,
    pot: Pot,
    payee: Option<&Payee>,
    other: Option<Pot>,
) -> Option<Vec<Posting>> {
    use Account::*;
    let payable = |pot| {
        payee.map(|p| Payable {
            payee: p.clone(),
            pot,
        })
    };
    let paid = |pot| {
        payee.map(|p| Paid {
            payee: p.clone(),
            pot,
        })
    };
    let receivable = |pot| {
        payee.map(|p| Receivable {
            payee: p.clone(),
            pot,
        })
    };
    let pair = |debit: Account, credit: Account| vec![post(debit, amount), post(credit, -amount)];
    Some(match kind {
        TxKind::Allocation => pair(Budget { pot }, Appropriation { pot }),
        TxKind::BudgetReduction => pair(Appropriation { pot }, Budget { pot }),
        TxKind::Approval => pair(payable(pot)?, Budget { pot }),
        TxKind::Release => pair(Budget { pot }, payable(pot)?),
        TxKind::Payout => pair(BankClearing { pot }, payable(pot)?),
        TxKind::PayoutConfirmed => pair(paid(pot)?, BankClearing { pot }),
        TxKind::PayoutFailed => pair(payable(pot)?, BankClearing { pot }),
        TxKind::Recovery => pair(receivable(pot)?, paid(pot)?),
        TxKind::Repayment => pair(Budget { pot }, receivable(pot)?),
        TxKind::Offset => {
            let other = other?;
            vec![
                post(paid(other)?, amount),
                post(payable(other)?, -amount),
                post(Budget { pot }, amount),
                post(receivable(pot)?, -amount),
            ]
        }
    })
}

impl Transaction {
    pub fn id(&self) -> Uuid {
        self.id
    }
    pub fn kind(&self) -> TxKind {
        self.kind
    }
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }
    pub fn claim(&self) -> Option<&ClaimKey> {
        self.claim.as_ref()
    }
    pub fn against(&self) -> Option<&ClaimKey> {
        self.against.as_ref()
    }
    pub fn corrects(&self) -> Option<Uuid> {
        self.corrects
    }
    pub fn memo(&self) -> &str {
        &self.memo
    }

    /// The amount moved. Every canonical form starts with a debit of it
    /// (an offset moves it twice, once per pot).
    pub fn amount(&self) -> i64 {
        self.first().amount
    }

    /// The pot of the first posting (for an offset, the withheld claim's).
    pub fn pot(&self) -> Pot {
        self.first().account.pot()
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "every Transaction has passed check, which refuses one without postings"
    )]
    fn first(&self) -> &Posting {
        &self.postings[0]
    }

    /// Rebuilds a stored transaction; refuses it unless [`check`] passes.
    pub fn from_parts(p: TransactionParts) -> Result<Self, LedgerError> {
        let tx = Self {
            id: p.id,
            kind: p.kind,
            postings: p.postings,
            claim: p.claim,
            against: p.against,
            corrects: p.corrects,
            memo: p.memo,
        };
        check(&tx)?;
        Ok(tx)
    }

    pub fn into_parts(self) -> TransactionParts {
        TransactionParts {
            id: self.id,
            kind: self.kind,
            postings: self.postings,
            claim: self.claim,
            against: self.against,
            corrects: self.corrects,
            memo: self.memo,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        id: Uuid,
        kind: TxKind,
        pot: Pot,
        amount: Fen,
        claim: Option<ClaimKey>,
        against: Option<(ClaimKey, Pot)>,
        corrects: Option<Uuid>,
        memo: impl Into<String>,
    ) -> Result<Self, LedgerError> {
        if amount.get() <= 0 {
            return Err(LedgerError::NotPositive);
        }
        let (against, other) = match against {
            Some((k, p)) => (Some(k), Some(p)),
            None => (None, None),
        };
        let postings = canonical(
            kind,
            amount.get(),
            pot,
            claim.as_ref().map(|c| &c.payee),
            other,
        )
        .ok_or(LedgerError::MissingLink(kind))?;
        Self::from_parts(TransactionParts {
            id,
            kind,
            postings,
            claim,
            against,
            corrects,
            memo: memo.into(),
        })
    }

    /// Money allocated to a pot (预算下达).
    pub fn allocation(id: Uuid, pot: Pot, amount: Fen, memo: &str) -> Result<Self, LedgerError> {
        Self::build(id, TxKind::Allocation, pot, amount, None, None, None, memo)
    }

    /// Money taken back from a pot's unused budget; may name the allocation
    /// it corrects.
    pub fn budget_reduction(
        id: Uuid,
        pot: Pot,
        amount: Fen,
        corrects: Option<Uuid>,
        memo: &str,
    ) -> Result<Self, LedgerError> {
        Self::build(
            id,
            TxKind::BudgetReduction,
            pot,
            amount,
            None,
            None,
            corrects,
            memo,
        )
    }

    /// A claim approved: budget committed, owed to the payee.
    pub fn approval(id: Uuid, claim: ClaimKey, pot: Pot, amount: Fen) -> Result<Self, LedgerError> {
        Self::build(
            id,
            TxKind::Approval,
            pot,
            amount,
            Some(claim),
            None,
            None,
            "approved",
        )
    }

    /// An approval withdrawn before payment: what is still owed on the
    /// claim returns to the budget.
    pub fn release(
        id: Uuid,
        claim: ClaimKey,
        pot: Pot,
        amount: Fen,
        approval_tx: Uuid,
        reason: &str,
    ) -> Result<Self, LedgerError> {
        let kind = TxKind::Release;
        Self::build(
            id,
            kind,
            pot,
            amount,
            Some(claim),
            None,
            Some(approval_tx),
            reason,
        )
    }

    /// The claim's payment written into a bank file.
    pub fn payout(id: Uuid, claim: ClaimKey, pot: Pot, amount: Fen) -> Result<Self, LedgerError> {
        Self::build(
            id,
            TxKind::Payout,
            pot,
            amount,
            Some(claim),
            None,
            None,
            "sent to bank",
        )
    }

    /// The bank confirmed the payment.
    pub fn payout_confirmed(
        id: Uuid,
        claim: ClaimKey,
        pot: Pot,
        amount: Fen,
    ) -> Result<Self, LedgerError> {
        let memo = "confirmed by bank";
        Self::build(
            id,
            TxKind::PayoutConfirmed,
            pot,
            amount,
            Some(claim),
            None,
            None,
            memo,
        )
    }

    /// The bank refused the payment: the money is owed again.
    pub fn payout_failed(
        id: Uuid,
        claim: ClaimKey,
        pot: Pot,
        amount: Fen,
        payout_tx: Uuid,
        reason: &str,
    ) -> Result<Self, LedgerError> {
        let kind = TxKind::PayoutFailed;
        Self::build(
            id,
            kind,
            pot,
            amount,
            Some(claim),
            None,
            Some(payout_tx),
            reason,
        )
    }

    /// A recovery order (追回) for money paid on a claim, correcting its
    /// approval.
    pub fn recovery(
        id: Uuid,
        claim: ClaimKey,
        pot: Pot,
        amount: Fen,
        approval_tx: Uuid,
        reason: &str,
    ) -> Result<Self, LedgerError> {
        let kind = TxKind::Recovery;
        Self::build(
            id,
            kind,
            pot,
            amount,
            Some(claim),
            None,
            Some(approval_tx),
            reason,
        )
    }

    /// Recovered money paid back; it returns to the pot's budget.
    pub fn repayment(
        id: Uuid,
        claim: ClaimKey,
        pot: Pot,
        amount: Fen,
    ) -> Result<Self, LedgerError> {
        Self::build(
            id,
            TxKind::Repayment,
            pot,
            amount,
            Some(claim),
            None,
            None,
            "repaid",
        )
    }

    /// Settles a recovery on `recovered` (in `pot`) by withholding from the
    /// unpaid claim `against` (in `against_pot`) of the same payee.
    pub fn offset(
        id: Uuid,
        recovered: ClaimKey,
        pot: Pot,
        against: ClaimKey,
        against_pot: Pot,
        amount: Fen,
    ) -> Result<Self, LedgerError> {
        let memo = "offset against a later payout";
        let kind = TxKind::Offset;
        let against = Some((against, against_pot));
        Self::build(id, kind, pot, amount, Some(recovered), against, None, memo)
    }
}

/// Whether a transaction is well formed: postings present, none zero,
/// summing to zero, and exactly the postings of its kind with a positive
/// amount; claim and correction links where the kind needs them.
pub fn check(tx: &Transaction) -> Result<(), LedgerError> {
    let p = &tx.postings;
    let Some(first) = p.first() else {
        return Err(LedgerError::Empty);
    };
    if p.iter().any(|x| x.amount == 0) {
        return Err(LedgerError::ZeroPosting);
    }
    let sum: i128 = p.iter().map(|x| i128::from(x.amount)).sum();
    if sum != 0 {
        return Err(LedgerError::Unbalanced(sum));
    }
    let kind = tx.kind;
    if tx.claim.is_some() != kind.needs_claim()
        || (kind.needs_corrects() && tx.corrects.is_none())
        || tx.against.is_some() != (kind == TxKind::Offset)
    {
        return Err(LedgerError::MissingLink(kind));
    }
    let amount = first.amount;
    if amount <= 0 {
        return Err(LedgerError::Malformed(kind));
    }
    let (pot, other) = if kind == TxKind::Offset {
        let Some(third) = p.get(2) else {
            return Err(LedgerError::Malformed(kind));
        };
        let (recovered, withheld) = (third.account.pot(), first.account.pot());
        let same_payee =
            tx.claim.as_ref().map(|c| &c.payee) == tx.against.as_ref().map(|c| &c.payee);
        if recovered.fund != withheld.fund || recovered.city != withheld.city || !same_payee {
            return Err(LedgerError::OffsetAcrossFunds);
        }
        (recovered, Some(withheld))
    } else {
        (first.account.pot(), None)
    };
    let expected = canonical(
        kind,
        amount,
        pot,
        tx.claim.as_ref().map(|c| &c.payee),
        other,
    );
    if expected.as_ref() != Some(p) {
        return Err(LedgerError::Malformed(kind));
    }
    Ok(())
}

/// What the ledger knows of one claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimState {
    pub pot: Pot,
    pub approval_tx: Uuid,
    pub approved: i64,
    /// Returned to the budget when the approval was withdrawn.
    pub released: i64,
    /// Withheld by offsets against recoveries.
    pub withheld: i64,
    /// The payout sent and not yet answered: (transaction, amount).
    pub in_flight: Option<(Uuid, i64)>,
    /// Confirmed by the bank.
    pub paid: i64,
    pub recovered: i64,
    /// Recovered money settled, by repayment or offset.
    pub settled: i64,
}

impl ClaimState {
    /// A claim just approved for `amount` by `approval_tx`.
    fn approved(pot: Pot, approval_tx: Uuid, amount: i64) -> Self {
        Self {
            pot,
            approval_tx,
            approved: amount,
            released: 0,
            withheld: 0,
            in_flight: None,
            paid: 0,
            recovered: 0,
            settled: 0,
        }
    }

    /// Still owed to the payee and not yet sent.
    pub fn outstanding(&self) -> i64 {
        if self.in_flight.is_some() || self.paid > 0 {
            0
        } else {
            self.approved - self.withheld - self.released
        }
    }

    /// Recovery still to be repaid or offset.
    pub fn open_recovery(&self) -> i64 {
        self.recovered - self.settled
    }
}

/// The in-memory ledger: the append-only log, balances, claim states.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    txs: Vec<Transaction>,
    ids: HashMap<Uuid, usize>,
    balances: HashMap<Account, i64>,
    claims: HashMap<ClaimKey, ClaimState>,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    /// A ledger restored from running balances and the histories of the
    /// claims an operation touches: enough to check and apply its next
    /// transactions without replaying the whole log. The histories are
    /// re-checked (form, links, claim states); the balances are taken as
    /// stored, since the database derives them from the postings.
    pub fn restore(
        balances: impl IntoIterator<Item = (Account, i64)>,
        claim_history: impl IntoIterator<Item = Transaction>,
    ) -> Result<Self, (usize, LedgerError)> {
        let mut ledger = Self::new();
        for (i, tx) in claim_history.into_iter().enumerate() {
            check(&tx).map_err(|e| (i, e))?;
            let updates = ledger.claim_updates(&tx).map_err(|e| (i, e))?;
            ledger.claims.extend(updates);
            ledger.ids.insert(tx.id, ledger.txs.len());
            ledger.txs.push(tx);
        }
        ledger.balances = balances.into_iter().filter(|(_, b)| *b != 0).collect();
        Ok(ledger)
    }

    pub fn transactions(&self) -> &[Transaction] {
        &self.txs
    }

    pub fn transaction(&self, id: Uuid) -> Option<&Transaction> {
        self.ids.get(&id).and_then(|&i| self.txs.get(i))
    }

    pub fn balance(&self, account: &Account) -> i64 {
        self.balances.get(account).copied().unwrap_or(0)
    }

    /// Unused budget of a pot.
    pub fn available(&self, pot: Pot) -> Fen {
        Fen::new(self.balance(&Account::Budget { pot }))
    }

    /// Everything approved for a payee and not yet sent, over all pots.
    pub fn payable_to(&self, payee: &Payee) -> i64 {
        self.sum_where(|a| matches!(a, Account::Payable { payee: p, .. } if p == payee))
    }

    /// Everything a payee still owes back, over all pots.
    pub fn receivable_from(&self, payee: &Payee) -> i64 {
        self.sum_where(|a| matches!(a, Account::Receivable { payee: p, .. } if p == payee))
    }

    fn sum_where(&self, f: impl Fn(&Account) -> bool) -> i64 {
        self.balances
            .iter()
            .filter(|(a, _)| f(a))
            .map(|(_, b)| b)
            .sum()
    }

    /// Every non-zero balance.
    pub fn balances(&self) -> impl Iterator<Item = (&Account, i64)> {
        self.balances
            .iter()
            .filter(|(_, b)| **b != 0)
            .map(|(a, b)| (a, *b))
    }

    pub fn claim(&self, key: &ClaimKey) -> Option<&ClaimState> {
        self.claims.get(key)
    }

    /// Recomputes every balance from the log and compares.
    pub fn balances_equal_sum_of_postings(&self) -> bool {
        let mut sums: HashMap<&Account, i64> = HashMap::new();
        for p in self.txs.iter().flat_map(|t| &t.postings) {
            *sums.entry(&p.account).or_default() += p.amount;
        }
        sums.retain(|_, v| *v != 0);
        let kept: HashMap<&Account, i64> = self.balances().collect();
        sums == kept
    }

    /// Appends a transaction, or refuses it and changes nothing.
    pub fn apply(&mut self, tx: Transaction) -> Result<(), LedgerError> {
        check(&tx)?;
        if self.ids.contains_key(&tx.id) {
            return Err(LedgerError::DuplicateId(tx.id));
        }
        if let Some(c) = tx.corrects {
            if !self.ids.contains_key(&c) {
                return Err(LedgerError::BadCorrection(c));
            }
        }
        let claim_updates = self.claim_updates(&tx)?;
        let mut new_balances: HashMap<Account, i64> = HashMap::new();
        for p in &tx.postings {
            let current = new_balances
                .get(&p.account)
                .copied()
                .unwrap_or_else(|| self.balance(&p.account));
            let next = current.checked_add(p.amount).ok_or(LedgerError::Overflow)?;
            new_balances.insert(p.account.clone(), next);
        }
        if let Some((account, _)) = new_balances
            .iter()
            .find(|(a, b)| **b < 0 && !a.may_go_negative())
        {
            return Err(LedgerError::WouldGoNegative(account.clone()));
        }
        self.balances.extend(new_balances);
        self.claims.extend(claim_updates);
        self.ids.insert(tx.id, self.txs.len());
        self.txs.push(tx);
        Ok(())
    }

    /// The claim states after `tx`, or why the claims forbid it.
    fn claim_updates(&self, tx: &Transaction) -> Result<Vec<(ClaimKey, ClaimState)>, LedgerError> {
        let Some(key) = tx.claim.clone() else {
            return Ok(Vec::new());
        };
        let amount = tx.amount();
        let pot = tx.pot();
        let existing = || -> Result<ClaimState, LedgerError> {
            self.claims
                .get(&key)
                .filter(|c| c.pot == pot || tx.kind == TxKind::Offset)
                .cloned()
                .ok_or(LedgerError::UnknownClaim)
        };
        let exact = |expected: i64| {
            if expected == amount {
                Ok(())
            } else {
                Err(LedgerError::AmountMismatch {
                    expected,
                    got: amount,
                })
            }
        };
        let state = match tx.kind {
            TxKind::Allocation | TxKind::BudgetReduction => return Ok(Vec::new()),
            TxKind::Approval => {
                if self.claims.contains_key(&key) {
                    return Err(LedgerError::AlreadyApproved);
                }
                ClaimState::approved(pot, tx.id, amount)
            }
            TxKind::Release => {
                let mut s = existing()?;
                if tx.corrects != Some(s.approval_tx) {
                    return Err(LedgerError::BadCorrection(
                        tx.corrects.unwrap_or(s.approval_tx),
                    ));
                }
                if s.in_flight.is_some() || s.paid > 0 {
                    return Err(LedgerError::AlreadyPaid);
                }
                exact(s.outstanding())?;
                s.released += amount;
                s
            }
            TxKind::Payout => {
                let mut s = existing()?;
                if s.in_flight.is_some() || s.paid > 0 {
                    return Err(LedgerError::AlreadyPaid);
                }
                exact(s.outstanding())?;
                s.in_flight = Some((tx.id, amount));
                s
            }
            TxKind::PayoutConfirmed | TxKind::PayoutFailed => {
                let mut s = existing()?;
                let (payout_tx, sent) = s.in_flight.ok_or(LedgerError::NoPayoutInFlight)?;
                exact(sent)?;
                if tx.kind == TxKind::PayoutFailed && tx.corrects != Some(payout_tx) {
                    return Err(LedgerError::BadCorrection(tx.corrects.unwrap_or(payout_tx)));
                }
                if tx.kind == TxKind::PayoutConfirmed {
                    s.paid += amount;
                }
                s.in_flight = None;
                s
            }
            TxKind::Recovery => {
                let mut s = existing()?;
                if tx.corrects != Some(s.approval_tx) {
                    return Err(LedgerError::BadCorrection(
                        tx.corrects.unwrap_or(s.approval_tx),
                    ));
                }
                let open = s.paid + s.withheld - s.recovered;
                if amount > open {
                    return Err(LedgerError::ExceedsOpen { open });
                }
                s.recovered += amount;
                s
            }
            TxKind::Repayment => {
                let mut s = existing()?;
                settle(&mut s, amount)?;
                s
            }
            TxKind::Offset => {
                let s = existing()?;
                return self.offset_updates(tx, key.clone(), s);
            }
        };
        Ok(vec![(key, state)])
    }

    /// An offset settles the recovered claim `key` (its state `s`) with
    /// what the claim it is withheld from (`against`) was owed.
    fn offset_updates(
        &self,
        tx: &Transaction,
        key: ClaimKey,
        mut s: ClaimState,
    ) -> Result<Vec<(ClaimKey, ClaimState)>, LedgerError> {
        let amount = tx.amount();
        // check gave an offset its four postings; the third is in the recovered claim's pot.
        let Some(recovered) = tx.postings.get(2) else {
            return Err(LedgerError::Malformed(tx.kind));
        };
        if s.pot != recovered.account.pot() {
            return Err(LedgerError::UnknownClaim);
        }
        settle(&mut s, amount)?;
        let against = tx
            .against
            .clone()
            .ok_or(LedgerError::MissingLink(tx.kind))?;
        let mut a = self
            .claims
            .get(&against)
            .filter(|c| c.pot == tx.pot())
            .cloned()
            .ok_or(LedgerError::UnknownClaim)?;
        let open = a.outstanding();
        if amount > open {
            return Err(LedgerError::ExceedsOpen { open });
        }
        a.withheld += amount;
        if against == key {
            return Err(LedgerError::UnknownClaim);
        }
        Ok(vec![(key, s), (against, a)])
    }
}

fn settle(s: &mut ClaimState, amount: i64) -> Result<(), LedgerError> {
    let open = s.open_recovery();
    if amount > open {
        return Err(LedgerError::ExceedsOpen { open });
    }
    s.settled += amount;
    Ok(())
}

#[cfg(test)]
mod tests;
