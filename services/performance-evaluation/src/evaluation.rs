//! Scorecards computed and their ratings applied: by the periodic job
//! (every replica runs it; marked scorecards are taken `FOR UPDATE SKIP
//! LOCKED`, so each is computed by one replica at a time) and by officers'
//! overrides.
//!
//! An override pins the rating of that institution and year: later
//! computations still update the score and the computed rating (both
//! shown), but neither change the rating in force nor publish, until an
//! officer lifts the override; then the computed rating applies again.

use chrono::{NaiveDate, Utc};
use db::{DbPool, ScopedFutureExt};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::CityCode;
use messaging::OutboxEvent;
use uuid::Uuid;

use crate::domain::{counting, scoring};
use crate::events;
use crate::store::{self, RatingChangeRow, ScorecardRow};

/// Marked scorecards computed per transaction.
const BATCH: i64 = 50;

/// The public cache namespace of scorecards.
pub const PUBLIC_NAMESPACE: &str = "scorecards";

/// The cache namespace of the city's dashboard figures: dropped whenever an
/// event or a target changes them, so a cached answer is never behind.
pub const DASHBOARD_NAMESPACE: &str = "dashboard";

/// Records a rating change and builds its event.
pub async fn record_change(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    change: RatingChangeRow,
) -> anyhow::Result<OutboxEvent> {
    store::insert_rating_change(conn, &change).await?;
    events::rating(city, &change)
}

/// Computes one scorecard as of `today` (its year's last day once the
/// year ended) and applies its rating unless overridden; returns the
/// rating event when the rating in force changed.
pub async fn rescore(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    institution_id: Uuid,
    year: i32,
    today: NaiveDate,
) -> anyhow::Result<Option<OutboxEvent>> {
    let as_of = counting::default_as_of(year, today);
    let formula_row = store::current_formula(conn).await?;
    let formula = formula_row.formula()?;
    let inputs = store::inputs(conn, institution_id, year, as_of, today).await?;
    let scored = scoring::score(&inputs, &formula);
    let old = store::scorecard_for_update(conn, institution_id, year).await?;
    let previous = old.as_ref().and_then(|o| o.rating.clone());
    let overridden = old.as_ref().is_some_and(|o| o.overridden);
    let rating = if overridden {
        previous.clone()
    } else {
        // A scorecard that can no longer be scored keeps its last rating.
        scored.rating.clone().or(previous.clone())
    };
    let now = Utc::now();
    let row = ScorecardRow {
        institution_id,
        statistical_year: year,
        as_of,
        formula_version: formula_row.version,
        inputs: serde_json::to_value(inputs)?,
        scored: serde_json::to_value(&scored)?,
        score: scored.score,
        computed_rating: scored.rating.clone(),
        rating: rating.clone(),
        overridden,
        override_reason: old.as_ref().and_then(|o| o.override_reason.clone()),
        overridden_by: old.as_ref().and_then(|o| o.overridden_by.clone()),
        computed_at: now,
    };
    store::save_scorecard(conn, &row).await?;
    match rating {
        Some(r) if Some(&r) != previous.as_ref() => {
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
/// time-proportional plan moved on since); returns how many were computed.
pub async fn rescore_due(pool: &DbPool, city: CityCode, today: NaiveDate) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    store::mark_stale(&mut conn, today).await?;
    let mut total = 0;
    loop {
        let done = conn
            .transaction::<_, anyhow::Error, _>(|conn| {
                async move {
                    let due = store::take_dirty(conn, BATCH).await?;
                    let mut out = Vec::new();
                    for d in &due {
                        out.extend(
                            rescore(conn, city, d.institution_id, d.statistical_year, today)
                                .await?,
                        );
                        store::clear_dirty(conn, d).await?;
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
