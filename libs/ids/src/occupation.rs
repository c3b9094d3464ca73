//! Occupation codes of the national classification (职业分类大典): `d-dd-dd-dd`.

use std::fmt;
use std::str::FromStr;

use crate::{string_serde, InvalidValue};

/// An occupation code of the national classification (GB/T 6565, 2022
/// edition): `d-dd-dd-dd`, optionally followed by a sub-trade (工种) `-dd`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
#[schema(value_type = String, example = "4-10-01-05", pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
pub struct OccupationCode(String);

impl OccupationCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The occupation without its sub-trade suffix.
    pub fn occupation(&self) -> &str {
        &self.0[..10]
    }

    /// True when `self` equals `prefix` or lies beneath it in the
    /// classification (`4-10` covers `4-10-01-05`).
    pub fn starts_with_group(&self, prefix: &str) -> bool {
        self.0 == prefix || self.0.starts_with(&format!("{prefix}-"))
    }
}

impl FromStr for OccupationCode {
    type Err = InvalidValue;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let s = raw.trim();
        let parts: Vec<&str> = s.split('-').collect();
        let major = match parts.as_slice() {
            [major, groups @ ..]
                if major.len() == 1
                    && matches!(groups.len(), 3 | 4)
                    && groups.iter().all(|p| p.len() == 2)
                    && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
            {
                major
            }
            _ => {
                return Err(InvalidValue::new(
                    "occupation_code_format",
                    "an occupation code looks like 4-10-01-05 (optionally with a sub-trade, 4-10-01-05-01)",
                ))
            }
        };
        if !matches!(major.as_bytes(), [b'1'..=b'8']) {
            return Err(InvalidValue::new(
                "occupation_code_major_group",
                "the major group of an occupation code is 1 to 8",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for OccupationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for OccupationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OccupationCode({})", self.0)
    }
}

string_serde!(OccupationCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_occupations_and_sub_trades() {
        let code: OccupationCode = "4-10-01-05".parse().expect("valid");
        assert_eq!(code.occupation(), "4-10-01-05");
        let sub: OccupationCode = "6-18-01-01-02".parse().expect("sub-trade");
        assert_eq!(sub.occupation(), "6-18-01-01");
        assert!(sub.starts_with_group("6-18"));
        assert!(!sub.starts_with_group("6-1"));
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in [
            "4-10-01",
            "41-0-01-05",
            "4-10-01-5",
            "4-10-01-05-1",
            "9-10-01-05",
            "a-10-01-05",
            "",
        ] {
            assert!(bad.parse::<OccupationCode>().is_err(), "{bad}");
        }
    }
}
