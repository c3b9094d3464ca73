//! Use cases (应用层) of employment tracking: one function per thing a
//! caller or an event asks for. Each gathers the facts, asks `domain/`,
//! writes through `store/` and enqueues its events, in one transaction
//! (its own, or the caller's when an idempotency key wraps it). Every path
//! that brings evidence goes through `reassess`.

pub mod apprenticeships;
pub mod completions;
pub mod contributions;
mod error;
pub mod follow_ups;
mod reassess;
pub mod records;
mod scope;
pub mod vacancies;
pub mod windows;

pub use error::Error;
pub use scope::Viewer;
