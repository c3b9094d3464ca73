//! The rules of skill assessment, as pure functions.

pub mod body;
pub mod certificate_no;
pub mod credential;
pub mod entry;
pub mod exceptional;
pub mod scoring;
pub mod statistics;
