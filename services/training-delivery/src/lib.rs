//! Training delivery (培训组织实施): classes are filed before they start
//! (开班备案) and checked against what the catalogue and the registry
//! announced; the bureau approves them; trainees enrol by real name (实名制).

pub mod api;
pub mod app;
pub mod domain;
pub mod events;
pub mod store;

use std::sync::Arc;

use actix_web::web;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use ids::{PersonIdKey, PiiCipher};
use platform::http::ServiceInfo;
use runtime::{Context, NoCommands, Service, Wiring};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

/// `[service]`: personal-data keys and enrolment rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// AES-256 keys for citizen IDs and phones at rest: `<id>:<base64 32 bytes>`,
    /// comma-separated, the current key first, older ones for reading until
    /// `rotate-keys` has re-sealed everything.
    pub pii_encryption_keys: String,
    /// HMAC key for lookups by citizen ID (base64, 32 bytes).
    pub pii_lookup_key: String,
    /// The province-wide `person_id` secret (base64, 32 bytes).
    pub person_id_key: String,
    /// Hours after a class's start during which trainees may still enrol.
    pub enrolment_grace_hours: i64,
    /// Share of the planned hours a trainee attends to complete (结果考核).
    pub completion_threshold_percent: u8,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            pii_encryption_keys: String::new(),
            pii_lookup_key: String::new(),
            person_id_key: String::new(),
            enrolment_grace_hours: 72,
            completion_threshold_percent: 80,
        }
    }
}

impl runtime::config::Settings for Settings {
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<_> =
            runtime::config::key_list_problems("pii_encryption_keys", &self.pii_encryption_keys)
                .into_iter()
                .collect();
        out.extend(runtime::config::key_problems([
            ("pii_lookup_key", self.pii_lookup_key.as_str()),
            ("person_id_key", self.person_id_key.as_str()),
        ]));
        if !(1..=100).contains(&self.completion_threshold_percent) {
            out.push((
                "completion_threshold_percent",
                "must be between 1 and 100".to_owned(),
            ));
        }
        if !(0..=24 * 30).contains(&self.enrolment_grace_hours) {
            out.push((
                "enrolment_grace_hours",
                "must be between 0 and 720".to_owned(),
            ));
        }
        out
    }
}

/// This service's configuration.
pub type Config = runtime::Config<Settings>;

/// Training delivery, as the runtime runs it.
pub struct TrainingDelivery;

impl Service for TrainingDelivery {
    type Settings = Settings;
    type Command = NoCommands;

    const INFO: ServiceInfo = ServiceInfo {
        name: "training-delivery",
        version: env!("CARGO_PKG_VERSION"),
        description: "Training delivery: class filing (开班备案) against the catalogue and registry, approval, real-name enrolment (实名制).",
    };
    const SCHEMA: &'static str = "training_delivery";
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
    const OWNED_TOPICS: &'static [&'static str] = &events::OWNED_TOPICS;
    const ACCESS: &'static [platform::access::Rule] = api::ACCESS;
    const SEALED: &'static [db::reseal::SealedColumn] = &[
        db::reseal::SealedColumn::new("enrolments", "citizen_sealed"),
        db::reseal::SealedColumn::new("enrolments", "phone_sealed"),
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
        let state = web::Data::new(api::AppState {
            pool: ctx.pool.clone(),
            city: ctx.city,
            cipher: PiiCipher::from_config(&s.pii_encryption_keys, &s.pii_lookup_key)?,
            person_ids: PersonIdKey::from_base64(&s.person_id_key)?,
            grace: chrono::Duration::hours(s.enrolment_grace_hours),
            threshold_percent: s.completion_threshold_percent,
        });
        Ok(Wiring {
            app_data: Arc::new(move |c| {
                c.app_data(state.clone());
            }),
            consumers: events::consumers(),
            periodic: Vec::new(),
        })
    }

    async fn run_command(command: NoCommands, _: &Config) -> anyhow::Result<()> {
        match command {}
    }
}
