//! The rules of performance evaluation, without I/O: how things are
//! counted, how a scorecard is scored and rated, the surveys, the targets
//! and the dashboard's expectation, projection and warning.

pub mod counting;
pub mod dashboard;
pub mod findings;
pub mod scoring;
pub mod survey;
