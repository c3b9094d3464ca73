//! The catalogue's entries as this registry keeps them (目录补贴标准): the
//! public directory shows each project's subsidy standard.

use contracts::catalog::CatalogueEntryEvent;
use diesel_async::AsyncPgConnection;

use super::Error;
use crate::store::catalogue::{self, CatalogueEntryRow};

/// Keeps the newest state of a catalogue entry (a late repeat of an older
/// one changes nothing). Runs in the consumer's transaction.
#[tracing::instrument(skip_all, fields(entry_id = %e.entry_id, version = e.version))]
pub async fn keep_entry(conn: &mut AsyncPgConnection, e: CatalogueEntryEvent) -> Result<(), Error> {
    let row = CatalogueEntryRow {
        entry_id: e.entry_id,
        city: e.city.to_string(),
        year: e.year,
        occupation_code: e.occupation_code.to_string(),
        occupation_name: e.occupation_name,
        skill_level: e.skill_level.to_string(),
        subsidy_fen: e.subsidy_fen.get(),
        withdrawn: e.withdrawn,
        version: e.version,
    };
    Ok(catalogue::upsert_entry(conn, &row).await?)
}
