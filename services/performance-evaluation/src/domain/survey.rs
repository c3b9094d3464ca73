//! Satisfaction surveys (培训满意度): each completed enrolment is asked twice,
//! at completion and six months after it; each answer scores every
//! question 1–5 and may add a short comment.

use chrono::{Months, NaiveDate};
use ids::FieldError;
use serde::{Deserialize, Serialize};

/// Most characters of a free comment.
pub const MAX_COMMENT_CHARS: usize = 500;

/// The two surveys of a completed enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    /// At completion (结业时).
    AtCompletion,
    /// Six months after completion (结业六个月后).
    SixMonths,
}

impl SurveyKind {
    pub const ALL: [SurveyKind; 2] = [Self::AtCompletion, Self::SixMonths];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AtCompletion => "at_completion",
            Self::SixMonths => "six_months",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The first day the survey may be answered. Six months after 31 August
    /// is the last day of February.
    pub fn opens_on(self, completed_on: NaiveDate) -> NaiveDate {
        match self {
            Self::AtCompletion => completed_on,
            // Past the end of chrono's calendar, on its last day.
            Self::SixMonths => completed_on
                .checked_add_months(Months::new(6))
                .unwrap_or(NaiveDate::MAX),
        }
    }

    pub fn is_open(self, completed_on: NaiveDate, today: NaiveDate) -> bool {
        today >= self.opens_on(completed_on)
    }
}

/// The problems of an answer to `questions` questions.
pub fn answer_problems(questions: usize, scores: &[i32], comment: Option<&str>) -> Vec<FieldError> {
    let mut out = Vec::new();
    if scores.len() != questions {
        out.push(FieldError {
            field: "scores".into(),
            code: "scores_count".into(),
            message: format!("answer each of the {questions} questions"),
        });
    }
    for (i, s) in scores.iter().enumerate() {
        if !(1..=5).contains(s) {
            out.push(FieldError {
                field: format!("scores[{i}]"),
                code: "score_range".into(),
                message: "a score is 1 to 5".into(),
            });
        }
    }
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        out.push(FieldError {
            field: "comment".into(),
            code: "text_length".into(),
            message: format!("at most {MAX_COMMENT_CHARS} characters"),
        });
    }
    out
}

/// The mean of an answer's scores.
pub fn mean(scores: &[i32]) -> f64 {
    scores.iter().map(|&s| f64::from(s)).sum::<f64>() / scores.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_second_survey_opens_six_months_later() {
        let done = d("2025-08-31");
        assert_eq!(SurveyKind::AtCompletion.opens_on(done), done);
        assert_eq!(SurveyKind::SixMonths.opens_on(done), d("2026-02-28"));
        assert!(!SurveyKind::SixMonths.is_open(done, d("2026-02-27")));
        assert!(SurveyKind::SixMonths.is_open(done, d("2026-02-28")));
        assert_eq!(SurveyKind::parse("six_months"), Some(SurveyKind::SixMonths));
        assert_eq!(SurveyKind::parse("later"), None);
    }

    #[test]
    fn every_question_is_scored_one_to_five() {
        assert!(answer_problems(3, &[1, 5, 3], Some("好")).is_empty());
        let codes: Vec<_> = answer_problems(3, &[0, 6, 3, 4], Some(&"长".repeat(501)))
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            codes,
            [
                ("scores".to_owned(), "scores_count".to_owned()),
                ("scores[0]".to_owned(), "score_range".to_owned()),
                ("scores[1]".to_owned(), "score_range".to_owned()),
                ("comment".to_owned(), "text_length".to_owned()),
            ]
        );
        assert_eq!(mean(&[5, 4, 3]), 4.0);
    }
}
