//! Integration events: topic names, CloudEvents types and payloads. These
//! are the only types services share; each service keeps its own models.
//! A payload changes only by adding optional fields; anything else is a new
//! `.vN` type on a new topic.

pub mod assessment;
pub mod catalog;
pub mod delivery;
pub mod employment;
pub mod evaluation;
pub mod registry;
pub mod subsidy;
