//! HTTP: translates requests into domain calls and store transactions.

mod budgets;
mod claims;
mod payouts;
mod receipts;
mod recoveries;
mod rules;
mod views;
mod vouchers;

use std::sync::Arc;

use actix_web::web;
use ids::{CityCode, PiiCipher};
use platform::public::PublicCache;
use utoipa_actix_web::service_config::ServiceConfig;

pub use views::*;

use crate::claims::Engine;

/// Shared by every handler.
pub struct AppState {
    pub pool: db::DbPool,
    pub city: CityCode,
    pub cipher: PiiCipher,
    pub cache: PublicCache,
    pub engine: Arc<Engine>,
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
        .service(payouts::create_batch)
        .service(payouts::file)
        .service(payouts::result)
        .service(payouts::fund_use)
        .service(receipts::receipts)
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
