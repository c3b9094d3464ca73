//! Value types every service validates the same way. Parsing is the only way to
//! build them, so a value of these types is always valid. With them, the
//! no-IO core the pure rules of every `domain/` build on: who acts
//! ([`Role`]) and how a bad field is reported ([`FieldError`], [`Validator`]).

mod citizen_id;
mod credit_code;
mod money;
mod occupation;
mod pii;
mod region;
mod role;
mod skill_level;
mod stat_year;
mod validate;
mod vocabulary;

pub use citizen_id::CitizenId;
pub use credit_code::CreditCode;
pub use money::Fen;
pub use occupation::OccupationCode;
pub use pii::{PersonId, PersonIdKey, PiiCipher, PiiError};
pub use region::CityCode;
pub use role::Role;
pub use skill_level::SkillLevel;
pub use stat_year::{business_date, StatisticalYear, BUSINESS_TZ};
pub use validate::{Checked, FieldError, Invalid, Validator};
pub use vocabulary::{Rating, TargetGroup, Vocabulary};

/// Why a value was refused. `code` is stable and machine-readable; `message`
/// is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    pub code: &'static str,
    pub message: String,
}

impl InvalidValue {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Implements `Serialize` as a string and `Deserialize` through `FromStr`,
/// so a bad value fails at the field that carries it.
macro_rules! string_serde {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                raw.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_serde;
