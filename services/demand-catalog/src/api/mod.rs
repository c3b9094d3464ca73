//! HTTP: authorises, reads each request into checked values, calls one use
//! case of `app` and answers with its view.

mod access;
mod catalogues;
mod demands;
mod public;
mod views;

use actix_web::web;
use ids::CityCode;
use platform::public::PublicCache;
use utoipa_actix_web::service_config::ServiceConfig;

pub use access::ACCESS;
pub use views::*;

/// Shared by every handler.
pub struct AppState {
    pub pool: db::DbPool,
    /// The city this instance serves.
    pub city: CityCode,
    pub cache: PublicCache,
}

/// The cache namespace of a city's catalogue of a year.
pub(crate) fn catalogue_namespace(city: &str, year: i32) -> String {
    format!("catalogue:{city}:{year}")
}

/// Every route of the service; also the source of its OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(demands::submit)
        .service(demands::list)
        .service(demands::summary)
        .service(catalogues::create)
        .service(catalogues::list)
        .service(catalogues::get)
        .service(catalogues::add_entry)
        .service(catalogues::change_entry)
        .service(catalogues::withdraw_entry)
        .service(catalogues::publish)
        .service(catalogues::history)
        .service(public::catalogue)
        .service(public::occupation_list);
}

pub(crate) type State = web::Data<AppState>;
