//! HTTP: authorises, checks a request into the values a use case takes,
//! calls that one use case (`app/`), and maps its result to a view.

mod access;
mod brands;
mod institutions;
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

/// The cache namespace of a city's public directory.
pub(crate) fn directory_namespace(city: &str) -> String {
    format!("directory:{city}")
}

/// Every route of the service; also the source of its OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(institutions::apply)
        .service(institutions::list)
        .service(institutions::get)
        .service(institutions::approve)
        .service(institutions::reject)
        .service(institutions::change_scope)
        .service(institutions::suspend)
        .service(institutions::reinstate)
        .service(institutions::remove)
        .service(institutions::review_rating)
        .service(brands::register)
        .service(brands::list)
        .service(public::directory);
}

pub(crate) type State = web::Data<AppState>;
