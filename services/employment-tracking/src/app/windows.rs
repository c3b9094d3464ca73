//! Closing follow-up windows (就业跟踪期): the periodic job, the
//! `close-windows` command and officers as of a date. Evidence within a
//! window that ended is looked at once more; a window still without
//! employment is closed as not employed at its end.

use chrono::NaiveDate;
use contracts::employment::EMPLOYED_WITHIN_WINDOW;
use db::{DbPool, ScopedFutureExt};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::CityCode;

use super::{reassess, Error};
use crate::events;
use crate::store::{self, completers::CompleterRow};

/// What closing windows did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(examples(json!({"employed_within_window": 3, "not_employed_at_window_end": 41})))]
pub struct Closed {
    /// Windows found to hold employment on a last look at the evidence.
    pub employed_within_window: usize,
    pub not_employed_at_window_end: usize,
}

/// Rows closed per transaction.
const CLOSE_BATCH: i64 = 500;

/// Closes every window that ended before `as_of`. Replicas share the work:
/// each transaction takes rows the others have not locked (`FOR UPDATE
/// SKIP LOCKED`), and an outcome is written only where none is.
#[tracing::instrument(skip_all, fields(as_of = %as_of))]
pub async fn close(pool: &DbPool, city: CityCode, as_of: NaiveDate) -> Result<Closed, Error> {
    let mut total = Closed::default();
    loop {
        let mut conn = pool.get().await?;
        let (closed, taken) = conn
            .transaction::<_, Error, _>(|conn| {
                async move { close_some(conn, city, as_of).await }.scope_boxed()
            })
            .await?;
        total.employed_within_window += closed.employed_within_window;
        total.not_employed_at_window_end += closed.not_employed_at_window_end;
        if i64::try_from(taken).is_ok_and(|n| n < CLOSE_BATCH) {
            return Ok(total);
        }
    }
}

async fn close_some(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    as_of: NaiveDate,
) -> Result<(Closed, usize), Error> {
    let due: Vec<CompleterRow> = store::completers::lock_due(conn, as_of, CLOSE_BATCH).await?;
    let persons: Vec<String> = due.iter().map(|c| c.person_id.clone()).collect();
    let mut out = reassess::reassess(conn, city, &persons).await?;
    let employed = out
        .iter()
        .filter(|e| e.event_type == EMPLOYED_WITHIN_WINDOW)
        .count();
    let mut not_employed = 0;
    for c in &due {
        let decided = store::completers::close_not_employed(conn, c.enrolment_id).await?;
        if decided {
            not_employed += 1;
            out.push(events::outcome(city, c, None)?);
        }
    }
    messaging::enqueue(conn, &out).await?;
    Ok((
        Closed {
            employed_within_window: employed,
            not_employed_at_window_end: not_employed,
        },
        due.len(),
    ))
}
