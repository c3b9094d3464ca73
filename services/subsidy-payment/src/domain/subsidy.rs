//! The shared vocabulary of payment: fund sources (资金来源), subsidy kinds,
//! payees, target groups and the pot of money a budget is kept in.

use std::fmt;
use std::str::FromStr;

use ids::{CityCode, CreditCode, PersonId, StatisticalYear};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The fund sources and the subsidies, as the claims, payments and
/// recoveries events spell them.
pub use contracts::subsidy::{FundSource, SubsidyKind};

/// Spelt as delivery spells it in its events: one vocabulary of the mesh.
pub use ids::TargetGroup;

/// Who receives a payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Payee {
    /// A worker, by pseudonymous person id (individual certificate subsidy).
    Person(PersonId),
    /// A training institution, by its registry id.
    Institution(Uuid),
    /// An enterprise, by unified social credit code (apprenticeships).
    Enterprise(CreditCode),
}

impl fmt::Display for Payee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Person(p) => write!(f, "person:{p}"),
            Self::Institution(i) => write!(f, "institution:{i}"),
            Self::Enterprise(c) => write!(f, "enterprise:{}", c.as_str()),
        }
    }
}

impl FromStr for Payee {
    type Err = String;

    /// The stored form written by `Display`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some(("institution", id)) => id
                .parse()
                .map(Self::Institution)
                .map_err(|e| format!("{e}")),
            Some(("person", id)) => Ok(Self::Person(PersonId::from_stored(id))),
            Some(("enterprise", code)) => code
                .parse()
                .map(Self::Enterprise)
                .map_err(|e| format!("{e}")),
            _ => Err(format!("unknown payee {s:?}")),
        }
    }
}

/// One budget pot: a fund source's money for one city and statistical year.
/// Budgets, expenses and recoveries are all kept per pot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Pot {
    pub fund: FundSource,
    pub city: CityCode,
    pub year: StatisticalYear,
}

impl fmt::Display for Pot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.fund, self.city, self.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payees_serialise_with_their_type() {
        let p = Payee::Institution(Uuid::nil());
        let json = serde_json::to_value(&p).expect("ser");
        assert_eq!(json["type"], "institution");
        assert_eq!(p.to_string(), format!("institution:{}", Uuid::nil()));
    }
}
