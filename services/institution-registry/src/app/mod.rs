//! Use cases of the registry (机构目录): each one thing an officer, an
//! institution or an event asks for, run in one transaction — its own, or
//! the caller's where the caller holds one (an idempotent request's, a
//! consumer's inbox). Handlers (`api/`) and consumers (`events/`) call them;
//! they gather facts through `store/`, let `domain/` decide, write, and queue
//! the events in the outbox.

pub mod brands;
pub mod catalogue;
pub mod decisions;
pub mod directory;
mod error;
pub mod institutions;
pub mod ratings;

pub use error::Error;
