//! Subsidy payment (补贴发放): training vouchers (职业培训券), entitlements
//! computed from the evidence of the other stages, fraud rules, a
//! double-entry ledger per fund source, payout batches and bank files,
//! recovery (追回) and public fund-use disclosure.
//!
//! The pure rules are in [`domain`]; the use cases in [`app`] apply them
//! inside store transactions; [`api`] translates HTTP, [`events`] Kafka, and
//! [`store`] holds every query.

pub mod api;
pub mod app;
pub mod domain;
pub mod events;
pub mod store;

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::web;
use anyhow::Context as _;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use ids::PiiCipher;
use platform::http::ServiceInfo;
use runtime::{Context, Service, Wiring};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

/// `[service]`: personal-data keys, the city's subsidy rules (amounts,
/// fund order, cost sharing) and its fraud weights and thresholds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// AES-256 keys for bank account numbers at rest: `<id>:<base64 32 bytes>`,
    /// comma-separated, the current key first, older ones for reading until
    /// `rotate-keys` has re-sealed everything.
    pub pii_encryption_keys: String,
    /// HMAC key for lookups by bank account (base64, 32 bytes).
    pub pii_lookup_key: String,
    /// `[service.rules]`: the domain's defaults until the city sets its own
    /// (officers then set versions over `PUT /v1/rules`).
    pub rules: domain::entitlement::Rules,
    /// `[service.fraud]`: `review_from` is the risk score from which a
    /// claim waits for an officer.
    pub fraud: domain::fraud::FraudConfig,
    /// `[service.bank]`: the keys of the files exchanged with the bank.
    pub bank: BankSettings,
    /// `[service.dual_control]`: how long a proposal waits for a second
    /// officer.
    pub dual_control: DualControlSettings,
}

/// `[service.bank]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BankSettings {
    /// The city's Ed25519 key (PKCS#8 PEM file, from its Secret) that signs
    /// the payment files it exports; the bank knows its public key by the
    /// key id (the RFC 7638 thumbprint, `sign-bank-file --key` prints it).
    pub signing_key: String,
    /// The bank's public keys, a JWKS file of Ed25519 (`OKP`) keys: a result
    /// file is accepted only signed by one of them.
    pub result_keys: String,
}

/// `[service.dual_control]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DualControlSettings {
    /// Hours a proposal waits for a second officer before it expires.
    pub proposal_ttl_hours: u64,
}

impl Default for DualControlSettings {
    fn default() -> Self {
        Self {
            proposal_ttl_hours: 72,
        }
    }
}

impl BankSettings {
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (key, path) in [
            ("bank.signing_key", &self.signing_key),
            ("bank.result_keys", &self.result_keys),
        ] {
            if path.is_empty() {
                out.push((
                    key,
                    "is required: bank files are signed both ways".to_owned(),
                ));
            } else if !std::path::Path::new(path).is_file() {
                out.push((key, format!("{path} does not exist")));
            }
        }
        out
    }

    /// The city's signing key and its key id.
    pub fn signing_key(&self) -> anyhow::Result<(String, ed25519_dalek::SigningKey)> {
        use ed25519_dalek::pkcs8::DecodePrivateKey as _;
        let pem = std::fs::read_to_string(&self.signing_key)
            .with_context(|| format!("reading service.bank.signing_key {}", self.signing_key))?;
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
            anyhow::anyhow!("service.bank.signing_key is not a PKCS#8 Ed25519 key: {e}")
        })?;
        Ok((
            platform::auth::ed25519_key_id(&key.verifying_key().to_bytes()),
            key,
        ))
    }

    /// The bank's keys by key id.
    pub fn result_keys(&self) -> anyhow::Result<BTreeMap<String, ed25519_dalek::VerifyingKey>> {
        use base64::Engine as _;
        #[derive(Deserialize)]
        struct Set {
            keys: Vec<Key>,
        }
        #[derive(Deserialize)]
        struct Key {
            kty: String,
            crv: String,
            x: String,
            kid: String,
        }
        let set: Set =
            serde_json::from_slice(&std::fs::read(&self.result_keys).with_context(|| {
                format!("reading service.bank.result_keys {}", self.result_keys)
            })?)
            .context("service.bank.result_keys is not a JWKS")?;
        let mut out = BTreeMap::new();
        for key in set.keys {
            anyhow::ensure!(
                key.kty == "OKP" && key.crv == "Ed25519",
                "bank key {} is not an Ed25519 (OKP) key",
                key.kid
            );
            let bytes: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&key.x)
                .ok()
                .and_then(|b| b.try_into().ok())
                .with_context(|| format!("bank key {}: x is not 32 bytes of base64url", key.kid))?;
            let verifying = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .with_context(|| format!("bank key {} is not an Ed25519 point", key.kid))?;
            out.insert(key.kid, verifying);
        }
        anyhow::ensure!(!out.is_empty(), "service.bank.result_keys holds no key");
        Ok(out)
    }
}

