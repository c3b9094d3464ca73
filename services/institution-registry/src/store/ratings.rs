//! Ratings (评级) as received from performance evaluation, the rating an
//! institution holds, and the bureau's reviews of a D.

use chrono::{DateTime, Utc};
use db::WordColumn;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ids::Rating;
use uuid::Uuid;

use super::institutions::lock;
use super::schema::{institutions, rating_reviews, ratings};

/// A rating as received from performance evaluation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ratings)]
pub struct RatingRow {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub statistical_year: i32,
    #[diesel(deserialize_as = WordColumn<Rating>, serialize_as = WordColumn<Rating>)]
    pub rating: Rating,
    pub overridden: bool,
    pub reason: Option<String>,
    pub decided_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

/// Records a rating; the institution takes it unless a newer one is
/// already there (events of one institution may be replayed).
/// `Ok(false)`: the institution is not known here.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    row: &RatingRow,
    under_review: bool,
) -> QueryResult<bool> {
    let Some(current) = lock(conn, row.institution_id).await? else {
        return Ok(false);
    };
    let newest: Option<DateTime<Utc>> = ratings::table
        .filter(ratings::institution_id.eq(row.institution_id))
        .select(diesel::dsl::max(ratings::decided_at))
        .first(conn)
        .await?;
    // Owned: the rating's column adapter converts the value it writes.
    diesel::insert_into(ratings::table)
        .values(row.clone())
        .execute(conn)
        .await?;
    if newest.is_some_and(|n| n > row.decided_at) {
        return Ok(true);
    }
    diesel::update(institutions::table.find(current.id))
        .set((
            institutions::rating.eq(WordColumn::from(row.rating)),
            institutions::under_review.eq(under_review),
            institutions::updated_at.eq(row.received_at),
        ))
        .execute(conn)
        .await?;
    Ok(true)
}

/// Clears the review flag after an officer's review.
pub async fn record_review(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    note: &str,
    officer: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(rating_reviews::table)
        .values((
            rating_reviews::id.eq(Uuid::now_v7()),
            rating_reviews::institution_id.eq(institution_id),
            rating_reviews::note.eq(note),
            rating_reviews::reviewed_by.eq(officer),
            rating_reviews::reviewed_at.eq(at),
        ))
        .execute(conn)
        .await?;
    diesel::update(institutions::table.find(institution_id))
        .set((
            institutions::under_review.eq(false),
            institutions::updated_at.eq(at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
