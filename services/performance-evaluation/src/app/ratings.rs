//! Ratings (评级) of institutions: scorecards computed and their ratings
//! applied by the periodic job (every replica runs it; marked scorecards
//! are taken `FOR UPDATE SKIP LOCKED`, so each is computed by one replica
//! at a time), and officers' overrides.
//!
//! An override pins the rating of that institution and year: later
//! computations still update the score and the computed rating (both
//! shown), but neither change the rating in force nor publish, until an
//! officer lifts the override; then the computed rating applies again.

use chrono::{NaiveDate, Utc};
use db::{DbPool, ScopedFutureExt};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CityCode, Rating};
use messaging::OutboxEvent;
use uuid::Uuid;

use super::scorecards::{self, Scorecard};
use super::Error;
use crate::domain::{counting, scoring};
use crate::events;
use crate::store::{self, ratings::RatingChangeRow, scorecards::ScorecardRow};

/// Marked scorecards computed per transaction.
const BATCH: i64 = 50;

/// Records a rating change and builds its event.
async fn record_change(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    change: RatingChangeRow,
) -> Result<OutboxEvent, Error> {
    store::ratings::insert_change(conn, &change).await?;
    Ok(events::rating(city, &change))
}

/// Computes one scorecard as of `today` (its year's last day once the
/// year ended) and applies its rating unless overridden; returns the
/// rating event when the rating in force changed.
async fn rescore(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    institution_id: Uuid,
    year: i32,
    today: NaiveDate,
) -> Result<Option<OutboxEvent>, Error> {
    let as_of = counting::default_as_of(year, today);
    let formula_row = store::formulas::current(conn).await?;
    let formula = formula_row.formula()?;
    let inputs = store::scorecards::inputs(conn, institution_id, year, as_of, today).await?;
    let scored = scoring::score(&inputs, &formula);
    let old = store::scorecards::for_update(conn, institution_id, year).await?;
    let previous = old.as_ref().and_then(|o| o.rating);
    let overridden = old.as_ref().is_some_and(|o| o.overridden);
    let rating = if overridden {
        previous
    } else {
        // A scorecard that can no longer be scored keeps its last rating.
        scored.rating.or(previous)
    };
    let now = Utc::now();
    let row = ScorecardRow {
        institution_id,
        statistical_year: year,
        as_of,
        formula_version: formula_row.version,
        inputs: serde_json::to_value(inputs).map_err(anyhow::Error::from)?,
        scored: serde_json::to_value(&scored).map_err(anyhow::Error::from)?,
        score: scored.score,
        computed_rating: scored.rating,
        rating,
        overridden,
        override_reason: old.as_ref().and_then(|o| o.override_reason.clone()),
        overridden_by: old.as_ref().and_then(|o| o.overridden_by.clone()),
        computed_at: now,
    };
    store::scorecards::save(conn, &row).await?;
    match rating {
        Some(r) if Some(r) != previous => {
            let change = RatingChangeRow {
                id: Uuid::now_v7(),
                institution_id,
                statistical_year: year,
                rating: r,
                previous,
                score: scored.score,
                formula_version: formula_row.version,
                overridden: false,
                reason: None,
                decided_by: "scorecard".into(),
                decided_at: now,
            };
            Ok(Some(record_change(conn, city, change).await?))
        }
        _ => Ok(None),
    }
}

/// Computes every marked scorecard (and marks those whose
/// time-proportional plan moved on since), a batch per transaction with
/// the rating events; returns how many were computed.
#[tracing::instrument(skip_all, fields(today = %today))]
pub async fn rescore_due(pool: &DbPool, city: CityCode, today: NaiveDate) -> Result<usize, Error> {
    let mut conn = pool.get().await?;
    store::dirty::mark_stale(&mut conn, today).await?;
    let mut total = 0;
    loop {
        let done = conn
            .transaction::<_, Error, _>(|conn| {
                async move {
                    let due = store::dirty::take(conn, BATCH).await?;
                    let mut out = Vec::new();
                    for d in &due {
                        out.extend(
                            rescore(conn, city, d.institution_id, d.statistical_year, today)
                                .await?,
                        );
                        store::dirty::clear(conn, d).await?;
                    }
                    messaging::enqueue(conn, &out).await?;
                    Ok(due.len())
                }
                .scope_boxed()
            })
            .await?;
        total += done;
        if i64::try_from(done).is_ok_and(|n| n < BATCH) {
            return Ok(total);
        }
    }
}

/// Marks every scorecard there is or could be, then computes them all
/// (e.g. after restoring a backup); returns how many were computed.
#[tracing::instrument(skip_all, fields(today = %today))]
pub async fn rescore_all(pool: &DbPool, city: CityCode, today: NaiveDate) -> Result<usize, Error> {
    store::dirty::mark_all(&mut *pool.get().await?).await?;
    rescore_due(pool, city, today).await
}

/// An officer's rating for a scorecard, with the reason.
#[derive(Debug)]
pub struct Override {
    pub rating: Rating,
    pub reason: String,
    pub by: String,
}

/// Overrides the rating in force of a scorecard, records and enqueues the
/// change (published with `overridden`); inside the caller's transaction.
#[tracing::instrument(skip_all, fields(institution_id = %institution_id, year = year))]
pub async fn override_rating(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    institution_id: Uuid,
    year: i32,
    o: Override,
) -> Result<Scorecard, Error> {
    let mut row = store::scorecards::for_update(conn, institution_id, year)
        .await?
        .ok_or(Error::ScorecardNotFound)?;
    let change = RatingChangeRow {
        id: Uuid::now_v7(),
        institution_id,
        statistical_year: year,
        rating: o.rating,
        previous: row.rating,
        score: row.score,
        formula_version: row.formula_version,
        overridden: true,
        reason: Some(o.reason.clone()),
        decided_by: o.by.clone(),
        decided_at: Utc::now(),
    };
    row.rating = Some(o.rating);
    row.overridden = true;
    row.override_reason = Some(o.reason);
    row.overridden_by = Some(o.by);
    store::scorecards::save(conn, &row).await?;
    let event = record_change(conn, city, change).await?;
    messaging::enqueue(conn, &[event]).await?;
    scorecards::with_history(conn, row).await
}

/// Lifts an override, in one transaction: the computed rating is in force
/// again, and the change is enqueued if it differs from the override.
#[tracing::instrument(skip_all, fields(institution_id = %institution_id, year = year))]
pub async fn lift_override(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    institution_id: Uuid,
    year: i32,
    by: String,
) -> Result<Scorecard, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let mut row = store::scorecards::for_update(conn, institution_id, year)
                .await?
                .ok_or(Error::ScorecardNotFound)?;
            if !row.overridden {
                return Err(Error::NotOverridden);
            }
            let previous = row.rating;
            row.rating = row.computed_rating.or(previous);
            row.overridden = false;
            row.override_reason = None;
            row.overridden_by = None;
            store::scorecards::save(conn, &row).await?;
            if let Some(rating) = row.rating.filter(|r| Some(*r) != previous) {
                let change = RatingChangeRow {
                    id: Uuid::now_v7(),
                    institution_id,
                    statistical_year: year,
                    rating,
                    previous,
                    score: row.score,
                    formula_version: row.formula_version,
                    overridden: false,
                    reason: None,
                    decided_by: by,
                    decided_at: Utc::now(),
                };
                let event = record_change(conn, city, change).await?;
                messaging::enqueue(conn, &[event]).await?;
            }
            scorecards::with_history(conn, row).await
        }
        .scope_boxed()
    })
    .await
}
