//! Vacancies enterprises and integrators post.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::vacancies;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = vacancies)]
pub struct VacancyRow {
    pub id: Uuid,
    pub employer_credit_code: String,
    pub title: String,
    pub occupation_code: String,
    pub min_skill_level: String,
    pub work_city: String,
    pub headcount: i32,
    pub salary_min_fen: Option<i64>,
    pub salary_max_fen: Option<i64>,
    pub open_until: NaiveDate,
    pub posted_by: String,
    pub posted_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &VacancyRow) -> QueryResult<()> {
    diesel::insert_into(vacancies::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Vacancies open on `on` whose occupation shares the middle category
/// (`d-dd`) with `occupation`: the candidates matching scores.
pub async fn open_near(
    conn: &mut AsyncPgConnection,
    occupation: &str,
    on: NaiveDate,
) -> QueryResult<Vec<VacancyRow>> {
    vacancies::table
        .filter(
            vacancies::open_until
                .ge(on)
                // A code shorter than its middle category matches itself only.
                .and(
                    vacancies::occupation_code
                        .like(format!("{}%", occupation.get(..4).unwrap_or(occupation))),
                ),
        )
        .order(vacancies::id)
        .select(VacancyRow::as_select())
        .load(conn)
        .await
}

#[derive(Debug, Default)]
pub struct VacancyFilter {
    pub employer: Option<String>,
    pub posted_by: Option<String>,
    pub occupation_code: Option<String>,
    pub open_on: Option<NaiveDate>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &VacancyFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<VacancyRow>> {
    let mut q = vacancies::table
        .select(VacancyRow::as_select())
        .into_boxed();
    if let Some(e) = &f.employer {
        q = q.filter(vacancies::employer_credit_code.eq(e.clone()));
    }
    if let Some(p) = &f.posted_by {
        q = q.filter(vacancies::posted_by.eq(p.clone()));
    }
    if let Some(o) = &f.occupation_code {
        q = q.filter(vacancies::occupation_code.eq(o.clone()));
    }
    if let Some(on) = f.open_on {
        q = q.filter(vacancies::open_until.ge(on));
    }
    if let Some(id) = after {
        q = q.filter(vacancies::id.lt(id));
    }
    q.order(vacancies::id.desc()).limit(limit).load(conn).await
}
