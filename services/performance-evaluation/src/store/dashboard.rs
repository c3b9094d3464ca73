//! The city's yearly targets (目标任务), and its figures to set against them.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::targets;
use crate::domain::dashboard::{Actuals, Targets};

/// A city's targets of a year, as set.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = targets)]
struct TargetsRow {
    subsidised_trainings: i64,
    new_skilled_workers: i64,
    high_skilled_share: f64,
    training_brands: i64,
    leading_talents: i64,
}

pub async fn targets(conn: &mut AsyncPgConnection, year: i32) -> QueryResult<Option<Targets>> {
    let row: Option<TargetsRow> = targets::table
        .find(year)
        .select(TargetsRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|t| Targets {
        subsidised_trainings: t.subsidised_trainings,
        new_skilled_workers: t.new_skilled_workers,
        high_skilled_share: t.high_skilled_share,
        training_brands: t.training_brands,
        leading_talents: t.leading_talents,
    }))
}

pub async fn set_targets(
    conn: &mut AsyncPgConnection,
    year: i32,
    t: &Targets,
    by: &str,
) -> QueryResult<()> {
    let values = (
        targets::subsidised_trainings.eq(t.subsidised_trainings),
        targets::new_skilled_workers.eq(t.new_skilled_workers),
        targets::high_skilled_share.eq(t.high_skilled_share),
        targets::training_brands.eq(t.training_brands),
        targets::leading_talents.eq(t.leading_talents),
        targets::set_by.eq(by),
        targets::set_at.eq(Utc::now()),
    );
    diesel::insert_into(targets::table)
        .values((targets::statistical_year.eq(year), values))
        .on_conflict(targets::statistical_year)
        .do_update()
        .set(values)
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(QueryableByName)]
struct ActualCounts {
    #[diesel(sql_type = BigInt)]
    trainings: i64,
    #[diesel(sql_type = BigInt)]
    skilled: i64,
    #[diesel(sql_type = BigInt)]
    high_skilled: i64,
    #[diesel(sql_type = BigInt)]
    brands: i64,
    #[diesel(sql_type = BigInt)]
    talents: i64,
}

/// The city's figures of a year up to `as_of` (see `domain::counting`).
pub async fn actuals(
    conn: &mut AsyncPgConnection,
    year: i32,
    as_of: NaiveDate,
) -> QueryResult<Actuals> {
    let c: ActualCounts = diesel::sql_query(
        "SELECT
           (SELECT count(*) FROM completions
             WHERE statistical_year = $1 AND completed AND completed_on <= $2) AS trainings,
           (SELECT count(DISTINCT person_id) FROM certificates
             WHERE statistical_year = $1 AND status = 'valid' AND issued_on <= $2) AS skilled,
           (SELECT count(DISTINCT person_id) FROM certificates
             WHERE statistical_year = $1 AND status = 'valid' AND issued_on <= $2 AND high_skilled) AS high_skilled,
           (SELECT count(*) FROM brands WHERE registered_on <= $2) AS brands,
           (SELECT count(DISTINCT person_id) FROM leading_talents WHERE selection_year = $1) AS talents",
    )
    .bind::<Integer, _>(year)
    .bind::<Date, _>(as_of)
    .get_result(conn)
    .await?;
    Ok(Actuals {
        subsidised_trainings: c.trainings,
        new_skilled_workers: c.skilled,
        high_skilled_workers: c.high_skilled,
        training_brands: c.brands,
        leading_talents: c.talents,
    })
}
