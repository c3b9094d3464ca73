//! Resident identity card numbers (GB 11643) with their check character:
//! never displayed, masked in debug output.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::InvalidValue;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// A resident citizen ID number (公民身份号码, GB 11643).
///
/// Personal data: `Debug` prints it masked and it has no `Display`; the full
/// number is only reachable through [`CitizenId::expose`], for encryption and
/// hashing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CitizenId {
    number: String,
    /// Read from the number when it was parsed (it must hold a real date).
    birth_date: NaiveDate,
}

impl CitizenId {
    /// The number in full. Use only to encrypt or hash it.
    pub fn expose(&self) -> &str {
        &self.number
    }

    /// `350102********123X`: region code and last four characters kept.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.number[..6], &self.number[14..])
    }

    pub fn region_code(&self) -> &str {
        &self.number[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The 17th digit is odd for men.
    #[allow(
        clippy::indexing_slicing,
        reason = "the number was parsed as 18 ASCII characters"
    )]
    pub fn is_male(&self) -> bool {
        (self.number.as_bytes()[16] - b'0') % 2 == 1
    }

    /// Whole years of age on `date`.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        let birth = self.birth_date();
        let mut age = date.year() - birth.year();
        if (date.month(), date.day()) < (birth.month(), birth.day()) {
            age -= 1;
        }
        // Born after `date`: no age yet.
        u32::try_from(age).unwrap_or(0)
    }
}

fn parse_birth_date(s: &str) -> Option<NaiveDate> {
    let y = s[6..10].parse().ok()?;
    let m = s[10..12].parse().ok()?;
    let d = s[12..14].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d).filter(|date| date.year() >= 1900)
}

#[allow(
    clippy::indexing_slicing,
    reason = "sum % 11 is below 11, the table's length"
)]
fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl CitizenId {
    /// Completes the first 17 characters with their check character: for
    /// generating valid numbers (test data, benchmarks), still fully checked.
    pub fn with_check_char(first17: &str) -> Result<Self, InvalidValue> {
        if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::new(
                "citizen_id_format",
                "17 digits come before the check character",
            ));
        }
        let check = char::from(check_char(first17.as_bytes()));
        format!("{first17}{check}").parse()
    }
}

impl FromStr for CitizenId {
    type Err = InvalidValue;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let s = raw.trim().to_ascii_uppercase();
        let Ok([first17 @ .., last]) = <&[u8; 18]>::try_from(s.as_bytes()) else {
            return Err(InvalidValue::new(
                "citizen_id_length",
                "a citizen ID number has 18 characters",
            ));
        };
        if !first17.iter().all(u8::is_ascii_digit) || !(last.is_ascii_digit() || *last == b'X') {
            return Err(InvalidValue::new(
                "citizen_id_format",
                "a citizen ID number is 17 digits and a digit or X",
            ));
        }
        let Some(birth_date) = parse_birth_date(&s) else {
            return Err(InvalidValue::new(
                "citizen_id_birth_date",
                "the birth date inside the citizen ID number is not a real date",
            ));
        };
        if check_char(first17) != *last {
            return Err(InvalidValue::new(
                "citizen_id_check_digit",
                "the citizen ID number's check character does not match",
            ));
        }
        Ok(Self {
            number: s,
            birth_date,
        })
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A well-known sample number from the standard's examples.
    const SAMPLE: &str = "11010519491231002X";

    #[test]
    fn accepts_a_valid_number_and_reads_its_parts() {
        let id: CitizenId = SAMPLE.parse().expect("valid");
        assert_eq!(id.region_code(), "110105");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).expect("date")
        );
        assert!(!id.is_male());
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn lower_case_x_is_normalised() {
        let id: CitizenId = "11010519491231002x".parse().expect("valid");
        assert_eq!(id.expose(), SAMPLE);
    }

    #[test]
    fn refuses_a_wrong_check_character() {
        let err = "110105194912310021"
            .parse::<CitizenId>()
            .expect_err("bad check");
        assert_eq!(err.code, "citizen_id_check_digit");
    }

    #[test]
    fn refuses_impossible_birth_dates_and_bad_shapes() {
        assert_eq!(
            "110105194902300023"
                .parse::<CitizenId>()
                .expect_err("feb 30")
                .code,
            "citizen_id_birth_date"
        );
        assert_eq!(
            "1101051949".parse::<CitizenId>().expect_err("short").code,
            "citizen_id_length"
        );
        assert_eq!(
            "11010519491231002Y"
                .parse::<CitizenId>()
                .expect_err("letter")
                .code,
            "citizen_id_format"
        );
    }

    #[test]
    fn debug_never_shows_the_full_number() {
        let id: CitizenId = SAMPLE.parse().expect("valid");
        assert!(!format!("{id:?}").contains("19491231"));
    }

    #[test]
    fn age_counts_whole_years() {
        let id: CitizenId = SAMPLE.parse().expect("valid");
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(id.age_on(d(2025, 12, 30)), 75);
        assert_eq!(id.age_on(d(2025, 12, 31)), 76);
    }

    #[test]
    fn completes_the_check_character() {
        let id = CitizenId::with_check_char("11010519491231002").unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
        assert!(CitizenId::with_check_char("1101051949123100").is_err());
    }
}
