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
#[schema(examples(examples::questions))]
pub struct Questions {
    pub questions: Vec<String>,
    pub min_score: i32,
    pub max_score: i32,
    pub max_comment_chars: usize,
}

/// A trainee's answer to one survey of a completed enrolment.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"enrolment_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "survey": "at_completion",
    "scores": [5, 4, 5, 4, 5], "comment": "实操课时充足，老师讲解细致"})))]
pub struct NewAnswer {
    /// The completed enrolment the survey is about.
    pub enrolment_id: Uuid,
    pub survey: SurveyKind,
    /// One score 1–5 per question, in the questions' order.
    pub scores: Vec<i32>,
    /// A free comment, at most 500 characters; reported without its author.
    pub comment: Option<String>,
}

/// An answer as recorded; the answer is anonymous in every report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(examples(json!({"id": "01938a1b-2c3d-7e4f-8a5b-6c7d8e9f0a1b", "survey": "at_completion",
    "answered_at": "2026-07-01T08:30:00Z"})))]
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
#[schema(examples(examples::survey_report))]
pub struct SurveyReport {
    pub statistical_year: i32,
    pub as_of: NaiveDate,
    pub questions: Vec<String>,
    pub classes: Vec<ClassSurveyReport>,
}

/// An institution's planned volume for a statistical year.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"planned_trainings": 400})))]
pub struct Plan {
    /// Subsidised trainings (人次) planned for the year.
    #[schema(minimum = 0)]
    pub planned_trainings: i64,
}

/// A new version of the scoring formula.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"weights": {"plan_progress": 0.25, "certificate_rate": 0.25, "satisfaction": 0.2,
    "employment_rate": 0.3}, "thresholds": {"a": 0.85, "b": 0.7, "c": 0.55}, "fraud_penalty": 0.1,
    "note": "2027年起提高就业率权重，依据省人社厅绩效评价通知"})))]
pub struct NewFormula {
    pub weights: Weights,
    pub thresholds: Thresholds,
    /// Subtracted from the weighted score per fraud finding, 0 to 1.
    pub fraud_penalty: f64,
    /// Why it changes (kept with the version).
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub note: String,
}

/// One version of the formula. Its fields are listed, not flattened from
/// [`Formula`]: that schema admits no other property, so a flattened one
/// would contradict the version's own fields in the contract.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(examples(json!({"version": 2, "weights": {"plan_progress": 0.25, "certificate_rate": 0.25,
    "satisfaction": 0.2, "employment_rate": 0.3}, "thresholds": {"a": 0.85, "b": 0.7, "c": 0.55},
    "fraud_penalty": 0.1, "note": "2027年起提高就业率权重，依据省人社厅绩效评价通知",
    "created_by": "fz-officer-017", "created_at": "2026-11-20T02:00:00Z"})))]
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
#[schema(examples(examples::scorecard))]
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
#[schema(examples(json!({"computed": 12})))]
pub struct Rescored {
    pub computed: usize,
}

/// An officer's rating, replacing the computed one until lifted.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"rating": "C", "reason": "2026年6月专项检查发现考勤记录不实，评级下调为C"})))]
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
#[schema(examples(examples::public_scorecard))]
pub struct PublicScorecard {
    pub institution_id: Uuid,
    pub name: Option<String>,
    pub years: Vec<PublicYear>,
}

/// A city's targets for a statistical year and where they come from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(examples(json!({"city": "350100", "statistical_year": 2026, "source": "set", "targets": {
    "subsidised_trainings": 22000, "new_skilled_workers": 11000, "high_skilled_share": 0.35,
    "training_brands": 2, "leading_talents": 5}})))]
pub struct TargetsView {
    /// The city's region code.
    pub city: String,
    pub statistical_year: i32,
    pub source: TargetSource,
    pub targets: Option<Targets>,
}

/// The documents' examples too long to write inline, or shared by several
/// bodies: one institution's 2026 scorecard as of 30 September.
mod examples {
    use serde_json::{json, Value};

    const INSTITUTION: &str = "01933c2d-4e5f-7a6b-8c9d-0e1f2a3b4c5d";

    fn questions_asked() -> Value {
        json!([
            "培训内容对工作有帮助 (the content helps in work)",
            "教师讲解清楚 (the teachers explain clearly)",
            "实操设备和场地满足需要 (equipment and venue are adequate)",
            "培训组织和管理规范 (the training is well organised)",
            "愿意向他人推荐本机构 (would recommend the institution)"
        ])
    }

    pub fn questions() -> Value {
        json!({"questions": questions_asked(), "min_score": 1, "max_score": 5, "max_comment_chars": 500})
    }

    pub fn survey_report() -> Value {
        json!({"statistical_year": 2026, "as_of": "2026-09-30", "questions": questions_asked(),
            "classes": [{"class_id": "01934a5b-6c7d-7e8f-9a0b-1c2d3e4f5a6b", "institution_id": INSTITUTION,
                "surveys": [{"survey": "at_completion", "due": 48, "answered": 41, "response_rate": 0.8542,
                    "mean_score": 4.37, "question_means": [4.5, 4.4, 4.1, 4.3, 4.55],
                    "comments": ["实操设备可以再多一些", "老师讲解很清楚"]}]}]})
    }

    fn scored() -> Value {
        json!({"indicators": [
                {"name": "plan_progress", "numerator": 300.0, "denominator": 333.16, "value": 0.9005,
                    "weight": 0.3, "applied_weight": 0.3},
                {"name": "certificate_rate", "numerator": 252.0, "denominator": 300.0, "value": 0.84,
                    "weight": 0.25, "applied_weight": 0.25},
                {"name": "satisfaction", "numerator": 210.0, "denominator": 300.0, "value": 0.825,
                    "weight": 0.2, "applied_weight": 0.2},
                {"name": "employment_rate", "numerator": 150.0, "denominator": 190.0, "value": 0.7895,
                    "weight": 0.25, "applied_weight": 0.25}],
            "weighted": 0.8425, "fraud_findings": 0, "penalty": 0.0, "score": 0.8425, "rating": "B"})
    }

    pub fn scorecard() -> Value {
        json!({"institution_id": INSTITUTION, "institution_name": "福州市职业技能培训中心",
            "statistical_year": 2026, "as_of": "2026-09-30", "formula_version": 1,
            "inputs": {"planned": 400, "plan_source": "set_by_officer", "delivered": 300, "pro_rata": 0.8329,
                "completers": 300, "certified": 252, "responses": 210, "surveys_due": 300,
                "satisfaction_mean": 4.3, "employed": 150, "outcomes_decided": 190, "fraud_findings": 0},
            "scored": scored(), "score": 0.8425, "computed_rating": "B", "rating": "B", "overridden": false,
            "override_reason": null, "computed_at": "2026-09-30T16:01:00Z",
            "history": [{"rating": "B", "previous": "C", "score": 0.8425, "formula_version": 1,
                "overridden": false, "reason": null, "decided_by": "scorecard",
                "decided_at": "2026-09-30T16:01:00Z"}]})
    }

    pub fn public_scorecard() -> Value {
        json!({"institution_id": INSTITUTION, "name": "福州市职业技能培训中心", "years": [
            {"statistical_year": 2026, "as_of": "2026-09-30", "rating": "B", "overridden": false,
                "formula_version": 1, "scored": scored()}]})
    }
}
