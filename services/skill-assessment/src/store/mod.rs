//! Persistence of the skill_assessment schema, one module per aggregate.
//! Functions take the caller's connection, so a use case composes them in
//! one transaction.

pub mod bodies;
pub mod candidates;
pub mod certificates;
pub mod completions;
pub mod exceptional;
pub mod pass_rules;
pub mod schema;
pub mod sessions;
pub mod signing_keys;
pub mod staff;
pub mod talents;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

/// The value a sequence hands out (`nextval`).
#[derive(QueryableByName)]
struct Next {
    #[diesel(sql_type = BigInt)]
    value: i64,
}
