//! What a caller may see of the city's people (可见范围). The API says who
//! the caller is; a use case looks up which institutions an organisation
//! runs when the caller speaks for one.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::Error;
use crate::store::{self, apprenticeships::ApprenticeshipRow, completers::CompleterRow};

/// Who asks, as the API authenticated them.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// Officers and auditors of the city.
    City,
    /// An institution's operators, for the organisation they act for.
    Institution { org: Option<String> },
    /// An enterprise: its own staff, vacancies and apprentices.
    Employer(String),
    /// An integrator: what it submitted, and what its organisation owns.
    Integrator {
        subject: String,
        org: Option<String>,
    },
}

/// A viewer with what it reaches looked up.
pub(crate) enum Scope {
    City,
    /// Completers of these institutions.
    Institutions(Vec<Uuid>),
    Employer(String),
    Integrator {
        subject: String,
        org: Option<String>,
    },
}

pub(crate) async fn resolve(conn: &mut AsyncPgConnection, viewer: &Viewer) -> Result<Scope, Error> {
    Ok(match viewer {
        Viewer::City => Scope::City,
        Viewer::Institution { org } => Scope::Institutions(match org {
            Some(org) => store::institutions::of_org(conn, org).await?,
            None => Vec::new(),
        }),
        Viewer::Employer(org) => Scope::Employer(org.clone()),
        Viewer::Integrator { subject, org } => Scope::Integrator {
            subject: subject.clone(),
            org: org.clone(),
        },
    })
}

impl Scope {
    /// Officers and auditors of the city, and the operators of the
    /// institution that trained them, see a completer.
    pub(crate) fn sees_completer(&self, c: &CompleterRow) -> bool {
        match self {
            Scope::City => true,
            Scope::Institutions(ids) => ids.contains(&c.institution_id),
            Scope::Employer(_) | Scope::Integrator { .. } => false,
        }
    }

    /// Officers and auditors, the enterprise, and the integrator that
    /// registered it or acts for the enterprise see an apprenticeship.
    pub(crate) fn sees_apprenticeship(&self, a: &ApprenticeshipRow) -> bool {
        match self {
            Scope::City => true,
            Scope::Employer(org) => a.enterprise_credit_code == *org,
            Scope::Integrator { subject, org } => {
                a.registered_by == *subject
                    || org.as_deref() == Some(a.enterprise_credit_code.as_str())
            }
            Scope::Institutions(_) => false,
        }
    }
}
