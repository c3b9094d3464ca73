//! Persistence of the performance_evaluation schema.

pub mod dashboard;
pub mod dirty;
pub mod formulas;
pub mod ratings;
pub mod read_models;
pub mod schema;
pub mod scorecards;
pub mod surveys;
