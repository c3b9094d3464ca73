//! Exceptional certifications (破格) filed by bodies and their review.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::bodies::{visible_ids, Visible};
use super::schema::exceptional_certifications;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = exceptional_certifications)]
pub struct ExceptionalRow {
    pub id: Uuid,
    pub body_id: Uuid,
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub citizen_masked: String,
    pub name: String,
    pub assessment_kind: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub grounds: String,
    pub justification: String,
    pub status: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &ExceptionalRow) -> QueryResult<()> {
    diesel::insert_into(exceptional_certifications::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ExceptionalRow>> {
    exceptional_certifications::table
        .find(id)
        .for_update()
        .select(ExceptionalRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn review(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    note: &str,
    by: &str,
) -> QueryResult<()> {
    diesel::update(exceptional_certifications::table.find(id))
        .set((
            exceptional_certifications::status.eq(status),
            exceptional_certifications::review_note.eq(note),
            exceptional_certifications::reviewed_by.eq(by),
            exceptional_certifications::reviewed_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A page of applications, oldest filing first (the review queue's order).
#[derive(Debug, Clone)]
pub struct ExceptionalFilter {
    pub visible: Visible,
    pub status: Option<&'static str>,
    /// After this (filed_at, id).
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &ExceptionalFilter,
) -> QueryResult<Vec<ExceptionalRow>> {
    let mut q = exceptional_certifications::table
        .filter(exceptional_certifications::body_id.eq_any(visible_ids(&f.visible)))
        .into_boxed();
    if let Some(status) = f.status {
        q = q.filter(exceptional_certifications::status.eq(status));
    }
    if let Some((at, id)) = f.after {
        q = q.filter(
            exceptional_certifications::filed_at
                .gt(at)
                .or(exceptional_certifications::filed_at
                    .eq(at)
                    .and(exceptional_certifications::id.gt(id))),
        );
    }
    q.order((
        exceptional_certifications::filed_at,
        exceptional_certifications::id,
    ))
    .limit(f.limit)
    .select(ExceptionalRow::as_select())
    .load(conn)
    .await
}
