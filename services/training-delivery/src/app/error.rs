//! Why a use case of training delivery refused or failed: one enum, each
//! business refusal with its stable code and HTTP status, mapped to the
//! problem+json answer in one place.

use actix_web::http::StatusCode;
use ids::FieldError;
use platform::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Unknown, or not the caller's to see (the same answer, so that another
    /// institution's classes do not show they exist).
    #[error("no such class")]
    ClassNotFound,
    /// The institution filed for is not the caller's organisation.
    #[error("an institution files classes for itself only")]
    NotOwnInstitution,
    #[error("the class is already {status}")]
    ClassNotFiled { status: String },
    #[error("the class is {status}")]
    ClassNotOpen { status: String },
    #[error("a class closes after its last session")]
    ClassNotEnded,
    #[error("a closed class keeps its roster")]
    ClassClosed,
    #[error("no such enrolment in this class")]
    EnrolmentNotFound,
    #[error("the trainee already left the roster")]
    AlreadyWithdrawn,
    #[error("this was recorded for the session already")]
    AlreadyRecorded,
    /// A rule of `domain/` says no now (an enrolment, an attendance record),
    /// with its own code.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// Fields found wrong only against what the database holds (every
    /// reason a filing is refused, an enrolment not of the class).
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// Not `transparent`: the consumer runner finds the diesel error in the
    /// chain and retries a transient one instead of dead-lettering it.
    #[error("the database failed")]
    Db(#[from] diesel::result::Error),
    /// A stored value or an event of this service that does not have the
    /// shape it must: a bug or broken data, answered 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl platform::AppError for Error {
    /// The status and stable code of a business refusal; `None` for what is
    /// answered otherwise (field errors, the database, internal failures).
    fn refusal(&self) -> Option<(StatusCode, &'static str)> {
        let conflict = |code| Some((StatusCode::CONFLICT, code));
        match self {
            Self::ClassNotFound => Some((StatusCode::NOT_FOUND, "class_not_found")),
            Self::NotOwnInstitution => Some((StatusCode::FORBIDDEN, "out_of_scope")),
            Self::ClassNotFiled { .. } => conflict("class_not_filed"),
            Self::ClassNotOpen { .. } => conflict("class_not_open"),
            Self::ClassNotEnded => conflict("class_not_ended"),
            Self::ClassClosed => conflict("class_closed"),
            Self::EnrolmentNotFound => Some((StatusCode::NOT_FOUND, "enrolment_not_found")),
            Self::AlreadyWithdrawn => conflict("already_withdrawn"),
            Self::AlreadyRecorded => conflict("already_recorded"),
            Self::Refused { code, .. } => conflict(code),
            Self::Invalid(_) | Self::Db(_) | Self::Internal(_) => None,
        }
    }

    fn otherwise(self) -> ApiError {
        match self {
            Self::Invalid(errors) => ApiError::validation(errors),
            Self::Db(e) => ApiError::from(e),
            other => ApiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_answers_with_its_code_status_and_detail() {
        let e = ApiError::from(Error::ClassNotFiled {
            status: "approved".into(),
        });
        assert_eq!(
            (e.status, e.code),
            (StatusCode::CONFLICT, "class_not_filed")
        );
        assert_eq!(e.detail, "the class is already approved");
        let e = ApiError::from(Error::NotOwnInstitution);
        assert_eq!((e.status, e.code), (StatusCode::FORBIDDEN, "out_of_scope"));
        let e = ApiError::from(Error::Refused {
            code: "class_full",
            message: "the class holds 30".into(),
        });
        assert_eq!(
            (e.code, e.detail.as_str()),
            ("class_full", "the class holds 30")
        );
        let e = ApiError::from(Error::Invalid(vec![FieldError::new("f", "c", "m")]));
        assert_eq!((e.status.as_u16(), e.errors.len()), (422, 1));
    }

    #[test]
    fn a_database_failure_stays_findable_in_the_chain() {
        let e = anyhow::Error::from(Error::Db(diesel::result::Error::BrokenTransactionManager));
        assert!(e.chain().any(|cause| cause.is::<diesel::result::Error>()));
        let e = ApiError::from(Error::Db(diesel::result::Error::NotFound));
        assert_eq!(e.code, "not_found");
    }
}
