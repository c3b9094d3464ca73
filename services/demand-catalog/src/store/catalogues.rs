//! Catalogues (目录) and their entries, with every version kept.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::schema::{catalogue_changes, catalogue_entries, catalogues};
use crate::domain::catalogue::CatalogueStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = catalogues)]
pub struct CatalogueRow {
    pub id: Uuid,
    pub city: String,
    pub year: i32,
    pub status: String,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub late: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = catalogue_entries)]
pub struct EntryRow {
    pub id: Uuid,
    pub catalogue_id: Uuid,
    pub occupation_code: String,
    pub occupation_name: String,
    pub skill_level: String,
    pub urgent: bool,
    pub subsidy_fen: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub withdrawn: bool,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = catalogue_changes)]
pub struct ChangeRow {
    pub version: i32,
    pub actor: String,
    pub action: String,
    pub entry_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

/// `Ok(false)` when the city already has a catalogue for that year.
pub async fn insert(conn: &mut AsyncPgConnection, row: &CatalogueRow) -> QueryResult<bool> {
    match diesel::insert_into(catalogues::table)
        .values(row)
        .execute(conn)
        .await
    {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Reads and locks a catalogue for a change, so versions never interleave.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<CatalogueRow>> {
    catalogues::table
        .find(id)
        .select(CatalogueRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<CatalogueRow>> {
    catalogues::table
        .find(id)
        .select(CatalogueRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_published(
    conn: &mut AsyncPgConnection,
    city: &str,
    year: i32,
) -> QueryResult<Option<CatalogueRow>> {
    catalogues::table
        .filter(
            catalogues::city
                .eq(city)
                .and(catalogues::year.eq(year))
                .and(catalogues::status.eq(CatalogueStatus::Published.as_str())),
        )
        .select(CatalogueRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// What a list of a city's catalogues is narrowed to.
#[derive(Debug, Default)]
pub struct CatalogueFilter {
    pub year: Option<i32>,
    pub status: Option<CatalogueStatus>,
}

/// The latest year first, keyset-paged on the year (a city has one
/// catalogue per year): those before `before_year`, at most `limit`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: &str,
    filter: &CatalogueFilter,
    before_year: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<CatalogueRow>> {
    let mut query = catalogues::table
        .filter(catalogues::city.eq(city))
        .select(CatalogueRow::as_select())
        .order(catalogues::year.desc())
        .limit(limit)
        .into_boxed();
    if let Some(year) = filter.year {
        query = query.filter(catalogues::year.eq(year));
    }
    if let Some(status) = filter.status {
        query = query.filter(catalogues::status.eq(status.as_str()));
    }
    if let Some(year) = before_year {
        query = query.filter(catalogues::year.lt(year));
    }
    query.load(conn).await
}

/// Sets version (and, on first publication, status and publication facts).
pub async fn update_header(conn: &mut AsyncPgConnection, row: &CatalogueRow) -> QueryResult<()> {
    diesel::update(catalogues::table.find(row.id))
        .set((
            catalogues::status.eq(&row.status),
            catalogues::version.eq(row.version),
            catalogues::published_at.eq(row.published_at),
            catalogues::late.eq(row.late),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Default)]
pub struct EntryFilter {
    /// Code or group prefix, e.g. `6-29` or `6-29-01-01`.
    pub occupation: Option<String>,
    pub skill_level: Option<String>,
    pub urgent: Option<bool>,
    pub include_withdrawn: bool,
}

pub async fn entries(
    conn: &mut AsyncPgConnection,
    catalogue_id: Uuid,
    filter: &EntryFilter,
) -> QueryResult<Vec<EntryRow>> {
    let mut query = catalogue_entries::table
        .filter(catalogue_entries::catalogue_id.eq(catalogue_id))
        .select(EntryRow::as_select())
        .order((
            catalogue_entries::occupation_code,
            catalogue_entries::skill_level,
        ))
        .into_boxed();
    if !filter.include_withdrawn {
        query = query.filter(catalogue_entries::withdrawn.eq(false));
    }
    if let Some(code) = &filter.occupation {
        query = query.filter(
            catalogue_entries::occupation_code
                .eq(code.clone())
                .or(catalogue_entries::occupation_code.like(format!("{code}-%"))),
        );
    }
    if let Some(level) = &filter.skill_level {
        query = query.filter(catalogue_entries::skill_level.eq(level.clone()));
    }
    if let Some(urgent) = filter.urgent {
        query = query.filter(catalogue_entries::urgent.eq(urgent));
    }
    query.load(conn).await
}

pub async fn entry(
    conn: &mut AsyncPgConnection,
    catalogue_id: Uuid,
    entry_id: Uuid,
) -> QueryResult<Option<EntryRow>> {
    catalogue_entries::table
        .filter(
            catalogue_entries::id
                .eq(entry_id)
                .and(catalogue_entries::catalogue_id.eq(catalogue_id)),
        )
        .select(EntryRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// `Ok(false)` when the catalogue already lists that occupation and level.
pub async fn insert_entry(conn: &mut AsyncPgConnection, row: &EntryRow) -> QueryResult<bool> {
    match diesel::insert_into(catalogue_entries::table)
        .values(row)
        .execute(conn)
        .await
    {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn save_entry(conn: &mut AsyncPgConnection, row: &EntryRow) -> QueryResult<()> {
    diesel::update(catalogue_entries::table.find(row.id))
        .set(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn count_active(conn: &mut AsyncPgConnection, catalogue_id: Uuid) -> QueryResult<i64> {
    catalogue_entries::table
        .filter(
            catalogue_entries::catalogue_id
                .eq(catalogue_id)
                .and(catalogue_entries::withdrawn.eq(false)),
        )
        .count()
        .get_result(conn)
        .await
}

/// One line of history.
pub struct Change<'a> {
    pub catalogue_id: Uuid,
    pub version: i32,
    pub actor: &'a str,
    pub action: &'a str,
    pub entry_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn record(conn: &mut AsyncPgConnection, c: Change<'_>) -> QueryResult<()> {
    diesel::insert_into(catalogue_changes::table)
        .values((
            catalogue_changes::catalogue_id.eq(c.catalogue_id),
            catalogue_changes::version.eq(c.version),
            catalogue_changes::actor.eq(c.actor),
            catalogue_changes::action.eq(c.action),
            catalogue_changes::entry_id.eq(c.entry_id),
            catalogue_changes::before.eq(c.before),
            catalogue_changes::after.eq(c.after),
            catalogue_changes::at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn history(
    conn: &mut AsyncPgConnection,
    catalogue_id: Uuid,
) -> QueryResult<Vec<ChangeRow>> {
    catalogue_changes::table
        .filter(catalogue_changes::catalogue_id.eq(catalogue_id))
        .order(catalogue_changes::id)
        .select(ChangeRow::as_select())
        .load(conn)
        .await
}
