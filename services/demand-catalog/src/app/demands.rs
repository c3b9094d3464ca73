//! Skill demand intake (需求收集, policy item 1) and its aggregate per
//! occupation × level, the input to drafting the catalogue.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use ids::{CityCode, CreditCode, OccupationCode, SkillLevel};
use uuid::Uuid;

use super::Error;
use crate::domain::demand::DemandChannel;
use crate::store::demands::{self as store, DemandAggregate, DemandFilter, DemandRow};

/// A demand to record, its fields checked and its submitter allowed.
pub struct NewDemand {
    pub city: CityCode,
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
    pub headcount: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub channel: DemandChannel,
    pub submitter_org: Option<CreditCode>,
    pub note: Option<String>,
}

/// Records a demand.
#[tracing::instrument(skip_all, fields(demand_id = tracing::field::Empty))]
pub async fn submit(
    conn: &mut AsyncPgConnection,
    by: &str,
    demand: NewDemand,
) -> Result<DemandRow, Error> {
    let row = DemandRow {
        id: Uuid::now_v7(),
        city: demand.city.to_string(),
        occupation_code: demand.occupation_code.to_string(),
        skill_level: demand.skill_level.to_string(),
        headcount: demand.headcount,
        period_from: demand.period_from,
        period_to: demand.period_to,
        channel: demand.channel.to_string(),
        submitter_org: demand.submitter_org.map(|o| o.to_string()),
        submitted_by: by.to_owned(),
        note: demand.note,
        created_at: Utc::now(),
    };
    tracing::Span::current().record("demand_id", tracing::field::display(row.id));
    store::insert(conn, &row).await?;
    Ok(row)
}

/// A page of the city's demands, newest first, after the cursor's.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    filter: &DemandFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<DemandRow>, Error> {
    Ok(store::list(conn, city.as_str(), filter, after, limit).await?)
}

/// The city's demand per occupation × level, largest headcount first, of
/// the demands whose period overlaps `[from, to]`.
#[tracing::instrument(skip_all, fields(from = %from, to = %to))]
pub async fn summary(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DemandAggregate>, Error> {
    Ok(store::aggregate(conn, city.as_str(), from, to).await?)
}
