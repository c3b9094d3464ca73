//! Who may call each operation (`platform::access`): enforced at the door,
//! published in the OpenAPI document, checked by the authorization matrix.

use platform::access::{Grant, Rule, CITY_READERS, OFFICERS};
use platform::auth::{Role, Scope};

pub const ACCESS: &[Rule] = &[
    Rule::grants(
        "GET",
        "/v1/catalogues",
        &CITY_READERS,
        "the city's catalogues",
    ),
    Rule::grants(
        "POST",
        "/v1/catalogues",
        &OFFICERS,
        "start a year's draft catalogue",
    ),
    Rule::grants(
        "GET",
        "/v1/catalogues/{id}",
        &CITY_READERS,
        "one catalogue with its entries",
    ),
    Rule::grants(
        "POST",
        "/v1/catalogues/{id}/entries",
        &OFFICERS,
        "add an entry",
    ),
    Rule::grants(
        "PATCH",
        "/v1/catalogues/{id}/entries/{entry_id}",
        &OFFICERS,
        "change an entry's terms",
    ),
    Rule::grants(
        "POST",
        "/v1/catalogues/{id}/entries/{entry_id}/withdraw",
        &OFFICERS,
        "withdraw an entry",
    ),
    Rule::grants(
        "POST",
        "/v1/catalogues/{id}/publish",
        &OFFICERS,
        "publish the draft",
    ),
    Rule::grants(
        "GET",
        "/v1/catalogues/{id}/history",
        &CITY_READERS,
        "a catalogue's history",
    ),
    Rule::grants("GET", "/v1/demands", &CITY_READERS, "the city's demands"),
    Rule::grants(
        "POST",
        "/v1/demands",
        &[
            Grant::own(Role::Enterprise),
            Grant::system(Scope::DemandsSubmit),
            Grant::city(Role::BureauOfficer),
        ],
        "submit a skill demand",
    ),
    Rule::grants(
        "GET",
        "/v1/demands/summary",
        &CITY_READERS,
        "demand per occupation and level",
    ),
    Rule::public(
        "GET",
        "/v1/public/catalogues/{city}/{year}",
        "a published catalogue",
    ),
    Rule::public("GET", "/v1/public/occupations", "the occupation list"),
];
