//! Request and response bodies. No response carries a person id or an
//! enrolment id: survey reports and scorecards are anonymous.

use chrono::{DateTime, NaiveDate, Utc};
use ids::Rating;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::dashboard::TargetSource;
use crate::domain::dashboard::Targets;
use crate::domain::scoring::{Formula, Inputs, Scored, Thresholds, Weights};
use crate::domain::survey::SurveyKind;
use crate::store::{formulas::FormulaRow, ratings::RatingChangeRow, scorecards::ScorecardRow};

/// The survey's questions, in the order answers score them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Questions {
    pub questions: Vec<String>,
    pub min_score: i32,
    pub max_score: i32,
    pub max_comment_chars: usize,
}

/// A trainee's answer to one survey of a completed enrolment.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAnswer {
    /// The completed enrolment the survey is about.
    pub enrolment_id: Uuid,
    pub survey: SurveyKind,
    /// One score 1–5 per question, in the questions' order.
    pub scores: Vec<i32>,
    pub comment: Option<String>,
}

/// An answer as recorded; the answer is anonymous in every report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnswerReceipt {
    pub id: Uuid,
    pub survey: SurveyKind,
    pub answered_at: DateTime<Utc>,
}

/// One survey of a class: due (open to its completers), answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyFigures {
    pub survey: SurveyKind,
    pub due: i64,
    pub answered: i64,
    /// answered ÷ due
    pub response_rate: Option<f64>,
    /// Mean of the answers' scores, 1–5.
    pub mean_score: Option<f64>,
    /// Mean score per question, in the questions' order.
    pub question_means: Vec<f64>,
    /// Free comments, ordered by their text (not by time or author).
    pub comments: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClassSurveyReport {
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub surveys: Vec<SurveyFigures>,
}

/// Satisfaction per class of a statistical year's completers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyReport {
    pub statistical_year: i32,
    pub as_of: NaiveDate,
    pub questions: Vec<String>,
    pub classes: Vec<ClassSurveyReport>,
}

/// An institution's planned volume for a statistical year.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Subsidised trainings (人次) planned for the year.
    #[schema(minimum = 0)]
    pub planned_trainings: i64,
}

/// A new version of the scoring formula.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFormula {
    pub weights: Weights,
    pub thresholds: Thresholds,
    pub fraud_penalty: f64,
    /// Why it changes (kept with the version).
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub note: String,
}

/// One version of the formula. Its fields are listed, not flattened from
/// [`Formula`]: that schema admits no other property, so a flattened one
/// would contradict the version's own fields in the contract.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FormulaView {
    pub version: i32,
    pub weights: Weights,
    pub thresholds: Thresholds,
    /// Subtracted from the weighted score per fraud finding.
    pub fraud_penalty: f64,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl FormulaView {
    pub fn new(row: FormulaRow) -> anyhow::Result<Self> {
        let formula: Formula = row.formula()?;
        Ok(Self {
            version: row.version,
            weights: formula.weights,
            thresholds: formula.thresholds,
            fraud_penalty: formula.fraud_penalty,
            note: row.note,
            created_by: row.created_by,
            created_at: row.created_at,
        })
    }
}

/// A rating in force changed (published as a RatingEvent).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RatingChangeView {
    pub rating: Rating,
    pub previous: Option<Rating>,
    pub score: Option<f64>,
    pub formula_version: i32,
    pub overridden: bool,
    pub reason: Option<String>,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

impl From<RatingChangeRow> for RatingChangeView {
    fn from(c: RatingChangeRow) -> Self {
        Self {
            rating: c.rating,
            previous: c.previous,
            score: c.score,
            formula_version: c.formula_version,
            overridden: c.overridden,
            reason: c.reason,
            decided_by: c.decided_by,
            decided_at: c.decided_at,
        }
    }
}

/// An institution's scorecard for a statistical year, with every input.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScorecardView {
    pub institution_id: Uuid,
    pub institution_name: Option<String>,
    pub statistical_year: i32,
    pub as_of: NaiveDate,
    pub formula_version: i32,
    pub inputs: Inputs,
    pub scored: Scored,
    pub score: Option<f64>,
    /// What the formula gives.
    pub computed_rating: Option<Rating>,
    /// In force: the computed rating, or the override.
    pub rating: Option<Rating>,
    pub overridden: bool,
    pub override_reason: Option<String>,
    pub computed_at: DateTime<Utc>,
    /// Changes of the rating in force, oldest first (single reads only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<RatingChangeView>,
}

impl ScorecardView {
    pub fn new(
        row: ScorecardRow,
        name: Option<String>,
        history: Vec<RatingChangeRow>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            institution_id: row.institution_id,
            institution_name: name,
            statistical_year: row.statistical_year,
            as_of: row.as_of,
            formula_version: row.formula_version,
            inputs: serde_json::from_value(row.inputs)?,
            scored: serde_json::from_value(row.scored)?,
            score: row.score,
            computed_rating: row.computed_rating,
            rating: row.rating,
            overridden: row.overridden,
            override_reason: row.override_reason,
            computed_at: row.computed_at,
            history: history.into_iter().map(RatingChangeView::from).collect(),
        })
    }
}

/// How many marked scorecards were computed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rescored {
    pub computed: usize,
}

/// An officer's rating, replacing the computed one until lifted.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOverride {
    /// A, B, C or D
    #[schema(pattern = r"^[ABCD]$", example = "B")]
    pub rating: String,
    /// Why (recorded and published).
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// One year of an institution's public scorecard: no personal data.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicYear {
    pub statistical_year: i32,
    pub as_of: NaiveDate,
    pub rating: Option<Rating>,
    pub overridden: bool,
    pub formula_version: i32,
    pub scored: Scored,
}

/// The public scorecard of an institution (the directory's companion).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicScorecard {
    pub institution_id: Uuid,
    pub name: Option<String>,
    pub years: Vec<PublicYear>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TargetsView {
    pub city: String,
    pub statistical_year: i32,
    pub source: TargetSource,
    pub targets: Option<Targets>,
}
