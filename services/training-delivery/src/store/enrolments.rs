//! Enrolments (实名制报名) as stored: the citizen ID and phone sealed, with
//! the keyed hash a person is found by; the roster and withdrawals.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{classes, enrolments};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = enrolments)]
pub struct EnrolmentRow {
    pub id: Uuid,
    pub class_id: Uuid,
    pub person_id: String,
    pub citizen_lookup: Vec<u8>,
    pub citizen_sealed: Vec<u8>,
    pub citizen_masked: String,
    pub name: String,
    pub phone_sealed: Vec<u8>,
    pub target_group: String,
    pub voucher_ref: Option<String>,
    pub enrolled_by: String,
    pub enrolled_at: DateTime<Utc>,
    pub outcome: Option<String>,
    pub attended_hours: Option<f64>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_reason: Option<String>,
}

/// Trainees on the roster (withdrawn ones left it).
pub async fn enrolled_count(conn: &mut AsyncPgConnection, class_id: Uuid) -> QueryResult<i64> {
    enrolments::table
        .filter(
            enrolments::class_id
                .eq(class_id)
                .and(enrolments::withdrawn_at.is_null()),
        )
        .count()
        .get_result(conn)
        .await
}

/// Is the person enrolled in a class whose time overlaps `[from, to)`?
pub async fn in_overlapping_class(
    conn: &mut AsyncPgConnection,
    lookup: &[u8],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        enrolments::table.inner_join(classes::table).filter(
            enrolments::citizen_lookup
                .eq(lookup)
                .and(enrolments::withdrawn_at.is_null())
                .and(classes::starts_at.lt(to))
                .and(classes::ends_at.gt(from)),
        ),
    ))
    .get_result(conn)
    .await
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &EnrolmentRow) -> QueryResult<()> {
    diesel::insert_into(enrolments::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn roster(
    conn: &mut AsyncPgConnection,
    class_id: Uuid,
) -> QueryResult<Vec<EnrolmentRow>> {
    enrolments::table
        .filter(enrolments::class_id.eq(class_id))
        .order(enrolments::enrolled_at)
        .select(EnrolmentRow::as_select())
        .load(conn)
        .await
}

/// A page of a class's roster, oldest enrolment first: at most `limit`
/// after the previous page's last `(enrolled_at, id)`.
pub async fn roster_page(
    conn: &mut AsyncPgConnection,
    class_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<EnrolmentRow>> {
    let mut q = enrolments::table
        .filter(enrolments::class_id.eq(class_id))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            enrolments::enrolled_at
                .gt(at)
                .or(enrolments::enrolled_at.eq(at).and(enrolments::id.gt(id))),
        );
    }
    q.order((enrolments::enrolled_at, enrolments::id))
        .limit(limit)
        .select(EnrolmentRow::as_select())
        .load(conn)
        .await
}

pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    enrolment: Uuid,
    reason: &str,
) -> QueryResult<()> {
    diesel::update(enrolments::table.find(enrolment))
        .set((
            enrolments::withdrawn_at.eq(Utc::now()),
            enrolments::withdrawal_reason.eq(reason),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn enrolment_in(
    conn: &mut AsyncPgConnection,
    class_id: Uuid,
    enrolment_id: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        enrolments::table.filter(
            enrolments::id
                .eq(enrolment_id)
                .and(enrolments::class_id.eq(class_id)),
        ),
    ))
    .get_result(conn)
    .await
}
