//! Why a use case of the registry refused or failed: one enum, each
//! business refusal with its stable code and HTTP status, mapped to the
//! problem+json answer in one place.

use actix_web::http::StatusCode;
use ids::FieldError;
use platform::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Unknown, or not the caller's to see (the same answer, so that another
    /// institution's existence does not leak).
    #[error("no such institution")]
    InstitutionNotFound,
    #[error("this organisation already has a live record in the city")]
    InstitutionExists,
    /// The lifecycle does not allow the decision now (`domain::institution::transition`).
    #[error("{message}")]
    Transition { code: &'static str, message: String },
    /// Rated D and not yet reviewed: the scope may narrow, not grow.
    #[error(
        "the institution was rated D and may not add occupations until the bureau has reviewed it"
    )]
    UnderReview,
    #[error("the institution is not under review")]
    NotUnderReview,
    #[error("the city already has a brand of that name")]
    BrandExists,
    /// Fields found wrong only against what the database holds.
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
            Self::InstitutionNotFound => Some((StatusCode::NOT_FOUND, "institution_not_found")),
            Self::InstitutionExists => conflict("institution_exists"),
            Self::Transition { code, .. } => conflict(code),
            Self::UnderReview => conflict("institution_under_review"),
            Self::NotUnderReview => conflict("not_under_review"),
            Self::BrandExists => conflict("brand_exists"),
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
        let e = ApiError::from(Error::InstitutionExists);
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert_eq!(e.code, "institution_exists");
        assert_eq!(
            e.detail,
            "this organisation already has a live record in the city"
        );
        let e = ApiError::from(Error::Transition {
            code: "invalid_transition",
            message: "an institution that is pending cannot be suspended".into(),
        });
        assert_eq!(
            (e.status, e.code),
            (StatusCode::CONFLICT, "invalid_transition")
        );
        assert_eq!(
            e.detail,
            "an institution that is pending cannot be suspended"
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
