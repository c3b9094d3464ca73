//! Persistence of the training_delivery schema. Functions take the
//! caller's connection, so a use case composes them in one transaction.

pub mod attendance;
pub mod catalogue;
pub mod classes;
pub mod enrolments;
pub mod inspections;
pub mod institutions;
pub mod schema;
