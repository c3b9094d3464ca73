//! HTTP: authorises the caller, validates requests into domain types,
//! calls one use case of `app/` and maps its result to a view.

mod access;
mod dashboard;
mod scorecards;
mod surveys;
mod views;

use actix_web::web;
use chrono::NaiveDate;
use ids::CityCode;
use platform::auth::{Principal, Role};
use platform::public::PublicCache;
use platform::validate::Validator;
use platform::ApiError;
use utoipa_actix_web::service_config::ServiceConfig;

pub use access::ACCESS;
pub use views::*;

use crate::app::dashboard::Aggregator;
use crate::app::Viewer;
use crate::domain::counting;

/// Shared by every handler.
pub struct AppState {
    pub pool: db::DbPool,
    pub city: CityCode,
    pub cache: PublicCache,
    /// The satisfaction survey's questions.
    pub questions: Vec<String>,
    /// Set on the provincial aggregator only.
    pub aggregator: Option<Aggregator>,
}

/// Every route of the service; also the source of its OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(surveys::questions)
        .service(surveys::answer)
        .service(surveys::report)
        .service(scorecards::set_plan)
        .service(scorecards::current_formula)
        .service(scorecards::formula_versions)
        .service(scorecards::new_formula)
        .service(scorecards::list)
        .service(scorecards::rescore)
        .service(scorecards::get)
        .service(scorecards::live_inputs)
        .service(scorecards::override_rating)
        .service(scorecards::lift_override)
        .service(scorecards::public)
        .service(dashboard::get_targets)
        .service(dashboard::set_targets)
        .service(dashboard::city_figures)
        .service(dashboard::province)
        .service(dashboard::province_keys);
}

pub(crate) type State = web::Data<AppState>;

/// The caller as the use cases see it: scorecards and reports are for the
/// bureau and the institutions; an officer or auditor of another city is
/// refused.
pub(crate) fn viewer(state: &AppState, who: &Principal) -> Result<Viewer, ApiError> {
    match who.role() {
        Role::BureauOfficer | Role::Auditor => {
            who.require_city(state.city)?;
            Ok(Viewer::City)
        }
        Role::InstitutionOperator | Role::Integrator => Ok(Viewer::Institution {
            org: who.org().map(str::to_owned),
        }),
        Role::Assessor | Role::Enterprise | Role::Trainee | Role::Province => {
            Err(ApiError::forbidden(
                "forbidden_role",
                "scorecards and reports are for the bureau and the institutions",
            ))
        }
    }
}

/// An officer of this instance's city.
pub(crate) fn officer(state: &AppState, who: &Principal) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)
        .map(|_| ())
}

/// Checks a statistical year given in a path or query.
/// The statistical years the programme's figures can be asked for.
const YEARS: std::ops::RangeInclusive<i32> = 2025..=2100;

pub(crate) fn check_year(v: &mut Validator, year: i32) {
    v.ensure(
        YEARS.contains(&year),
        "year",
        "year_range",
        "a statistical year from 2025",
    );
}

/// The date a year's figures are taken at: `as_of` if given (within the
/// year and not after today), else today or the year's last day.
pub(crate) fn as_of(v: &mut Validator, year: i32, as_of: Option<NaiveDate>) -> NaiveDate {
    let today = ids::business_date(chrono::Utc::now());
    // A year `check_year` refuses may have no 30 November at all (past
    // chrono's calendar): the answer is the refusal, so no date is made of it.
    if !YEARS.contains(&year) {
        return today;
    }
    match as_of {
        Some(d) => {
            v.ensure(
                counting::training_year(d) == year && d <= today,
                "as_of",
                "as_of_range",
                "a date within the statistical year, not after today",
            );
            d
        }
        None => counting::default_as_of(year, today),
    }
}
