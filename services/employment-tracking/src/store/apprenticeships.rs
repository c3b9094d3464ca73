//! New-style apprenticeships (新型学徒制) registered by enterprises, and
//! their decisions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::apprenticeships;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = apprenticeships, treat_none_as_null = true)]
pub struct ApprenticeshipRow {
    pub id: Uuid,
    pub person_id: String,
    pub citizen_masked: String,
    pub enterprise_credit_code: String,
    pub occupation_code: Option<String>,
    pub school: String,
    pub graduation_on: NaiveDate,
    pub internship_starts_on: NaiveDate,
    pub internship_ends_on: NaiveDate,
    pub status: String,
    pub reasons: serde_json::Value,
    pub contract_employer: Option<String>,
    pub employment_starts_on: Option<NaiveDate>,
    pub contract_ends_on: Option<NaiveDate>,
    pub contract_months: Option<i32>,
    pub recognised_from: Option<NaiveDate>,
    pub training_months: Option<i32>,
    pub registered_by: String,
    pub registered_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &ApprenticeshipRow) -> QueryResult<()> {
    diesel::insert_into(apprenticeships::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn lock(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ApprenticeshipRow>> {
    apprenticeships::table
        .find(id)
        .select(ApprenticeshipRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ApprenticeshipRow>> {
    apprenticeships::table
        .find(id)
        .select(ApprenticeshipRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn update(conn: &mut AsyncPgConnection, row: &ApprenticeshipRow) -> QueryResult<()> {
    diesel::update(apprenticeships::table.find(row.id))
        .set(row)
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Default)]
pub struct ApprenticeshipFilter {
    pub enterprise: Option<String>,
    pub registered_by: Option<String>,
    pub status: Option<String>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &ApprenticeshipFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ApprenticeshipRow>> {
    let mut q = apprenticeships::table
        .select(ApprenticeshipRow::as_select())
        .into_boxed();
    if let Some(e) = &f.enterprise {
        q = q.filter(apprenticeships::enterprise_credit_code.eq(e.clone()));
    }
    if let Some(by) = &f.registered_by {
        q = q.filter(apprenticeships::registered_by.eq(by.clone()));
    }
    if let Some(s) = &f.status {
        q = q.filter(apprenticeships::status.eq(s.clone()));
    }
    if let Some(id) = after {
        q = q.filter(apprenticeships::id.lt(id));
    }
    q.order(apprenticeships::id.desc())
        .limit(limit)
        .load(conn)
        .await
}
