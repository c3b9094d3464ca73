//! Employment services (就业服务): vacancies enterprises and integrators
//! post, and recommendations of them to completers not yet employed.

use chrono::{NaiveDate, Utc};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CityCode, CreditCode, OccupationCode, SkillLevel};
use platform::pagination::{self, Page};
use uuid::Uuid;

use super::scope::{self, Scope, Viewer};
use super::Error;
use crate::domain::matching::{score, Opening, Seeker};
use crate::store::{
    self,
    completers::CompleterRow,
    recommendations::{RecommendationFilter, RecommendationRow},
    vacancies::{VacancyFilter, VacancyRow},
};

/// Recommendations made at most per request.
const MAX_RECOMMENDATIONS: usize = 10;

/// A vacancy (岗位信息), validated.
#[derive(Debug)]
pub struct Posting {
    pub employer: CreditCode,
    pub title: String,
    pub occupation: OccupationCode,
    pub min_skill_level: SkillLevel,
    pub work_city: CityCode,
    pub headcount: i32,
    pub salary_min_fen: Option<i64>,
    pub salary_max_fen: Option<i64>,
    pub open_until: NaiveDate,
    pub posted_by: String,
}

/// Posts a vacancy, inside the caller's transaction.
#[tracing::instrument(skip_all, fields(employer = %v.employer, vacancy_id))]
pub async fn post(conn: &mut AsyncPgConnection, v: Posting) -> Result<VacancyRow, Error> {
    let row = VacancyRow {
        id: Uuid::now_v7(),
        employer_credit_code: v.employer.to_string(),
        title: v.title,
        occupation_code: v.occupation.to_string(),
        min_skill_level: v.min_skill_level.to_string(),
        work_city: v.work_city.to_string(),
        headcount: v.headcount,
        salary_min_fen: v.salary_min_fen,
        salary_max_fen: v.salary_max_fen,
        open_until: v.open_until,
        posted_by: v.posted_by,
        posted_at: Utc::now(),
    };
    tracing::Span::current().record("vacancy_id", tracing::field::display(row.id));
    store::vacancies::insert(conn, &row).await?;
    Ok(row)
}

/// Vacancies, newest first: officers and auditors see all, an enterprise
/// its own, an integrator those it posted.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    mut filter: VacancyFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<VacancyRow>, Error> {
    match scope::resolve(conn, viewer).await? {
        Scope::Employer(org) => filter.employer = Some(org),
        Scope::Integrator { subject, .. } => filter.posted_by = Some(subject),
        Scope::City | Scope::Institutions(_) => {}
    }
    let rows = store::vacancies::list(conn, &filter, after, limit + 1).await?;
    Ok(pagination::page(rows, limit, |r| r.id)?)
}

/// Recommends open vacancies to a completer not employed within the window
/// so far, best fit first; each recommendation is recorded once per
/// vacancy (one made before stays). Returns those recommendations.
#[tracing::instrument(skip_all, fields(enrolment_id = %enrolment_id))]
pub async fn recommend(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    viewer: &Viewer,
    enrolment_id: Uuid,
    recommended_by: String,
) -> Result<Vec<RecommendationRow>, Error> {
    let scope = scope::resolve(conn, viewer).await?;
    let c = store::completers::find(conn, enrolment_id)
        .await?
        .filter(|c| scope.sees_completer(c))
        .ok_or(Error::FollowUpNotFound)?;
    if c.outcome.as_deref() == Some(store::completers::EMPLOYED) {
        return Err(Error::AlreadyEmployed);
    }
    let today = ids::business_date(Utc::now());
    let candidates = store::vacancies::open_near(conn, &c.occupation_code, today).await?;
    let rows = best_fits(&c, city, candidates, &recommended_by)?;
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            store::recommendations::insert(conn, &rows).await?;
            let vacancies: Vec<Uuid> = rows.iter().map(|r| r.vacancy_id).collect();
            Ok(store::recommendations::of_completer(conn, c.enrolment_id, &vacancies).await?)
        }
        .scope_boxed()
    })
    .await
}

/// The best-fitting vacancies of `candidates`, as recommendations.
fn best_fits(
    c: &CompleterRow,
    city: CityCode,
    candidates: Vec<VacancyRow>,
    recommended_by: &str,
) -> Result<Vec<RecommendationRow>, Error> {
    let seeker = Seeker {
        occupation: c.occupation_code.parse().map_err(anyhow::Error::msg)?,
        level: c
            .skill_level
            .parse::<SkillLevel>()
            .map_err(anyhow::Error::msg)?,
        city: city.to_string(),
    };
    let mut scored: Vec<(i32, VacancyRow)> = Vec::new();
    for v in candidates {
        let opening = Opening {
            occupation: v.occupation_code.parse().map_err(anyhow::Error::msg)?,
            min_level: v.min_skill_level.parse().map_err(anyhow::Error::msg)?,
            work_city: v.work_city.clone(),
        };
        if let Some(s) = score(&opening, &seeker) {
            scored.push((s, v));
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.id.cmp(&a.1.id)));
    scored.truncate(MAX_RECOMMENDATIONS);
    Ok(scored
        .into_iter()
        .map(|(s, v)| RecommendationRow {
            id: Uuid::now_v7(),
            enrolment_id: c.enrolment_id,
            person_id: c.person_id.clone(),
            vacancy_id: v.id,
            score: s,
            recommended_by: recommended_by.to_owned(),
            recommended_at: Utc::now(),
        })
        .collect())
}

/// Recommendations made, newest first: officers and auditors see all, an
/// institution those to its completers, an enterprise those of its
/// vacancies.
#[tracing::instrument(skip_all)]
pub async fn recommendations(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    mut filter: RecommendationFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<RecommendationRow>, Error> {
    match scope::resolve(conn, viewer).await? {
        Scope::Institutions(ids) => filter.institutions = Some(ids),
        Scope::Employer(org) => filter.employer = Some(org),
        Scope::City | Scope::Integrator { .. } => {}
    }
    let rows = store::recommendations::list(conn, &filter, after, limit + 1).await?;
    Ok(pagination::page(rows, limit, |r| r.id)?)
}
