//! Events of performance evaluation (绩效评价): institutions' ratings.

use chrono::{DateTime, Utc};
use ids::{CityCode, Rating};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Open;

/// Institutions' ratings as they change; key = institution id.
pub const RATINGS_TOPIC: &str = "evaluation.ratings.v1";
/// A new rating from a scorecard, or an officer's override.
pub const RATING_CHANGED: &str = "qiancheng.evaluation.rating.changed.v1";

/// An institution's rating for a statistical year. The registry applies
/// it: a `D` puts the institution under review (no new occupations, no new
/// class filings until an officer clears it); an `A` is shown in the public
/// directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RatingEvent {
    pub institution_id: Uuid,
    pub city: CityCode,
    pub statistical_year: i32,
    /// A, B, C or D
    #[schema(value_type = String)]
    pub rating: Open<Rating>,
    /// The rating it replaces, if any.
    #[schema(value_type = Option<String>)]
    pub previous: Option<Open<Rating>>,
    /// The weighted score in [0, 1] the rating came from; absent for an
    /// override.
    pub score: Option<f64>,
    pub formula_version: i32,
    /// Set by an officer, with `reason`.
    pub overridden: bool,
    pub reason: Option<String>,
    pub decided_at: DateTime<Utc>,
}
