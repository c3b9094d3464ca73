//! The catalogue's entries (培训目录) as it published them: the read model
//! a filing's occupation and level are checked against.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Int4, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::catalogue_entries;

pub async fn listed(
    conn: &mut AsyncPgConnection,
    city: &str,
    year: i32,
    occupation: &str,
    level: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        catalogue_entries::table.filter(
            catalogue_entries::city
                .eq(city)
                .and(catalogue_entries::year.eq(year))
                .and(catalogue_entries::occupation_code.eq(occupation))
                .and(catalogue_entries::skill_level.eq(level))
                .and(catalogue_entries::withdrawn.eq(false)),
        ),
    ))
    .get_result(conn)
    .await
}

/// Read-model upserts. Events of one aggregate arrive in order (one key,
/// one partition); a late repeat of an older state is ignored.
pub async fn upsert_entry(
    conn: &mut AsyncPgConnection,
    e: &contracts::catalog::CatalogueEntryEvent,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO catalogue_entries (entry_id, city, year, occupation_code, skill_level, withdrawn, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (entry_id) DO UPDATE SET withdrawn = excluded.withdrawn, version = excluded.version
         WHERE catalogue_entries.version <= excluded.version",
    )
    .bind::<SqlUuid, _>(e.entry_id)
    .bind::<Text, _>(e.city.as_str())
    .bind::<Int4, _>(e.year)
    .bind::<Text, _>(e.occupation_code.as_str())
    .bind::<Text, _>(e.skill_level.as_str())
    .bind::<Bool, _>(e.withdrawn)
    .bind::<Int4, _>(e.version)
    .execute(conn)
    .await
    .map(|_| ())
}
