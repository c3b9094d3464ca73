//! Who calls: the roles of the mesh, as tokens name them.

use serde::{Deserialize, Serialize};

/// Who is calling, by function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 人社局 officer: publishes, approves, supervises, pays.
    BureauOfficer,
    /// Reads everything of its city, changes nothing (incl. finance bureau).
    Auditor,
    /// Operator of a training institution (培训机构).
    InstitutionOperator,
    /// Staff of an assessment organisation (评价机构).
    Assessor,
    /// An enterprise (企业).
    Enterprise,
    /// A third-party system calling on behalf of an organisation.
    Integrator,
    /// A worker or trainee (劳动者) signed in through the province's identity
    /// provider; `sub` is their pseudonymous person id, never the ID number.
    Trainee,
    /// The provincial aggregator, reading a city's figures with its own key
    /// (client credentials); read-only, and only from the province's issuer.
    Province,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Self::BureauOfficer,
        Self::Auditor,
        Self::InstitutionOperator,
        Self::Assessor,
        Self::Enterprise,
        Self::Integrator,
        Self::Trainee,
        Self::Province,
    ];

    /// Roles that act for an organisation and must name it (`org`).
    pub fn acts_for_organisation(self) -> bool {
        matches!(
            self,
            Self::InstitutionOperator | Self::Assessor | Self::Enterprise | Self::Integrator
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BureauOfficer => "bureau_officer",
            Self::Auditor => "auditor",
            Self::InstitutionOperator => "institution_operator",
            Self::Assessor => "assessor",
            Self::Enterprise => "enterprise",
            Self::Integrator => "integrator",
            Self::Trainee => "trainee",
            Self::Province => "province",
        }
    }
}
