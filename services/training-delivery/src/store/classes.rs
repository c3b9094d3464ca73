//! Classes (培训班) as filed: the class and its sessions, approval, closing
//! with every trainee's result, and the sessions of other open classes a
//! timetable may clash with.

use chrono::{DateTime, Utc};
use contracts::delivery::{ClassStatus, ConflictKind};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{classes, enrolments, sessions};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = classes)]
pub struct ClassRow {
    pub id: Uuid,
    pub city: String,
    pub institution_id: Uuid,
    pub credit_code: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub year: i32,
    pub capacity: i32,
    pub funding_route: String,
    pub plan: serde_json::Value,
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub class_id: Uuid,
    pub seq: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_id: Uuid,
    pub teacher_id: Uuid,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    class: &ClassRow,
    rows: &[SessionRow],
) -> QueryResult<()> {
    diesel::insert_into(classes::table)
        .values(class)
        .execute(conn)
        .await?;
    diesel::insert_into(sessions::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ClassRow>> {
    classes::table
        .find(id)
        .select(ClassRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ClassRow>> {
    classes::table
        .find(id)
        .select(ClassRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// What a list of classes is narrowed to: the city's, one institution's
/// (by its credit code or its id), of a status, catalogue year or
/// occupation; after the previous page's last `(filed_at, id)`.
#[derive(Debug)]
pub struct ClassFilter<'a> {
    pub city: &'a str,
    pub credit_code: Option<&'a str>,
    pub institution_id: Option<Uuid>,
    pub status: Option<ClassStatus>,
    pub year: Option<i32>,
    pub occupation_code: Option<&'a str>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Classes matching `f`, oldest filing first, at most `f.limit`.
pub async fn list(conn: &mut AsyncPgConnection, f: &ClassFilter<'_>) -> QueryResult<Vec<ClassRow>> {
    let mut q = classes::table.filter(classes::city.eq(f.city)).into_boxed();
    if let Some(org) = f.credit_code {
        q = q.filter(classes::credit_code.eq(org));
    }
    if let Some(id) = f.institution_id {
        q = q.filter(classes::institution_id.eq(id));
    }
    if let Some(status) = f.status {
        q = q.filter(classes::status.eq(status.as_str()));
    }
    if let Some(year) = f.year {
        q = q.filter(classes::year.eq(year));
    }
    if let Some(code) = f.occupation_code {
        q = q.filter(classes::occupation_code.eq(code));
    }
    if let Some((at, id)) = f.after {
        q = q.filter(
            classes::filed_at
                .gt(at)
                .or(classes::filed_at.eq(at).and(classes::id.gt(id))),
        );
    }
    q.order((classes::filed_at, classes::id))
        .limit(f.limit)
        .select(ClassRow::as_select())
        .load(conn)
        .await
}

pub async fn sessions_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::class_id.eq(id))
        .order(sessions::seq)
        .select(SessionRow::as_select())
        .load(conn)
        .await
}

pub async fn approve(conn: &mut AsyncPgConnection, id: Uuid, by: &str) -> QueryResult<()> {
    diesel::update(classes::table.find(id))
        .set((
            classes::status.eq(ClassStatus::Approved.as_str()),
            classes::approved_by.eq(by),
            classes::approved_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A trainee's result when the class closes.
pub struct Outcome {
    pub enrolment_id: Uuid,
    /// completed or not_completed
    pub outcome: &'static str,
    pub attended_hours: f64,
}

/// Closes the class with every trainee's result.
pub async fn close(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    outcomes: &[Outcome],
) -> QueryResult<()> {
    diesel::update(classes::table.find(id))
        .set((
            classes::status.eq(ClassStatus::Closed.as_str()),
            classes::closed_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    for o in outcomes {
        diesel::update(enrolments::table.find(o.enrolment_id))
            .set((
                enrolments::outcome.eq(o.outcome),
                enrolments::attended_hours.eq(o.attended_hours),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Who and where another class's session takes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
struct BookedRow {
    class_id: Uuid,
    teacher_id: Uuid,
    venue_id: Uuid,
}

/// A teacher or venue another open class holds at the same time.
#[derive(Debug, Clone)]
pub struct DoubleBooking {
    pub kind: ConflictKind,
    pub other_class: Uuid,
    /// The teacher or the venue.
    pub subject: Uuid,
}

/// Other open classes with a session overlapping `[from, to)` that uses the
/// same teacher or venue.
pub async fn double_bookings(
    conn: &mut AsyncPgConnection,
    class_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    teacher: Uuid,
    venue: Uuid,
) -> QueryResult<Vec<DoubleBooking>> {
    let others: Vec<BookedRow> = sessions::table
        .inner_join(classes::table)
        .filter(sessions::class_id.ne(class_id))
        .filter(classes::status.ne(ClassStatus::Closed.as_str()))
        .filter(sessions::starts_at.lt(to).and(sessions::ends_at.gt(from)))
        .filter(
            sessions::teacher_id
                .eq(teacher)
                .or(sessions::venue_id.eq(venue)),
        )
        .select(BookedRow::as_select())
        .load(conn)
        .await?;
    let mut out = Vec::new();
    for other in others {
        if other.teacher_id == teacher {
            out.push(DoubleBooking {
                kind: ConflictKind::TeacherDoubleBooked,
                other_class: other.class_id,
                subject: other.teacher_id,
            });
        }
        if other.venue_id == venue {
            out.push(DoubleBooking {
                kind: ConflictKind::VenueDoubleBooked,
                other_class: other.class_id,
                subject: other.venue_id,
            });
        }
    }
    Ok(out)
}
