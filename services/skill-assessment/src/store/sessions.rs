//! Exam sessions (考试场次) scheduled by bodies.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::bodies::{visible_ids, Visible};
use super::schema::sessions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub body_id: Uuid,
    pub assessment_kind: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub exam_date: NaiveDate,
    pub venue: String,
    pub assessor_ids: Vec<Uuid>,
    pub supervisor_id: Uuid,
    pub scheduled_by: String,
    pub scheduled_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A page of sessions, by exam date.
#[derive(Debug, Clone)]
pub struct SessionFilter {
    pub visible: Visible,
    pub body_id: Option<Uuid>,
    pub occupation_code: Option<String>,
    /// Exam dates from this day on.
    pub from: Option<NaiveDate>,
    /// Exam dates up to this day.
    pub to: Option<NaiveDate>,
    /// After this (exam_date, id).
    pub after: Option<(NaiveDate, Uuid)>,
    pub limit: i64,
}

pub async fn list(conn: &mut AsyncPgConnection, f: &SessionFilter) -> QueryResult<Vec<SessionRow>> {
    let mut q = sessions::table
        .filter(sessions::body_id.eq_any(visible_ids(&f.visible)))
        .into_boxed();
    if let Some(body) = f.body_id {
        q = q.filter(sessions::body_id.eq(body));
    }
    if let Some(code) = &f.occupation_code {
        q = q.filter(sessions::occupation_code.eq(code));
    }
    if let Some(from) = f.from {
        q = q.filter(sessions::exam_date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(sessions::exam_date.le(to));
    }
    if let Some((on, id)) = f.after {
        q = q.filter(
            sessions::exam_date
                .gt(on)
                .or(sessions::exam_date.eq(on).and(sessions::id.gt(id))),
        );
    }
    q.order((sessions::exam_date, sessions::id))
        .limit(f.limit)
        .select(SessionRow::as_select())
        .load(conn)
        .await
}
