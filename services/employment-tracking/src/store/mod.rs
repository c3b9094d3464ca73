//! Persistence of the employment_tracking schema, one module per aggregate.
//! Functions take the caller's connection, so a use case composes them in
//! one transaction.

pub mod apprenticeships;
pub mod batches;
pub mod completers;
pub mod contributions;
pub mod institutions;
pub mod milestones;
pub mod recommendations;
pub mod records;
pub mod schema;
pub mod uploads;
pub mod vacancies;
