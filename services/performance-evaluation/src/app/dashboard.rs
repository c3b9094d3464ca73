//! Programme targets (目标任务) and the dashboard: each city's progress in
//! a statistical year, and on the provincial aggregator the province's
//! roll-up of every city's figures, read over HTTP.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use ids::CityCode;
use platform::auth::{NewToken, Role, Signer};
use serde::{Deserialize, Serialize};

use super::Error;
use crate::domain::dashboard::{Actuals, Progress, Targets};
use crate::store;

/// The cache namespace of the city's dashboard figures: dropped whenever an
/// event or a target changes them, so a cached answer is never behind.
pub const DASHBOARD_NAMESPACE: &str = "dashboard";

/// The audience of the aggregator's tokens: this service of every city.
const PROVINCE_AUDIENCE: &str = "qiancheng/performance-evaluation";

/// Where a city's targets come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// Set by the city's officers.
    Set,
    /// The province's 2025–2027 totals split equally.
    Default,
    /// Neither: a year outside 2025–2027 no officer set.
    None,
}

/// A city's figures: what each city instance serves, and what the
/// provincial aggregator reads.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(examples(examples::city_figures))]
pub struct CityFigures {
    pub city: String,
    pub city_name: String,
    pub targets_source: TargetSource,
    pub progress: Progress,
}

/// A city the aggregator could not read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Unreachable {
    pub city: String,
    pub city_name: String,
    pub base_url: String,
    pub error: String,
}

/// The province's progress: the sum of the cities that answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(examples(examples::province_dashboard))]
pub struct ProvinceDashboard {
    pub statistical_year: i32,
    pub as_of: NaiveDate,
    /// Every configured city answered.
    pub complete: bool,
    /// The cities' figures summed and read like a city's; over the cities
    /// that answered only.
    pub province: Progress,
    pub cities: Vec<CityFigures>,
    pub unreachable: Vec<Unreachable>,
}

/// What the provincial aggregator reads the cities with.
pub struct Aggregator {
    /// Each city's instance.
    pub cities: Vec<(CityCode, String)>,
    pub http: reqwest::Client,
    /// The `iss` of its tokens, which the cities trust for role `province`.
    pub issuer: String,
    /// Its own signing key (client credentials; never shared with a city).
    pub signer: Signer,
}

/// The targets in force of a statistical year: set by officers, else the
/// default split.
#[tracing::instrument(skip_all, fields(year = year))]
pub async fn targets(
    conn: &mut AsyncPgConnection,
    year: i32,
) -> Result<(TargetSource, Option<Targets>), Error> {
    Ok(match store::dashboard::targets(conn, year).await? {
        Some(t) => (TargetSource::Set, Some(t)),
        None => match Targets::default_for(year) {
            Some(t) => (TargetSource::Default, Some(t)),
            None => (TargetSource::None, None),
        },
    })
}

/// Sets the city's targets of a statistical year.
#[tracing::instrument(skip_all, fields(year = year))]
pub async fn set_targets(
    conn: &mut AsyncPgConnection,
    year: i32,
    targets: &Targets,
    by: &str,
) -> Result<(), Error> {
    Ok(store::dashboard::set_targets(conn, year, targets, by).await?)
}

/// The city's progress in a statistical year up to `as_of`, against its
/// targets in force.
#[tracing::instrument(skip_all, fields(year = year, as_of = %as_of))]
pub async fn city_figures(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    year: i32,
    as_of: NaiveDate,
) -> Result<CityFigures, Error> {
    let (source, targets) = targets(conn, year).await?;
    let actuals = store::dashboard::actuals(conn, year, as_of).await?;
    Ok(CityFigures {
        city: city.to_string(),
        city_name: city.name_zh().to_owned(),
        targets_source: source,
        progress: Progress::compute(year, as_of, targets, actuals),
    })
}

