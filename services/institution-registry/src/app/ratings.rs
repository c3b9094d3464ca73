//! Ratings from performance evaluation (绩效评价) and the bureau's review of
//! a D (整改复核): a D puts the institution under review — no new
//! occupations, no new class filings — until an officer reviews it.

use anyhow::Context as _;
use chrono::Utc;
use contracts::evaluation::RatingEvent;
use contracts::registry::{INSTITUTION_RATED, INSTITUTION_REVIEWED};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use platform::auth::Principal;
use uuid::Uuid;

use super::institutions::may_see;
use super::Error;
use crate::domain::institution::under_review_after;
use crate::events;
use crate::store::institutions::{self, Full};
use crate::store::ratings::{self, RatingRow};

/// Records a rating received; when the institution takes it (it is the
/// newest), announces its new standing. A rating of an institution this
/// registry does not hold is skipped. Runs in the consumer's transaction.
#[tracing::instrument(skip_all, fields(institution_id = %e.institution_id, year = e.statistical_year))]
pub async fn record(conn: &mut AsyncPgConnection, e: &RatingEvent) -> Result<(), Error> {
    let Some(current) = institutions::lock(conn, e.institution_id).await? else {
        tracing::warn!(institution_id = %e.institution_id, "a rating for an institution this registry does not hold");
        return Ok(());
    };
    // A word this version does not know cannot be applied: the event is
    // dead-lettered rather than guessed at.
    let rating = e.rating.known().context("the rating of a rating event")?;
    let row = RatingRow {
        id: Uuid::now_v7(),
        institution_id: e.institution_id,
        statistical_year: e.statistical_year,
        rating,
        overridden: e.overridden,
        reason: e.reason.clone(),
        decided_at: e.decided_at,
        received_at: Utc::now(),
    };
    let under_review = under_review_after(current.under_review, rating, e.overridden);
    if ratings::apply(conn, &row, under_review).await? {
        let full = institutions::full(conn, e.institution_id)
            .await?
            .ok_or(Error::InstitutionNotFound)?;
        let reason = Some(format!("rated {rating} for {}", e.statistical_year));
        messaging::enqueue(
            conn,
            &[events::institution(&full, INSTITUTION_RATED, reason)?],
        )
        .await?;
    }
    Ok(())
}

/// An officer's review of a D-rated institution, with the note of what was
/// checked: lifts the restriction and announces it.
#[tracing::instrument(skip_all, fields(institution_id = %id))]
pub async fn review(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    note: String,
) -> Result<Full, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let row = institutions::lock(conn, id)
                .await?
                .filter(|r| may_see(who, r))
                .ok_or(Error::InstitutionNotFound)?;
            if !row.under_review {
                return Err(Error::NotUnderReview);
            }
            ratings::record_review(conn, id, &note, who.subject(), Utc::now()).await?;
            let full = institutions::full(conn, id)
                .await?
                .ok_or(Error::InstitutionNotFound)?;
            let event = events::institution(&full, INSTITUTION_REVIEWED, Some(note))?;
            messaging::enqueue(conn, &[event]).await?;
            Ok(full)
        }
        .scope_boxed()
    })
    .await
}
