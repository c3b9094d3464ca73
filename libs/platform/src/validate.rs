//! The request validator lives with the value types in `ids`, so the pure
//! rules of `domain/` use it without the HTTP side; its [`ids::Invalid`]
//! answers as a 422 through `From<Invalid> for ApiError`.

pub use ids::{Checked, Invalid, Validator};