impl runtime::config::Settings for Settings {
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<_> =
            runtime::config::key_list_problems("pii_encryption_keys", &self.pii_encryption_keys)
                .into_iter()
                .collect();
        out.extend(runtime::config::key_problems([(
            "pii_lookup_key",
            self.pii_lookup_key.as_str(),
        )]));
        if !(1..=100).contains(&self.fraud.review_from) {
            out.push(("fraud.review_from", "must be between 1 and 100".to_owned()));
        }
        for problem in self.rules.problems() {
            out.push(("rules", problem));
        }
        out.extend(self.bank.problems());
        if !(1..=720).contains(&self.dual_control.proposal_ttl_hours) {
            out.push((
                "dual_control.proposal_ttl_hours",
                "must be between 1 and 720".to_owned(),
            ));
        }
        out
    }
}

/// This service's configuration.
pub type Config = runtime::Config<Settings>;

/// The service's own subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Sign a file as the bank (or the city) does: prints the `X-Signature`
    /// header value, with the key id, for a PKCS#8 Ed25519 key. For trying
    /// the result import with a test key; a bank signs with its own tools.
    SignBankFile {
        /// The signing key (PKCS#8 PEM).
        #[arg(long)]
        key: std::path::PathBuf,
        /// The file to sign, as it will be sent.
        #[arg(long)]
        file: std::path::PathBuf,
    },
}

/// Subsidy payment, as the runtime runs it.
pub struct SubsidyPayment;

impl Service for SubsidyPayment {
    type Settings = Settings;
    type Command = Command;

    const INFO: ServiceInfo = ServiceInfo {
        name: "subsidy-payment",
        version: env!("CARGO_PKG_VERSION"),
        description: "Subsidy payment (补贴发放): budgets, entitlements from events, fraud review, a double-entry ledger, payouts and bank files, recovery (追回), public disclosure.",
    };
    const SCHEMA: &'static str = "subsidy_payment";
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
    const OWNED_TOPICS: &'static [&'static str] = &events::OWNED_TOPICS;
    const ACCESS: &'static [platform::access::Rule] = api::ACCESS;
    const SEALED: &'static [db::reseal::SealedColumn] = &[
        db::reseal::SealedColumn::new("payee_accounts", "account_sealed"),
        db::reseal::SealedColumn::new("payouts", "account_sealed"),
        db::reseal::SealedColumn::new("proposals", "sealed"),
    ];

    fn cipher(s: &Settings) -> anyhow::Result<Option<PiiCipher>> {
        Ok(Some(PiiCipher::from_config(
            &s.pii_encryption_keys,
            &s.pii_lookup_key,
        )?))
    }

    fn routes(cfg: &mut ServiceConfig<'_>) {
        api::routes(cfg);
    }

    fn wire(ctx: &Context<Settings>) -> anyhow::Result<Wiring> {
        let s = &ctx.cfg.service;
        let engine = Arc::new(app::claims::Engine {
            city: ctx.city,
            version: 0,
            rules: s.rules.clone(),
            fraud: s.fraud.clone(),
        });
        let state = web::Data::new(api::AppState {
            pool: ctx.pool.clone(),
            city: ctx.city,
            cipher: PiiCipher::from_config(&s.pii_encryption_keys, &s.pii_lookup_key)?,
            cache: ctx.cache.clone(),
            engine: engine.clone(),
            bank: api::BankKeys {
                signing: s.bank.signing_key()?,
                result_keys: s.bank.result_keys()?,
            },
            proposal_ttl: chrono::Duration::hours(
                i64::try_from(s.dual_control.proposal_ttl_hours).unwrap_or(72),
            ),
        });
        Ok(Wiring {
            app_data: Arc::new(move |c| {
                c.app_data(state.clone());
            }),
            consumers: events::consumers(engine),
            periodic: Vec::new(),
        })
    }

    #[allow(
        clippy::print_stdout,
        reason = "a subcommand answers its operator on stdout"
    )]
    async fn run_command(command: Command, _: &Config) -> anyhow::Result<()> {
        match command {
            Command::SignBankFile { key, file } => {
                let settings = BankSettings {
                    signing_key: key.display().to_string(),
                    ..BankSettings::default()
                };
                let (key_id, key) = settings.signing_key()?;
                let body =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                println!("{}", domain::file_signature::sign(&key, &key_id, &body));
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use runtime::config::Settings as _;

    use super::*;

    #[test]
    fn the_default_rules_are_usable_and_survive_a_round_trip() {
        let s = Settings {
            pii_encryption_keys: "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into(),
            pii_lookup_key: "HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=".into(),
            ..Settings::default()
        };
        let keys: Vec<_> = s.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            ["bank.signing_key", "bank.result_keys"],
            "the bank's keys have no default"
        );
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
