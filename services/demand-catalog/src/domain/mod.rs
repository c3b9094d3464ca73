//! The catalogue's business rules, free of I/O.

pub mod catalogue;
pub mod demand;
pub mod occupations_file;

use ids::FieldError;

/// Why the domain refused something.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Bad fields, all of them.
    Invalid(Vec<FieldError>),
    /// The request conflicts with the current state.
    Conflict { code: &'static str, message: String },
    /// The caller may not do this.
    Forbidden { code: &'static str, message: String },
}
