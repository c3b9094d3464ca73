//! The one error of skill assessment's use cases: every refusal with its
//! stable code and HTTP status, and the failures underneath. Its `Display`
//! is the detail the client reads.

use actix_web::http::StatusCode;
use ids::FieldError;
use platform::ApiError;

use crate::domain::body::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the caller's organisation is not a filed assessment body")]
    NotABody,
    #[error("exceptional certification is filed by an enterprise filed as an assessment body")]
    NotAnEnterpriseBody,
    /// What only the body may do: "registers its candidates", …
    #[error("only the body {0}")]
    NotTheBody(&'static str),

    #[error("no such assessment body")]
    BodyNotFound,
    #[error("no such exam session")]
    SessionNotFound,
    #[error("no such candidate in this session")]
    CandidateNotFound,
    #[error("no such certificate")]
    CertificateNotFound,
    /// The public lookup: an unknown number and a wrong name alike.
    #[error("no certificate matches this number and holder name")]
    NoCertificateMatches,
    #[error("no such exceptional certification")]
    ExceptionalNotFound,
    #[error("no such issuer")]
    IssuerNotFound,

    #[error("a body with this credit code is already filed")]
    BodyAlreadyFiled,
    /// The body's status, which the change does not start from.
    #[error("the body is {0}")]
    BodyStatus(String),
    #[error("this credential number is already registered with the body")]
    StaffAlreadyRegistered,
    #[error("the exam has taken place")]
    SessionOver,
    #[error("no completed class of this occupation and level is on record for this person")]
    NoCompletion,
    #[error("this person is already a candidate of the session")]
    AlreadyRegistered,
    #[error("results are recorded on or after the exam date")]
    ExamNotHeld,
    #[error("this candidate's result is already recorded; a wrong result is corrected by revoking what it produced")]
    ResultRecorded,
    #[error("no result is recorded for this candidate")]
    NoResult,
    #[error("a certificate is issued only for a passed result")]
    ResultFailed,
    #[error("this result already has its certificate")]
    AlreadyIssued,
    #[error("the body has used every serial of this year and level")]
    SerialsExhausted,
    #[error("the certificate is already revoked")]
    AlreadyRevoked,
    /// The application's status once reviewed.
    #[error("the application was {0}")]
    AlreadyReviewed(String),
    #[error("this person is already selected that year")]
    AlreadySelected,
    #[error(
        "the body that issued this certificate has no signing key yet; the bureau issues it one"
    )]
    IssuerKeyMissing,

    /// Fields refused for what only the database knows (422
    /// `validation_failed`, every field named).
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// Something this service stored no longer reads back; the cause goes
    /// to the log only.
    #[error("{0}")]
    Internal(String),
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

impl Error {
    /// A body's refusals, one field error each, all on `body`.
    pub fn refused(reasons: Vec<Refusal>) -> Self {
        Self::Invalid(
            reasons
                .into_iter()
                .map(|r| FieldError::new("body", r.code, r.detail))
                .collect(),
        )
    }

    /// A stored value that does not read back.
    pub fn stored(what: &str) -> Self {
        Self::Internal(format!("stored {what}"))
    }
}

impl platform::AppError for Error {
    /// `Invalid`, `Internal` and `Db` are answered as `platform` maps them
    /// (field errors, a logged cause, the database's kind of failure).
    fn refusal(&self) -> Option<(StatusCode, &'static str)> {
        Some(match self {
            Self::NotABody => (StatusCode::FORBIDDEN, "not_a_body"),
            Self::NotAnEnterpriseBody => (StatusCode::FORBIDDEN, "not_an_enterprise_body"),
            Self::NotTheBody(_) => (StatusCode::FORBIDDEN, "not_the_body"),
            Self::BodyNotFound => (StatusCode::NOT_FOUND, "body_not_found"),
            Self::SessionNotFound => (StatusCode::NOT_FOUND, "session_not_found"),
            Self::CandidateNotFound => (StatusCode::NOT_FOUND, "candidate_not_found"),
            Self::CertificateNotFound | Self::NoCertificateMatches => {
                (StatusCode::NOT_FOUND, "certificate_not_found")
            }
            Self::ExceptionalNotFound => (StatusCode::NOT_FOUND, "exceptional_not_found"),
            Self::IssuerNotFound => (StatusCode::NOT_FOUND, "issuer_not_found"),
            Self::BodyAlreadyFiled => (StatusCode::CONFLICT, "body_already_filed"),
            Self::BodyStatus(_) => (StatusCode::CONFLICT, "body_status"),
            Self::StaffAlreadyRegistered => (StatusCode::CONFLICT, "staff_already_registered"),
            Self::SessionOver => (StatusCode::CONFLICT, "session_over"),
            Self::NoCompletion => (StatusCode::CONFLICT, "no_completion"),
            Self::AlreadyRegistered => (StatusCode::CONFLICT, "already_registered"),
            Self::ExamNotHeld => (StatusCode::CONFLICT, "exam_not_held"),
            Self::ResultRecorded => (StatusCode::CONFLICT, "result_recorded"),
            Self::NoResult => (StatusCode::CONFLICT, "no_result"),
            Self::ResultFailed => (StatusCode::CONFLICT, "result_failed"),
            Self::AlreadyIssued => (StatusCode::CONFLICT, "already_issued"),
            Self::SerialsExhausted => (StatusCode::CONFLICT, "serials_exhausted"),
            Self::AlreadyRevoked => (StatusCode::CONFLICT, "already_revoked"),
            Self::AlreadyReviewed(_) => (StatusCode::CONFLICT, "already_reviewed"),
            Self::AlreadySelected => (StatusCode::CONFLICT, "already_selected"),
            Self::IssuerKeyMissing => (StatusCode::CONFLICT, "issuer_key_missing"),
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
