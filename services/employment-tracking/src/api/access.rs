//! Who may call each operation (`platform::access`): enforced at the door,
//! published in the OpenAPI document, checked by the authorization matrix.

use platform::access::{Grant, Rule, OFFICERS};
use platform::auth::{Role, Scope};

/// Everyone `super::scope` lets through: officers and auditors of the city;
/// an institution's operators, an enterprise and an integrator their own.
const SCOPED: &[Grant] = &[
    Grant::city(Role::BureauOfficer),
    Grant::city(Role::Auditor),
    Grant::own(Role::InstitutionOperator),
    Grant::own(Role::Enterprise),
    Grant::own(Role::Integrator),
];

pub const ACCESS: &[Rule] = &[
    Rule::grants(
        "POST",
        "/v1/employment-records",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::own(Role::InstitutionOperator),
            Grant::own(Role::Enterprise),
            Grant::system(Scope::EmploymentReports),
            Grant::own(Role::Trainee),
        ],
        "report an employment",
    ),
    Rule::grants(
        "GET",
        "/v1/employment-records",
        SCOPED,
        "list employment records",
    ),
    Rule::grants(
        "GET",
        "/v1/employment-records/{id}",
        SCOPED,
        "read one employment record",
    ),
    Rule::grants(
        "PUT",
        "/v1/social-insurance/batches/{batch_id}",
        &[Grant::system(Scope::SocialInsuranceUpload)],
        "upload a contribution batch",
    ),
    Rule::grants(
        "GET",
        "/v1/social-insurance/batches/{batch_id}",
        &[Grant::system(Scope::SocialInsuranceUpload)],
        "read a submitted batch's report",
    ),
    Rule::grants(
        "GET",
        "/v1/follow-ups",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::city(Role::Auditor),
            Grant::own(Role::InstitutionOperator),
        ],
        "list completers' follow-ups",
    ),
    Rule::grants(
        "POST",
        "/v1/follow-ups/close-windows",
        &OFFICERS,
        "close follow-up windows as of a date",
    ),
    Rule::grants(
        "GET",
        "/v1/follow-ups/{enrolment_id}",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::city(Role::Auditor),
            Grant::own(Role::InstitutionOperator),
        ],
        "read one completer's follow-up",
    ),
    Rule::grants(
        "POST",
        "/v1/vacancies",
        &[
            Grant::own(Role::Enterprise),
            Grant::system(Scope::EmploymentVacancies),
        ],
        "post a vacancy",
    ),
    Rule::grants(
        "GET",
        "/v1/vacancies",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::city(Role::Auditor),
            Grant::own(Role::Enterprise),
            Grant::own(Role::Integrator),
        ],
        "list vacancies, newest first",
    ),
    Rule::grants(
        "POST",
        "/v1/follow-ups/{enrolment_id}/recommendations",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::own(Role::InstitutionOperator),
        ],
        "recommend vacancies to a completer",
    ),
    Rule::grants(
        "GET",
        "/v1/recommendations",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::city(Role::Auditor),
            Grant::own(Role::InstitutionOperator),
            Grant::own(Role::Enterprise),
        ],
        "list recommendations made",
    ),
    Rule::grants(
        "POST",
        "/v1/apprenticeships",
        &[
            Grant::own(Role::Enterprise),
            Grant::system(Scope::EmploymentApprenticeships),
        ],
        "register an internship agreement",
    ),
    Rule::grants(
        "POST",
        "/v1/apprenticeships/{id}/contract",
        &[
            Grant::own(Role::Enterprise),
            Grant::system(Scope::EmploymentApprenticeships),
        ],
        "add the labour contract and decide",
    ),
    Rule::grants(
        "GET",
        "/v1/apprenticeships/{id}",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::city(Role::Auditor),
            Grant::own(Role::Enterprise),
            Grant::own(Role::Integrator),
        ],
        "read one apprenticeship",
    ),
    Rule::grants(
        "GET",
        "/v1/apprenticeships",
        &[
            Grant::city(Role::BureauOfficer),
            Grant::city(Role::Auditor),
            Grant::own(Role::Enterprise),
            Grant::own(Role::Integrator),
        ],
        "list apprenticeships, newest first",
    ),
];
