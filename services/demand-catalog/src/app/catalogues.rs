//! The yearly guidance catalogue (需求指导目录, policy item 1): officers draft
//! it, publish it, and change it into new versions (every change to a
//! published catalogue announced); an operator republishes it for other
//! services' read models; anyone reads the published one.

use chrono::{NaiveDate, Utc};
use contracts::catalog::{ENTRY_CHANGED, ENTRY_PUBLISHED, ENTRY_WITHDRAWN};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CityCode, Fen, FieldError, OccupationCode, SkillLevel, Validator};
use platform::auth::Principal;
use uuid::Uuid;

use super::Error;
use crate::domain::catalogue::{
    check_entry, check_publish, is_late, version_after_change, CatalogueStatus, EntryTerms,
};
use crate::events;
use crate::store::catalogues::{
    self as store, CatalogueFilter, CatalogueRow, Change, ChangeRow, EntryFilter, EntryRow,
};
use crate::store::occupations;

/// A catalogue with (some of) its entries.
pub struct Catalogue {
    pub header: CatalogueRow,
    pub entries: Vec<EntryRow>,
}

fn status_of(row: &CatalogueRow) -> Result<CatalogueStatus, Error> {
    CatalogueStatus::parse(&row.status)
        .ok_or_else(|| Error::Internal(format!("bad status {:?}", row.status)))
}

/// Refuses a caller who does not act for the catalogue's city.
fn in_scope(who: &Principal, row: &CatalogueRow) -> Result<(), Error> {
    let city: CityCode = row.city.parse().map_err(Error::internal)?;
    who.require_city(city)
        .map(|_| ())
        .map_err(|_| Error::OutOfScope(city))
}

