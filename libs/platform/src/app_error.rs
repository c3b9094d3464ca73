//! How a service's application layer is answered over HTTP, the same way
//! in every service.

use actix_web::http::StatusCode;

use crate::ApiError;

/// The error of a service's application layer (its `app::Error`): a
/// business refusal has a status and a stable code and its message is the
/// detail the client reads; everything else (field errors, the database, a
/// broken invariant) says how it is answered.
pub trait AppError: std::error::Error + Sized {
    /// The status and stable code of a business refusal; `None` for what is
    /// answered otherwise.
    fn refusal(&self) -> Option<(StatusCode, &'static str)>;

    /// The answer to what is not a refusal.
    fn otherwise(self) -> ApiError;
}

impl<E: AppError> From<E> for ApiError {
    fn from(e: E) -> Self {
        match e.refusal() {
            Some((status, code)) => ApiError::new(status, code, e.to_string()),
            None => e.otherwise(),
        }
    }
}
