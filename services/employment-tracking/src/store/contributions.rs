//! Social-insurance contributions, one per person, month and employer.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::contributions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contributions)]
pub struct ContributionRow {
    pub person_id: String,
    pub month: NaiveDate,
    pub employer_credit_code: String,
    pub citizen_masked: String,
    pub batch_id: String,
}

#[derive(QueryableByName)]
struct Fresh {
    #[diesel(sql_type = Text)]
    person_id: String,
}

/// Stores the contributions of a chunk; returns the person of each one that
/// was new (the rest were known from this or an earlier batch).
pub async fn insert(
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

pub async fn of_persons(
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
