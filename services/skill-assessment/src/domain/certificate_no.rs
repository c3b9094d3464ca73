//! The 22-character national certificate number: kind letter (S social
//! body, Y enterprise), 4-digit body code, 2-digit province, 6-digit site,
//! 2-digit year, 1-digit level, 6-digit serial.

use std::fmt;
use std::str::FromStr;

use ids::{InvalidValue, SkillLevel};

/// Fujian's province code (闽).
pub const FUJIAN: &str = "35";

/// A certificate number, checked for shape and for a level digit it knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateNo(String);

/// The level digit: the national grade (5 初级工 … 1 高级技师); the rungs of
/// the eight-level ladder without a national grade use 6 (学徒工),
/// 7 (特级技师) and 8 (首席技师).
pub fn level_digit(level: SkillLevel) -> char {
    match level.national_grade() {
        Some(g) => char::from(b'0' + g),
        None => match level {
            SkillLevel::Apprentice => '6',
            SkillLevel::MasterTechnician => '7',
            _ => '8',
        },
    }
}

impl CertificateNo {
    /// Composes a number; `site` is the 6-digit region code of the city
    /// instance that issues it, so numbers are unique province-wide.
    pub fn compose(
        letter: char,
        body_code: &str,
        site: &str,
        year: i32,
        level: SkillLevel,
        serial: u32,
    ) -> Self {
        Self(format!(
            "{letter}{body_code}{FUJIAN}{site}{:02}{}{serial:06}",
            year.rem_euclid(100),
            level_digit(level)
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CertificateNo {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            InvalidValue::new(
                "certificate_no_format",
                format!("not a certificate number: {why}"),
            )
        };
        let s = s.trim().to_ascii_uppercase();
        if s.len() != 22 || !s.is_ascii() {
            return Err(bad("22 characters expected"));
        }
        let (letter, digits) = s.split_at(1);
        if letter != "S" && letter != "Y" {
            return Err(bad("the first character is S or Y"));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("21 digits follow the letter"));
        }
        if &digits[4..6] != FUJIAN {
            return Err(bad("not issued in Fujian (province 35)"));
        }
        if !digits
            .as_bytes()
            .get(14)
            .is_some_and(|d| (b'1'..=b'8').contains(d))
        {
            return Err(bad("unknown level digit"));
        }
        Ok(Self(s))
    }
}

impl fmt::Display for CertificateNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_the_national_layout() {
        let no = CertificateNo::compose('S', "0007", "350100", 2026, SkillLevel::Senior, 42);
        assert_eq!(no.as_str(), "S000735350100263000042");
        assert_eq!(no.as_str().len(), 22);
        assert_eq!(no.as_str().parse::<CertificateNo>().unwrap(), no);
    }

    #[test]
    fn level_digits_follow_the_national_grades() {
        assert_eq!(level_digit(SkillLevel::Junior), '5');
        assert_eq!(level_digit(SkillLevel::SeniorTechnician), '1');
        assert_eq!(level_digit(SkillLevel::Apprentice), '6');
        assert_eq!(level_digit(SkillLevel::ChiefTechnician), '8');
    }

    #[test]
    fn rejects_malformed_numbers() {
        for bad in [
            "",
            "S00073535010026300004",
            "X000735350100263000042",
            "S0007353501002630000A2",
            "S000744350100263000042",
            "S000735350100269000042",
        ] {
            assert!(bad.parse::<CertificateNo>().is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_lower_case_and_spaces_leniently() {
        let no: CertificateNo = " y000735350100263000042 ".parse().unwrap();
        assert_eq!(no.as_str(), "Y000735350100263000042");
    }
}
