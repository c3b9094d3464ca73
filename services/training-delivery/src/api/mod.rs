//! HTTP: authorises, checks a request into the values a use case takes,
//! calls that one use case (`app/`), and maps its result to a view.

mod access;
mod attendance;
mod classes;
mod enrolments;
mod examples;
mod supervision;
mod views;

use actix_web::web;
use ids::{CityCode, PersonIdKey, PiiCipher};
use platform::pagination;
use platform::validate::Validator;
use utoipa_actix_web::service_config::ServiceConfig;

pub use access::ACCESS;
pub use views::*;

/// How every creating POST documents its `Idempotency-Key`.
const IDEMPOTENCY_KEY: &str = "Makes a retried request safe: the same key and body are answered as the first time (`Idempotent-Replayed: true`); the key with another body is refused (422 `idempotency_key_reused`), and while the first is still running, 409 `idempotency_in_flight`";

/// Shared by every handler.
pub struct AppState {
    pub pool: db::DbPool,
    pub city: CityCode,
    pub cipher: PiiCipher,
    pub person_ids: PersonIdKey,
    pub grace: chrono::Duration,
    pub threshold_percent: u8,
}

/// Every route of the service; also the source of its OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(classes::file)
        .service(classes::list)
        .service(classes::get)
        .service(classes::approve)
        .service(enrolments::enrol)
        .service(enrolments::roster)
        .service(enrolments::withdraw)
        .service(supervision::inspect)
        .service(attendance::record)
        .service(attendance::archive)
        .service(attendance::close);
}

pub(crate) type State = web::Data<AppState>;

/// The page size and the previous page's last key of a list request; their
/// refusals (`limit_range`, `cursor_invalid`) join the filters' in `v`, so
/// that one answer names every bad parameter.
fn paging<K: serde::de::DeserializeOwned>(
    v: &mut Validator,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> (i64, Option<K>) {
    let limit = pagination::limit(limit).unwrap_or_else(|e| {
        v.extend(e.errors);
        pagination::DEFAULT_LIMIT
    });
    let after = pagination::decode_cursor(cursor).unwrap_or_else(|e| {
        v.extend(e.errors);
        None
    });
    (limit, after)
}
