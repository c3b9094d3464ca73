//! Skill assessment (技能评价): assessment bodies filed with the bureau run
//! exam sessions for completers and direct applicants; passes earn
//! certificates in the national numbering that anyone can verify, also as
//! signed credentials.

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

use domain::credential::KeyRing;

/// `[service]`: personal-data keys, the credential secret, public address.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// AES-256 keys for citizen IDs at rest: `<id>:<base64 32 bytes>`,
    /// comma-separated, the current key first, older ones for reading until
    /// `rotate-keys` has re-sealed everything.
    pub pii_encryption_keys: String,
    /// HMAC key for lookups by citizen ID (base64, 32 bytes).
    pub pii_lookup_key: String,
    /// The province-wide `person_id` secret (base64, 32 bytes).
    pub person_id_key: String,
    /// The secret the city's revocation-list key and the QR tags derive
    /// from (base64, 32 bytes). Bodies sign with keys of their own.
    pub credential_secret: String,
    /// The public address of this API, as written into credentials.
    pub public_base_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            pii_encryption_keys: String::new(),
            pii_lookup_key: String::new(),
            person_id_key: String::new(),
            credential_secret: String::new(),
            public_base_url: "http://127.0.0.1:8104".into(),
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
            ("credential_secret", self.credential_secret.as_str()),
        ]));
        let url = self.public_base_url.trim_end_matches('/');
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(' ') {
            out.push((
                "public_base_url",
                "must be an http(s) URL without spaces".to_owned(),
            ));
        }
        out
    }
}

/// This service's configuration.
pub type Config = runtime::Config<Settings>;

/// Skill assessment, as the runtime runs it.
pub struct SkillAssessment;

impl Service for SkillAssessment {
    type Settings = Settings;
    type Command = NoCommands;

    const INFO: ServiceInfo = ServiceInfo {
        name: "skill-assessment",
        version: env!("CARGO_PKG_VERSION"),
        description: "Skill assessment (技能评价): assessment bodies, exam sessions, results, certificates anyone can verify, signed credentials.",
    };
    const SCHEMA: &'static str = "skill_assessment";
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
    const OWNED_TOPICS: &'static [&'static str] = &events::OWNED_TOPICS;
    const ACCESS: &'static [platform::access::Rule] = api::ACCESS;
    const SEALED: &'static [db::reseal::SealedColumn] = &[
        db::reseal::SealedColumn::new("candidates", "citizen_sealed"),
        db::reseal::SealedColumn::new("certificates", "citizen_sealed"),
        db::reseal::SealedColumn::new("exceptional_certifications", "citizen_sealed"),
        db::reseal::SealedColumn::new("leading_talents", "citizen_sealed"),
        db::reseal::SealedColumn::new("body_signing_keys", "seed_sealed"),
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
            keys: KeyRing::from_base64(&s.credential_secret)?,
            public_base_url: s.public_base_url.trim_end_matches('/').to_owned(),
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