/// The province's progress: every configured city's figures read at the
/// same as-of date and summed. A city that does not answer is listed under
/// `unreachable` and the sum is over the cities that answered.
#[tracing::instrument(skip_all, fields(year = year, as_of = %as_of))]
pub async fn province(aggregator: &Aggregator, year: i32, as_of: NaiveDate) -> ProvinceDashboard {
    let reads = aggregator.cities.iter().map(|(city, base)| async move {
        (
            *city,
            base,
            read_city(aggregator, *city, base, year, as_of).await,
        )
    });
    let mut cities = Vec::new();
    let mut unreachable = Vec::new();
    for (city, base, read) in futures::future::join_all(reads).await {
        match read {
            Ok(figures) => cities.push(figures),
            Err(error) => {
                tracing::warn!(city = %city, error, "a city's figures could not be read");
                unreachable.push(Unreachable {
                    city: city.to_string(),
                    city_name: city.name_zh().to_owned(),
                    base_url: base.clone(),
                    error,
                })
            }
        }
    }
    let targets: Vec<Targets> = cities.iter().filter_map(|c| c.progress.targets).collect();
    let actuals: Vec<Actuals> = cities.iter().map(|c| c.progress.actuals).collect();
    ProvinceDashboard {
        statistical_year: year,
        as_of,
        complete: unreachable.is_empty(),
        province: Progress::compute(year, as_of, Targets::sum(&targets), Actuals::sum(&actuals)),
        cities,
        unreachable,
    }
}

/// Reads one city's figures with a one-minute `province` token signed with
/// the aggregator's own key (client credentials the cities trust).
async fn read_city(
    aggregator: &Aggregator,
    city: CityCode,
    base: &str,
    year: i32,
    as_of: NaiveDate,
) -> Result<CityFigures, String> {
    let token = aggregator
        .signer
        .mint(&NewToken {
            issuer: &aggregator.issuer,
            audience: PROVINCE_AUDIENCE,
            sub: "province-aggregator",
            role: Role::Province,
            city: None,
            org: None,
            scope: None,
            ttl_secs: 60,
        })
        .map_err(|e| format!("no token to ask with: {e}"))?;
    let res = aggregator
        .http
        .get(format!("{base}/v1/dashboard/figures"))
        .query(&[("year", year.to_string()), ("as_of", as_of.to_string())])
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("answered {}", res.status()));
    }
    let figures: CityFigures = res
        .json()
        .await
        .map_err(|e| format!("unreadable answer: {e}"))?;
    if figures.city != city.as_str() {
        return Err(format!("answered for city {}", figures.city));
    }
    Ok(figures)
}

/// The documents' examples: Fuzhou's 2026 figures as of 30 September, and
/// the province's roll-up while Xiamen did not answer.
mod examples {
    use serde_json::{json, Value};

    fn fuzhou_progress() -> Value {
        json!({"year": 2026, "as_of": "2026-09-30", "elapsed_days": 304, "total_days": 365, "pro_rata": 0.8329,
            "targets": {"subsidised_trainings": 20000, "new_skilled_workers": 10000, "high_skilled_share": 0.35,
                "training_brands": 1, "leading_talents": 5},
            "actuals": {"subsidised_trainings": 15800, "new_skilled_workers": 8900, "high_skilled_workers": 2850,
                "training_brands": 1, "leading_talents": 3},
            "subsidised_trainings": {"target": 20000, "actual": 15800, "expected_to_date": 16657.53,
                "projection": 18970, "behind": true},
            "new_skilled_workers": {"target": 10000, "actual": 8900, "expected_to_date": 8328.77,
                "projection": 10685, "behind": false},
            "high_skilled_share": {"target": 0.35, "high_skilled_workers": 2850, "new_skilled_workers": 8900,
                "actual": 0.3202, "behind": true},
            "training_brands": {"target": 1, "actual": 1, "behind": false},
            "leading_talents": {"target": 5, "actual": 3, "expected_to_date": 4.16, "projection": 3, "behind": true},
            "warnings": ["subsidised_trainings", "high_skilled_share", "leading_talents"]})
    }

    pub fn city_figures() -> Value {
        json!({"city": "350100", "city_name": "福州", "targets_source": "default", "progress": fuzhou_progress()})
    }

    pub fn province_dashboard() -> Value {
        json!({"statistical_year": 2026, "as_of": "2026-09-30", "complete": false,
            "province": fuzhou_progress(), "cities": [city_figures()],
            "unreachable": [{"city": "350200", "city_name": "厦门",
                "base_url": "https://evaluation.xm.qiancheng.example", "error": "answered 503 Service Unavailable"}]})
    }
}
