//! The read models filing is checked against, kept from what the catalogue
//! and the registry publish: catalogue entries, institutions, teachers and
//! venues. Each runs in the consumer's transaction; events of one aggregate
//! arrive in order, and a late repeat of an older state changes nothing.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use contracts::catalog::CatalogueEntryEvent;
use contracts::registry::{InstitutionEvent, TeacherEvent, VenueEvent};
use diesel_async::AsyncPgConnection;

use super::Error;
use crate::domain::class::filing_standing;
use crate::store::{catalogue, institutions};

/// Keeps a catalogue entry (is the occupation × level listed that year?).
#[tracing::instrument(skip_all, fields(entry_id = %e.entry_id, version = e.version))]
pub async fn keep_catalogue_entry(
    conn: &mut AsyncPgConnection,
    e: &CatalogueEntryEvent,
) -> Result<(), Error> {
    Ok(catalogue::upsert_entry(conn, e).await?)
}

/// Keeps an institution's standing and granted scope as of `as_of` (the
/// event's time): an approved institution under review may not file.
#[tracing::instrument(skip_all, fields(institution_id = %e.institution_id))]
pub async fn keep_institution(
    conn: &mut AsyncPgConnection,
    e: &InstitutionEvent,
    as_of: DateTime<Utc>,
) -> Result<(), Error> {
    // A status this version does not know stops here (dead-lettered), not
    // taken for a standing it might not be.
    let status = e.status.known().context("an institution's status")?;
    let standing = filing_standing(status, e.under_review);
    Ok(institutions::upsert(conn, e, standing.as_str(), as_of).await?)
}

/// Keeps a teacher and what they may teach.
#[tracing::instrument(skip_all, fields(teacher_id = %e.teacher_id, institution_id = %e.institution_id))]
pub async fn keep_teacher(conn: &mut AsyncPgConnection, e: &TeacherEvent) -> Result<(), Error> {
    Ok(institutions::upsert_teacher(conn, e).await?)
}

/// Keeps a venue, its capacity and the occupations it is equipped for.
#[tracing::instrument(skip_all, fields(venue_id = %e.venue_id, institution_id = %e.institution_id))]
pub async fn keep_venue(conn: &mut AsyncPgConnection, e: &VenueEvent) -> Result<(), Error> {
    Ok(institutions::upsert_venue(conn, e).await?)
}
