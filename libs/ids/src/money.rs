//! Money as integer fen (分): never a float.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// An amount of CNY in fen (分). Never a float; arithmetic is checked.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = i64, example = 150000)]
pub struct Fen(i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn new(fen: i64) -> Self {
        Self(fen)
    }

    /// An amount that must not be negative: a price, a standard, a payment.
    pub fn non_negative(fen: i64) -> Result<Self, InvalidValue> {
        if fen < 0 {
            return Err(InvalidValue::new(
                "money_negative",
                "an amount in fen cannot be negative",
            ));
        }
        Ok(Self(fen))
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    pub fn checked_mul(self, n: i64) -> Option<Fen> {
        self.0.checked_mul(n).map(Fen)
    }
}

/// `¥1,234.56`-free plain form: `1234.56`, for people and bank files.
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_yuan_with_two_decimals() {
        assert_eq!(Fen::new(123_456).to_string(), "1234.56");
        assert_eq!(Fen::new(5).to_string(), "0.05");
        assert_eq!(Fen::new(-250).to_string(), "-2.50");
    }

    #[test]
    fn refuses_negative_where_it_must_not_be() {
        assert_eq!(
            Fen::non_negative(-1).expect_err("negative").code,
            "money_negative"
        );
        assert_eq!(Fen::non_negative(0).expect("zero"), Fen::ZERO);
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Fen::new(i64::MAX).checked_add(Fen::new(1)), None);
        assert_eq!(Fen::new(150_000).checked_mul(3), Some(Fen::new(450_000)));
    }
}
