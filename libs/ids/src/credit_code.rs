//! Unified social credit codes (统一社会信用代码, GB 32100) with their check
//! character.

use std::fmt;
use std::str::FromStr;

use crate::{string_serde, InvalidValue};

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [usize; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Unified social credit code of an organisation (统一社会信用代码, GB 32100).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
#[schema(value_type = String, example = "91350100M000100Y43", pattern = "^[0-9A-HJ-NPQRTUWXY]{18}$")]
pub struct CreditCode(String);

impl CreditCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn value_of(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c)
}

fn check_value(first17: &[usize]) -> usize {
    let sum: usize = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

impl CreditCode {
    /// Completes the first 17 characters with their check character: for
    /// generating valid codes (test data, benchmarks), still fully checked.
    pub fn with_check_char(first17: &str) -> Result<Self, InvalidValue> {
        let values: Option<Vec<usize>> = first17.bytes().map(value_of).collect();
        match values {
            Some(values) if values.len() == 17 => {
                #[allow(
                    clippy::indexing_slicing,
                    reason = "a check value is below 31, the alphabet's length"
                )]
                let check = char::from(ALPHABET[check_value(&values)]);
                format!("{first17}{check}").parse()
            }
            _ => Err(InvalidValue::new(
                "credit_code_format",
                "17 characters of GB 32100 come before the check character",
            )),
        }
    }
}

impl FromStr for CreditCode {
    type Err = InvalidValue;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let s = raw.trim().to_ascii_uppercase();
        if s.len() != 18 {
            return Err(InvalidValue::new(
                "credit_code_length",
                "a unified social credit code has 18 characters",
            ));
        }
        let values: Option<Vec<usize>> = s.bytes().map(value_of).collect();
        let Some(values) = values else {
            return Err(InvalidValue::new(
                "credit_code_format",
                "a unified social credit code uses digits and the letters of GB 32100 (no I, O, S, V, Z)",
            ));
        };
        match values.split_last() {
            Some((&check, first17)) if check == check_value(first17) => Ok(Self(s)),
            _ => Err(InvalidValue::new(
                "credit_code_check_digit",
                "the unified social credit code's check character does not match",
            )),
        }
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

string_serde!(CreditCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_codes() {
        for code in [
            "91350100M000100Y43",
            "91110000100000000R",
            "12350000MB0000000N",
        ] {
            assert!(code.parse::<CreditCode>().is_ok(), "{code}");
        }
    }

    #[test]
    fn check_value_31_maps_to_zero() {
        // Find a 17-character body whose weighted sum is 0 mod 31.
        let code: CreditCode = "000000000000000000".parse().expect("all zeros checks to 0");
        assert_eq!(code.as_str(), "000000000000000000");
    }

    #[test]
    fn refuses_bad_check_letters_and_length() {
        assert_eq!(
            "91350100M000100Y44"
                .parse::<CreditCode>()
                .expect_err("check")
                .code,
            "credit_code_check_digit"
        );
        assert_eq!(
            "91350100M000100YO3"
                .parse::<CreditCode>()
                .expect_err("O")
                .code,
            "credit_code_format"
        );
        assert_eq!(
            "9135".parse::<CreditCode>().expect_err("short").code,
            "credit_code_length"
        );
    }

    #[test]
    fn round_trips_through_json() {
        let code: CreditCode =
            serde_json::from_str("\"91350100m000100y43\"").expect("lower case accepted");
        assert_eq!(
            serde_json::to_string(&code).expect("ser"),
            "\"91350100M000100Y43\""
        );
        assert!(serde_json::from_str::<CreditCode>("\"91350100M000100Y44\"").is_err());
    }

    #[test]
    fn completes_the_check_character() {
        let code = CreditCode::with_check_char("91350100M000100Y4").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert!(CreditCode::with_check_char("91350100M000100YI").is_err());
    }
}
