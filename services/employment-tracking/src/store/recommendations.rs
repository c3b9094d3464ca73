//! Vacancies recommended to completers, with their matching score.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{completers, recommendations, vacancies};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recommendations)]
pub struct RecommendationRow {
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub person_id: String,
    pub vacancy_id: Uuid,
    pub score: i32,
    pub recommended_by: String,
    pub recommended_at: DateTime<Utc>,
}

/// Records recommendations; one already made for the same vacancy stays.
pub async fn insert(conn: &mut AsyncPgConnection, rows: &[RecommendationRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(recommendations::table)
        .values(rows)
        .on_conflict((recommendations::enrolment_id, recommendations::vacancy_id))
        .do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// The recommendations of a completer for these vacancies, best first.
pub async fn of_completer(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
    vacancy_ids: &[Uuid],
) -> QueryResult<Vec<RecommendationRow>> {
    recommendations::table
        .filter(
            recommendations::enrolment_id
                .eq(enrolment_id)
                .and(recommendations::vacancy_id.eq_any(vacancy_ids)),
        )
        .order((
            recommendations::score.desc(),
            recommendations::vacancy_id.desc(),
        ))
        .select(RecommendationRow::as_select())
        .load(conn)
        .await
}

#[derive(Debug, Default)]
pub struct RecommendationFilter {
    pub enrolment_id: Option<Uuid>,
    pub vacancy_id: Option<Uuid>,
    /// Only completers of these institutions.
    pub institutions: Option<Vec<Uuid>>,
    /// Only vacancies of this employer.
    pub employer: Option<String>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &RecommendationFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<RecommendationRow>> {
    let mut q = recommendations::table
        .select(RecommendationRow::as_select())
        .into_boxed();
    if let Some(id) = f.enrolment_id {
        q = q.filter(recommendations::enrolment_id.eq(id));
    }
    if let Some(id) = f.vacancy_id {
        q = q.filter(recommendations::vacancy_id.eq(id));
    }
    if let Some(ids) = &f.institutions {
        q = q.filter(
            recommendations::enrolment_id.eq_any(
                completers::table
                    .filter(completers::institution_id.eq_any(ids.clone()))
                    .select(completers::enrolment_id),
            ),
        );
    }
    if let Some(e) = &f.employer {
        q = q.filter(
            recommendations::vacancy_id.eq_any(
                vacancies::table
                    .filter(vacancies::employer_credit_code.eq(e.clone()))
                    .select(vacancies::id),
            ),
        );
    }
    if let Some(id) = after {
        q = q.filter(recommendations::id.lt(id));
    }
    q.order(recommendations::id.desc())
        .limit(limit)
        .load(conn)
        .await
}
