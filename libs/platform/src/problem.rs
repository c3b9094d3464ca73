//! RFC 9457 problem details. Every error a client sees has a stable `code`.
//! The answers most operations share are documented once here, as reusable
//! OpenAPI responses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::openapi::{ComponentsBuilder, Ref, RefOr, Response};
use utoipa::{PartialSchema, ToResponse, ToSchema};

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

// The reusable answers: an operation names one by its status, as
// `(status = 404, response = platform::problem::NotFound)`, and the
// document refers to it (`#/components/responses/NotFound`). Each
// description holds wherever the answer is used; an operation for which the
// answer means more describes it inline instead.

/// `401`, from the bearer-token check.
#[derive(ToResponse)]
#[response(
    description = "No token (`token_missing`), or one that is malformed, expired, not yet valid, or not signed by a trusted key (`token_expired`, `token_key_unknown`, …)",
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"qiancheng\"`, with `error=\"invalid_token\"` when a token was sent"))
)]
pub struct Unauthorized(pub Problem);

/// `403`, from the access table or the caller's scope.
#[derive(ToResponse)]
#[response(
    description = "The token's role, city, organisation or scope may not do this (`forbidden_role`, `out_of_scope`, …)",
    content_type = "application/problem+json"
)]
pub struct Forbidden(pub Problem);

/// `404`, for a path naming something absent or hidden from the caller.
#[derive(ToResponse)]
#[response(
    description = "Nothing of that id, or nothing the caller may see (`not_found`, …)",
    content_type = "application/problem+json"
)]
pub struct NotFound(pub Problem);

/// `409`, when the resource's state refuses the request.
#[derive(ToResponse)]
#[response(
    description = "The resource's state does not allow this now; `code` says why (`concurrent_update`: it changed meanwhile, retry)",
    content_type = "application/problem+json"
)]
pub struct Conflict(pub Problem);

/// `409`, from [`crate::idempotency`] alone.
#[derive(ToResponse)]
#[response(
    description = "A request with this Idempotency-Key is still running (`idempotency_in_flight`)",
    content_type = "application/problem+json"
)]
pub struct IdempotencyInFlight(pub Problem);

/// `413`, from the JSON body reader.
#[derive(ToResponse)]
#[response(
    description = "The body is larger than 1 MiB, the most a JSON body may be (`body_too_large`)",
    content_type = "application/problem+json"
)]
pub struct PayloadTooLarge(pub Problem);

/// `415`, from the body reader.
#[derive(ToResponse)]
#[response(
    description = "The body is not of the documented media type (`unsupported_media_type`)",
    content_type = "application/problem+json"
)]
pub struct UnsupportedMediaType(pub Problem);

/// `422`, for invalid fields or parameters.
#[derive(ToResponse)]
#[response(
    description = "A field or parameter is invalid; `errors` names each (`validation_failed`, …)",
    content_type = "application/problem+json"
)]
pub struct Unprocessable(pub Problem);

/// `429`, from the public read path's rate limit.
#[derive(ToResponse)]
#[response(
    description = "Too many requests from this client (`rate_limited`); see `Retry-After`",
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds until the client may ask again"))
)]
pub struct TooManyRequests(pub Problem);

/// The `Problem` schema (with what it refers to) and every reusable answer,
/// added to a document's components.
pub fn components(builder: ComponentsBuilder) -> ComponentsBuilder {
    let mut schemas = vec![(Problem::name().into_owned(), Problem::schema())];
    Problem::schemas(&mut schemas);
    builder
        .schemas_from_iter(schemas)
        .response_from::<Unauthorized>()
        .response_from::<Forbidden>()
        .response_from::<NotFound>()
        .response_from::<Conflict>()
        .response_from::<IdempotencyInFlight>()
        .response_from::<PayloadTooLarge>()
        .response_from::<UnsupportedMediaType>()
        .response_from::<Unprocessable>()
        .response_from::<TooManyRequests>()
}

/// A reference to the reusable answer `R`, as an operation's response.
pub fn reference<'r, R: ToResponse<'r>>() -> RefOr<Response> {
    Ref::from_response_name(R::response().0).into()
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
