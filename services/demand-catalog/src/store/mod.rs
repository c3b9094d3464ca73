//! Persistence of the demand_catalog schema. Functions take the caller's
//! connection, so a use case composes them in one transaction.

pub mod catalogues;
pub mod demands;
pub mod occupations;
pub mod schema;
