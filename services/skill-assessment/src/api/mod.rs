//! HTTP: translates requests into domain calls and store transactions.

mod access;
mod bodies;
mod certificates;
mod exceptional;
mod public;
mod sessions;
mod talents;
mod views;

use actix_web::web;
use ids::{CityCode, PersonIdKey, PiiCipher};
use platform::auth::{Principal, Role};
use platform::ApiError;
use utoipa_actix_web::service_config::ServiceConfig;

pub use access::ACCESS;
pub use views::*;

use crate::domain::credential::KeyRing;
use crate::store::BodyRow;

/// Shared by every handler.
pub struct AppState {
    pub pool: db::DbPool,
    pub city: CityCode,
    pub cipher: PiiCipher,
    pub person_ids: PersonIdKey,
    pub keys: KeyRing,
    /// Where this instance's public API is reached, for credential URLs.
    pub public_base_url: String,
}

impl AppState {
    /// The issuer id of a body: its public profile, which holds its key.
    pub fn issuer_id(&self, body_code: &str) -> String {
        format!("{}/v1/public/issuers/{body_code}", self.public_base_url)
    }

    pub fn status_list_url(&self) -> String {
        format!(
            "{}/v1/public/credentials/status/revocation",
            self.public_base_url
        )
    }
}

/// Every route of the service; also the source of its OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(bodies::file)
        .service(bodies::get)
        .service(bodies::suspend)
        .service(bodies::reinstate)
        .service(bodies::register_staff)
        .service(bodies::rotate_signing_key)
        .service(sessions::set_pass_rule)
        .service(sessions::schedule)
        .service(sessions::get)
        .service(sessions::register)
        .service(sessions::record_result)
        .service(certificates::issue)
        .service(certificates::get)
        .service(certificates::revoke)
        .service(exceptional::file)
        .service(exceptional::review)
        .service(talents::select)
        .service(talents::list)
        .service(talents::statistics)
        .service(public::verify)
        .service(public::signed_credential)
        .service(public::issuer)
        .service(public::status_list);
}

pub(crate) type State = web::Data<AppState>;

/// Officers and auditors of this city.
pub(crate) fn is_bureau(who: &Principal, state: &AppState) -> bool {
    matches!(who.role(), Role::BureauOfficer | Role::Auditor)
        && who.0.city.as_deref() == Some(state.city.as_str())
}

/// The body's own people: its assessors, or its enterprise account, or an
/// integrator acting for it.
pub(crate) fn acts_for(who: &Principal, body: &BodyRow) -> bool {
    matches!(
        who.role(),
        Role::Assessor | Role::Enterprise | Role::Integrator
    ) && who.org() == Some(body.credit_code.as_str())
}

/// Bodies see only their own sessions and candidates; others get 404.
pub(crate) fn may_see(who: &Principal, state: &AppState, body: &BodyRow) -> bool {
    is_bureau(who, state) || acts_for(who, body)
}

pub(crate) fn officer(who: &Principal, state: &AppState) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer])?;
    who.require_city(state.city)?;
    Ok(())
}
