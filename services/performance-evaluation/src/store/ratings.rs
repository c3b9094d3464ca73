//! Changes of the rating in force (评级), each kept as it was published.

use chrono::{DateTime, Utc};
use db::WordColumn;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ids::Rating;
use uuid::Uuid;

use super::schema::rating_changes;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rating_changes)]
pub struct RatingChangeRow {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub statistical_year: i32,
    #[diesel(deserialize_as = WordColumn<Rating>, serialize_as = WordColumn<Rating>)]
    pub rating: Rating,
    #[diesel(deserialize_as = WordColumn<Rating>, serialize_as = WordColumn<Rating>)]
    pub previous: Option<Rating>,
    pub score: Option<f64>,
    pub formula_version: i32,
    pub overridden: bool,
    pub reason: Option<String>,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

pub async fn insert_change(conn: &mut AsyncPgConnection, row: &RatingChangeRow) -> QueryResult<()> {
    // Owned: the ratings' column adapter converts the values it writes.
    diesel::insert_into(rating_changes::table)
        .values(row.clone())
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn changes_of(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    year: i32,
) -> QueryResult<Vec<RatingChangeRow>> {
    rating_changes::table
        .filter(
            rating_changes::institution_id
                .eq(institution_id)
                .and(rating_changes::statistical_year.eq(year)),
        )
        .order(rating_changes::decided_at)
        .select(RatingChangeRow::as_select())
        .load(conn)
        .await
}
