//! Training brands (培训品牌) of a city.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::brands;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = brands)]
pub struct BrandRow {
    pub id: Uuid,
    pub city: String,
    pub name: String,
    pub occupation_codes: Vec<String>,
    pub institution_ids: Vec<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// `Ok(false)` when the city already has a brand of that name.
pub async fn insert(conn: &mut AsyncPgConnection, row: &BrandRow) -> QueryResult<bool> {
    match diesel::insert_into(brands::table)
        .values(row)
        .execute(conn)
        .await
    {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The city's brands, oldest first, keyset-paged on `(created_at, id)`:
/// those after `after`, at most `limit`.
pub async fn of_city(
    conn: &mut AsyncPgConnection,
    city: &str,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<BrandRow>> {
    let mut query = brands::table
        .filter(brands::city.eq(city))
        .order((brands::created_at, brands::id))
        .select(BrandRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            brands::created_at
                .gt(at)
                .or(brands::created_at.eq(at).and(brands::id.gt(id))),
        );
    }
    query.load(conn).await
}

/// How many brands the city has.
pub async fn count_of_city(conn: &mut AsyncPgConnection, city: &str) -> QueryResult<i64> {
    brands::table
        .filter(brands::city.eq(city))
        .count()
        .get_result(conn)
        .await
}
