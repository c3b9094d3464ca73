//! RFC 9457 problem details. Every error a client sees has a stable `code`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

pub use ids::FieldError;

/// `application/problem+json`
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:qiancheng:problem:<code>`
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable, machine-readable.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the request has invalid fields",
            )
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    /// The same answer under another stable code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        // The cause goes to the log (with the trace id), never to the client.
        tracing::error!(error = %err, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred",
        )
    }

    pub fn unavailable(what: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %what, "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "a dependency is unavailable; try again",
        )
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:qiancheng:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: Some(self.detail.clone()),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type("application/problem+json");
        if let Some(secs) = self.retry_after {
            res.insert_header(("Retry-After", secs.to_string()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: the scheme, and that the token (if any) failed.
            let value = if self.code == "token_missing" {
                r#"Bearer realm="qiancheng""#
            } else {
                r#"Bearer realm="qiancheng", error="invalid_token""#
            };
            res.insert_header(("WWW-Authenticate", value));
        }
        res.json(self.problem())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::not_found("not_found", "no such resource"),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Self::conflict(
                "concurrent_update",
                "the resource changed concurrently; retry",
            ),
            other => Self::internal(other),
        }
    }
}

impl From<db::PoolError> for ApiError {
    fn from(e: db::PoolError) -> Self {
        Self::unavailable(e)
    }
}

/// Every bad field, as the 422 `validation_failed` answer.
impl From<ids::Invalid> for ApiError {
    fn from(invalid: ids::Invalid) -> Self {
        Self::validation(invalid.errors)
    }
}
