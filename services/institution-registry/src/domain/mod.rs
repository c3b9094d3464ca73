//! The registry's business rules, free of I/O.

pub mod institution;
