//! HTTP: translates requests into domain calls and store transactions.

mod access;
mod budgets;
mod claims;
mod payouts;
mod proposals;
mod receipts;
mod reconciliations;
mod recoveries;
mod rules;
mod views;
mod vouchers;

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::web;
use ed25519_dalek::{SigningKey, VerifyingKey};
use ids::{CityCode, PiiCipher};
use platform::public::PublicCache;
use utoipa_actix_web::service_config::ServiceConfig;

pub use access::ACCESS;
pub(crate) use payouts::FUND_USE;
pub use views::*;

use crate::app::claims::Engine;
use crate::app::proposals::Deps;

/// The keys of the files exchanged with the bank.
pub struct BankKeys {
    /// The city's key its payment files are signed with, and its key id.
    pub signing: (String, SigningKey),
    /// The bank's keys a result file must be signed with, by key id.
    pub result_keys: BTreeMap<String, VerifyingKey>,
}

/// Shared by every handler.
pub struct AppState {
    pub pool: db::DbPool,
    pub city: CityCode,
    pub cipher: PiiCipher,
    pub cache: PublicCache,
    pub engine: Arc<Engine>,
    pub bank: BankKeys,
    /// How long a proposal waits for a second officer.
    pub proposal_ttl: chrono::Duration,
}

impl AppState {
    /// What the dual-control use cases need.
    pub fn deps(&self) -> Deps<'_> {
        Deps {
            pool: &self.pool,
            cipher: &self.cipher,
            city: self.city,
            engine: &self.engine,
            bank_keys: &self.bank.result_keys,
            ttl: self.proposal_ttl,
            cache: &self.cache,
        }
    }
}

/// Every route of the service; also the source of its OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(budgets::allocate)
        .service(budgets::reduce)
        .service(budgets::balances)
        .service(budgets::history)
        .service(budgets::payables)
        .service(budgets::audit)
        .service(claims::list)
        .service(claims::file)
        .service(claims::get)
        .service(claims::review)
        .service(claims::preview)
        .service(payouts::bank_account)
        .service(payouts::account_history)
        .service(payouts::batches)
        .service(payouts::create_batch)
        .service(payouts::file)
        .service(payouts::result)
        .service(payouts::fund_use)
        .service(proposals::list)
        .service(proposals::get)
        .service(proposals::approve)
        .service(proposals::reject)
        .service(proposals::withdraw)
        .service(reconciliations::list)
        .service(reconciliations::get)
        .service(reconciliations::export)
        .service(receipts::receipts)
        .service(receipts::list_disputes)
        .service(receipts::dispute)
        .service(receipts::resolve)
        .service(recoveries::list)
        .service(recoveries::repay)
        .service(recoveries::order)
        .service(rules::current)
        .service(rules::versions)
        .service(rules::set)
        .service(vouchers::issue)
        .service(vouchers::list);
}

pub(crate) type State = web::Data<AppState>;

/// The page of a list without filters of its own.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}
