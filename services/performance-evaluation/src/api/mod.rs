//! HTTP: translates requests into domain calls and store transactions.

mod access;
mod dashboard;
mod scorecards;
mod surveys;
mod views;

use actix_web::web;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use ids::CityCode;
use platform::auth::{Principal, Role, Signer};
use platform::public::PublicCache;
use platform::validate::Validator;
use platform::ApiError;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub use access::ACCESS;
pub use views::*;

use crate::domain::counting;
use crate::store;

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

/// What the provincial aggregator reads the cities with.
pub struct Aggregator {
    /// Each city's instance.
    pub cities: Vec<(CityCode, String)>,
    pub http: reqwest::Client,
    /// The `iss` of its tokens, which the cities trust for role `province`.
    pub issuer: String,
    /// Its own signing key (client credentials; never shared with a city).
    pub signer: Signer,
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

/// What a caller may see of scorecards and survey reports.
pub(crate) enum Scope {
    /// Officers and auditors of the city.
    City,
    /// An institution's operators or integrators: its own institutions.
    Institutions(Vec<Uuid>),
}

impl Scope {
    pub(crate) fn only(&self) -> Option<&[Uuid]> {
        match self {
            Scope::City => None,
            Scope::Institutions(ids) => Some(ids),
        }
    }

    pub(crate) fn may_see(&self, institution_id: Uuid) -> bool {
        self.only().is_none_or(|ids| ids.contains(&institution_id))
    }
}

pub(crate) async fn scope(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    who: &Principal,
) -> Result<Scope, ApiError> {
    match who.role() {
        Role::BureauOfficer | Role::Auditor => {
            who.require_city(state.city)?;
            Ok(Scope::City)
        }
        Role::InstitutionOperator | Role::Integrator => Ok(Scope::Institutions(match who.org() {
            Some(org) => store::institutions_of(conn, org).await?,
            None => Vec::new(),
        })),
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
