//! Training delivery's completions, kept for the entry rules.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::completions;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = completions)]
pub struct CompletionRow {
    pub enrolment_id: Uuid,
    pub person_id: String,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub occupation_code: String,
    pub skill_level: String,
    pub completed_on: NaiveDate,
}

pub async fn record(
    conn: &mut AsyncPgConnection,
    e: &contracts::delivery::CompletionEvent,
) -> QueryResult<()> {
    diesel::insert_into(completions::table)
        .values((
            completions::enrolment_id.eq(e.enrolment_id),
            completions::person_id.eq(e.person_id.as_str()),
            completions::class_id.eq(e.class_id),
            completions::institution_id.eq(e.institution_id),
            completions::occupation_code.eq(e.occupation_code.as_str()),
            completions::skill_level.eq(e.skill_level.as_str()),
            completions::completed_on.eq(e.completed_on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// The latest completion of this person in this occupation and level.
pub async fn latest(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    occupation_code: &str,
    skill_level: &str,
) -> QueryResult<Option<CompletionRow>> {
    completions::table
        .filter(completions::person_id.eq(person_id))
        .filter(completions::occupation_code.eq(occupation_code))
        .filter(completions::skill_level.eq(skill_level))
        .order(completions::completed_on.desc())
        .select(CompletionRow::as_select())
        .first(conn)
        .await
        .optional()
}
