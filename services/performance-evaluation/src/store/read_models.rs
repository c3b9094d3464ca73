//! What delivery, assessment, employment, the registry and subsidy payment
//! announced, as far as scorecards and the dashboard count it: institutions,
//! classes, completions, certificates, outcomes, brands, leading talents and
//! fraud findings. A fact that changes a scorecard's inputs marks it.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::dirty::mark;
use super::schema::{
    brands, classes, completions, fraud_findings, institutions, leading_talents, outcomes,
};
use crate::domain::counting;

pub async fn upsert_institution(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::InstitutionEvent,
) -> QueryResult<()> {
    diesel::insert_into(institutions::table)
        .values((
            institutions::institution_id.eq(e.institution_id),
            institutions::credit_code.eq(e.credit_code.as_str()),
            institutions::name.eq(&e.name),
            institutions::status.eq(e.status.as_str()),
            institutions::rating.eq(e.rating.as_ref().map(contracts::Open::as_str)),
            institutions::under_review.eq(e.under_review),
        ))
        .on_conflict(institutions::institution_id)
        .do_update()
        .set((
            institutions::credit_code.eq(e.credit_code.as_str()),
            institutions::name.eq(&e.name),
            institutions::status.eq(e.status.as_str()),
            institutions::rating.eq(e.rating.as_ref().map(contracts::Open::as_str)),
            institutions::under_review.eq(e.under_review),
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

pub async fn institution_name(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<String>> {
    institutions::table
        .find(id)
        .select(institutions::name)
        .first(conn)
        .await
        .optional()
}

/// A class as filed, approved or closed; its capacity counts towards the
/// fallback plan of its year.
pub async fn upsert_class(
    conn: &mut AsyncPgConnection,
    e: &contracts::delivery::ClassEvent,
) -> QueryResult<()> {
    diesel::insert_into(classes::table)
        .values((
            classes::class_id.eq(e.class_id),
            classes::institution_id.eq(e.institution_id),
            classes::year.eq(e.year),
            classes::capacity.eq(e.capacity),
            classes::status.eq(e.status.as_str()),
        ))
        .on_conflict(classes::class_id)
        .do_update()
        .set((
            classes::capacity.eq(e.capacity),
            classes::status.eq(e.status.as_str()),
        ))
        .execute(conn)
        .await?;
    mark(conn, e.institution_id, e.year).await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = completions)]
pub struct CompletionRow {
    pub enrolment_id: Uuid,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub person_id: String,
    pub skill_level: String,
    pub completed: bool,
    pub completed_on: NaiveDate,
    pub statistical_year: i32,
}

/// Keeps the first result of an enrolment (delivery sends one; a repeat
/// is the same).
pub async fn insert_completion(
    conn: &mut AsyncPgConnection,
    row: &CompletionRow,
) -> QueryResult<()> {
    let inserted = diesel::insert_into(completions::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        mark(conn, row.institution_id, row.statistical_year).await?;
    }
    Ok(())
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

/// A certificate as issued or revoked; a revocation stays whatever
/// arrives after it. The scorecards of the holder's training are marked.
pub async fn upsert_certificate(
    conn: &mut AsyncPgConnection,
    e: &contracts::assessment::CertificateEvent,
) -> QueryResult<()> {
    let status = if counting::counts_as_skilled(&e.status) {
        "valid"
    } else {
        "revoked"
    };
    diesel::sql_query(
        "INSERT INTO certificates (certificate_id, person_id, skill_level, high_skilled, issued_on,
             statistical_year, class_id, institution_id, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (certificate_id) DO UPDATE SET
             status = CASE WHEN certificates.status = 'revoked' THEN 'revoked' ELSE excluded.status END",
    )
    .bind::<diesel::sql_types::Uuid, _>(e.certificate_id)
    .bind::<Text, _>(e.person_id.as_str())
    .bind::<Text, _>(e.skill_level.as_str())
    .bind::<diesel::sql_types::Bool, _>(counting::is_high_skilled(e.skill_level))
    .bind::<Date, _>(e.issued_on)
    .bind::<Integer, _>(counting::training_year(e.issued_on))
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(e.class_id)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(e.institution_id)
    .bind::<Text, _>(status)
    .execute(conn)
    .await?;
    if let Some(class_id) = e.class_id {
        diesel::sql_query(
            "INSERT INTO dirty (institution_id, statistical_year, marked_at)
             SELECT institution_id, statistical_year, now() FROM completions
             WHERE class_id = $1 AND person_id = $2 AND completed
             ON CONFLICT (institution_id, statistical_year) DO UPDATE SET marked_at = excluded.marked_at",
        )
        .bind::<diesel::sql_types::Uuid, _>(class_id)
        .bind::<Text, _>(e.person_id.as_str())
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// An outcome is final once published: the first one is kept.
pub async fn insert_outcome(
    conn: &mut AsyncPgConnection,
    e: &contracts::employment::OutcomeEvent,
) -> QueryResult<()> {
    let year = counting::training_year(e.completed_on);
    let inserted = diesel::insert_into(outcomes::table)
        .values((
            outcomes::enrolment_id.eq(e.enrolment_id),
            outcomes::institution_id.eq(e.institution_id),
            outcomes::employed.eq(e.employed),
            outcomes::statistical_year.eq(year),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        mark(conn, e.institution_id, year).await?;
    }
    Ok(())
}

pub async fn upsert_brand(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::BrandEvent,
) -> QueryResult<()> {
    diesel::insert_into(brands::table)
        .values((
            brands::brand_id.eq(e.brand_id),
            brands::name.eq(&e.name),
            brands::registered_on.eq(e.registered_on),
            brands::statistical_year.eq(counting::training_year(e.registered_on)),
        ))
        .on_conflict(brands::brand_id)
        .do_update()
        .set(brands::name.eq(&e.name))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_leading_talent(
    conn: &mut AsyncPgConnection,
    e: &contracts::assessment::LeadingTalentEvent,
) -> QueryResult<()> {
    diesel::insert_into(leading_talents::table)
        .values((
            leading_talents::talent_id.eq(e.talent_id),
            leading_talents::person_id.eq(e.person_id.as_str()),
            leading_talents::selection_year.eq(e.selection_year),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// One finding per claim: the first event that shows it.
pub async fn insert_finding(
    conn: &mut AsyncPgConnection,
    claim_id: Uuid,
    institution_id: Uuid,
    year: i32,
    source: &str,
) -> QueryResult<()> {
    let inserted = diesel::insert_into(fraud_findings::table)
        .values((
            fraud_findings::claim_id.eq(claim_id),
            fraud_findings::institution_id.eq(institution_id),
            fraud_findings::statistical_year.eq(year),
            fraud_findings::source.eq(source),
            fraud_findings::found_at.eq(Utc::now()),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        mark(conn, institution_id, year).await?;
    }
    Ok(())
}
