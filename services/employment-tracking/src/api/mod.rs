//! HTTP: translates requests into domain calls and store transactions.

mod access;
mod apprenticeships;
mod batches;
mod follow_ups;
mod records;
mod vacancies;
mod views;

use actix_web::web;
use diesel_async::AsyncPgConnection;
use ids::{CityCode, PersonIdKey};
use platform::auth::{Principal, Role};
use platform::ApiError;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub use access::ACCESS;
pub use views::*;

use crate::store;

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

/// What a caller may see of the city's people.
pub(crate) enum Scope {
    /// Officers and auditors of the city.
    City,
    /// An institution's operators: completers of its institutions.
    Institutions(Vec<Uuid>),
    /// An enterprise: its own staff, vacancies and apprentices.
    Employer(String),
    /// An integrator: what it submitted, and what its organisation owns.
    Integrator {
        subject: String,
        org: Option<String>,
    },
}

/// The caller's scope; an officer or auditor of another city is refused.
pub(crate) async fn scope(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    who: &Principal,
) -> Result<Scope, ApiError> {
    Ok(match who.role() {
        Role::BureauOfficer | Role::Auditor => {
            who.require_city(state.city)?;
            Scope::City
        }
        Role::InstitutionOperator => Scope::Institutions(match who.org() {
            Some(org) => store::institutions_of(conn, org).await?,
            None => Vec::new(),
        }),
        Role::Enterprise => Scope::Employer(
            who.org()
                .ok_or_else(|| {
                    ApiError::forbidden("out_of_scope", "the token names no organisation")
                })?
                .to_owned(),
        ),
        Role::Integrator => Scope::Integrator {
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
