//! What a caller may see of scorecards and survey reports (可见范围): the
//! API says who the caller is; a use case looks up which institutions an
//! organisation runs when the caller speaks for one.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::Error;
use crate::store::read_models;

/// Who asks, as the API authenticated them.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// Officers and auditors of the city.
    City,
    /// An institution's operators or integrators, for the organisation
    /// they act for.
    Institution { org: Option<String> },
}

/// A viewer with the institutions it reaches looked up.
pub(crate) enum Scope {
    City,
    /// Its own institutions.
    Institutions(Vec<Uuid>),
}

impl Scope {
    pub(crate) async fn of(conn: &mut AsyncPgConnection, viewer: &Viewer) -> Result<Self, Error> {
        Ok(match viewer {
            Viewer::City => Scope::City,
            Viewer::Institution { org } => Scope::Institutions(match org {
                Some(org) => read_models::institutions_of(conn, org).await?,
                None => Vec::new(),
            }),
        })
    }

    /// `None`: every institution.
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
