//! The evidence other services report, kept as read models: catalogue
//! standards, institutions, enrolments and completions, supervision
//! alerts, assessment results, certificates, employment outcomes and
//! insured months. Written from their events (idempotently, whatever order
//! a replay brings them in), read by the claim decisions.

use chrono::{DateTime, NaiveDate, Utc};
use contracts::assessment::{CertificateEvent, ResultEvent};
use contracts::catalog::CatalogueEntryEvent;
use contracts::delivery::{CompletionEvent, ConflictAlert, EnrolmentEvent};
use contracts::employment::{InsuredMonthsEvent, OutcomeEvent};
use contracts::registry::InstitutionEvent;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Int4, Int8, Text, Timestamptz, Uuid as SqlUuid};
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{
    assessment_results, catalogue_entries, certificates, class_alerts, completions,
    employment_outcomes, enrolment_facts, institutions, insured_months,
};

/// A catalogue entry's standard: a newer version replaces an older one,
/// never the reverse.
pub async fn put_catalogue_entry(
    conn: &mut AsyncPgConnection,
    e: &CatalogueEntryEvent,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO catalogue_entries (entry_id, city, year, occupation_code, skill_level, subsidy_fen, withdrawn, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (entry_id) DO UPDATE SET subsidy_fen = excluded.subsidy_fen,
           withdrawn = excluded.withdrawn, version = excluded.version
         WHERE catalogue_entries.version <= excluded.version",
    )
    .bind::<SqlUuid, _>(e.entry_id)
    .bind::<Text, _>(e.city.as_str())
    .bind::<Int4, _>(e.year)
    .bind::<Text, _>(e.occupation_code.as_str())
    .bind::<Text, _>(e.skill_level.as_str())
    .bind::<Int8, _>(e.subsidy_fen.get())
    .bind::<Bool, _>(e.withdrawn)
    .bind::<Int4, _>(e.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// An institution as the registry last reported it (`at`: the event's
/// time; an older report never overwrites a newer one).
pub async fn put_institution(
    conn: &mut AsyncPgConnection,
    e: &InstitutionEvent,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO institutions (institution_id, city, credit_code, name, status, as_of)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (institution_id) DO UPDATE SET credit_code = excluded.credit_code,
           name = excluded.name, status = excluded.status, as_of = excluded.as_of
         WHERE institutions.as_of <= excluded.as_of",
    )
    .bind::<SqlUuid, _>(e.institution_id)
    .bind::<Text, _>(e.city.as_str())
    .bind::<Text, _>(e.credit_code.as_str())
    .bind::<Text, _>(&e.name)
    .bind::<Text, _>(e.status.as_str())
    .bind::<Timestamptz, _>(at)
    .execute(conn)
    .await?;
    Ok(())
}

// Clamped into i32's range first, so the cast cannot truncate.
#[allow(clippy::cast_possible_truncation)]
fn seconds(hours: f64) -> i32 {
    // Hours come as decimals from delivery; whole seconds compare exactly.
    (hours * 3600.0).round().clamp(0.0, f64::from(i32::MAX)) as i32
}

/// A completion (or non-completion), once.
pub async fn put_completion(conn: &mut AsyncPgConnection, e: &CompletionEvent) -> QueryResult<()> {
    diesel::insert_into(completions::table)
        .values((
            completions::enrolment_id.eq(e.enrolment_id),
            completions::class_id.eq(e.class_id),
            completions::institution_id.eq(e.institution_id),
            completions::person_id.eq(e.person_id.as_str()),
            completions::target_group.eq(e.target_group.as_str()),
            completions::occupation_code.eq(e.occupation_code.as_str()),
            completions::skill_level.eq(e.skill_level.as_str()),
            completions::completed.eq(e.completed),
            completions::attended_seconds.eq(seconds(e.attended_hours)),
            completions::planned_seconds.eq(seconds(e.planned_hours)),
            completions::completed_on.eq(e.completed_on),
            completions::catalogue_year.eq(e.catalogue_year),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// What the fraud rules need of an enrolment, once.
pub async fn put_enrolment(
    conn: &mut AsyncPgConnection,
    e: &EnrolmentEvent,
    on: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(enrolment_facts::table)
        .values((
            enrolment_facts::enrolment_id.eq(e.enrolment_id),
            enrolment_facts::person_id.eq(e.person_id.as_str()),
            enrolment_facts::class_id.eq(e.class_id),
            enrolment_facts::target_group.eq(e.target_group.as_str()),
            enrolment_facts::age_at_enrolment
                .eq(e.age_at_enrolment.and_then(|a| i32::try_from(a).ok())),
            enrolment_facts::male.eq(e.male),
            enrolment_facts::enrolled_on.eq(on),
            enrolment_facts::class_starts_at.eq(e.class_starts_at),
            enrolment_facts::class_ends_at.eq(e.class_ends_at),
            enrolment_facts::phone_lookup.eq(&e.phone_lookup),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn mark_withdrawn(conn: &mut AsyncPgConnection, enrolment_id: Uuid) -> QueryResult<()> {
    diesel::update(enrolment_facts::table.find(enrolment_id))
        .set(enrolment_facts::withdrawn.eq(true))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A supervision alert on a class, once.
pub async fn put_alert(conn: &mut AsyncPgConnection, e: &ConflictAlert) -> QueryResult<()> {
    diesel::insert_into(class_alerts::table)
        .values((
            class_alerts::alert_id.eq(e.alert_id),
            class_alerts::kind.eq(e.kind.as_str()),
            class_alerts::class_id.eq(e.class_id),
            class_alerts::other_class_id.eq(e.other_class_id),
            class_alerts::at.eq(e.at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// An exam result of an assessment body, once.
pub async fn put_result(conn: &mut AsyncPgConnection, e: &ResultEvent) -> QueryResult<()> {
    diesel::insert_into(assessment_results::table)
        .values((
            assessment_results::result_id.eq(e.result_id),
            assessment_results::body_id.eq(e.body_id),
            assessment_results::passed.eq(e.passed),
            assessment_results::assessed_on.eq(e.assessed_on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// A certificate, `revoked` as the event says; a revoked certificate never
/// becomes valid again, whatever order a replay brings the events in.
pub async fn put_certificate(
    conn: &mut AsyncPgConnection,
    e: &CertificateEvent,
    revoked: bool,
) -> QueryResult<()> {
    diesel::insert_into(certificates::table)
        .values((
            certificates::certificate_id.eq(e.certificate_id),
            certificates::certificate_no.eq(&e.certificate_no),
            certificates::person_id.eq(e.person_id.as_str()),
            certificates::occupation_code.eq(e.occupation_code.as_str()),
            certificates::skill_level.eq(e.skill_level.as_str()),
            certificates::issued_on.eq(e.issued_on),
            certificates::revoked.eq(revoked),
            certificates::revoked_on.eq(e.revoked_on),
            certificates::revoked_reason.eq(&e.revoked_reason),
            certificates::body_id.eq(e.body_id),
        ))
        .on_conflict(certificates::certificate_id)
        .do_update()
        .set((
            certificates::revoked.eq(certificates::revoked.or(excluded(certificates::revoked))),
            certificates::revoked_on.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Date>,
            >(
                "coalesce(certificates.revoked_on, excluded.revoked_on)"
            )),
            certificates::revoked_reason.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Text>,
            >(
                "coalesce(certificates.revoked_reason, excluded.revoked_reason)",
            )),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// An employment outcome; a later report of the same enrolment replaces it.
pub async fn put_outcome(conn: &mut AsyncPgConnection, e: &OutcomeEvent) -> QueryResult<()> {
    diesel::insert_into(employment_outcomes::table)
        .values((
            employment_outcomes::enrolment_id.eq(e.enrolment_id),
            employment_outcomes::person_id.eq(e.person_id.as_str()),
            employment_outcomes::employed.eq(e.employed),
            employment_outcomes::employed_on.eq(e.employed_on),
            employment_outcomes::window_months.eq(i32::try_from(e.window_months).unwrap_or(0)),
        ))
        .on_conflict(employment_outcomes::enrolment_id)
        .do_update()
        .set((
            employment_outcomes::employed.eq(excluded(employment_outcomes::employed)),
            employment_outcomes::employed_on.eq(excluded(employment_outcomes::employed_on)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Insured months only grow: the largest count seen is kept, whatever
/// order the reports came in.
pub async fn put_insured_months(
    conn: &mut AsyncPgConnection,
    e: &InsuredMonthsEvent,
) -> QueryResult<()> {
    use insured_months as im;
    let months = i32::try_from(e.insured_months).unwrap_or(i32::MAX);
    diesel::insert_into(im::table)
        .values((
            im::person_id.eq(e.person_id.as_str()),
            im::months.eq(months),
            im::latest_month.eq(e.latest_month),
        ))
        .on_conflict(im::person_id)
        .do_update()
        .set((
            im::months.eq(diesel::dsl::sql::<Int4>(
                "GREATEST(insured_months.months, excluded.months)",
            )),
            im::latest_month.eq(diesel::dsl::sql::<diesel::sql_types::Date>(
                "GREATEST(insured_months.latest_month, excluded.latest_month)",
            )),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The insured months employment tracking counted for a person (0 when it
/// reported none).
pub async fn insured_months_of(conn: &mut AsyncPgConnection, person_id: &str) -> QueryResult<i32> {
    insured_months::table
        .find(person_id)
        .select(insured_months::months)
        .first::<i32>(conn)
        .await
        .optional()
        .map(Option::unwrap_or_default)
}

/// The catalogue standard for an occupation and level in a catalogue
/// year: that of the catalogue the class trained under.
pub async fn standard(
    conn: &mut AsyncPgConnection,
    city: &str,
    year: i32,
    occupation: &str,
    level: &str,
) -> QueryResult<Option<i64>> {
    catalogue_entries::table
        .filter(
            catalogue_entries::city
                .eq(city)
                .and(catalogue_entries::year.eq(year))
                .and(catalogue_entries::occupation_code.eq(occupation))
                .and(catalogue_entries::skill_level.eq(level))
                .and(catalogue_entries::withdrawn.eq(false)),
        )
        .order(catalogue_entries::version.desc())
        .select(catalogue_entries::subsidy_fen)
        .first::<i64>(conn)
        .await
        .optional()
}

/// The registry's status of an institution, if it reported one.
pub async fn institution_status(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
) -> QueryResult<Option<String>> {
    institutions::table
        .find(institution_id)
        .select(institutions::status)
        .first(conn)
        .await
        .optional()
}

/// A completion as delivery reported it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = completions)]
pub struct CompletionRow {
    pub enrolment_id: Uuid,
    pub institution_id: Uuid,
    pub person_id: String,
    pub target_group: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub completed: bool,
    pub attended_seconds: i32,
    pub planned_seconds: i32,
    pub completed_on: NaiveDate,
    pub catalogue_year: Option<i32>,
}

pub async fn completion(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<Option<CompletionRow>> {
    completions::table
        .find(enrolment_id)
        .select(CompletionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The completions of a class, by enrolment.
pub async fn completions_of_class(
    conn: &mut AsyncPgConnection,
    class_id: Uuid,
) -> QueryResult<Vec<CompletionRow>> {
    completions::table
        .filter(completions::class_id.eq(class_id))
        .order(completions::enrolment_id)
        .select(CompletionRow::as_select())
        .load(conn)
        .await
}

/// A person's completions of one occupation and level, oldest first.
pub async fn completions_of(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    occupation: &str,
    level: &str,
) -> QueryResult<Vec<CompletionRow>> {
    completions::table
        .filter(
            completions::person_id
                .eq(person_id)
                .and(completions::occupation_code.eq(occupation))
                .and(completions::skill_level.eq(level)),
        )
        .order((completions::completed_on, completions::enrolment_id))
        .select(CompletionRow::as_select())
        .load(conn)
        .await
}

/// Completed enrolments of an occupation and level: (enrolment, person).
pub async fn completers_of(
    conn: &mut AsyncPgConnection,
    occupation: &str,
    level: &str,
) -> QueryResult<Vec<(Uuid, String)>> {
    completions::table
        .filter(
            completions::occupation_code
                .eq(occupation)
                .and(completions::skill_level.eq(level))
                .and(completions::completed.eq(true)),
        )
        .select((completions::enrolment_id, completions::person_id))
        .load(conn)
        .await
}

/// Completed enrolments of days `from..=to`, oldest first.
pub async fn completions_between(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<CompletionRow>> {
    completions::table
        .filter(completions::completed.eq(true))
        .filter(completions::completed_on.between(from, to))
        .order((completions::completed_on, completions::enrolment_id))
        .select(CompletionRow::as_select())
        .load(conn)
        .await
}

/// An employment shown for an enrolment: when, and within which window.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = employment_outcomes)]
pub struct EmploymentRow {
    pub employed_on: Option<NaiveDate>,
    pub window_months: i32,
}

pub async fn employment_of(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<Option<EmploymentRow>> {
    employment_outcomes::table
        .find(enrolment_id)
        .filter(employment_outcomes::employed.eq(true))
        .select(EmploymentRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A certificate as assessment reported it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct CertificateRow {
    pub certificate_id: Uuid,
    pub occupation_code: String,
    pub skill_level: String,
    pub issued_on: NaiveDate,
    pub revoked: bool,
    pub body_id: Option<Uuid>,
}

pub async fn certificates_of(
    conn: &mut AsyncPgConnection,
    person_id: &str,
) -> QueryResult<Vec<CertificateRow>> {
    certificates::table
        .filter(certificates::person_id.eq(person_id))
        .select(CertificateRow::as_select())
        .load(conn)
        .await
}

/// The person's certificate `certificate_id` (none if it is another's).
pub async fn certificate_of(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    certificate_id: Uuid,
) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .find(certificate_id)
        .filter(certificates::person_id.eq(person_id))
        .select(CertificateRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A person's certificates of one occupation and level: (valid, revoked).
pub async fn certificate_counts(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    occupation: &str,
    level: &str,
) -> QueryResult<(i64, i64)> {
    let of = |revoked: bool| {
        certificates::table
            .filter(certificates::person_id.eq(person_id))
            .filter(certificates::occupation_code.eq(occupation))
            .filter(certificates::skill_level.eq(level))
            .filter(certificates::revoked.eq(revoked))
            .count()
    };
    Ok((
        of(false).get_result(conn).await?,
        of(true).get_result(conn).await?,
    ))
}

/// The newest valid certificate of a person's occupation and level.
pub async fn latest_valid_certificate(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    occupation: &str,
    level: &str,
) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .filter(certificates::person_id.eq(person_id))
        .filter(certificates::occupation_code.eq(occupation))
        .filter(certificates::skill_level.eq(level))
        .filter(certificates::revoked.eq(false))
        .order(certificates::issued_on.desc())
        .select(CertificateRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Candidates and passes at a body's exams in `(after, until]`.
pub async fn exam_counts(
    conn: &mut AsyncPgConnection,
    body: Uuid,
    after: NaiveDate,
    until: NaiveDate,
) -> QueryResult<(i64, i64)> {
    let sat = || {
        assessment_results::table
            .filter(assessment_results::body_id.eq(body))
            .filter(assessment_results::assessed_on.gt(after))
            .filter(assessment_results::assessed_on.le(until))
    };
    let candidates: i64 = sat().count().get_result(conn).await?;
    let passed: i64 = sat()
        .filter(assessment_results::passed.eq(true))
        .count()
        .get_result(conn)
        .await?;
    Ok((candidates, passed))
}

/// What the fraud rules need of an enrolment, as delivery reported it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enrolment_facts)]
pub struct EnrolmentRow {
    pub class_id: Uuid,
    pub target_group: String,
    pub age_at_enrolment: Option<i32>,
    pub male: Option<bool>,
    pub enrolled_on: NaiveDate,
    pub class_starts_at: Option<DateTime<Utc>>,
    pub class_ends_at: Option<DateTime<Utc>>,
    pub phone_lookup: Option<String>,
}

pub async fn enrolment(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<Option<EnrolmentRow>> {
    enrolment_facts::table
        .find(enrolment_id)
        .select(EnrolmentRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// How many people enrolled with this phone number's lookup hash.
pub async fn people_sharing_phone(conn: &mut AsyncPgConnection, phone: &str) -> QueryResult<i64> {
    enrolment_facts::table
        .filter(enrolment_facts::phone_lookup.eq(phone))
        .select(diesel::dsl::count(enrolment_facts::person_id).aggregate_distinct())
        .get_result(conn)
        .await
}

/// A class's span, where delivery reported one.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enrolment_facts)]
pub struct ClassSpanRow {
    pub class_id: Uuid,
    pub class_starts_at: Option<DateTime<Utc>>,
    pub class_ends_at: Option<DateTime<Utc>>,
}

/// The classes of the person's other enrolments still standing.
pub async fn other_classes(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    besides: Uuid,
) -> QueryResult<Vec<ClassSpanRow>> {
    enrolment_facts::table
        .filter(enrolment_facts::person_id.eq(person_id))
        .filter(enrolment_facts::enrolment_id.ne(besides))
        .filter(enrolment_facts::withdrawn.eq(false))
        .select(ClassSpanRow::as_select())
        .load(conn)
        .await
}

/// Supervision alerts naming a class, on either side.
pub async fn alerts_on(conn: &mut AsyncPgConnection, class_id: Uuid) -> QueryResult<i64> {
    class_alerts::table
        .filter(
            class_alerts::class_id
                .eq(class_id)
                .or(class_alerts::other_class_id.eq(class_id)),
        )
        .count()
        .get_result(conn)
        .await
}