/// A catalogue of the caller's city.
async fn visible(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<CatalogueRow, Error> {
    let row = store::find(conn, id)
        .await?
        .ok_or(Error::CatalogueNotFound)?;
    in_scope(who, &row)?;
    Ok(row)
}

/// Locks the catalogue and checks the caller may edit it.
async fn lock_for_edit(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<CatalogueRow, Error> {
    let row = store::lock(conn, id)
        .await?
        .ok_or(Error::CatalogueNotFound)?;
    in_scope(who, &row)?;
    Ok(row)
}

fn json_of(entry: &EntryRow) -> Result<serde_json::Value, Error> {
    serde_json::to_value(entry).map_err(Error::internal)
}

/// Publishes what a change to a published catalogue did: the entry's new
/// state and the catalogue's new version.
async fn announce(
    conn: &mut AsyncPgConnection,
    cat: &CatalogueRow,
    entry: &EntryRow,
    kind: &'static str,
) -> Result<(), Error> {
    let active = store::count_active(conn, cat.id).await?;
    let batch = [
        events::entry_event(cat, entry, kind).map_err(Error::internal)?,
        events::catalogue_published(cat, active).map_err(Error::internal)?,
    ];
    messaging::enqueue(conn, &batch).await?;
    Ok(())
}

/// Starts the draft catalogue of a city and year; one per city and year.
#[tracing::instrument(skip_all, fields(city = %city, year, catalogue_id = tracing::field::Empty))]
pub async fn create(
    conn: &mut AsyncPgConnection,
    by: &str,
    city: CityCode,
    year: i32,
) -> Result<CatalogueRow, Error> {
    let row = CatalogueRow {
        id: Uuid::now_v7(),
        city: city.to_string(),
        year,
        status: CatalogueStatus::Draft.as_str().into(),
        version: 0,
        created_by: by.to_owned(),
        created_at: Utc::now(),
        published_at: None,
        late: None,
    };
    tracing::Span::current().record("catalogue_id", tracing::field::display(row.id));
    if !store::insert(conn, &row).await? {
        return Err(Error::CatalogueExists { city, year });
    }
    store::record(
        conn,
        Change {
            catalogue_id: row.id,
            version: 0,
            actor: by,
            action: "created",
            entry_id: None,
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(row)
}

/// A page of the city's catalogues, drafts included, the latest year
/// first: those before the cursor's year, at most `limit`.
#[tracing::instrument(skip_all, fields(city = %city))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    filter: &CatalogueFilter,
    before_year: Option<i32>,
    limit: i64,
) -> Result<Vec<CatalogueRow>, Error> {
    Ok(store::list(conn, city.as_str(), filter, before_year, limit).await?)
}

/// One catalogue of the caller's city with all its entries, withdrawn ones
/// included.
#[tracing::instrument(skip_all, fields(catalogue_id = %id))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<Catalogue, Error> {
    let header = visible(conn, who, id).await?;
    let filter = EntryFilter {
        include_withdrawn: true,
        ..EntryFilter::default()
    };
    let entries = store::entries(conn, header.id, &filter).await?;
    Ok(Catalogue { header, entries })
}

/// Who changed what, when: every change since the draft was started.
#[tracing::instrument(skip_all, fields(catalogue_id = %id))]
pub async fn history(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<Vec<ChangeRow>, Error> {
    let header = visible(conn, who, id).await?;
    Ok(store::history(conn, header.id).await?)
}

/// An entry to add, as the request gives it.
pub struct NewEntry {
    pub occupation_code: String,
    /// Defaults to the name in the occupation reference list.
    pub occupation_name: Option<String>,
    pub skill_level: SkillLevel,
    pub urgent: bool,
    pub subsidy_fen: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// The entry's code, once the code and the terms are checked together: the
/// terms need the catalogue's year, and one answer names every bad field.
fn checked_code(year: i32, new: &NewEntry) -> Result<OccupationCode, Error> {
    let mut v = Validator::new();
    let code: Option<OccupationCode> = v.parse("occupation_code", &new.occupation_code);
    v.extend(check_entry(
        year,
        EntryTerms {
            // A missing name is looked up in the occupation list.
            occupation_name: new.occupation_name.as_deref().unwrap_or("?"),
            subsidy: Fen::new(new.subsidy_fen),
            valid_from: new.valid_from,
            valid_to: new.valid_to,
        },
    ));
    Ok(v.finish(code)?)
}

/// Adds an entry to a catalogue of the caller's city; on a published
/// catalogue this makes a new version at once, announced. An occupation
/// and level is listed once.
#[tracing::instrument(skip_all, fields(catalogue_id = %id, entry_id = tracing::field::Empty))]
pub async fn add_entry(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    new: NewEntry,
) -> Result<EntryRow, Error> {
    // The year never changes, so the whole entry is checked before locking.
    let year = store::find(conn, id)
        .await?
        .ok_or(Error::CatalogueNotFound)?
        .year;
    let code = checked_code(year, &new)?;
    let mut cat = lock_for_edit(conn, who, id).await?;
    let name = match new.occupation_name {
        Some(name) => name,
        None => occupations::name_of(conn, code.as_str())
            .await?
            .ok_or_else(|| {
                Error::Invalid(vec![FieldError::new(
                    "occupation_name",
                    "occupation_unknown",
                    format!("{code} is not in the occupation list; give its name"),
                )])
            })?,
    };
    let status = status_of(&cat)?;
    cat.version = version_after_change(status, cat.version);
    let entry = EntryRow {
        id: Uuid::now_v7(),
        catalogue_id: cat.id,
        occupation_code: code.to_string(),
        occupation_name: name.trim().to_owned(),
        skill_level: new.skill_level.to_string(),
        urgent: new.urgent,
        subsidy_fen: new.subsidy_fen,
        valid_from: new.valid_from,
        valid_to: new.valid_to,
        withdrawn: false,
        version: cat.version,
        updated_at: Utc::now(),
    };
    tracing::Span::current().record("entry_id", tracing::field::display(entry.id));
    if !store::insert_entry(conn, &entry).await? {
        return Err(Error::EntryExists {
            code,
            level: new.skill_level,
        });
    }
    store::update_header(conn, &cat).await?;
    store::record(
        conn,
        Change {
            catalogue_id: cat.id,
            version: cat.version,
            actor: who.subject(),
            action: "entry_added",
            entry_id: Some(entry.id),
            before: None,
            after: Some(json_of(&entry)?),
        },
    )
    .await?;
    if status == CatalogueStatus::Published {
        announce(conn, &cat, &entry, ENTRY_PUBLISHED).await?;
    }
    Ok(entry)
}

/// Changes to an entry's terms; absent ones stay as they are.
#[derive(Debug, Clone, Default)]
pub struct EntryChanges {
    pub occupation_name: Option<String>,
    pub urgent: Option<bool>,
    pub subsidy_fen: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Changes an entry's terms, checked against the catalogue's year. A
/// change that changes nothing makes no version.
#[tracing::instrument(skip_all, fields(catalogue_id = %id, entry_id = %entry_id))]
pub async fn change_entry(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    entry_id: Uuid,
    changes: EntryChanges,
) -> Result<EntryRow, Error> {
    edit_entry(conn, who, id, entry_id, move |cat, before| {
        if before.withdrawn {
            return Err(Error::EntryWithdrawn);
        }
        let mut after = before.clone();
        after.occupation_name = changes
            .occupation_name
            .as_deref()
            .map(str::trim)
            .unwrap_or(&before.occupation_name)
            .to_owned();
        after.urgent = changes.urgent.unwrap_or(before.urgent);
        after.subsidy_fen = changes.subsidy_fen.unwrap_or(before.subsidy_fen);
        after.valid_from = changes.valid_from.unwrap_or(before.valid_from);
        after.valid_to = changes.valid_to.unwrap_or(before.valid_to);
        let errors = check_entry(
            cat.year,
            EntryTerms {
                occupation_name: &after.occupation_name,
                subsidy: Fen::new(after.subsidy_fen),
                valid_from: after.valid_from,
                valid_to: after.valid_to,
            },
        );
        if errors.is_empty() {
            Ok((after, "entry_changed", ENTRY_CHANGED))
        } else {
            Err(Error::Invalid(errors))
        }
    })
    .await
}

/// Takes an entry out of the catalogue.
#[tracing::instrument(skip_all, fields(catalogue_id = %id, entry_id = %entry_id))]
pub async fn withdraw_entry(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    entry_id: Uuid,
) -> Result<EntryRow, Error> {
    edit_entry(conn, who, id, entry_id, |_, before| {
        if before.withdrawn {
            return Err(Error::AlreadyWithdrawn);
        }
        Ok((
            EntryRow {
                withdrawn: true,
                ..before.clone()
            },
            "entry_withdrawn",
            ENTRY_WITHDRAWN,
        ))
    })
    .await
}

/// What a change of one entry decided: the entry after it, the history's
/// action and the event's type.
type Decision = (EntryRow, &'static str, &'static str);

/// The shared path of changing one entry: lock, decide, version, record,
/// announce.
async fn edit_entry<'a, F>(
    conn: &mut AsyncPgConnection,
    who: &'a Principal,
    id: Uuid,
    entry_id: Uuid,
    decide: F,
) -> Result<EntryRow, Error>
where
    F: FnOnce(&CatalogueRow, &EntryRow) -> Result<Decision, Error> + Send + 'a,
{
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let mut cat = lock_for_edit(conn, who, id).await?;
            let before = store::entry(conn, id, entry_id)
                .await?
                .ok_or(Error::EntryNotFound)?;
            let (mut after, action, event_type) = decide(&cat, &before)?;
            if after == before {
                return Ok(before);
            }
            let status = status_of(&cat)?;
            cat.version = version_after_change(status, cat.version);
            after.version = cat.version;
            after.updated_at = Utc::now();
            store::save_entry(conn, &after).await?;
            store::update_header(conn, &cat).await?;
            store::record(
                conn,
                Change {
                    catalogue_id: cat.id,
                    version: cat.version,
                    actor: who.subject(),
                    action,
                    entry_id: Some(after.id),
                    before: Some(json_of(&before)?),
                    after: Some(json_of(&after)?),
                },
            )
            .await?;
            if status == CatalogueStatus::Published {
                announce(conn, &cat, &after, event_type).await?;
            }
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// Publishes the draft as version 1 with every active entry announced;
/// after 30 June it is published, flagged late.
#[tracing::instrument(skip_all, fields(catalogue_id = %id))]
pub async fn publish(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<Catalogue, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let mut cat = lock_for_edit(conn, who, id).await?;
            let entries = store::entries(conn, id, &EntryFilter::default()).await?;
            check_publish(status_of(&cat)?, entries.len() as i64)?;
            let now = Utc::now();
            cat.status = CatalogueStatus::Published.as_str().into();
            cat.version = 1;
            cat.published_at = Some(now);
            cat.late = Some(is_late(cat.year, ids::business_date(now)));
            store::update_header(conn, &cat).await?;
            store::record(
                conn,
                Change {
                    catalogue_id: cat.id,
                    version: 1,
                    actor: who.subject(),
                    action: "published",
                    entry_id: None,
                    before: None,
                    after: None,
                },
            )
            .await?;
            enqueue_published(conn, &cat, &entries).await?;
            Ok(Catalogue {
                header: cat,
                entries,
            })
        }
        .scope_boxed()
    })
    .await
}

/// Queues every entry of a published catalogue and the catalogue itself;
/// answers how many events.
async fn enqueue_published(
    conn: &mut AsyncPgConnection,
    cat: &CatalogueRow,
    entries: &[EntryRow],
) -> Result<usize, Error> {
    let mut batch = Vec::with_capacity(entries.len() + 1);
    for entry in entries {
        batch.push(events::entry_event(cat, entry, ENTRY_PUBLISHED).map_err(Error::internal)?);
    }
    batch.push(events::catalogue_published(cat, entries.len() as i64).map_err(Error::internal)?);
    messaging::enqueue(conn, &batch).await?;
    Ok(batch.len())
}

/// What a republication queued.
pub struct Republished {
    pub version: i32,
    pub events: usize,
}

/// Queues the current state of a published catalogue again, so that other
/// services rebuild their read models (consumers treat it as a repeat);
/// `None` when the year has no published catalogue.
#[tracing::instrument(skip_all, fields(city = %city, year))]
pub async fn republish(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    year: i32,
) -> Result<Option<Republished>, Error> {
    let Some(catalogue) = store::find_published(conn, city.as_str(), year).await? else {
        return Ok(None);
    };
    let entries = store::entries(conn, catalogue.id, &EntryFilter::default()).await?;
    let events = enqueue_published(conn, &catalogue, &entries).await?;
    Ok(Some(Republished {
        version: catalogue.version,
        events,
    }))
}

/// The published catalogue of a city and year, its active entries as
/// `filter` selects them, for the public.
#[tracing::instrument(skip_all, fields(city = %city, year))]
pub async fn published(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    year: i32,
    filter: EntryFilter,
) -> Result<Catalogue, Error> {
    let header = store::find_published(conn, city.as_str(), year)
        .await?
        .ok_or(Error::CatalogueNotPublished(year))?;
    let entries = store::entries(conn, header.id, &filter).await?;
    Ok(Catalogue { header, entries })
}

/// A catalogue's header, whatever its city, if it exists: for dropping
/// its cached public answers after a change.
#[tracing::instrument(skip_all, fields(catalogue_id = %id))]
pub async fn header(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<CatalogueRow>, Error> {
    Ok(store::find(conn, id).await?)
}
