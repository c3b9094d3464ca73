//! Who may call each operation (`platform::access`): enforced at the door,
//! published in the OpenAPI document, checked by the authorization matrix.

use platform::access::{Grant, Rule, INSTITUTION_READERS, OFFICERS};
use platform::auth::{Role, Scope};

/// An institution's operators, and its systems with `delivery:enrolments`.
const ENROLMENTS: [Grant; 2] = [
    Grant::own(Role::InstitutionOperator),
    Grant::system(Scope::DeliveryEnrolments),
];

pub const ACCESS: &[Rule] = &[
    Rule::grants(
        "POST",
        "/v1/classes",
        &[
            Grant::own(Role::InstitutionOperator),
            Grant::system(Scope::DeliveryClasses),
        ],
        "file a class",
    ),
    Rule::grants(
        "GET",
        "/v1/classes",
        &INSTITUTION_READERS,
        "list classes, filtered",
    ),
    Rule::grants(
        "GET",
        "/v1/classes/{id}",
        &INSTITUTION_READERS,
        "a class with its sessions",
    ),
    Rule::grants(
        "POST",
        "/v1/classes/{id}/approve",
        &OFFICERS,
        "approve a filed class",
    ),
    Rule::grants(
        "POST",
        "/v1/classes/{id}/enrolments",
        &ENROLMENTS,
        "enrol a trainee",
    ),
    Rule::grants(
        "GET",
        "/v1/classes/{id}/enrolments",
        &INSTITUTION_READERS,
        "a class's roster, masked",
    ),
    Rule::grants(
        "POST",
        "/v1/classes/{id}/enrolments/{enrolment_id}/withdraw",
        &ENROLMENTS,
        "withdraw a trainee from the roster",
    ),
    Rule::grants(
        "POST",
        "/v1/classes/{id}/inspections",
        &OFFICERS,
        "record an inspection",
    ),
    Rule::grants(
        "POST",
        "/v1/classes/{id}/attendance",
        &[
            Grant::own(Role::InstitutionOperator),
            Grant::system(Scope::DeliveryAttendance),
        ],
        "record a check-in or check-out",
    ),
    Rule::grants(
        "GET",
        "/v1/classes/{id}/archive",
        &INSTITUTION_READERS,
        "a class's whole archive",
    ),
    Rule::grants(
        "POST",
        "/v1/classes/{id}/close",
        &[
            Grant::own(Role::InstitutionOperator),
            Grant::system(Scope::DeliveryClasses),
            Grant::city(Role::BureauOfficer),
        ],
        "close an ended class",
    ),
];
