//! Attendance (考勤) as stored: each class's check-ins and check-outs, a
//! chain whose records each hold the hash of the one before.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::attendance)]
pub struct AttendanceRow {
    pub seq: i64,
    pub class_id: Uuid,
    pub enrolment_id: Uuid,
    pub session_seq: i32,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub recorded_by: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The class's chain, oldest first.
pub async fn of_class(
    conn: &mut AsyncPgConnection,
    class_id: Uuid,
) -> QueryResult<Vec<AttendanceRow>> {
    schema::attendance::table
        .filter(schema::attendance::class_id.eq(class_id))
        .order(schema::attendance::seq)
        .select(AttendanceRow::as_select())
        .load(conn)
        .await
}

/// The hash of the class's latest attendance record, if any.
pub async fn last_hash(
    conn: &mut AsyncPgConnection,
    class_id: Uuid,
) -> QueryResult<Option<String>> {
    use schema::attendance as a;
    a::table
        .filter(a::class_id.eq(class_id))
        .order(a::seq.desc())
        .select(a::hash)
        .first(conn)
        .await
        .optional()
}

/// Was `kind` already recorded for this enrolment and session?
pub async fn has_record(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
    session_seq: i32,
    kind: &str,
) -> QueryResult<bool> {
    use schema::attendance as a;
    diesel::select(diesel::dsl::exists(
        a::table.filter(
            a::enrolment_id
                .eq(enrolment_id)
                .and(a::session_seq.eq(session_seq))
                .and(a::kind.eq(kind)),
        ),
    ))
    .get_result(conn)
    .await
}

/// A record to append to a class's chain (its `seq` is the database's).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::attendance)]
pub struct NewAttendanceRow<'a> {
    pub class_id: Uuid,
    pub enrolment_id: Uuid,
    pub session_seq: i32,
    pub kind: &'a str,
    pub at: DateTime<Utc>,
    pub recorded_by: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// The stored record, or `None` when the same kind was already recorded
/// for that session.
pub async fn append(
    conn: &mut AsyncPgConnection,
    row: &NewAttendanceRow<'_>,
) -> QueryResult<Option<AttendanceRow>> {
    diesel::insert_into(schema::attendance::table)
        .values(row)
        .on_conflict_do_nothing()
        .returning(AttendanceRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}
