//! Who may call each operation (`platform::access`): enforced at the door,
//! published in the OpenAPI document, checked by the authorization matrix.

use platform::access::{Grant, Rule, CITY_READERS, INSTITUTION_READERS, OFFICERS};
use platform::auth::{Role, Scope};

pub const ACCESS: &[Rule] = &[
    Rule::grants(
        "POST",
        "/v1/applications",
        &[
            Grant::own(Role::InstitutionOperator),
            Grant::system(Scope::RegistryApply),
            Grant::city(Role::BureauOfficer),
        ],
        "apply to be listed",
    ),
    Rule::grants(
        "GET",
        "/v1/institutions",
        &INSTITUTION_READERS,
        "institutions of the city; the review queue",
    ),
    Rule::grants(
        "GET",
        "/v1/institutions/{id}",
        &INSTITUTION_READERS,
        "one institution in full",
    ),
    Rule::grants(
        "POST",
        "/v1/institutions/{id}/approve",
        &OFFICERS,
        "approve an application",
    ),
    Rule::grants(
        "POST",
        "/v1/institutions/{id}/reject",
        &OFFICERS,
        "reject an application",
    ),
    Rule::grants(
        "PUT",
        "/v1/institutions/{id}/scope",
        &OFFICERS,
        "replace the granted scope",
    ),
    Rule::grants(
        "POST",
        "/v1/institutions/{id}/suspend",
        &OFFICERS,
        "suspend an institution",
    ),
    Rule::grants(
        "POST",
        "/v1/institutions/{id}/reinstate",
        &OFFICERS,
        "lift a suspension",
    ),
    Rule::grants(
        "POST",
        "/v1/institutions/{id}/remove",
        &OFFICERS,
        "remove for good",
    ),
    Rule::grants(
        "POST",
        "/v1/institutions/{id}/rating-review",
        &OFFICERS,
        "review a D rating",
    ),
    Rule::grants("POST", "/v1/brands", &OFFICERS, "register a brand"),
    Rule::grants("GET", "/v1/brands", &CITY_READERS, "the city's brands"),
    Rule::public(
        "GET",
        "/v1/public/directory/{city}/{year}",
        "the public directory",
    ),
];
