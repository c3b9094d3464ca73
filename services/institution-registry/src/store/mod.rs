//! Persistence of the institution_registry schema. Functions take the
//! caller's connection, so a use case composes them in one transaction.

pub mod brands;
pub mod catalogue;
pub mod decisions;
pub mod directory;
pub mod institutions;
pub mod ratings;
pub mod schema;
