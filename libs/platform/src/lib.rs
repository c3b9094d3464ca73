//! What every service's HTTP side needs, in one place: configuration,
//! the actix bootstrap (health, readiness, metrics, request ids, OpenAPI and
//! Swagger UI), problem+json errors, bearer-token auth, idempotency keys,
//! cursor pagination, and the cached, rate-limited public read path.

pub mod access;
mod app_error;
pub mod audit;
pub mod auth;
pub mod config;
pub mod http;
pub mod idempotency;
pub mod json;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod problem;
pub mod public;
pub mod validate;

pub use app_error::AppError;
pub use problem::{ApiError, FieldError};
