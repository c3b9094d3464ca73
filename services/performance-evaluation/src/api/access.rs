//! Who may call each operation (`platform::access`): enforced at the door,
//! published in the OpenAPI document, checked by the authorization matrix.

use platform::access::{Grant, Rule, CITY_READERS, INSTITUTION_READERS, OFFICERS};
use platform::auth::Role;

pub const ACCESS: &[Rule] = &[
    // Any authenticated caller: the handler checks no role.
    Rule::grants(
        "GET",
        "/v1/surveys/questions",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::city(Role::Auditor),
            Grant::own(Role::InstitutionOperator),
            Grant::own(Role::Assessor),
            Grant::own(Role::Enterprise),
            Grant::own(Role::Integrator),
            Grant::own(Role::Trainee),
            Grant::city(Role::Province),
        ],
        "read the survey's questions",
    ),
    Rule::grants(
        "POST",
        "/v1/survey-answers",
        &[Grant::own(Role::Trainee)],
        "answer a survey of a completed enrolment",
    ),
    Rule::grants(
        "GET",
        "/v1/survey-reports",
        &INSTITUTION_READERS,
        "read satisfaction per class",
    ),
    Rule::grants(
        "PUT",
        "/v1/plans/{institution_id}/{year}",
        &OFFICERS,
        "set an institution's planned volume",
    ),
    Rule::grants(
        "GET",
        "/v1/formula",
        &INSTITUTION_READERS,
        "read the formula in force",
    ),
    Rule::grants(
        "GET",
        "/v1/formula/versions",
        &INSTITUTION_READERS,
        "list every version of the formula",
    ),
    Rule::grants(
        "POST",
        "/v1/formula",
        &OFFICERS,
        "put a new formula in force",
    ),
    Rule::grants(
        "GET",
        "/v1/scorecards",
        &INSTITUTION_READERS,
        "list a year's scorecards",
    ),
    Rule::grants(
        "POST",
        "/v1/scorecards/rescore",
        &OFFICERS,
        "compute the marked scorecards now",
    ),
    Rule::grants(
        "GET",
        "/v1/scorecards/{institution_id}/{year}",
        &INSTITUTION_READERS,
        "read one scorecard with its history",
    ),
    Rule::grants(
        "GET",
        "/v1/scorecards/{institution_id}/{year}/inputs",
        &INSTITUTION_READERS,
        "read a scorecard's live inputs",
    ),
    Rule::grants(
        "POST",
        "/v1/scorecards/{institution_id}/{year}/override",
        &OFFICERS,
        "override a scorecard's rating",
    ),
    Rule::grants(
        "DELETE",
        "/v1/scorecards/{institution_id}/{year}/override",
        &OFFICERS,
        "lift a rating override",
    ),
    Rule::public(
        "GET",
        "/v1/public/scorecards/{institution_id}",
        "read an institution's public scorecards",
    ),
    Rule::grants(
        "GET",
        "/v1/targets/{year}",
        &CITY_READERS,
        "read the city's targets for a year",
    ),
    Rule::grants(
        "PUT",
        "/v1/targets/{year}",
        &OFFICERS,
        "set the city's targets for a year",
    ),
    Rule::grants(
        "GET",
        "/v1/dashboard/figures",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::city(Role::Auditor),
            Grant::city(Role::Province),
        ],
        "read the city's progress against targets",
    ),
    Rule::grants(
        "GET",
        "/v1/province/dashboard",
        &[Grant::city(Role::Province)],
        "read the province's roll-up of cities",
    ),
    Rule::public(
        "GET",
        "/.well-known/jwks.json",
        "publish the aggregator's public key",
    ),
];
