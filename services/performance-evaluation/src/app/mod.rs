//! Use cases (应用层) of performance evaluation: one function per thing a
//! caller or an event asks for. Each gathers the facts, asks `domain/`,
//! writes through `store/` and enqueues its events, in one transaction
//! (its own, or the caller's when an idempotency key or a consumer's inbox
//! wraps it).

pub mod dashboard;
mod error;
pub mod ratings;
pub mod read_models;
mod scope;
pub mod scorecards;
pub mod surveys;

pub use error::Error;
pub use scope::Viewer;
