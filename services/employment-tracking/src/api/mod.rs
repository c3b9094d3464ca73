//! HTTP: authorises the caller, validates requests into domain types,
//! calls one use case of `app/` and maps its result to a view.

mod access;
mod apprenticeships;
mod batches;
mod follow_ups;
mod records;
mod vacancies;
mod views;

use actix_web::web;
use ids::{CityCode, PersonIdKey};
use platform::auth::{Principal, Role};
use platform::ApiError;
use utoipa_actix_web::service_config::ServiceConfig;

pub use access::ACCESS;
pub use views::*;

use crate::app::{contributions, Viewer};

/// Shared by every handler.
pub struct AppState {
    pub pool: db::DbPool,
    pub city: CityCode,
    pub person_ids: PersonIdKey,
    /// Rows of a contribution batch written per statement.
    pub batch_chunk_rows: usize,
    /// Largest batch taken, in lines.
    pub batch_max_rows: u64,
}

impl AppState {
    /// How contribution batches are taken.
    pub(crate) fn batch_limits(&self) -> contributions::Limits {
        contributions::Limits {
            chunk_rows: self.batch_chunk_rows,
            max_rows: self.batch_max_rows,
        }
    }
}

/// Every route of the service; also the source of its OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(records::report)
        .service(records::list)
        .service(records::get)
        .service(batches::submit)
        .service(batches::get)
        .service(follow_ups::list)
        .service(follow_ups::close)
        .service(follow_ups::get)
        .service(vacancies::post)
        .service(vacancies::list)
        .service(vacancies::recommend)
        .service(vacancies::recommendations)
        .service(apprenticeships::register)
        .service(apprenticeships::contract)
        .service(apprenticeships::get)
        .service(apprenticeships::list);
}

pub(crate) type State = web::Data<AppState>;

/// The caller as the use cases see it; an officer or auditor of another
/// city is refused.
pub(crate) fn viewer(state: &AppState, who: &Principal) -> Result<Viewer, ApiError> {
    Ok(match who.role() {
        Role::BureauOfficer | Role::Auditor => {
            who.require_city(state.city)?;
            Viewer::City
        }
        Role::InstitutionOperator => Viewer::Institution {
            org: who.org().map(str::to_owned),
        },
        Role::Enterprise => Viewer::Employer(
            who.org()
                .ok_or_else(|| {
                    ApiError::forbidden("out_of_scope", "the token names no organisation")
                })?
                .to_owned(),
        ),
        Role::Integrator => Viewer::Integrator {
            subject: who.subject().to_owned(),
            org: who.org().map(str::to_owned),
        },
        Role::Assessor | Role::Trainee | Role::Province => {
            return Err(ApiError::forbidden(
                "forbidden_role",
                "assessors, trainees and the province have no access to employment data",
            ))
        }
    })
}
