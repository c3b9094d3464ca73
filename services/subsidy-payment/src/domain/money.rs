//! Money as it comes in from outside: strict, integer fen only.
//!
//! The decision: APIs take amounts as `amount_fen`, a positive whole number
//! of fen, either as a JSON integer (`150000`) or as a string of ASCII digits
//! (`"150000"`, for clients whose JSON numbers are doubles). Everything else
//! is refused rather than rounded: negative or zero amounts, fractions
//! (`12.5`, `"12.5"`), floats that happen to be whole (`12.0`, because the
//! client is evidently computing in floating point), exponents, signs,
//! spaces and separators. Yuan appear only in bank files, where
//! [`parse_yuan`] reads at most two decimals and refuses anything finer than
//! a fen.

use std::fmt;

use ids::Fen;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// Why an amount was refused; `code` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MoneyError {
    pub code: &'static str,
    pub message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> MoneyError {
    MoneyError {
        code,
        message: message.into(),
    }
}

/// A positive amount: what a payment, an allocation or a recovery moves.
pub fn positive(fen: i64) -> Result<Fen, MoneyError> {
    if fen <= 0 {
        return Err(refuse(
            "amount_not_positive",
            "an amount must be at least 1 fen",
        ));
    }
    Ok(Fen::new(fen))
}

/// A positive amount in fen written as plain ASCII digits.
pub fn parse_fen_text(s: &str) -> Result<Fen, MoneyError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse(
            "amount_not_whole_fen",
            format!("{s:?} is not a whole number of fen (digits only, no sign, point or spaces)"),
        ));
    }
    let fen: i64 = s
        .parse()
        .map_err(|_| refuse("amount_too_large", "the amount is too large"))?;
    positive(fen)
}

/// Yuan with at most two decimals (`1234`, `1234.5`, `1234.56`) into fen,
/// exactly. Used for bank files; zero is allowed here because a bank may
/// echo it, callers decide whether it is acceptable.
pub fn parse_yuan(s: &str) -> Result<Fen, MoneyError> {
    let bad = || {
        refuse(
            "amount_not_yuan",
            format!("{s:?} is not an amount in yuan with at most two decimals"),
        )
    };
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || (s.contains('.') && frac.is_empty()) {
        return Err(bad());
    }
    if frac.len() > 2 {
        return Err(refuse(
            "amount_fraction_of_fen",
            format!("{s:?} has more than two decimals: amounts are whole fen"),
        ));
    }
    let yuan: i64 = whole
        .parse()
        .map_err(|_| refuse("amount_too_large", "the amount is too large"))?;
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    yuan.checked_mul(100)
        .and_then(|f| f.checked_add(cents))
        .map(Fen::new)
        .ok_or_else(|| refuse("amount_too_large", "the amount is too large"))
}

/// An `amount_fen` field of a request body: deserialises only from a
/// positive JSON integer or a string of digits (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AmountFen(pub Fen);

impl<'de> Deserialize<'de> for AmountFen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AmountVisitor)
    }
}

struct AmountVisitor;

impl Visitor<'_> for AmountVisitor {
    type Value = AmountFen;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a positive whole number of fen")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<AmountFen, E> {
        positive(v).map(AmountFen).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<AmountFen, E> {
        let v = i64::try_from(v).map_err(|_| E::custom("the amount is too large"))?;
        self.visit_i64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<AmountFen, E> {
        Err(E::custom(format!(
            "{v} is not a whole number of fen: send an integer amount_fen"
        )))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<AmountFen, E> {
        parse_fen_text(v).map(AmountFen).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(json: &str) -> Result<i64, String> {
        serde_json::from_str::<AmountFen>(json)
            .map(|a| a.0.get())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn json_integers_and_digit_strings_are_fen() {
        assert_eq!(amount("150000"), Ok(150_000));
        assert_eq!(amount("\"150000\""), Ok(150_000));
        assert_eq!(amount("1"), Ok(1));
    }

    #[test]
    fn fractions_floats_signs_and_zero_are_refused() {
        for bad in [
            "12.5",
            "12.0",
            "1e3",
            "-5",
            "0",
            "\"12.5\"",
            "\"-5\"",
            "\"+5\"",
            "\" 5\"",
            "\"1,000\"",
            "\"\"",
            "\"0\"",
            "true",
            "null",
            "18446744073709551615",
        ] {
            assert!(amount(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn text_errors_have_stable_codes() {
        assert_eq!(
            parse_fen_text("12.5").expect_err("frac").code,
            "amount_not_whole_fen"
        );
        assert_eq!(
            parse_fen_text("0").expect_err("zero").code,
            "amount_not_positive"
        );
        assert_eq!(
            parse_fen_text("99999999999999999999")
                .expect_err("big")
                .code,
            "amount_too_large"
        );
    }

    #[test]
    fn yuan_convert_exactly() {
        assert_eq!(parse_yuan("1234.56"), Ok(Fen::new(123_456)));
        assert_eq!(parse_yuan("12.5"), Ok(Fen::new(1250)));
        assert_eq!(parse_yuan("7"), Ok(Fen::new(700)));
        assert_eq!(parse_yuan("0.01"), Ok(Fen::new(1)));
        assert_eq!(
            parse_yuan("0.005").expect_err("sub-fen").code,
            "amount_fraction_of_fen"
        );
        for bad in ["", ".5", "5.", "-1.00", "1,000.00", "1.2.3", " 1.00", "1e2"] {
            assert!(parse_yuan(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn yuan_and_display_round_trip() {
        for fen in [1, 99, 100, 123_456, 9_999_999_999] {
            assert_eq!(parse_yuan(&Fen::new(fen).to_string()), Ok(Fen::new(fen)));
        }
    }
}
