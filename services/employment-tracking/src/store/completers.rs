//! Completers followed up for employment: each one's follow-up window
//! (就业跟踪期) and its outcome.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::completers;

pub const EMPLOYED: &str = "employed_within_window";
pub const NOT_EMPLOYED: &str = "not_employed_at_window_end";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = completers)]
pub struct CompleterRow {
    pub enrolment_id: Uuid,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub person_id: String,
    pub target_group: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub completed_on: NaiveDate,
    pub statistical_year: i32,
    pub window_months: i32,
    pub window_ends_on: NaiveDate,
    pub outcome: Option<String>,
    pub employed_on: Option<NaiveDate>,
    pub employer_credit_code: Option<String>,
    pub outcome_source: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
}

/// `false` when the completion was already known (a replayed event).
pub async fn insert(conn: &mut AsyncPgConnection, row: &CompleterRow) -> QueryResult<bool> {
    diesel::insert_into(completers::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<CompleterRow>> {
    completers::table
        .find(id)
        .select(CompleterRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn of_persons(
    conn: &mut AsyncPgConnection,
    persons: &[String],
) -> QueryResult<Vec<CompleterRow>> {
    completers::table
        .filter(completers::person_id.eq_any(persons))
        .order(completers::enrolment_id)
        .select(CompleterRow::as_select())
        .load(conn)
        .await
}

/// Pending completers whose window ended before `as_of`, locked; rows
/// another replica is closing are skipped, not waited for.
pub async fn lock_due(
    conn: &mut AsyncPgConnection,
    as_of: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<CompleterRow>> {
    completers::table
        .filter(
            completers::outcome
                .is_null()
                .and(completers::window_ends_on.lt(as_of)),
        )
        .order(completers::window_ends_on)
        .limit(limit)
        .select(CompleterRow::as_select())
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// Closes a window as not employed unless it has an outcome; `true` when
/// closed.
pub async fn close_not_employed(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<bool> {
    diesel::update(
        completers::table.filter(
            completers::enrolment_id
                .eq(enrolment_id)
                .and(completers::outcome.is_null()),
        ),
    )
    .set((
        completers::outcome.eq(NOT_EMPLOYED),
        completers::decided_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

#[derive(QueryableByName)]
struct Decided {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    enrolment_id: Uuid,
}

/// Employment within the window, confirmed.
pub struct Employed {
    pub enrolment_id: Uuid,
    pub employed_on: NaiveDate,
    pub employer: String,
    pub source: &'static str,
}

/// Writes many employed outcomes in one statement, each only where no
/// outcome is yet; returns the enrolments written.
pub async fn decide_employed(
    conn: &mut AsyncPgConnection,
    rows: &[Employed],
) -> QueryResult<Vec<Uuid>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let decided: Vec<Decided> = diesel::sql_query(
        "UPDATE completers c
         SET outcome = $5, employed_on = t.employed_on,
             employer_credit_code = t.employer, outcome_source = t.source, decided_at = now()
         FROM unnest($1::uuid[], $2::date[], $3::text[], $4::text[]) AS t(id, employed_on, employer, source)
         WHERE c.enrolment_id = t.id AND c.outcome IS NULL
         RETURNING c.enrolment_id",
    )
    .bind::<Array<diesel::sql_types::Uuid>, _>(rows.iter().map(|r| r.enrolment_id).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(rows.iter().map(|r| r.employed_on).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.employer.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.source).collect::<Vec<_>>())
    .bind::<Text, _>(EMPLOYED)
    .load(conn)
    .await?;
    Ok(decided.into_iter().map(|d| d.enrolment_id).collect())
}

/// What a follow-up list filters on.
#[derive(Debug, Default)]
pub struct CompleterFilter {
    /// Only these institutions (an institution's own operators).
    pub institutions: Option<Vec<Uuid>>,
    pub institution_id: Option<Uuid>,
    /// `Some(None)`: still pending.
    pub outcome: Option<Option<String>>,
    pub statistical_year: Option<i32>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &CompleterFilter,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<CompleterRow>> {
    let mut q = completers::table
        .select(CompleterRow::as_select())
        .into_boxed();
    if let Some(ids) = &f.institutions {
        q = q.filter(completers::institution_id.eq_any(ids.clone()));
    }
    if let Some(id) = f.institution_id {
        q = q.filter(completers::institution_id.eq(id));
    }
    match &f.outcome {
        Some(Some(o)) => q = q.filter(completers::outcome.eq(o.clone())),
        Some(None) => q = q.filter(completers::outcome.is_null()),
        None => {}
    }
    if let Some(y) = f.statistical_year {
        q = q.filter(completers::statistical_year.eq(y));
    }
    if let Some((on, id)) = after {
        q = q.filter(
            completers::completed_on.lt(on).or(completers::completed_on
                .eq(on)
                .and(completers::enrolment_id.lt(id))),
        );
    }
    q.order((
        completers::completed_on.desc(),
        completers::enrolment_id.desc(),
    ))
    .limit(limit)
    .load(conn)
    .await
}

/// Of `persons`, those who completed training here.
pub async fn known(conn: &mut AsyncPgConnection, persons: &[String]) -> QueryResult<Vec<String>> {
    completers::table
        .filter(completers::person_id.eq_any(persons))
        .select(completers::person_id)
        .distinct()
        .load(conn)
        .await
}

/// Did the person complete training at one of `institutions`?
pub async fn completed_at(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    institutions: &[Uuid],
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        completers::table.filter(
            completers::person_id
                .eq(person_id)
                .and(completers::institution_id.eq_any(institutions)),
        ),
    ))
    .get_result(conn)
    .await
}
