//! The one error of the application layer: every refusal a use case can
//! answer, each with its stable code and HTTP status, and the failures
//! beneath them (the database, the pool, a broken invariant).

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use platform::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no scorecard of that institution and year")]
    ScorecardNotFound,
    #[error("the scorecard's rating is not overridden")]
    NotOverridden,
    #[error("no completed enrolment of yours with that id")]
    EnrolmentNotFound,
    /// The day the survey opens.
    #[error("this survey opens on {0}")]
    SurveyNotOpen(NaiveDate),
    #[error("this survey of the enrolment is answered already")]
    SurveyAlreadyAnswered,
    #[error("database error")]
    Db(#[from] diesel::result::Error),
    #[error("no database connection")]
    Pool(#[from] db::PoolError),
    /// Something that cannot happen with the data this service wrote.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl platform::AppError for Error {
    /// The status and stable code of a refusal; `None` for a failure.
    fn refusal(&self) -> Option<(StatusCode, &'static str)> {
        Some(match self {
            Self::ScorecardNotFound => (StatusCode::NOT_FOUND, "scorecard_not_found"),
            Self::NotOverridden => (StatusCode::CONFLICT, "not_overridden"),
            Self::EnrolmentNotFound => (StatusCode::NOT_FOUND, "enrolment_not_found"),
            Self::SurveyNotOpen(_) => (StatusCode::CONFLICT, "survey_not_open"),
            Self::SurveyAlreadyAnswered => (StatusCode::CONFLICT, "survey_already_answered"),
            Self::Db(_) | Self::Pool(_) | Self::Internal(_) => return None,
        })
    }

    fn otherwise(self) -> ApiError {
        match self {
            Self::Db(e) => e.into(),
            Self::Pool(e) => e.into(),
            other => ApiError::internal(other),
        }
    }
}
