//! Payout batches (拨付批次): approved claims grouped into one bank line per
//! payee and fund source (each fund pays from its own bank account), each
//! line carrying the business keys of the claims it settles.

use std::collections::{BTreeMap, HashMap, HashSet};

use ids::Fen;
use serde::{Deserialize, Serialize};

use super::ledger::ClaimKey;
use super::subsidy::{FundSource, Payee, Pot};

/// A claim ready to pay: its business key, pot and amount still owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: ClaimKey,
    pub pot: Pot,
    pub amount: Fen,
}

/// Where a payee is paid. The account number is personal data: the store
/// decrypts it only to write the bank file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankDetails {
    pub account_no: String,
    pub account_name: String,
}

/// One transfer: a payee, its account, the sum of its claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Unique across batches: `<batch no>-<line no>`.
    pub reference: String,
    pub payee: Payee,
    pub account_no: String,
    pub account_name: String,
    pub amount: Fen,
    pub items: Vec<Item>,
}

/// One bank file: lines paid from one fund source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub batch_no: String,
    pub fund: FundSource,
    pub lines: Vec<Line>,
}

impl Batch {
    pub fn total(&self) -> Fen {
        Fen::new(self.lines.iter().map(|l| l.amount.get()).sum())
    }

    pub fn line(&self, reference: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.reference == reference)
    }
}

/// Why a claim was left out of the batch; it stays payable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Held {
    /// The payee has no bank details on file.
    NoBankDetails,
    /// The same business key appears twice in the input.
    DuplicateKey,
    /// Nothing (or less than nothing) to pay.
    NotPositive,
}

/// The batches planned and every claim held back, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub batches: Vec<Batch>,
    pub held: Vec<(ClaimKey, Held)>,
}

/// A batch number is part of every reference, so it must be short and
/// plain: 1–24 of `A–Z a–z 0–9 -`.
pub fn valid_batch_no(s: &str) -> bool {
    (1..=24).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Groups `items` into one batch per fund source (numbered
/// `<batch_no>-<fund index>` when more than one fund is present, so
/// references stay unique) and one line per payee within it. Lines are in
/// a stable order (by payee) so the same input gives the same file.
pub fn plan(batch_no: &str, items: Vec<Item>, details: &HashMap<Payee, BankDetails>) -> Plan {
    let mut held = Vec::new();
    let mut seen = HashSet::new();
    let mut by_fund: BTreeMap<FundSource, BTreeMap<String, Vec<Item>>> = BTreeMap::new();
    for item in items {
        if !seen.insert(item.key.clone()) {
            held.push((item.key, Held::DuplicateKey));
        } else if item.amount.get() <= 0 {
            held.push((item.key, Held::NotPositive));
        } else if !details.contains_key(&item.key.payee) {
            held.push((item.key, Held::NoBankDetails));
        } else {
            by_fund
                .entry(item.pot.fund)
                .or_default()
                .entry(item.key.payee.to_string())
                .or_default()
                .push(item);
        }
    }
    let several = by_fund.len() > 1;
    let batches = by_fund
        .into_iter()
        .map(|(fund, payees)| {
            let no = if several {
                let i = FundSource::ALL.iter().position(|f| *f == fund).unwrap_or(0) + 1;
                format!("{batch_no}-{i}")
            } else {
                batch_no.to_owned()
            };
            let lines = payees
                .into_values()
                // Each list was made by pushing its first item.
                .filter_map(|items| Some((items.first()?.key.payee.clone(), items)))
                .enumerate()
                .map(|(i, (payee, items))| {
                    let bank = &details[&payee];
                    Line {
                        reference: format!("{no}-{:04}", i + 1),
                        account_no: bank.account_no.clone(),
                        account_name: bank.account_name.clone(),
                        amount: Fen::new(items.iter().map(|x| x.amount.get()).sum()),
                        payee,
                        items,
                    }
                })
                .collect();
            Batch {
                batch_no: no,
                fund,
                lines,
            }
        })
        .collect();
    Plan { batches, held }
}

#[cfg(test)]
mod tests {
    use ids::{CityCode, StatisticalYear};
    use uuid::Uuid;

    use super::*;

    fn pot(fund: FundSource) -> Pot {
        Pot {
            fund,
            city: "350200".parse::<CityCode>().expect("city"),
            year: StatisticalYear::of(chrono::NaiveDate::from_ymd_opt(2026, 5, 1).expect("date")),
        }
    }

    fn item(claim: u128, payee: u128, fund: FundSource, fen: i64) -> Item {
        Item {
            key: ClaimKey {
                claim_id: Uuid::from_u128(claim),
                payee: Payee::Institution(Uuid::from_u128(payee)),
            },
            pot: pot(fund),
            amount: Fen::new(fen),
        }
    }

    fn bank(payees: &[u128]) -> HashMap<Payee, BankDetails> {
        payees
            .iter()
            .map(|&p| {
                let details = BankDetails {
                    account_no: format!("6222{p:012}"),
                    account_name: format!("机构{p}"),
                };
                (Payee::Institution(Uuid::from_u128(p)), details)
            })
            .collect()
    }

    #[test]
    fn one_line_per_payee_and_one_batch_per_fund() {
        use FundSource::*;
        let items = vec![
            item(1, 10, UnemploymentInsurance, 150_000),
            item(2, 10, UnemploymentInsurance, 30_000),
            item(3, 11, UnemploymentInsurance, 150_000),
            item(4, 10, EmploymentSubsidy, 30_000),
        ];
        let p = plan("FZ20260501", items, &bank(&[10, 11]));
        assert!(p.held.is_empty());
        assert_eq!(p.batches.len(), 2);
        let es = &p.batches[0];
        assert_eq!(
            (es.fund, es.batch_no.as_str()),
            (EmploymentSubsidy, "FZ20260501-1")
        );
        let ui = &p.batches[1];
        assert_eq!(ui.batch_no, "FZ20260501-2");
        assert_eq!(ui.lines.len(), 2);
        assert_eq!(ui.total(), Fen::new(330_000));
        let line = ui.line("FZ20260501-2-0001").expect("line");
        assert_eq!(line.items.len(), 2);
        assert_eq!(line.amount, Fen::new(180_000));
    }

    #[test]
    fn nothing_is_dropped_silently() {
        use FundSource::*;
        let items = vec![
            item(1, 10, SkillsUpgrading, 100),
            item(1, 10, SkillsUpgrading, 100),
            item(2, 12, SkillsUpgrading, 100),
            item(3, 10, SkillsUpgrading, 0),
        ];
        let p = plan("B1", items, &bank(&[10]));
        assert_eq!(p.batches.len(), 1);
        assert_eq!(p.batches[0].lines[0].reference, "B1-0001");
        let why: Vec<_> = p.held.iter().map(|(_, h)| h.clone()).collect();
        assert_eq!(
            why,
            [Held::DuplicateKey, Held::NoBankDetails, Held::NotPositive]
        );
    }

    #[test]
    fn batch_numbers_are_short_and_plain() {
        assert!(valid_batch_no("350100-20260501-01"));
        assert!(!valid_batch_no(""));
        assert!(!valid_batch_no("a,b"));
        assert!(!valid_batch_no(&"x".repeat(25)));
    }
}
