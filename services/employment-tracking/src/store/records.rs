//! Employment records (就业信息), reported or shown by social insurance.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{completers, employment_records};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = employment_records)]
pub struct RecordRow {
    pub id: Uuid,
    pub person_id: String,
    pub citizen_masked: String,
    pub employer_credit_code: String,
    pub job: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub contract_months: Option<i32>,
    pub source: String,
    pub conflicting: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

pub async fn of_persons(
    conn: &mut AsyncPgConnection,
    persons: &[String],
) -> QueryResult<Vec<RecordRow>> {
    employment_records::table
        .filter(employment_records::person_id.eq_any(persons))
        .order(employment_records::id)
        .select(RecordRow::as_select())
        .load(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<RecordRow>> {
    employment_records::table
        .find(id)
        .select(RecordRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &RecordRow) -> QueryResult<()> {
    diesel::insert_into(employment_records::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Inserts records social insurance shows; a record another transaction
/// inserted first is left alone. Returns the ids inserted.
pub async fn insert_insured(
    conn: &mut AsyncPgConnection,
    rows: &[RecordRow],
) -> QueryResult<Vec<Uuid>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    diesel::insert_into(employment_records::table)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(employment_records::id)
        .get_results(conn)
        .await
}

/// A record of social insurance whose period grew.
#[derive(Debug, Clone)]
pub struct Widened {
    pub id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Widens what social insurance shows of employments, in one statement.
pub async fn widen_insured(conn: &mut AsyncPgConnection, rows: &[Widened]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "UPDATE employment_records r SET starts_on = t.starts_on, ends_on = t.ends_on
         FROM unnest($1::uuid[], $2::date[], $3::date[]) AS t(id, starts_on, ends_on)
         WHERE r.id = t.id",
    )
    .bind::<Array<diesel::sql_types::Uuid>, _>(rows.iter().map(|r| r.id).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(rows.iter().map(|r| r.starts_on).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(rows.iter().map(|r| r.ends_on).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn flag_conflicting(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(
        employment_records::table.filter(
            employment_records::id
                .eq_any(ids)
                .and(employment_records::conflicting.eq(false)),
        ),
    )
    .set(employment_records::conflicting.eq(true))
    .execute(conn)
    .await
    .map(|_| ())
}

/// What an employment-record list filters on.
#[derive(Debug, Default)]
pub struct RecordFilter {
    pub person_id: Option<String>,
    pub employer: Option<String>,
    /// Only persons who completed at these institutions.
    pub institutions: Option<Vec<Uuid>>,
    pub source: Option<String>,
    pub conflicting: Option<bool>,
    pub recorded_by: Option<String>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &RecordFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<RecordRow>> {
    let mut q = employment_records::table
        .select(RecordRow::as_select())
        .into_boxed();
    if let Some(p) = &f.person_id {
        q = q.filter(employment_records::person_id.eq(p.clone()));
    }
    if let Some(e) = &f.employer {
        q = q.filter(employment_records::employer_credit_code.eq(e.clone()));
    }
    if let Some(ids) = &f.institutions {
        q = q.filter(
            employment_records::person_id.eq_any(
                completers::table
                    .filter(completers::institution_id.eq_any(ids.clone()))
                    .select(completers::person_id),
            ),
        );
    }
    if let Some(s) = &f.source {
        q = q.filter(employment_records::source.eq(s.clone()));
    }
    if let Some(c) = f.conflicting {
        q = q.filter(employment_records::conflicting.eq(c));
    }
    if let Some(by) = &f.recorded_by {
        q = q.filter(employment_records::recorded_by.eq(by.clone()));
    }
    if let Some(id) = after {
        q = q.filter(employment_records::id.lt(id));
    }
    q.order(employment_records::id.desc())
        .limit(limit)
        .load(conn)
        .await
}
