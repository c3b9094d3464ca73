//! The milestones at which social insurance showed a completer employed:
//! the month and the employer.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::milestones;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = milestones)]
pub struct MilestoneRow {
    pub enrolment_id: Uuid,
    pub months: i32,
    pub month: NaiveDate,
    pub employer_credit_code: String,
}

pub async fn of_enrolments(
    conn: &mut AsyncPgConnection,
    enrolments: &[Uuid],
) -> QueryResult<Vec<MilestoneRow>> {
    milestones::table
        .filter(milestones::enrolment_id.eq_any(enrolments))
        .order((milestones::enrolment_id, milestones::months))
        .select(MilestoneRow::as_select())
        .load(conn)
        .await
}

pub async fn insert(conn: &mut AsyncPgConnection, rows: &[MilestoneRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(milestones::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}
