//! Delivery's business rules, free of I/O.

pub mod class;
