//! Assessment bodies (评价机构): their filing, scope of occupations and
//! levels, and history of actions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{bodies, body_actions, body_scopes};
use super::Next;
use crate::domain::body::{AssessmentKind, BodyFacts, BodyStatus, ScopeItem};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bodies)]
pub struct BodyRow {
    pub id: Uuid,
    pub city: String,
    pub credit_code: String,
    pub name: String,
    pub kind: String,
    pub lead_enterprise: bool,
    pub code: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub status: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
}

/// The next 4-digit body code.
pub async fn next_code(conn: &mut AsyncPgConnection) -> QueryResult<String> {
    let Next { value } = diesel::sql_query("SELECT nextval('body_code_seq') AS value")
        .get_result(conn)
        .await?;
    Ok(format!("{value:04}"))
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    row: &BodyRow,
    scope: &[ScopeItem],
) -> QueryResult<()> {
    diesel::insert_into(bodies::table)
        .values(row)
        .execute(conn)
        .await?;
    let items: Vec<_> = scope
        .iter()
        .map(|s| {
            (
                body_scopes::body_id.eq(row.id),
                body_scopes::assessment_kind.eq(s.assessment_kind.as_str()),
                body_scopes::occupation_code.eq(s.occupation_code.clone()),
                body_scopes::skill_level.eq(s.skill_level.as_str()),
            )
        })
        .collect();
    diesel::insert_into(body_scopes::table)
        .values(items)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn by_credit_code(
    conn: &mut AsyncPgConnection,
    credit_code: &str,
) -> QueryResult<Option<BodyRow>> {
    bodies::table
        .filter(bodies::credit_code.eq(credit_code))
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn by_code(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<BodyRow>> {
    bodies::table
        .filter(bodies::code.eq(code))
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<BodyRow>> {
    bodies::table
        .find(id)
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The bodies whose records a list may hold: every body of the city, or
/// only the one of `credit_code` (a body's own people).
#[derive(Debug, Clone)]
pub struct Visible {
    pub city: String,
    pub credit_code: Option<String>,
}

/// The ids of the bodies `v` names, as a subquery.
pub(super) fn visible_ids(v: &Visible) -> bodies::BoxedQuery<'_, Pg, diesel::sql_types::Uuid> {
    let mut q = bodies::table
        .filter(bodies::city.eq(&v.city))
        .select(bodies::id)
        .into_boxed();
    if let Some(org) = &v.credit_code {
        q = q.filter(bodies::credit_code.eq(org));
    }
    q
}

/// A page of bodies, oldest filing first.
#[derive(Debug, Clone)]
pub struct BodyFilter {
    pub visible: Visible,
    pub status: Option<&'static str>,
    /// After this (filed_at, id).
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(conn: &mut AsyncPgConnection, f: &BodyFilter) -> QueryResult<Vec<BodyRow>> {
    let mut q = bodies::table
        .filter(bodies::id.eq_any(visible_ids(&f.visible)))
        .into_boxed();
    if let Some(status) = f.status {
        q = q.filter(bodies::status.eq(status));
    }
    if let Some((at, id)) = f.after {
        q = q.filter(
            bodies::filed_at
                .gt(at)
                .or(bodies::filed_at.eq(at).and(bodies::id.gt(id))),
        );
    }
    q.order((bodies::filed_at, bodies::id))
        .limit(f.limit)
        .select(BodyRow::as_select())
        .load(conn)
        .await
}

/// Locks the body's row for the rest of the transaction, so a suspension
/// and an issuance cannot pass each other.
pub async fn for_update(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<BodyRow>> {
    bodies::table
        .find(id)
        .for_update()
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One occupation × level × kind of a body's filing, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = body_scopes)]
struct ScopeRow {
    assessment_kind: String,
    occupation_code: String,
    skill_level: String,
}

pub async fn scope_of(conn: &mut AsyncPgConnection, body_id: Uuid) -> QueryResult<Vec<ScopeItem>> {
    let rows: Vec<ScopeRow> = body_scopes::table
        .filter(body_scopes::body_id.eq(body_id))
        .order((body_scopes::occupation_code, body_scopes::skill_level))
        .select(ScopeRow::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(ScopeItem {
                assessment_kind: row.assessment_kind.parse::<AssessmentKind>().ok()?,
                occupation_code: row.occupation_code,
                skill_level: row.skill_level.parse().ok()?,
            })
        })
        .collect())
}

pub async fn facts_of(conn: &mut AsyncPgConnection, body: &BodyRow) -> QueryResult<BodyFacts> {
    Ok(BodyFacts {
        active: body.status == BodyStatus::Active.as_str(),
        valid_from: body.valid_from,
        valid_until: body.valid_until,
        scope: scope_of(conn, body.id).await?,
    })
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    reason: &str,
    by: &str,
) -> QueryResult<()> {
    diesel::update(bodies::table.find(id))
        .set(bodies::status.eq(status))
        .execute(conn)
        .await?;
    record_action(conn, id, status, reason, by).await
}

pub async fn record_action(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    action: &str,
    reason: &str,
    by: &str,
) -> QueryResult<()> {
    diesel::insert_into(body_actions::table)
        .values((
            body_actions::id.eq(Uuid::now_v7()),
            body_actions::body_id.eq(body_id),
            body_actions::action.eq(action),
            body_actions::reason.eq(reason),
            body_actions::acted_by.eq(by),
            body_actions::acted_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// One entry of a body's history.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = body_actions)]
pub struct ActionRow {
    pub action: String,
    pub reason: String,
    pub acted_by: String,
    pub acted_at: DateTime<Utc>,
}

/// The body's history, oldest first.
pub async fn actions_of(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
) -> QueryResult<Vec<ActionRow>> {
    body_actions::table
        .filter(body_actions::body_id.eq(body_id))
        .order(body_actions::acted_at)
        .select(ActionRow::as_select())
        .load(conn)
        .await
}
