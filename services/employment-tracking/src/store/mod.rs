//! Persistence of the employment_tracking schema.

pub mod schema;
pub mod uploads;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use schema::{
    apprenticeships, completers, contributions, employment_records, institutions, milestones,
    recommendations, si_batches, vacancies,
};

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

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = milestones)]
pub struct MilestoneRow {
    pub enrolment_id: Uuid,
    pub months: i32,
    pub month: NaiveDate,
    pub employer_credit_code: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contributions)]
pub struct ContributionRow {
    pub person_id: String,
    pub month: NaiveDate,
    pub employer_credit_code: String,
    pub citizen_masked: String,
    pub batch_id: String,
}

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

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = apprenticeships, treat_none_as_null = true)]
pub struct ApprenticeshipRow {
    pub id: Uuid,
    pub person_id: String,
    pub citizen_masked: String,
    pub enterprise_credit_code: String,
    pub occupation_code: Option<String>,
    pub school: String,
    pub graduation_on: NaiveDate,
    pub internship_starts_on: NaiveDate,
    pub internship_ends_on: NaiveDate,
    pub status: String,
    pub reasons: serde_json::Value,
    pub contract_employer: Option<String>,
    pub employment_starts_on: Option<NaiveDate>,
    pub contract_ends_on: Option<NaiveDate>,
    pub contract_months: Option<i32>,
    pub recognised_from: Option<NaiveDate>,
    pub training_months: Option<i32>,
    pub registered_by: String,
    pub registered_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

// Read model of the registry.

pub async fn upsert_institution(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::InstitutionEvent,
) -> QueryResult<()> {
    diesel::insert_into(institutions::table)
        .values((
            institutions::institution_id.eq(e.institution_id),
            institutions::city.eq(e.city.as_str()),
            institutions::credit_code.eq(e.credit_code.as_str()),
            institutions::name.eq(&e.name),
        ))
        .on_conflict(institutions::institution_id)
        .do_update()
        .set((
            institutions::credit_code.eq(e.credit_code.as_str()),
            institutions::name.eq(&e.name),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The institutions an organisation runs.
pub async fn institutions_of(conn: &mut AsyncPgConnection, org: &str) -> QueryResult<Vec<Uuid>> {
    institutions::table
        .filter(institutions::credit_code.eq(org))
        .select(institutions::institution_id)
        .load(conn)
        .await
}

// Completers.

/// `false` when the completion was already known (a replayed event).
pub async fn insert_completer(
    conn: &mut AsyncPgConnection,
    row: &CompleterRow,
) -> QueryResult<bool> {
    diesel::insert_into(completers::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn completer(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<CompleterRow>> {
    completers::table
        .find(id)
        .select(CompleterRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn completers_of(
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

pub async fn list_completers(
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

pub async fn milestones_of(
    conn: &mut AsyncPgConnection,
    enrolments: &[Uuid],
) -> QueryResult<Vec<MilestoneRow>> {
    milestones::table
        .filter(milestones::enrolment_id.eq_any(enrolments))
        .order((milestones::enrolment_id, milestones::months))
        .select(MilestoneRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_milestones(
    conn: &mut AsyncPgConnection,
    rows: &[MilestoneRow],
) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(milestones::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

// Social-insurance contributions and batches.

#[derive(QueryableByName)]
struct Fresh {
    #[diesel(sql_type = Text)]
    person_id: String,
}

/// Stores the contributions of a chunk; returns the person of each one that
/// was new (the rest were known from this or an earlier batch).
pub async fn insert_contributions(
    conn: &mut AsyncPgConnection,
    rows: &[ContributionRow],
) -> QueryResult<Vec<String>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // One statement for the whole chunk: unnest keeps the bind count at five.
    let fresh: Vec<Fresh> = diesel::sql_query(
        "INSERT INTO contributions (person_id, month, employer_credit_code, citizen_masked, batch_id)
         SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT DO NOTHING
         RETURNING person_id",
    )
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.person_id.as_str()).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(rows.iter().map(|r| r.month).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(
        rows.iter()
            .map(|r| r.employer_credit_code.as_str())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.citizen_masked.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.batch_id.as_str()).collect::<Vec<_>>())
    .load(conn)
    .await?;
    Ok(fresh.into_iter().map(|f| f.person_id).collect())
}

#[derive(QueryableByName)]
pub struct InsuredMonths {
    #[diesel(sql_type = Text)]
    pub person_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub months: i64,
    #[diesel(sql_type = Date)]
    pub latest: chrono::NaiveDate,
}

/// Distinct months with a contribution, and the latest, per person.
pub async fn insured_months(
    conn: &mut AsyncPgConnection,
    persons: &[String],
) -> QueryResult<Vec<InsuredMonths>> {
    diesel::sql_query(
        "SELECT person_id, count(DISTINCT month) AS months, max(month) AS latest
           FROM contributions WHERE person_id = ANY($1) GROUP BY person_id ORDER BY person_id",
    )
    .bind::<Array<Text>, _>(persons)
    .load(conn)
    .await
}

pub async fn contributions_of(
    conn: &mut AsyncPgConnection,
    persons: &[String],
) -> QueryResult<Vec<ContributionRow>> {
    contributions::table
        .filter(contributions::person_id.eq_any(persons))
        .order((contributions::person_id, contributions::month))
        .select(ContributionRow::as_select())
        .load(conn)
        .await
}

/// Of `persons`, those who completed training here.
pub async fn known_completers(
    conn: &mut AsyncPgConnection,
    persons: &[String],
) -> QueryResult<Vec<String>> {
    completers::table
        .filter(completers::person_id.eq_any(persons))
        .select(completers::person_id)
        .distinct()
        .load(conn)
        .await
}

/// What is kept of a batch already taken.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = si_batches)]
pub struct BatchRow {
    pub content_sha256: String,
    pub report: serde_json::Value,
}

/// The content hash and report of a batch already taken.
pub async fn batch(
    conn: &mut AsyncPgConnection,
    submitter: &str,
    batch_id: &str,
) -> QueryResult<Option<BatchRow>> {
    si_batches::table
        .find((submitter, batch_id))
        .select(BatchRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_batch(
    conn: &mut AsyncPgConnection,
    submitter: &str,
    batch_id: &str,
    hash: &str,
    report: &serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(si_batches::table)
        .values((
            si_batches::submitter.eq(submitter),
            si_batches::batch_id.eq(batch_id),
            si_batches::content_sha256.eq(hash),
            si_batches::report.eq(report),
            si_batches::received_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

// Employment records.

pub async fn records_of(
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

pub async fn record(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<RecordRow>> {
    employment_records::table
        .find(id)
        .select(RecordRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_record(conn: &mut AsyncPgConnection, row: &RecordRow) -> QueryResult<()> {
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

pub async fn list_records(
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

// Vacancies and recommendations.

pub async fn insert_vacancy(conn: &mut AsyncPgConnection, row: &VacancyRow) -> QueryResult<()> {
    diesel::insert_into(vacancies::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn vacancy(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<VacancyRow>> {
    vacancies::table
        .find(id)
        .select(VacancyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Vacancies open on `on` whose occupation shares the middle category
/// (`d-dd`) with `occupation`: the candidates matching scores.
pub async fn open_vacancies_near(
    conn: &mut AsyncPgConnection,
    occupation: &str,
    on: NaiveDate,
) -> QueryResult<Vec<VacancyRow>> {
    vacancies::table
        .filter(
            vacancies::open_until
                .ge(on)
                .and(vacancies::occupation_code.like(format!("{}%", &occupation[..4]))),
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

pub async fn list_vacancies(
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

/// Records recommendations; one already made for the same vacancy stays.
pub async fn insert_recommendations(
    conn: &mut AsyncPgConnection,
    rows: &[RecommendationRow],
) -> QueryResult<()> {
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
pub async fn recommendations_for(
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

pub async fn list_recommendations(
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

// Apprenticeships.

pub async fn insert_apprenticeship(
    conn: &mut AsyncPgConnection,
    row: &ApprenticeshipRow,
) -> QueryResult<()> {
    diesel::insert_into(apprenticeships::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn lock_apprenticeship(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ApprenticeshipRow>> {
    apprenticeships::table
        .find(id)
        .select(ApprenticeshipRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn apprenticeship(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ApprenticeshipRow>> {
    apprenticeships::table
        .find(id)
        .select(ApprenticeshipRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn update_apprenticeship(
    conn: &mut AsyncPgConnection,
    row: &ApprenticeshipRow,
) -> QueryResult<()> {
    diesel::update(apprenticeships::table.find(row.id))
        .set(row)
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Default)]
pub struct ApprenticeshipFilter {
    pub enterprise: Option<String>,
    pub registered_by: Option<String>,
    pub status: Option<String>,
}

pub async fn list_apprenticeships(
    conn: &mut AsyncPgConnection,
    f: &ApprenticeshipFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ApprenticeshipRow>> {
    let mut q = apprenticeships::table
        .select(ApprenticeshipRow::as_select())
        .into_boxed();
    if let Some(e) = &f.enterprise {
        q = q.filter(apprenticeships::enterprise_credit_code.eq(e.clone()));
    }
    if let Some(by) = &f.registered_by {
        q = q.filter(apprenticeships::registered_by.eq(by.clone()));
    }
    if let Some(s) = &f.status {
        q = q.filter(apprenticeships::status.eq(s.clone()));
    }
    if let Some(id) = after {
        q = q.filter(apprenticeships::id.lt(id));
    }
    q.order(apprenticeships::id.desc())
        .limit(limit)
        .load(conn)
        .await
}
