//! Leading talents (技能领军人才) selected per year.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::leading_talents;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = leading_talents)]
pub struct TalentRow {
    pub id: Uuid,
    pub selection_year: i32,
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub citizen_masked: String,
    pub name: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub employer_credit_code: String,
    pub plan: serde_json::Value,
    pub selected_by: String,
    pub selected_at: DateTime<Utc>,
}

/// `Ok(false)` when the person is already selected that year.
pub async fn insert(conn: &mut AsyncPgConnection, row: &TalentRow) -> QueryResult<bool> {
    diesel::insert_into(leading_talents::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn of_year(conn: &mut AsyncPgConnection, year: i32) -> QueryResult<Vec<TalentRow>> {
    leading_talents::table
        .filter(leading_talents::selection_year.eq(year))
        .order(leading_talents::selected_at)
        .select(TalentRow::as_select())
        .load(conn)
        .await
}
