//! HTTP: authorises, checks a request into the values a use case takes,
//! calls that one use case (`app/`), and maps its result to a view.

mod access;
mod attendance;
mod classes;
mod enrolments;
mod supervision;
mod views;

use actix_web::web;
use ids::{CityCode, PersonIdKey, PiiCipher};
use utoipa_actix_web::service_config::ServiceConfig;

pub use access::ACCESS;
pub use views::*;

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
