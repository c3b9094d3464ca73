//! Subsidy payment (补贴发放): training vouchers (职业培训券), entitlements
//! computed from the evidence of the other stages, fraud rules, a
//! double-entry ledger per fund source, payout batches and bank files,
//! recovery (追回) and public fund-use disclosure.
//!
//! The pure rules are in [`domain`]; [`claims`] applies them inside store
//! transactions, [`api`] translates HTTP and [`events`] Kafka.

pub mod api;
pub mod claims;
pub mod domain;
pub mod events;
pub mod store;
pub mod vouchers;

use std::sync::Arc;

use actix_web::web;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use ids::PiiCipher;
use platform::http::ServiceInfo;
use runtime::{Context, NoCommands, Service, Wiring};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

/// `[service]`: personal-data keys, the city's subsidy rules (amounts,
/// fund order, cost sharing) and its fraud weights and thresholds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// AES-256 key for bank account numbers at rest (base64, 32 bytes).
    pub pii_encryption_key: String,
    /// HMAC key for lookups by bank account (base64, 32 bytes).
    pub pii_lookup_key: String,
    /// `[service.rules]`: the domain's defaults until the city sets its own
    /// (officers then set versions over `PUT /v1/rules`).
    pub rules: domain::entitlement::Rules,
    /// `[service.fraud]`: `review_from` is the risk score from which a
    /// claim waits for an officer.
    pub fraud: domain::fraud::FraudConfig,
}

impl runtime::config::Settings for Settings {
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = runtime::config::key_problems([
            ("pii_encryption_key", self.pii_encryption_key.as_str()),
            ("pii_lookup_key", self.pii_lookup_key.as_str()),
        ]);
        if !(1..=100).contains(&self.fraud.review_from) {
            out.push(("fraud.review_from", "must be between 1 and 100".to_owned()));
        }
        for problem in self.rules.problems() {
            out.push(("rules", problem));
        }
        out
    }
}

/// This service's configuration.
pub type Config = runtime::Config<Settings>;

/// Subsidy payment, as the runtime runs it.
pub struct SubsidyPayment;

impl Service for SubsidyPayment {
    type Settings = Settings;
    type Command = NoCommands;

    const INFO: ServiceInfo = ServiceInfo {
        name: "subsidy-payment",
        version: env!("CARGO_PKG_VERSION"),
        description: "Subsidy payment (补贴发放): budgets, entitlements from events, fraud review, a double-entry ledger, payouts and bank files, recovery (追回), public disclosure.",
    };
    const SCHEMA: &'static str = "subsidy_payment";
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
    const OWNED_TOPICS: &'static [&'static str] = &events::OWNED_TOPICS;

    fn routes(cfg: &mut ServiceConfig<'_>) {
        api::routes(cfg);
    }

    fn wire(ctx: &Context<Settings>) -> anyhow::Result<Wiring> {
        let s = &ctx.cfg.service;
        let engine = Arc::new(claims::Engine {
            city: ctx.city,
            version: 0,
            rules: s.rules.clone(),
            fraud: s.fraud.clone(),
        });
        let state = web::Data::new(api::AppState {
            pool: ctx.pool.clone(),
            city: ctx.city,
            cipher: PiiCipher::from_base64(&s.pii_encryption_key, &s.pii_lookup_key)?,
            cache: ctx.cache.clone(),
            engine: engine.clone(),
        });
        Ok(Wiring {
            app_data: Arc::new(move |c| {
                c.app_data(state.clone());
            }),
            consumers: events::consumers(engine),
            periodic: Vec::new(),
        })
    }

    async fn run_command(command: NoCommands, _: &Config) -> anyhow::Result<()> {
        match command {}
    }
}

#[cfg(test)]
mod tests {
    use runtime::config::Settings as _;

    use super::*;

    #[test]
    fn the_default_rules_are_usable_and_survive_a_round_trip() {
        let s = Settings {
            pii_encryption_key: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into(),
            pii_lookup_key: "HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=".into(),
            ..Settings::default()
        };
        assert!(s.problems().is_empty(), "{:?}", s.problems());
        let back: Settings =
            serde_json::from_value(serde_json::to_value(&s).expect("ser")).expect("de");
        assert_eq!(back.rules, s.rules);
        assert_eq!(back.fraud, s.fraud);
    }

    #[test]
    fn a_cost_share_that_does_not_add_up_is_a_problem() {
        let mut s = Settings::default();
        s.rules
            .cost_sharing
            .push(domain::entitlement::CostShareRule {
                kind: domain::subsidy::SubsidyKind::Training,
                group: None,
                share: domain::entitlement::CostShare {
                    government_bp: 8_000,
                    enterprise_bp: 1_000,
                    individual_bp: 0,
                },
            });
        assert!(s.problems().iter().any(|(k, _)| *k == "rules"));
    }
}
