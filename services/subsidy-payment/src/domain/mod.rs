//! The rules of subsidy payment, as pure functions: no database, no HTTP, no
//! broker. Money is always integer fen.

pub mod bank_file;
pub mod disclosure;
pub mod dual_control;
pub mod entitlement;
pub mod file_signature;
pub mod fraud;
pub mod ledger;
pub mod money;
pub mod payout;
pub mod reconciliation;
pub mod status;
pub mod subsidy;
pub mod voucher;
