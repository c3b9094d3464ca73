//! Demands (需求) as submitted, and their summary per occupation and level.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::demands;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = demands)]
pub struct DemandRow {
    pub id: Uuid,
    pub city: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub headcount: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub channel: String,
    pub submitter_org: Option<String>,
    pub submitted_by: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &DemandRow) -> QueryResult<()> {
    diesel::insert_into(demands::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Default)]
pub struct DemandFilter {
    pub occupation_code: Option<String>,
    pub skill_level: Option<String>,
    pub channel: Option<String>,
}

/// Newest first, keyset-paged on `(created_at, id)`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: &str,
    filter: &DemandFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<DemandRow>> {
    let mut query = demands::table
        .filter(demands::city.eq(city))
        .select(DemandRow::as_select())
        .order((demands::created_at.desc(), demands::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(code) = &filter.occupation_code {
        query = query.filter(demands::occupation_code.eq(code));
    }
    if let Some(level) = &filter.skill_level {
        query = query.filter(demands::skill_level.eq(level));
    }
    if let Some(channel) = &filter.channel {
        query = query.filter(demands::channel.eq(channel));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            demands::created_at
                .lt(at)
                .or(demands::created_at.eq(at).and(demands::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// Demand aggregated per occupation × level × city.
#[derive(Debug, Clone, QueryableByName)]
pub struct DemandAggregate {
    #[diesel(sql_type = Text)]
    pub city: String,
    #[diesel(sql_type = Text)]
    pub occupation_code: String,
    #[diesel(sql_type = Text)]
    pub skill_level: String,
    #[diesel(sql_type = BigInt)]
    pub demand_count: i64,
    #[diesel(sql_type = BigInt)]
    pub total_headcount: i64,
    #[diesel(sql_type = Array<Text>)]
    pub channels: Vec<String>,
}

/// Aggregates demands whose period overlaps `[from, to]`.
pub async fn aggregate(
    conn: &mut AsyncPgConnection,
    city: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DemandAggregate>> {
    diesel::sql_query(
        "SELECT city, occupation_code, skill_level,
                count(*) AS demand_count,
                sum(headcount)::bigint AS total_headcount,
                array_agg(DISTINCT channel ORDER BY channel) AS channels
           FROM demands
          WHERE city = $1 AND period_from <= $3 AND period_to >= $2
          GROUP BY city, occupation_code, skill_level
          ORDER BY total_headcount DESC, occupation_code, skill_level",
    )
    .bind::<Text, _>(city)
    .bind::<diesel::sql_types::Date, _>(from)
    .bind::<diesel::sql_types::Date, _>(to)
    .load(conn)
    .await
}
