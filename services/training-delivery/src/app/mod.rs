//! Use cases of training delivery (培训组织实施): each one thing an
//! institution, an officer or an event asks for, run in one transaction —
//! its own, or the caller's where the caller holds one (an idempotent
//! request's, a consumer's inbox). Handlers (`api/`) and consumers
//! (`events/`) call them; they gather facts through `store/`, let `domain/`
//! decide, write, and queue the events in the outbox.

pub mod attendance;
pub mod classes;
pub mod enrolments;
mod error;
pub mod read_models;
pub mod supervision;

pub use error::Error;
