//! What a use case of subsidy payment can answer besides success: each
//! refusal with its stable code and status, and one conversion into the
//! problem+json response.

use actix_web::http::StatusCode;
use platform::ApiError;

use crate::domain::entitlement::Reason;
use crate::domain::status::ClaimStatus;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `claim_not_found` (404).
    #[error("no such claim")]
    ClaimNotFound,
    /// `claim_not_in_review` (409): the claim is decided or frozen.
    #[error("the claim is {0}, not awaiting review")]
    ClaimNotInReview(ClaimStatus),
    /// `claim_not_disputable` (409).
    #[error("the claim is {0}")]
    ClaimNotDisputable(ClaimStatus),
    /// `already_disputed` (409).
    #[error("the claim already has an open dispute")]
    AlreadyDisputed,
    /// `dispute_not_found` (404).
    #[error("no such dispute")]
    DisputeNotFound,
    /// `dispute_resolved` (409).
    #[error("the dispute is already resolved")]
    DisputeResolved,
    /// `payment_in_flight` (409): the bank has not answered yet.
    #[error("the payment is at the bank; resolve the dispute once the bank has answered")]
    PaymentInFlight,
    /// `evidence_not_found` (404): no such evidence for the caller.
    #[error("{0}")]
    EvidenceNotFound(&'static str),
    /// `claim_not_paid` (409): only a paid claim is recovered.
    #[error("the claim is {0}; only a paid claim is recovered")]
    ClaimNotPaid(ClaimStatus),
    /// `recovery_not_found` (404).
    #[error("no such recovery order")]
    RecoveryNotFound,
    /// `not_payable` (422): the evidence does not make the subsidy payable.
    #[error("the evidence does not make this subsidy payable")]
    NotPayable(Vec<Reason>),
    /// The voucher rules refused (422, the rule's own code).
    #[error(transparent)]
    VoucherRefused(crate::domain::voucher::VoucherError),
    /// An event or a stored row this version cannot read (500; an event
    /// refused for it waits on the dead-letter topic).
    #[error("unreadable: {0}")]
    Unreadable(String),
    /// The ledger refused, the database failed, or a stored row is
    /// unreadable (422, 503 or 500: see [`StoreError`]).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    /// A value this version cannot read: never defaulted, always an
    /// internal error.
    pub fn corrupt(e: impl std::fmt::Display) -> Self {
        Self::Unreadable(e.to_string())
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(StoreError::Db(e))
    }
}

impl From<ids::InvalidValue> for Error {
    fn from(e: ids::InvalidValue) -> Self {
        Self::corrupt(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::corrupt(e)
    }
}

impl From<std::num::TryFromIntError> for Error {
    fn from(e: std::num::TryFromIntError) -> Self {
        Self::corrupt(e)
    }
}

impl platform::AppError for Error {
    fn refusal(&self) -> Option<(StatusCode, &'static str)> {
        let not_found = |code| Some((StatusCode::NOT_FOUND, code));
        let conflict = |code| Some((StatusCode::CONFLICT, code));
        match self {
            Self::ClaimNotFound => not_found("claim_not_found"),
            Self::ClaimNotInReview(_) => conflict("claim_not_in_review"),
            Self::ClaimNotDisputable(_) => conflict("claim_not_disputable"),
            Self::AlreadyDisputed => conflict("already_disputed"),
            Self::DisputeNotFound => not_found("dispute_not_found"),
            Self::DisputeResolved => conflict("dispute_resolved"),
            Self::PaymentInFlight => conflict("payment_in_flight"),
            Self::EvidenceNotFound(_) => not_found("evidence_not_found"),
            Self::ClaimNotPaid(_) => conflict("claim_not_paid"),
            Self::RecoveryNotFound => not_found("recovery_not_found"),
            Self::VoucherRefused(refused) => {
                Some((StatusCode::UNPROCESSABLE_ENTITY, refused.code()))
            }
            Self::NotPayable(_) | Self::Unreadable(_) | Self::Store(_) => None,
        }
    }

    fn otherwise(self) -> ApiError {
        match self {
            Self::NotPayable(reasons) => {
                let mut answer = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "not_payable",
                    "the evidence does not make this subsidy payable; the errors say why",
                );
                answer.errors = reasons
                    .into_iter()
                    .map(|r| ids::FieldError::new("kind", r.code, r.text))
                    .collect();
                answer
            }
            Self::Store(e) => e.into(),
            other => ApiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error as Db};

    #[test]
    fn a_database_outage_inside_a_use_case_stays_transient_for_the_consumer() {
        let outage = || {
            Db::DatabaseError(
                DatabaseErrorKind::ClosedConnection,
                Box::new("server closed the connection".to_owned()),
            )
        };
        let through_store = anyhow::Error::from(Error::from(StoreError::from(outage())));
        let direct = anyhow::Error::from(Error::from(outage()));
        assert!(messaging::is_transient(&through_store));
        assert!(messaging::is_transient(&direct));
        let refused = anyhow::Error::from(Error::corrupt("unknown fund \"x\""));
        assert!(!messaging::is_transient(&refused));
    }

    #[test]
    fn each_refusal_answers_with_its_code_and_status() {
        let cases = [
            (Error::ClaimNotFound, 404, "claim_not_found"),
            (
                Error::ClaimNotInReview(ClaimStatus::Paid),
                409,
                "claim_not_in_review",
            ),
            (
                Error::ClaimNotPaid(ClaimStatus::Approved),
                409,
                "claim_not_paid",
            ),
            (Error::RecoveryNotFound, 404, "recovery_not_found"),
            (
                Error::ClaimNotDisputable(ClaimStatus::Refused),
                409,
                "claim_not_disputable",
            ),
            (Error::AlreadyDisputed, 409, "already_disputed"),
            (Error::DisputeNotFound, 404, "dispute_not_found"),
            (Error::DisputeResolved, 409, "dispute_resolved"),
            (Error::PaymentInFlight, 409, "payment_in_flight"),
            (
                Error::EvidenceNotFound("no such evidence for the caller"),
                404,
                "evidence_not_found",
            ),
            (Error::NotPayable(Vec::new()), 422, "not_payable"),
            (Error::corrupt("unreadable"), 500, "internal"),
        ];
        for (error, status, code) in cases {
            let answer = ApiError::from(error);
            assert_eq!((answer.status.as_u16(), answer.code), (status, code));
        }
        let answer = ApiError::from(Error::ClaimNotInReview(ClaimStatus::Paid));
        assert_eq!(answer.detail, "the claim is paid, not awaiting review");
    }
}
