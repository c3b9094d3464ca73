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

pub async fn of_city(conn: &mut AsyncPgConnection, city: &str) -> QueryResult<Vec<BrandRow>> {
    brands::table
        .filter(brands::city.eq(city))
        .order(brands::created_at)
        .select(BrandRow::as_select())
        .load(conn)
        .await
}
