//! Institutions (培训机构) as they applied and stand: the record with its
//! venues, teachers, requested and granted scope, and sanctions.

use chrono::{DateTime, NaiveDate, Utc};
use db::WordColumn;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ids::Rating;
use serde::Serialize;
use uuid::Uuid;

use super::schema::{institutions, sanctions, scopes, teachers, venues};
use crate::domain::institution::Status;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = institutions)]
pub struct InstitutionRow {
    pub id: Uuid,
    pub city: String,
    pub credit_code: String,
    pub name: String,
    pub nature: String,
    pub district: String,
    pub address: String,
    pub contact_person: String,
    pub contact_phone: String,
    pub high_skill_base: bool,
    pub status: String,
    pub selection_method: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub applied_by: String,
    pub applied_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The latest rating from performance evaluation.
    #[diesel(deserialize_as = WordColumn<Rating>, serialize_as = WordColumn<Rating>)]
    pub rating: Option<Rating>,
    /// Rated D and not yet reviewed.
    pub under_review: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = venues)]
pub struct VenueRow {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub name: String,
    pub address: String,
    pub capacity: i32,
    pub occupations: Vec<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = teachers)]
pub struct TeacherRow {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub name: String,
    pub employment: String,
    pub qualification: String,
    pub may_teach: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = scopes)]
pub struct ScopeRow {
    pub institution_id: Uuid,
    pub kind: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sanctions)]
pub struct SanctionRow {
    pub action: String,
    pub reason_kind: Option<String>,
    pub detail: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Everything about one institution.
pub struct Full {
    pub institution: InstitutionRow,
    pub venues: Vec<VenueRow>,
    pub teachers: Vec<TeacherRow>,
    pub scopes: Vec<ScopeRow>,
    pub sanctions: Vec<SanctionRow>,
}

/// `Ok(false)` when the organisation already has a live record in the city.
pub async fn insert_application(
    conn: &mut AsyncPgConnection,
    institution: &InstitutionRow,
    venue_rows: &[VenueRow],
    teacher_rows: &[TeacherRow],
    requested: &[ScopeRow],
) -> QueryResult<bool> {
    // Owned: the rating's column adapter converts the value it writes.
    match diesel::insert_into(institutions::table)
        .values(institution.clone())
        .execute(conn)
        .await
    {
        Ok(_) => {}
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => return Ok(false),
        Err(e) => return Err(e),
    }
    diesel::insert_into(venues::table)
        .values(venue_rows)
        .execute(conn)
        .await?;
    diesel::insert_into(teachers::table)
        .values(teacher_rows)
        .execute(conn)
        .await?;
    diesel::insert_into(scopes::table)
        .values(requested)
        .execute(conn)
        .await?;
    Ok(true)
}

pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<InstitutionRow>> {
    institutions::table
        .find(id)
        .select(InstitutionRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn full(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Full>> {
    let Some(institution) = institutions::table
        .find(id)
        .select(InstitutionRow::as_select())
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    Ok(Some(Full {
        venues: venues::table
            .filter(venues::institution_id.eq(id))
            .order(venues::name)
            .select(VenueRow::as_select())
            .load(conn)
            .await?,
        teachers: teachers::table
            .filter(teachers::institution_id.eq(id))
            .order(teachers::name)
            .select(TeacherRow::as_select())
            .load(conn)
            .await?,
        scopes: scope_of(conn, id).await?,
        sanctions: sanctions::table
            .filter(sanctions::institution_id.eq(id))
            .order(sanctions::id)
            .select(SanctionRow::as_select())
            .load(conn)
            .await?,
        institution,
    }))
}

pub async fn scope_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<ScopeRow>> {
    scopes::table
        .filter(scopes::institution_id.eq(id))
        .order((scopes::kind, scopes::occupation_code, scopes::skill_level))
        .select(ScopeRow::as_select())
        .load(conn)
        .await
}

/// What a list of a city's institutions is narrowed to.
#[derive(Debug, Default)]
pub struct InstitutionFilter {
    pub status: Option<Status>,
    /// One organisation's records only (its credit code).
    pub credit_code: Option<String>,
}

/// Institutions of a city, newest application first, keyset-paged on
/// `(applied_at, id)`: those after `after`, at most `limit`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: &str,
    filter: &InstitutionFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<InstitutionRow>> {
    let mut query = institutions::table
        .filter(institutions::city.eq(city))
        .order((institutions::applied_at.desc(), institutions::id.desc()))
        .select(InstitutionRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(institutions::status.eq(status.as_str()));
    }
    if let Some(code) = &filter.credit_code {
        query = query.filter(institutions::credit_code.eq(code));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            institutions::applied_at
                .lt(at)
                .or(institutions::applied_at.eq(at).and(institutions::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// Every institution of a city in one status, oldest application first.
pub async fn in_status(
    conn: &mut AsyncPgConnection,
    city: &str,
    status: Status,
) -> QueryResult<Vec<InstitutionRow>> {
    institutions::table
        .filter(
            institutions::city
                .eq(city)
                .and(institutions::status.eq(status.as_str())),
        )
        .order((institutions::applied_at, institutions::id))
        .select(InstitutionRow::as_select())
        .load(conn)
        .await
}

/// How many of `ids` are listed institutions of the city.
pub async fn count_listed(
    conn: &mut AsyncPgConnection,
    city: &str,
    ids: &[Uuid],
) -> QueryResult<i64> {
    institutions::table
        .filter(
            institutions::id
                .eq_any(ids)
                .and(institutions::city.eq(city))
                .and(
                    institutions::status
                        .eq_any([Status::Approved, Status::Suspended].map(Status::as_str)),
                ),
        )
        .count()
        .get_result(conn)
        .await
}
