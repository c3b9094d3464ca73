//! Skill assessment (技能评价): assessment bodies filed with the bureau run
//! exam sessions for completers and direct applicants; passes earn
//! certificates in the national numbering that anyone can verify, also as
//! signed credentials.

pub mod api;
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
    /// AES-256 key for citizen IDs at rest (base64, 32 bytes).
    pub pii_encryption_key: String,
    /// HMAC key for lookups by citizen ID (base64, 32 bytes).
    pub pii_lookup_key: String,
    /// The province-wide `person_id` secret (base64, 32 bytes).
    pub person_id_key: String,
    /// The secret the bodies' credential keys and QR tags derive from
    /// (base64, 32 bytes).
    pub credential_secret: String,
    /// The public address of this API, as written into credentials.
    pub public_base_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            pii_encryption_key: String::new(),
            pii_lookup_key: String::new(),
            person_id_key: String::new(),
            credential_secret: String::new(),
            public_base_url: "http://127.0.0.1:8104".into(),
        }
    }
}

impl runtime::config::Settings for Settings {
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = runtime::config::key_problems([
            ("pii_encryption_key", self.pii_encryption_key.as_str()),
            ("pii_lookup_key", self.pii_lookup_key.as_str()),
            ("person_id_key", self.person_id_key.as_str()),
            ("credential_secret", self.credential_secret.as_str()),
        ]);
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

    fn routes(cfg: &mut ServiceConfig<'_>) {
        api::routes(cfg);
    }

    fn wire(ctx: &Context<Settings>) -> anyhow::Result<Wiring> {
        let s = &ctx.cfg.service;
        let state = web::Data::new(api::AppState {
            pool: ctx.pool.clone(),
            city: ctx.city,
            cipher: PiiCipher::from_base64(&s.pii_encryption_key, &s.pii_lookup_key)?,
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
