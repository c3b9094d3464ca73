//! The registry's institutions, venues and teachers as it announced them:
//! the read model a filing is checked against.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{institutions, teachers, venues};

/// An institution as the registry announced it, as far as filing looks.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = institutions)]
pub struct InstitutionRow {
    pub credit_code: String,
    /// The registry's status, or `under_review` (`domain::class::filing_standing`).
    pub status: String,
    /// The granted scope, as `domain::class::Granted` items.
    pub scope: serde_json::Value,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<InstitutionRow>> {
    institutions::table
        .find(id)
        .select(InstitutionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A venue as the registry announced it, as far as filing looks.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = venues)]
pub struct VenueRow {
    pub venue_id: Uuid,
    pub institution_id: Uuid,
    pub capacity: i32,
    pub occupations: Vec<String>,
}

pub async fn venues_of(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<VenueRow>> {
    venues::table
        .filter(venues::venue_id.eq_any(ids))
        .select(VenueRow::as_select())
        .load(conn)
        .await
}

/// A teacher as the registry announced them, as far as filing looks.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teachers)]
pub struct TeacherRow {
    pub teacher_id: Uuid,
    pub institution_id: Uuid,
    /// `[{ "occupation_code", "skill_level" }]`, as the registry sent it.
    pub may_teach: serde_json::Value,
}

pub async fn teachers_of(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<TeacherRow>> {
    teachers::table
        .filter(teachers::teacher_id.eq_any(ids))
        .select(TeacherRow::as_select())
        .load(conn)
        .await
}

/// A value stored as JSON; failing to write it fails the statement.
fn json(value: &impl serde::Serialize) -> QueryResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}

/// Keeps an institution's newest announced state; `standing` is what
/// filing checks (`domain::class::filing_standing`).
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::InstitutionEvent,
    standing: &str,
    as_of: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO institutions (institution_id, city, credit_code, name, status, scope, as_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (institution_id) DO UPDATE SET
           name = excluded.name, status = excluded.status, scope = excluded.scope, as_of = excluded.as_of
         WHERE institutions.as_of <= excluded.as_of",
    )
    .bind::<SqlUuid, _>(e.institution_id)
    .bind::<Text, _>(e.city.as_str())
    .bind::<Text, _>(e.credit_code.as_str())
    .bind::<Text, _>(&e.name)
    .bind::<Text, _>(standing)
    .bind::<Jsonb, _>(json(&e.scope)?)
    .bind::<Timestamptz, _>(as_of)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn upsert_teacher(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::TeacherEvent,
) -> QueryResult<()> {
    let may_teach = json(&e.may_teach)?;
    diesel::insert_into(teachers::table)
        .values((
            teachers::teacher_id.eq(e.teacher_id),
            teachers::institution_id.eq(e.institution_id),
            teachers::name.eq(&e.name),
            teachers::may_teach.eq(&may_teach),
        ))
        .on_conflict(teachers::teacher_id)
        .do_update()
        .set((
            teachers::name.eq(&e.name),
            teachers::may_teach.eq(&may_teach),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn upsert_venue(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::VenueEvent,
) -> QueryResult<()> {
    let occupations: Vec<String> = e.occupations.iter().map(|o| o.to_string()).collect();
    diesel::insert_into(venues::table)
        .values((
            venues::venue_id.eq(e.venue_id),
            venues::institution_id.eq(e.institution_id),
            venues::name.eq(&e.name),
            venues::capacity.eq(e.capacity),
            venues::occupations.eq(&occupations),
        ))
        .on_conflict(venues::venue_id)
        .do_update()
        .set((
            venues::name.eq(&e.name),
            venues::capacity.eq(e.capacity),
            venues::occupations.eq(&occupations),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
