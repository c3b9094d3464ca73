//! Who may call each operation (`platform::access`): enforced at the door,
//! published in the OpenAPI document, checked by the authorization matrix.

use platform::access::{Grant, Rule, CITY_READERS, OFFICERS};
use platform::auth::{Role, Scope};

/// Officers and auditors of the city; a body's own assessors, enterprise
/// account and systems, their own body's records only.
const READERS: [Grant; 5] = [
    Grant::city(Role::BureauOfficer),
    Grant::city(Role::Auditor),
    Grant::own(Role::Assessor),
    Grant::own(Role::Enterprise),
    Grant::own(Role::Integrator),
];

/// A body's own people, and its systems with `assessment:records`.
const BODY: [Grant; 3] = [
    Grant::own(Role::Assessor),
    Grant::own(Role::Enterprise),
    Grant::system(Scope::AssessmentRecords),
];

pub const ACCESS: &[Rule] = &[
    Rule::grants(
        "POST",
        "/v1/assessment-bodies",
        &OFFICERS,
        "file an assessment body",
    ),
    Rule::grants(
        "GET",
        "/v1/assessment-bodies",
        &READERS,
        "the bodies one may see",
    ),
    Rule::grants(
        "GET",
        "/v1/assessment-bodies/{id}",
        &READERS,
        "one body in full",
    ),
    Rule::grants(
        "POST",
        "/v1/assessment-bodies/{id}/suspension",
        &OFFICERS,
        "suspend a body",
    ),
    Rule::grants(
        "POST",
        "/v1/assessment-bodies/{id}/reinstatement",
        &OFFICERS,
        "lift a body's suspension",
    ),
    Rule::grants(
        "POST",
        "/v1/assessment-bodies/{id}/staff",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::own(Role::Assessor),
            Grant::own(Role::Enterprise),
            Grant::system(Scope::AssessmentRecords),
        ],
        "register an assessor or supervisor",
    ),
    Rule::grants(
        "POST",
        "/v1/assessment-bodies/{id}/signing-keys",
        &OFFICERS,
        "give a body a new credential signing key",
    ),
    Rule::grants(
        "PUT",
        "/v1/pass-rules",
        &OFFICERS,
        "set an occupation's pass rule",
    ),
    Rule::grants("POST", "/v1/sessions", &BODY, "schedule an exam session"),
    Rule::grants(
        "GET",
        "/v1/sessions",
        &READERS,
        "exam sessions, by exam date",
    ),
    Rule::grants(
        "GET",
        "/v1/sessions/{id}",
        &READERS,
        "a session with its candidates",
    ),
    Rule::grants(
        "POST",
        "/v1/sessions/{id}/candidates",
        &BODY,
        "register a candidate",
    ),
    Rule::grants(
        "PUT",
        "/v1/sessions/{id}/candidates/{candidate}/result",
        &BODY,
        "record a candidate's result",
    ),
    Rule::grants(
        "POST",
        "/v1/sessions/{id}/candidates/{candidate}/certificate",
        &BODY,
        "issue a passed candidate's certificate",
    ),
    Rule::grants(
        "GET",
        "/v1/certificates",
        &READERS,
        "certificates, holders' names masked",
    ),
    Rule::grants(
        "GET",
        "/v1/certificates/{number}",
        &READERS,
        "one certificate in full",
    ),
    Rule::grants(
        "POST",
        "/v1/certificates/{number}/revocation",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::own(Role::Assessor),
            Grant::own(Role::Enterprise),
            Grant::system(Scope::AssessmentRecords),
        ],
        "revoke a certificate",
    ),
    Rule::grants(
        "POST",
        "/v1/exceptional-certifications",
        &[
            Grant::own(Role::Enterprise),
            Grant::own(Role::Assessor),
            Grant::system(Scope::AssessmentRecords),
        ],
        "file an exceptional certification",
    ),
    Rule::grants(
        "GET",
        "/v1/exceptional-certifications",
        &READERS,
        "exceptional certifications (the review queue)",
    ),
    Rule::grants(
        "POST",
        "/v1/exceptional-certifications/{id}/review",
        &OFFICERS,
        "review an exceptional certification",
    ),
    Rule::grants(
        "POST",
        "/v1/leading-talents",
        &OFFICERS,
        "record a selected leading talent",
    ),
    Rule::grants(
        "GET",
        "/v1/leading-talents",
        &CITY_READERS,
        "leading talents of a year",
    ),
    Rule::grants(
        "GET",
        "/v1/statistics/skilled-workers",
        &CITY_READERS,
        "new skilled workers of a year",
    ),
    Rule::public(
        "GET",
        "/v1/public/certificates/verify",
        "verify a certificate",
    ),
    Rule::public(
        "GET",
        "/v1/public/certificates/{number}/credential",
        "a certificate as signed credential",
    ),
    Rule::public(
        "GET",
        "/v1/public/issuers/{code}",
        "an issuer's profile and key",
    ),
    Rule::public(
        "GET",
        "/v1/public/credentials/status/revocation",
        "the signed revocation list",
    ),
];
