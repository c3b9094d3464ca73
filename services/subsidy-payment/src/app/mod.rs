//! Use cases that move money, each applied inside one store transaction:
//! budgets, rules, payout batches and bank results, and the dual control
//! (proposals and approvals) that every one of them goes through.

pub mod budgets;
pub mod payouts;
pub mod proposals;
pub mod rules;
