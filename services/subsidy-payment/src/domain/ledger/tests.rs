use std::collections::HashMap;

use ids::{CityCode, Fen, StatisticalYear};
use proptest::prelude::*;

use super::*;
use crate::domain::subsidy::FundSource;

fn pot(i: u8) -> Pot {
    let date = chrono::NaiveDate::from_ymd_opt(2026 + i32::from(i / 3), 6, 1).expect("date");
    Pot {
        fund: FundSource::ALL[usize::from(i % 3)],
        city: "350100".parse::<CityCode>().expect("city"),
        year: StatisticalYear::of(date),
    }
}

fn payee(i: u8) -> Payee {
    Payee::Institution(Uuid::from_u128(1_000 + u128::from(i)))
}

/// Claims with the same index mod 3 share a payee, so offsets can happen.
fn claim(i: u8) -> ClaimKey {
    ClaimKey {
        claim_id: Uuid::from_u128(u128::from(i)),
        payee: payee(i % 3),
    }
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(1_000_000 + n)
}

fn fen(x: i64) -> Fen {
    Fen::new(x)
}

fn funded(amount: i64) -> Ledger {
    let mut l = Ledger::new();
    l.apply(Transaction::allocation(id(0), pot(0), fen(amount), "2026 budget").expect("tx"))
        .expect("apply");
    l
}

#[test]
fn an_allocation_is_two_balanced_postings() {
    let tx = Transaction::allocation(id(1), pot(0), fen(500), "x").expect("tx");
    assert_eq!(tx.postings().len(), 2);
    assert_eq!(tx.postings().iter().map(|p| p.amount).sum::<i64>(), 0);
    assert_eq!(tx.amount(), 500);
    assert_eq!(
        Transaction::allocation(id(1), pot(0), fen(0), "x"),
        Err(LedgerError::NotPositive)
    );
}

#[test]
fn check_refuses_tampered_transactions() {
    let good = Transaction::approval(id(1), claim(1), pot(0), fen(300)).expect("tx");
    let mut p = good.clone().into_parts();
    p.postings[0].amount = 301;
    assert_eq!(Transaction::from_parts(p), Err(LedgerError::Unbalanced(1)));

    let mut p = good.clone().into_parts();
    p.postings.push(post(Account::Budget { pot: pot(1) }, 0));
    assert_eq!(Transaction::from_parts(p), Err(LedgerError::ZeroPosting));

    let mut p = good.clone().into_parts();
    p.postings.iter_mut().for_each(|x| x.amount = -x.amount);
    assert_eq!(
        Transaction::from_parts(p),
        Err(LedgerError::Malformed(TxKind::Approval))
    );

    let mut p = good.clone().into_parts();
    p.postings[1].account = Account::Budget { pot: pot(1) };
    assert_eq!(
        Transaction::from_parts(p),
        Err(LedgerError::Malformed(TxKind::Approval))
    );

    let mut p = good.clone().into_parts();
    p.claim = None;
    assert_eq!(
        Transaction::from_parts(p),
        Err(LedgerError::MissingLink(TxKind::Approval))
    );

    let mut p = good.into_parts();
    p.postings.clear();
    assert_eq!(Transaction::from_parts(p), Err(LedgerError::Empty));
}

#[test]
fn stored_transactions_deserialise_only_when_valid() {
    let tx = Transaction::payout(id(1), claim(1), pot(0), fen(300)).expect("tx");
    let json = serde_json::to_value(&tx).expect("ser");
    let back: Transaction = serde_json::from_value(json.clone()).expect("de");
    assert_eq!(back, tx);
    let mut bad = json;
    bad["postings"][0]["amount"] = serde_json::json!(299);
    assert!(serde_json::from_value::<Transaction>(bad).is_err());
}

#[test]
fn an_approval_beyond_the_budget_is_refused_and_changes_nothing() {
    let mut l = funded(1_000);
    let tx = Transaction::approval(id(1), claim(1), pot(0), fen(1_001)).expect("tx");
    assert_eq!(
        l.apply(tx),
        Err(LedgerError::WouldGoNegative(Account::Budget {
            pot: pot(0)
        }))
    );
    assert_eq!(l.transactions().len(), 1);
    assert_eq!(l.available(pot(0)), fen(1_000));
    assert!(l.claim(&claim(1)).is_none());
}

