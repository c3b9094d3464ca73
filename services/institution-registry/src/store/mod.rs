//! Persistence of the institution_registry schema. Functions take the
//! caller's connection, so a use case composes them in one transaction.

pub mod schema;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use schema::{
    brands, catalogue_entries, institutions, rating_reviews, ratings, sanctions, scopes, teachers,
    venues,
};

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
    /// The latest rating (A–D) from performance evaluation.
    pub rating: Option<String>,
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

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = brands)]
pub struct BrandRow {
    pub id: Uuid,
    pub city: String,
    pub name: String,
    pub occupation_codes: Vec<String>,
    pub institution_ids: Vec<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = catalogue_entries)]
pub struct CatalogueEntryRow {
    pub entry_id: Uuid,
    pub city: String,
    pub year: i32,
    pub occupation_code: String,
    pub occupation_name: String,
    pub skill_level: String,
    pub subsidy_fen: i64,
    pub withdrawn: bool,
    pub version: i32,
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
    match diesel::insert_into(institutions::table)
        .values(institution)
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

/// Institutions of a city, newest first; `credit_code` narrows to one organisation.
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: &str,
    status: Option<&str>,
    credit_code: Option<&str>,
) -> QueryResult<Vec<InstitutionRow>> {
    let mut query = institutions::table
        .filter(institutions::city.eq(city))
        .order(institutions::applied_at.desc())
        .select(InstitutionRow::as_select())
        .limit(500)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(institutions::status.eq(status));
    }
    if let Some(code) = credit_code {
        query = query.filter(institutions::credit_code.eq(code));
    }
    query.load(conn).await
}

pub async fn save_decision(conn: &mut AsyncPgConnection, row: &InstitutionRow) -> QueryResult<()> {
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
                .and(scopes::kind.eq("granted")),
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
                .and(institutions::status.eq("approved")),
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
                .and(scopes::kind.eq("granted")),
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

/// Published, not withdrawn catalogue entries of a city and year.
pub async fn catalogue(
    conn: &mut AsyncPgConnection,
    city: &str,
    year: i32,
) -> QueryResult<Vec<CatalogueEntryRow>> {
    catalogue_entries::table
        .filter(
            catalogue_entries::city
                .eq(city)
                .and(catalogue_entries::year.eq(year))
                .and(catalogue_entries::withdrawn.eq(false)),
        )
        .select(CatalogueEntryRow::as_select())
        .load(conn)
        .await
}

/// Keeps the newest state of an entry (events of one entry arrive in order;
/// the version guard makes a late replay harmless).
pub async fn upsert_catalogue_entry(
    conn: &mut AsyncPgConnection,
    row: &CatalogueEntryRow,
) -> QueryResult<()> {
    use diesel::sql_types::{Bool, Int4, Int8, Text, Uuid as SqlUuid};
    diesel::sql_query(
        "INSERT INTO catalogue_entries
           (entry_id, city, year, occupation_code, occupation_name, skill_level, subsidy_fen, withdrawn, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (entry_id) DO UPDATE SET
           occupation_name = excluded.occupation_name, subsidy_fen = excluded.subsidy_fen,
           withdrawn = excluded.withdrawn, version = excluded.version
         WHERE catalogue_entries.version <= excluded.version",
    )
    .bind::<SqlUuid, _>(row.entry_id)
    .bind::<Text, _>(&row.city)
    .bind::<Int4, _>(row.year)
    .bind::<Text, _>(&row.occupation_code)
    .bind::<Text, _>(&row.occupation_name)
    .bind::<Text, _>(&row.skill_level)
    .bind::<Int8, _>(row.subsidy_fen)
    .bind::<Bool, _>(row.withdrawn)
    .bind::<Int4, _>(row.version)
    .execute(conn)
    .await
    .map(|_| ())
}

/// `Ok(false)` when the city already has a brand of that name.
pub async fn insert_brand(conn: &mut AsyncPgConnection, row: &BrandRow) -> QueryResult<bool> {
    match diesel::insert_into(brands::table)
        .values(row)
        .execute(conn)
        .await
    {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn brands_of(conn: &mut AsyncPgConnection, city: &str) -> QueryResult<Vec<BrandRow>> {
    brands::table
        .filter(brands::city.eq(city))
        .order(brands::created_at)
        .select(BrandRow::as_select())
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
                .and(institutions::status.eq_any(["approved", "suspended"])),
        )
        .count()
        .get_result(conn)
        .await
}

/// A rating as received from performance evaluation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ratings)]
pub struct RatingRow {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub statistical_year: i32,
    pub rating: String,
    pub overridden: bool,
    pub reason: Option<String>,
    pub decided_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

/// Records a rating; the institution takes it unless a newer one is
/// already there (events of one institution may be replayed).
/// `Ok(false)`: the institution is not known here.
pub async fn apply_rating(
    conn: &mut AsyncPgConnection,
    row: &RatingRow,
    under_review: bool,
) -> QueryResult<bool> {
    let Some(current) = lock(conn, row.institution_id).await? else {
        return Ok(false);
    };
    let newest: Option<DateTime<Utc>> = ratings::table
        .filter(ratings::institution_id.eq(row.institution_id))
        .select(diesel::dsl::max(ratings::decided_at))
        .first(conn)
        .await?;
    diesel::insert_into(ratings::table)
        .values(row)
        .execute(conn)
        .await?;
    if newest.is_some_and(|n| n > row.decided_at) {
        return Ok(true);
    }
    diesel::update(institutions::table.find(current.id))
        .set((
            institutions::rating.eq(&row.rating),
            institutions::under_review.eq(under_review),
            institutions::updated_at.eq(row.received_at),
        ))
        .execute(conn)
        .await?;
    Ok(true)
}

/// Clears the review flag after an officer's review.
pub async fn record_review(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    note: &str,
    officer: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(rating_reviews::table)
        .values((
            rating_reviews::id.eq(Uuid::now_v7()),
            rating_reviews::institution_id.eq(institution_id),
            rating_reviews::note.eq(note),
            rating_reviews::reviewed_by.eq(officer),
            rating_reviews::reviewed_at.eq(at),
        ))
        .execute(conn)
        .await?;
    diesel::update(institutions::table.find(institution_id))
        .set((
            institutions::under_review.eq(false),
            institutions::updated_at.eq(at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Ratings received for an institution, oldest first.
pub async fn ratings_of(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
) -> QueryResult<Vec<RatingRow>> {
    ratings::table
        .filter(ratings::institution_id.eq(institution_id))
        .order(ratings::decided_at)
        .select(RatingRow::as_select())
        .load(conn)
        .await
}
