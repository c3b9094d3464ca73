//! The one error of the application layer: every refusal a use case can
//! answer, each with its stable code and HTTP status, and the failures
//! beneath them (the database, the pool, a broken invariant).

use actix_web::http::StatusCode;
use platform::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such employment record")]
    RecordNotFound,
    #[error("no such completer")]
    FollowUpNotFound,
    #[error("no such apprenticeship")]
    ApprenticeshipNotFound,
    #[error("no such batch of yours")]
    BatchNotFound,
    /// The reporter may not report from this source, or not about this
    /// person (`domain::evidence::may_report` names the code).
    #[error("{message}")]
    ReportRefused {
        code: &'static str,
        message: &'static str,
    },
    #[error("an enterprise registers its own apprentices only")]
    NotTheParty,
    /// The apprenticeship's status.
    #[error("the apprenticeship is already {0}")]
    AlreadyDecided(String),
    #[error("the completer is employed; recommendations are for those who are not")]
    AlreadyEmployed,
    #[error("this batch is being received by another request; retry to get its report")]
    BatchInFlight,
    #[error("this batch id was used for a batch with other content")]
    BatchContentDiffers,
    /// The most lines a batch may have.
    #[error("a batch has at most {0} lines")]
    BatchTooLarge(u64),
    #[error("the body ended before it was read whole")]
    BatchIncomplete,
    /// What the transport said.
    #[error("{0}")]
    BodyUnreadable(String),
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
            Self::RecordNotFound => (StatusCode::NOT_FOUND, "record_not_found"),
            Self::FollowUpNotFound => (StatusCode::NOT_FOUND, "follow_up_not_found"),
            Self::ApprenticeshipNotFound => (StatusCode::NOT_FOUND, "apprenticeship_not_found"),
            Self::BatchNotFound => (StatusCode::NOT_FOUND, "batch_not_found"),
            Self::ReportRefused { code, .. } => (StatusCode::FORBIDDEN, *code),
            Self::NotTheParty => (StatusCode::FORBIDDEN, "out_of_scope"),
            Self::AlreadyDecided(_) => (StatusCode::CONFLICT, "already_decided"),
            Self::AlreadyEmployed => (StatusCode::CONFLICT, "already_employed"),
            Self::BatchInFlight => (StatusCode::CONFLICT, "batch_in_flight"),
            Self::BatchContentDiffers => {
                (StatusCode::UNPROCESSABLE_ENTITY, "batch_content_differs")
            }
            Self::BatchTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large"),
            Self::BatchIncomplete => (StatusCode::BAD_REQUEST, "batch_incomplete"),
            Self::BodyUnreadable(_) => (StatusCode::BAD_REQUEST, "body_unreadable"),
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
