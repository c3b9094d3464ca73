//! Persistence of the training_delivery schema. Functions take the
//! caller's connection, so a use case composes them in one transaction.

pub mod schema;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Int4, Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use schema::{catalogue_entries, classes, enrolments, institutions, sessions, teachers, venues};

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

/// An institution as the registry announced it, as far as filing looks.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = institutions)]
pub struct InstitutionRow {
    pub credit_code: String,
    /// The registry's status, or `under_review` (`domain::class::filing_standing`).
    pub status: String,
    /// The granted scope, as `domain::class::Granted` items.
    pub scope: serde_json::Value,
}

pub async fn institution(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<InstitutionRow>> {
    institutions::table
        .find(id)
        .select(InstitutionRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn listed_in_catalogue(
    conn: &mut AsyncPgConnection,
    city: &str,
    year: i32,
    occupation: &str,
    level: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        catalogue_entries::table.filter(
            catalogue_entries::city
                .eq(city)
                .and(catalogue_entries::year.eq(year))
                .and(catalogue_entries::occupation_code.eq(occupation))
                .and(catalogue_entries::skill_level.eq(level))
                .and(catalogue_entries::withdrawn.eq(false)),
        ),
    ))
    .get_result(conn)
    .await
}

/// A venue as the registry announced it, as far as filing looks.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = venues)]
pub struct VenueRow {
    pub venue_id: Uuid,
    pub institution_id: Uuid,
    pub capacity: i32,
    pub occupations: Vec<String>,
}

pub async fn venues_of(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<VenueRow>> {
    venues::table
        .filter(venues::venue_id.eq_any(ids))
        .select(VenueRow::as_select())
        .load(conn)
        .await
}

/// A teacher as the registry announced them, as far as filing looks.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teachers)]
pub struct TeacherRow {
    pub teacher_id: Uuid,
    pub institution_id: Uuid,
    /// `[{ "occupation_code", "skill_level" }]`, as the registry sent it.
    pub may_teach: serde_json::Value,
}

pub async fn teachers_of(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<TeacherRow>> {
    teachers::table
        .filter(teachers::teacher_id.eq_any(ids))
        .select(TeacherRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_class(
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

pub async fn lock_class(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ClassRow>> {
    classes::table
        .find(id)
        .select(ClassRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn class(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ClassRow>> {
    classes::table
        .find(id)
        .select(ClassRow::as_select())
        .first(conn)
        .await
        .optional()
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
            classes::status.eq("approved"),
            classes::approved_by.eq(by),
            classes::approved_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
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

pub async fn insert_enrolment(conn: &mut AsyncPgConnection, row: &EnrolmentRow) -> QueryResult<()> {
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

/// Read-model upserts. Events of one aggregate arrive in order (one key,
/// one partition); a late repeat of an older state is ignored.
pub async fn upsert_catalogue_entry(
    conn: &mut AsyncPgConnection,
    e: &contracts::catalog::CatalogueEntryEvent,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO catalogue_entries (entry_id, city, year, occupation_code, skill_level, withdrawn, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (entry_id) DO UPDATE SET withdrawn = excluded.withdrawn, version = excluded.version
         WHERE catalogue_entries.version <= excluded.version",
    )
    .bind::<SqlUuid, _>(e.entry_id)
    .bind::<Text, _>(e.city.as_str())
    .bind::<Int4, _>(e.year)
    .bind::<Text, _>(e.occupation_code.as_str())
    .bind::<Text, _>(e.skill_level.as_str())
    .bind::<Bool, _>(e.withdrawn)
    .bind::<Int4, _>(e.version)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A value stored as JSON; failing to write it fails the statement.
fn json(value: &impl serde::Serialize) -> QueryResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}

/// Keeps an institution's newest announced state; `standing` is what
/// filing checks (`domain::class::filing_standing`).
pub async fn upsert_institution(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::InstitutionEvent,
    standing: &str,
    as_of: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO institutions (institution_id, city, credit_code, name, status, scope, as_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (institution_id) DO UPDATE SET
           name = excluded.name, status = excluded.status, scope = excluded.scope, as_of = excluded.as_of
         WHERE institutions.as_of <= excluded.as_of",
    )
    .bind::<SqlUuid, _>(e.institution_id)
    .bind::<Text, _>(e.city.as_str())
    .bind::<Text, _>(e.credit_code.as_str())
    .bind::<Text, _>(&e.name)
    .bind::<Text, _>(standing)
    .bind::<Jsonb, _>(json(&e.scope)?)
    .bind::<Timestamptz, _>(as_of)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn upsert_teacher(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::TeacherEvent,
) -> QueryResult<()> {
    let may_teach = json(&e.may_teach)?;
    diesel::insert_into(teachers::table)
        .values((
            teachers::teacher_id.eq(e.teacher_id),
            teachers::institution_id.eq(e.institution_id),
            teachers::name.eq(&e.name),
            teachers::may_teach.eq(&may_teach),
        ))
        .on_conflict(teachers::teacher_id)
        .do_update()
        .set((
            teachers::name.eq(&e.name),
            teachers::may_teach.eq(&may_teach),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn upsert_venue(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::VenueEvent,
) -> QueryResult<()> {
    let occupations: Vec<String> = e.occupations.iter().map(|o| o.to_string()).collect();
    diesel::insert_into(venues::table)
        .values((
            venues::venue_id.eq(e.venue_id),
            venues::institution_id.eq(e.institution_id),
            venues::name.eq(&e.name),
            venues::capacity.eq(e.capacity),
            venues::occupations.eq(&occupations),
        ))
        .on_conflict(venues::venue_id)
        .do_update()
        .set((
            venues::name.eq(&e.name),
            venues::capacity.eq(e.capacity),
            venues::occupations.eq(&occupations),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

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
pub async fn attendance_of(
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
pub async fn append_attendance(
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
            classes::status.eq("closed"),
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

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::inspections)]
pub struct InspectionRow {
    pub id: Uuid,
    pub class_id: Uuid,
    pub inspector: String,
    pub at: DateTime<Utc>,
    pub findings: String,
    pub photo_urls: Vec<String>,
}

pub async fn insert_inspection(
    conn: &mut AsyncPgConnection,
    row: &InspectionRow,
) -> QueryResult<()> {
    diesel::insert_into(schema::inspections::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn inspections_of(
    conn: &mut AsyncPgConnection,
    class_id: Uuid,
) -> QueryResult<Vec<InspectionRow>> {
    schema::inspections::table
        .filter(schema::inspections::class_id.eq(class_id))
        .order(schema::inspections::at)
        .select(InspectionRow::as_select())
        .load(conn)
        .await
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
    /// teacher_double_booked or venue_double_booked
    pub kind: &'static str,
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
        .filter(classes::status.ne("closed"))
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
                kind: "teacher_double_booked",
                other_class: other.class_id,
                subject: other.teacher_id,
            });
        }
        if other.venue_id == venue {
            out.push(DoubleBooking {
                kind: "venue_double_booked",
                other_class: other.class_id,
                subject: other.venue_id,
            });
        }
    }
    Ok(out)
}
