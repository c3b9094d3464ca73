//! The catalogue's entries (培训目录) as it published them: the subsidy
//! standards the directory shows.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::catalogue_entries;

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

/// Published, not withdrawn catalogue entries of a city and year.
pub async fn entries(
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
pub async fn upsert_entry(
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
