//! The public directory (目录): listed institutions with their granted
//! scope.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::institutions::{InstitutionRow, ScopeRow};
use super::schema::{institutions, scopes};
use crate::domain::institution::{ScopeKind, Status};

/// A listed institution with its granted scope.
pub struct Listed {
    pub institution: InstitutionRow,
    pub scope: Vec<ScopeRow>,
}

/// Listed institutions of a city (approved) with their granted scope.
pub async fn listed(conn: &mut AsyncPgConnection, city: &str) -> QueryResult<Vec<Listed>> {
    let rows: Vec<InstitutionRow> = institutions::table
        .filter(
            institutions::city
                .eq(city)
                .and(institutions::status.eq(Status::Approved.as_str())),
        )
        .order(institutions::name)
        .select(InstitutionRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let all: Vec<ScopeRow> = scopes::table
        .filter(
            scopes::institution_id
                .eq_any(&ids)
                .and(scopes::kind.eq(ScopeKind::Granted.as_str())),
        )
        .order((scopes::occupation_code, scopes::skill_level))
        .select(ScopeRow::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|institution| Listed {
            scope: all
                .iter()
                .filter(|s| s.institution_id == institution.id)
                .cloned()
                .collect(),
            institution,
        })
        .collect())
}
