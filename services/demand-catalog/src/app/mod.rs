//! Use cases (用例) of the demand catalogue: each is one thing a caller or
//! an operator's command asks for. It gathers the facts through `store`,
//! lets `domain` decide, writes and enqueues its events in one transaction
//! (the caller's, when an `Idempotency-Key` wraps it), and answers with rows
//! or an [`Error`].

pub mod catalogues;
pub mod demands;
pub mod error;
pub mod occupations;

pub use error::Error;