#[test]
fn a_claim_is_paid_once() {
    let mut l = funded(1_000);
    l.apply(Transaction::approval(id(1), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("approve");
    assert_eq!(
        l.apply(Transaction::approval(id(2), claim(1), pot(0), fen(100)).expect("tx")),
        Err(LedgerError::AlreadyApproved)
    );
    assert_eq!(
        l.apply(Transaction::payout(id(3), claim(1), pot(0), fen(500)).expect("tx")),
        Err(LedgerError::AmountMismatch {
            expected: 600,
            got: 500
        })
    );
    l.apply(Transaction::payout(id(4), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("pay");
    assert_eq!(
        l.apply(Transaction::payout(id(5), claim(1), pot(0), fen(600)).expect("tx")),
        Err(LedgerError::AlreadyPaid)
    );
    l.apply(Transaction::payout_confirmed(id(6), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("confirm");
    assert_eq!(
        l.apply(Transaction::payout(id(7), claim(1), pot(0), fen(600)).expect("tx")),
        Err(LedgerError::AlreadyPaid)
    );
    let p = claim(1).payee;
    assert_eq!(
        l.balance(&Account::Paid {
            payee: p.clone(),
            pot: pot(0)
        }),
        600
    );
    assert_eq!(l.payable_to(&p), 0);
    assert_eq!(l.available(pot(0)), fen(400));
    assert!(l.balances_equal_sum_of_postings());
}

#[test]
fn a_failed_payout_corrects_the_payout_and_may_be_retried() {
    let mut l = funded(1_000);
    l.apply(Transaction::approval(id(1), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("approve");
    l.apply(Transaction::payout(id(2), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("pay");
    let wrong_link =
        Transaction::payout_failed(id(3), claim(1), pot(0), fen(600), id(1), "closed").expect("tx");
    assert_eq!(l.apply(wrong_link), Err(LedgerError::BadCorrection(id(1))));
    l.apply(
        Transaction::payout_failed(id(3), claim(1), pot(0), fen(600), id(2), "account closed")
            .expect("tx"),
    )
    .expect("fail");
    assert_eq!(l.payable_to(&claim(1).payee), 600);
    assert_eq!(
        l.transaction(id(3)).and_then(Transaction::corrects),
        Some(id(2))
    );
    l.apply(Transaction::payout(id(4), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("retry");
    assert_eq!(l.balance(&Account::BankClearing { pot: pot(0) }), 600);
}

#[test]
fn a_released_approval_returns_to_the_budget_and_cannot_be_paid() {
    let mut l = funded(1_000);
    l.apply(Transaction::approval(id(1), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("approve");
    let wrong_link =
        Transaction::release(id(2), claim(1), pot(0), fen(600), id(0), "revoked").expect("tx");
    assert_eq!(l.apply(wrong_link), Err(LedgerError::BadCorrection(id(0))));
    let partial =
        Transaction::release(id(2), claim(1), pot(0), fen(500), id(1), "revoked").expect("tx");
    assert!(matches!(
        l.apply(partial),
        Err(LedgerError::AmountMismatch { .. })
    ));
    l.apply(Transaction::release(id(2), claim(1), pot(0), fen(600), id(1), "revoked").expect("tx"))
        .expect("release");
    assert_eq!(l.available(pot(0)), fen(1_000));
    assert_eq!(l.payable_to(&claim(1).payee), 0);
    assert_eq!(l.claim(&claim(1)).map(ClaimState::outstanding), Some(0));
    let pay = Transaction::payout(id(3), claim(1), pot(0), fen(600)).expect("tx");
    assert!(matches!(
        l.apply(pay),
        Err(LedgerError::AmountMismatch { .. })
    ));
}

#[test]
fn a_paid_claim_cannot_be_released() {
    let mut l = funded(1_000);
    l.apply(Transaction::approval(id(1), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("approve");
    l.apply(Transaction::payout(id(2), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("pay");
    let release =
        Transaction::release(id(3), claim(1), pot(0), fen(600), id(1), "revoked").expect("tx");
    assert_eq!(l.apply(release), Err(LedgerError::AlreadyPaid));
}

#[test]
fn recovered_money_is_repaid_or_offset_within_its_fund() {
    let mut l = funded(1_000);
    // Claims 1 and 4 have the same payee; 1 is paid, 4 is approved only.
    for (n, c, amount) in [(1, 1, 500), (2, 4, 300)] {
        l.apply(Transaction::approval(id(n), claim(c), pot(0), fen(amount)).expect("tx"))
            .expect("approve");
    }
    l.apply(Transaction::payout(id(3), claim(1), pot(0), fen(500)).expect("tx"))
        .expect("pay");
    l.apply(Transaction::payout_confirmed(id(4), claim(1), pot(0), fen(500)).expect("tx"))
        .expect("confirm");
    assert_eq!(
        l.apply(
            Transaction::recovery(id(5), claim(1), pot(0), fen(501), id(1), "fraud").expect("tx")
        ),
        Err(LedgerError::ExceedsOpen { open: 500 })
    );
    l.apply(
        Transaction::recovery(
            id(5),
            claim(1),
            pot(0),
            fen(400),
            id(1),
            "revoked certificate",
        )
        .expect("tx"),
    )
    .expect("recover");
    assert_eq!(l.receivable_from(&claim(1).payee), 400);

    let across = Transaction::offset(id(6), claim(1), pot(0), claim(4), pot(1), fen(100));
    assert_eq!(
        across.expect_err("funds differ"),
        LedgerError::OffsetAcrossFunds
    );

    l.apply(Transaction::offset(id(6), claim(1), pot(0), claim(4), pot(0), fen(250)).expect("tx"))
        .expect("offset");
    l.apply(Transaction::repayment(id(7), claim(1), pot(0), fen(150)).expect("tx"))
        .expect("repay");
    assert_eq!(l.receivable_from(&claim(1).payee), 0);
    // The withheld claim now pays only the remainder.
    assert_eq!(l.claim(&claim(4)).map(ClaimState::outstanding), Some(50));
    assert_eq!(
        l.apply(Transaction::payout(id(8), claim(4), pot(0), fen(300)).expect("tx")),
        Err(LedgerError::AmountMismatch {
            expected: 50,
            got: 300
        })
    );
    l.apply(Transaction::payout(id(8), claim(4), pot(0), fen(50)).expect("tx"))
        .expect("pay rest");
    // 1000 allocated, 800 approved, 400 came back.
    assert_eq!(l.available(pot(0)), fen(600));
    assert!(l.balances_equal_sum_of_postings());
}

#[test]
fn corrections_must_name_an_existing_transaction_and_ids_are_unique() {
    let mut l = funded(1_000);
    let dup = Transaction::allocation(id(0), pot(0), fen(5), "again").expect("tx");
    assert_eq!(l.apply(dup), Err(LedgerError::DuplicateId(id(0))));
    let r = Transaction::budget_reduction(id(1), pot(0), fen(5), Some(id(99)), "cut").expect("tx");
    assert_eq!(l.apply(r), Err(LedgerError::BadCorrection(id(99))));
    let r = Transaction::budget_reduction(id(1), pot(0), fen(5), Some(id(0)), "cut").expect("tx");
    l.apply(r).expect("reduce");
    assert_eq!(l.available(pot(0)), fen(995));
}

/// Rebuilds a ledger from a log; the error names the position of the first
/// transaction refused.
fn replay(txs: Vec<Transaction>) -> Result<Ledger, (usize, LedgerError)> {
    let mut ledger = Ledger::new();
    for (i, tx) in txs.into_iter().enumerate() {
        ledger.apply(tx).map_err(|e| (i, e))?;
    }
    Ok(ledger)
}

#[test]
fn a_log_replays_into_the_same_balances() {
    let mut l = funded(1_000);
    l.apply(Transaction::approval(id(1), claim(1), pot(0), fen(600)).expect("tx"))
        .expect("approve");
    let again = replay(l.transactions().to_vec()).expect("replay");
    assert_eq!(again.available(pot(0)), fen(400));
    let mut bad = l.transactions().to_vec();
    bad.push(bad[1].clone());
    assert_eq!(
        replay(bad).map(|_| ()),
        Err((2, LedgerError::DuplicateId(id(1))))
    );
}

/// A random step; the harness turns it into a transaction the way a caller
/// would, sometimes deliberately wrong.
#[derive(Debug, Clone)]
enum Op {
    Allocate {
        pot: u8,
        amount: i64,
    },
    Reduce {
        pot: u8,
        amount: i64,
    },
    Approve {
        claim: u8,
        pot: u8,
        amount: i64,
    },
    Pay {
        claim: u8,
    },
    PayAgain {
        claim: u8,
        amount: i64,
    },
    Confirm {
        claim: u8,
    },
    Fail {
        claim: u8,
    },
    Release {
        claim: u8,
    },
    Recover {
        claim: u8,
        amount: i64,
    },
    Repay {
        claim: u8,
        amount: i64,
    },
    Offset {
        from: u8,
        against: Option<u8>,
        amount: i64,
    },
    Replay {
        back: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    // Pots 0 and 3 share a fund source, so offsets between them are allowed;
    // pot 1 is another fund, so offsets into it are refused.
    let pot = prop::sample::select(vec![0u8, 1, 3]);
    let c = 0u8..6;
    let big = 1i64..20_000;
    let amount = 1i64..2_000;
    let small = 1i64..400;
    prop_oneof![
        2 => (pot.clone(), big).prop_map(|(pot, amount)| Op::Allocate { pot, amount }),
        1 => (pot.clone(), amount.clone()).prop_map(|(pot, amount)| Op::Reduce { pot, amount }),
        4 => (c.clone(), pot, amount.clone())
            .prop_map(|(claim, pot, amount)| Op::Approve { claim, pot, amount }),
        4 => c.clone().prop_map(|claim| Op::Pay { claim }),
        2 => (c.clone(), amount).prop_map(|(claim, amount)| Op::PayAgain { claim, amount }),
        4 => c.clone().prop_map(|claim| Op::Confirm { claim }),
        2 => c.clone().prop_map(|claim| Op::Fail { claim }),
        1 => c.clone().prop_map(|claim| Op::Release { claim }),
        3 => (c.clone(), small.clone()).prop_map(|(claim, amount)| Op::Recover { claim, amount }),
        2 => (c.clone(), small.clone()).prop_map(|(claim, amount)| Op::Repay { claim, amount }),
        // Mostly against an unpaid claim of the same payee, as a caller
        // would pick it; otherwise against any claim.
        3 => (c.clone(), c, any::<bool>(), small).prop_map(|(from, other, pick, amount)| {
            let against = (!pick).then_some(other);
            Op::Offset { from, against, amount }
        }),
        2 => (0usize..20).prop_map(|back| Op::Replay { back }),
    ]
}

/// The transaction an op stands for, given what the ledger shows; `None`
/// when a caller could not even build one.
fn to_tx(l: &Ledger, op: &Op, n: u128) -> Option<Transaction> {
    let state = |c: u8| l.claim(&claim(c)).cloned();
    match *op {
        Op::Allocate { pot: p, amount } => {
            Transaction::allocation(id(n), pot(p), fen(amount), "a").ok()
        }
        Op::Reduce { pot: p, amount } => {
            Transaction::budget_reduction(id(n), pot(p), fen(amount), None, "r").ok()
        }
        Op::Approve {
            claim: c,
            pot: p,
            amount,
        } => Transaction::approval(id(n), claim(c), pot(p), fen(amount)).ok(),
        Op::Pay { claim: c } => {
            let s = state(c)?;
            Transaction::payout(id(n), claim(c), s.pot, fen(s.outstanding())).ok()
        }
        Op::PayAgain { claim: c, amount } => {
            let s = state(c)?;
            Transaction::payout(id(n), claim(c), s.pot, fen(amount)).ok()
        }
        Op::Confirm { claim: c } => {
            let s = state(c)?;
            let (_, amount) = s.in_flight?;
            Transaction::payout_confirmed(id(n), claim(c), s.pot, fen(amount)).ok()
        }
        Op::Fail { claim: c } => {
            let s = state(c)?;
            let (payout, amount) = s.in_flight?;
            Transaction::payout_failed(id(n), claim(c), s.pot, fen(amount), payout, "x").ok()
        }
        Op::Release { claim: c } => {
            let s = state(c)?;
            let amount = fen(s.outstanding().max(1));
            Transaction::release(id(n), claim(c), s.pot, amount, s.approval_tx, "x").ok()
        }
        Op::Recover { claim: c, amount } => {
            let s = state(c)?;
            Transaction::recovery(id(n), claim(c), s.pot, fen(amount), s.approval_tx, "x").ok()
        }
        Op::Repay { claim: c, amount } => {
            let s = state(c)?;
            Transaction::repayment(id(n), claim(c), s.pot, fen(amount)).ok()
        }
        Op::Offset {
            from,
            against,
            amount,
        } => {
            let against = against.or_else(|| {
                (0u8..6).find(|&a| {
                    a != from
                        && claim(a).payee == claim(from).payee
                        && state(a).is_some_and(|s| s.outstanding() > 0)
                })
            })?;
            let (f, a) = (state(from)?, state(against)?);
            Transaction::offset(
                id(n),
                claim(from),
                f.pot,
                claim(against),
                a.pot,
                fen(amount),
            )
            .ok()
        }
        Op::Replay { back } => {
            let txs = l.transactions();
            txs.len().checked_sub(back + 1).map(|i| txs[i].clone())
        }
    }
}

/// Balances recomputed from the log alone, independent of the ledger's map.
fn sums(l: &Ledger) -> HashMap<Account, i64> {
    let mut out: HashMap<Account, i64> = HashMap::new();
    for p in l.transactions().iter().flat_map(|t| t.postings()) {
        *out.entry(p.account.clone()).or_default() += p.amount;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_ledger_keeps_its_invariants(ops in prop::collection::vec(op(), 1..200)) {
        let mut l = Ledger::new();
        for (n, op) in ops.iter().enumerate() {
            let before_len = l.transactions().len();
            let before: HashMap<Account, i64> =
                l.balances().map(|(a, b)| (a.clone(), b)).collect();
            let Some(tx) = to_tx(&l, op, n as u128 + 1) else { continue };
            if l.apply(tx).is_err() {
                let after: HashMap<Account, i64> =
                    l.balances().map(|(a, b)| (a.clone(), b)).collect();
                prop_assert_eq!(l.transactions().len(), before_len, "a refusal changed the log");
                prop_assert_eq!(after, before, "a refusal changed balances");
            }

            // Every transaction sums to zero (and passes check).
            for tx in l.transactions() {
                prop_assert_eq!(tx.postings().iter().map(|p| p.amount).sum::<i64>(), 0);
                prop_assert!(check(tx).is_ok());
            }
            // No budget (nor any account but the source) below zero.
            let sums = sums(&l);
            for (account, balance) in &sums {
                prop_assert!(*balance >= 0 || account.may_go_negative(), "{account:?} = {balance}");
            }
            // Balances always equal the sum of postings.
            prop_assert!(l.balances_equal_sum_of_postings());
            for (account, balance) in &sums {
                prop_assert_eq!(l.balance(account), *balance);
            }
            // No claim paid twice: per claim, at most one confirmed payout,
            // never more than one payout unanswered, and never more paid out
            // than approved.
            let mut per_claim: HashMap<&ClaimKey, (i64, i64, i64, i64)> = HashMap::new();
            for tx in l.transactions() {
                let Some(c) = tx.claim() else { continue };
                let e = per_claim.entry(c).or_default();
                match tx.kind() {
                    TxKind::Approval => e.0 += tx.amount(),
                    TxKind::Payout => e.1 += 1,
                    TxKind::PayoutFailed => e.1 -= 1,
                    TxKind::PayoutConfirmed => { e.2 += 1; e.3 += tx.amount() }
                    _ => {}
                }
            }
            for (c, (approved, unanswered_or_confirmed, confirmed, paid)) in per_claim {
                prop_assert!(unanswered_or_confirmed <= 1, "{c:?} sent twice");
                prop_assert!(confirmed <= 1, "{c:?} confirmed twice");
                prop_assert!(paid <= approved, "{c:?} paid {paid} of {approved}");
            }
        }
    }

    #[test]
    fn a_restored_ledger_decides_like_the_full_log(ops in prop::collection::vec(op(), 1..120)) {
        let mut full = Ledger::new();
        for (n, op) in ops.iter().enumerate() {
            let Some(tx) = to_tx(&full, op, n as u128 + 1) else { continue };
            // A repeated id is refused by the table's primary key; the
            // restored ledger knows only the claims' transactions.
            if full.transaction(tx.id()).is_some() {
                continue;
            }
            // What the store loads: running balances and the claims' histories.
            let mut restored = Ledger::restore(
                full.balances().map(|(a, b)| (a.clone(), b)),
                full.transactions().iter().filter(|t| t.claim().is_some()).cloned(),
            )
            .expect("a valid log restores");
            prop_assert_eq!(full.apply(tx.clone()).is_ok(), restored.apply(tx).is_ok());
            let kept: HashMap<Account, i64> = full.balances().map(|(a, b)| (a.clone(), b)).collect();
            let got: HashMap<Account, i64> = restored.balances().map(|(a, b)| (a.clone(), b)).collect();
            prop_assert_eq!(kept, got);
        }
    }
}
