//! Delivery's business rules, free of I/O.

pub mod attendance;
pub mod class;
