//! The use cases of subsidy payment: a use case is one thing a user or an
//! event asks for; it gathers the facts, lets `domain/` decide, writes
//! through `store/` and enqueues the events, inside the caller's (or its
//! own) transaction. Claims decided from the evidence, the review queue,
//! recoveries and vouchers; and the money moved under dual control:
//! budgets, rules, payout batches and bank results, through proposals and
//! approvals.

pub mod budgets;
pub mod claims;
pub mod disputes;
mod error;
pub mod evidence;
pub mod payouts;
pub mod proposals;
pub mod recoveries;
pub mod rules;
pub mod vouchers;

pub use error::Error;
