//! What the bureau's decisions write: an institution's status with the
//! decision's record, its granted scope, and its sanctions.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::institutions::{InstitutionRow, ScopeRow};
use super::schema::{institutions, sanctions, scopes};
use crate::domain::institution::ScopeKind;

pub async fn save(conn: &mut AsyncPgConnection, row: &InstitutionRow) -> QueryResult<()> {
    diesel::update(institutions::table.find(row.id))
        .set((
            institutions::status.eq(&row.status),
            institutions::selection_method.eq(&row.selection_method),
            institutions::decision_reason.eq(&row.decision_reason),
            institutions::decided_by.eq(&row.decided_by),
            institutions::decided_at.eq(row.decided_at),
            institutions::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Replaces the granted scope.
pub async fn grant(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    granted: &[ScopeRow],
) -> QueryResult<()> {
    diesel::delete(
        scopes::table.filter(
            scopes::institution_id
                .eq(id)
                .and(scopes::kind.eq(ScopeKind::Granted.as_str())),
        ),
    )
    .execute(conn)
    .await?;
    diesel::insert_into(scopes::table)
        .values(granted)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn record_sanction(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    action: &str,
    reason_kind: Option<&str>,
    detail: &str,
    actor: &str,
) -> QueryResult<()> {
    diesel::insert_into(sanctions::table)
        .values((
            sanctions::institution_id.eq(id),
            sanctions::action.eq(action),
            sanctions::reason_kind.eq(reason_kind),
            sanctions::detail.eq(detail),
            sanctions::actor.eq(actor),
            sanctions::at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
