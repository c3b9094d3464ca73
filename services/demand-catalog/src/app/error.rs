//! The one error of the catalogue's use cases: every refusal with its
//! stable code and HTTP status, and the failures underneath. Its `Display`
//! is the detail the client reads.

use actix_web::http::StatusCode;
use ids::{CityCode, FieldError, OccupationCode, SkillLevel};
use platform::ApiError;

use crate::domain::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such catalogue")]
    CatalogueNotFound,
    #[error("no such entry in this catalogue")]
    EntryNotFound,
    /// The year asked for.
    #[error("no published catalogue for {0}")]
    CatalogueNotPublished(i32),
    /// The catalogue's city, which the caller does not act for.
    #[error("the caller does not act for city {0}")]
    OutOfScope(CityCode),
    #[error("city {city} already has a catalogue for {year}")]
    CatalogueExists { city: CityCode, year: i32 },
    #[error("the catalogue already lists {code} at level {level}")]
    EntryExists {
        code: OccupationCode,
        level: SkillLevel,
    },
    /// A change asked of a withdrawn entry.
    #[error("a withdrawn entry cannot change")]
    EntryWithdrawn,
    /// A second withdrawal.
    #[error("the entry is already withdrawn")]
    AlreadyWithdrawn,
    /// The rules' refusal of the current state (`domain::Refusal`).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The rules' refusal of the caller (`domain::Refusal`).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },

    /// Fields refused, every one named (422 `validation_failed`): checks
    /// that need what only the database knows.
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// Something this service stored or built does not read; the cause
    /// goes to the log only.
    #[error("{0}")]
    Internal(String),
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

impl Error {
    /// A value this service built or stored that does not read.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Invalid(errors) => Self::Invalid(errors),
            Refusal::Conflict { code, message } => Self::Conflict { code, message },
            Refusal::Forbidden { code, message } => Self::Forbidden { code, message },
        }
    }
}

impl From<ids::Invalid> for Error {
    fn from(invalid: ids::Invalid) -> Self {
        Self::Invalid(invalid.errors)
    }
}

impl platform::AppError for Error {
    /// `Invalid`, `Internal` and `Db` are answered as `platform` maps them
    /// (field errors, a logged cause, the database's kind of failure).
    fn refusal(&self) -> Option<(StatusCode, &'static str)> {
        Some(match self {
            Self::CatalogueNotFound => (StatusCode::NOT_FOUND, "catalogue_not_found"),
            Self::EntryNotFound => (StatusCode::NOT_FOUND, "entry_not_found"),
            Self::CatalogueNotPublished(_) => (StatusCode::NOT_FOUND, "catalogue_not_published"),
            Self::OutOfScope(_) => (StatusCode::FORBIDDEN, "out_of_scope"),
            Self::CatalogueExists { .. } => (StatusCode::CONFLICT, "catalogue_exists"),
            Self::EntryExists { .. } => (StatusCode::CONFLICT, "entry_exists"),
            Self::EntryWithdrawn | Self::AlreadyWithdrawn => {
                (StatusCode::CONFLICT, "entry_withdrawn")
            }
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, *code),
            Self::Forbidden { code, .. } => (StatusCode::FORBIDDEN, *code),
            Self::Invalid(_) | Self::Internal(_) | Self::Db(_) => return None,
        })
    }

    fn otherwise(self) -> ApiError {
        match self {
            Self::Invalid(errors) => ApiError::validation(errors),
            Self::Db(db) => db.into(),
            other => ApiError::internal(other),
        }
    }
}
