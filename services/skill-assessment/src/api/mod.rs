//! HTTP: authorises, reads each request into checked values, calls one use
//! case of `app` and answers with its view.

mod access;
mod bodies;
mod certificates;
mod exceptional;
mod public;
mod sessions;
mod talents;
mod views;

use std::str::FromStr;

use actix_web::web;
use chrono::NaiveDate;
use ids::{CityCode, InvalidValue, PersonIdKey, PiiCipher};
use platform::auth::{Principal, Role, Scope};
use platform::validate::Validator;
use platform::ApiError;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub use access::ACCESS;
pub use views::*;

use crate::app::Deps;
use crate::domain::credential::KeyRing;

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
    /// What the use cases need of it.
    pub fn deps(&self) -> Deps<'_> {
        Deps {
            city: self.city,
            cipher: &self.cipher,
            person_ids: &self.person_ids,
            keys: &self.keys,
            public_base_url: &self.public_base_url,
        }
    }
}

/// Every route of the service; also the source of its OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(bodies::file)
        .service(bodies::list)
        .service(bodies::get)
        .service(bodies::suspend)
        .service(bodies::reinstate)
        .service(bodies::register_staff)
        .service(bodies::rotate_signing_key)
        .service(sessions::set_pass_rule)
        .service(sessions::schedule)
        .service(sessions::list)
        .service(sessions::get)
        .service(sessions::register)
        .service(sessions::record_result)
        .service(certificates::issue)
        .service(certificates::list)
        .service(certificates::get)
        .service(certificates::revoke)
        .service(exceptional::file)
        .service(exceptional::list)
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

/// An optional query parameter read as `T`; a bad one is recorded under
/// `field`.
pub(crate) fn optional<T>(v: &mut Validator, field: &str, raw: Option<&str>) -> Option<T>
where
    T: FromStr<Err = InvalidValue>,
{
    raw.and_then(|raw| v.parse(field, raw))
}

/// An optional id in a query (`uuid_format`).
pub(crate) fn optional_id(v: &mut Validator, field: &str, raw: Option<&str>) -> Option<Uuid> {
    raw.and_then(|raw| {
        v.check(
            field,
            raw.parse()
                .map_err(|_| InvalidValue::new("uuid_format", "a UUID")),
        )
    })
}

/// An optional day in a query (`date_format`).
pub(crate) fn optional_date(
    v: &mut Validator,
    field: &str,
    raw: Option<&str>,
) -> Option<NaiveDate> {
    raw.and_then(|raw| {
        v.check(
            field,
            raw.parse()
                .map_err(|_| InvalidValue::new("date_format", "a date, YYYY-MM-DD")),
        )
    })
}

pub(crate) fn officer(who: &Principal, state: &AppState) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer])?;
    who.require_city(state.city)?;
    Ok(())
}

/// A body's own people and systems (the door let them in already).
pub(crate) fn body_staff(who: &Principal) -> Result<(), ApiError> {
    who.require(&[Role::Assessor, Role::Enterprise, Role::Integrator])?
        .require_scope(Scope::AssessmentRecords)?;
    Ok(())
}
