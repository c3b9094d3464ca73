//! Institution registry (补贴性培训机构目录): institutions apply openly,
//! the bureau reviews and grants a scope, the public reads the directory,
//! sanctions reach training delivery as events, and cities register their
//! training brands.

pub mod api;
pub mod app;
pub mod domain;
pub mod events;
pub mod store;

use std::sync::Arc;

use actix_web::web;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use platform::http::ServiceInfo;
use runtime::{Context, NoSettings, Service, Wiring};
use utoipa_actix_web::service_config::ServiceConfig;

/// This service's configuration.
pub type Config = runtime::Config<NoSettings>;

/// Commands of this service only.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Publish every listed institution (with its teachers and venues)
    /// again, so that other services rebuild their read models.
    Republish,
}

/// The institution registry, as the runtime runs it.
pub struct InstitutionRegistry;

impl Service for InstitutionRegistry {
    type Settings = NoSettings;
    type Command = Command;

    const INFO: ServiceInfo = ServiceInfo {
        name: "institution-registry",
        version: env!("CARGO_PKG_VERSION"),
        description: "Subsidised training institutions: applications, review, the public directory (补贴性培训机构目录), sanctions and training brands.",
    };
    const SCHEMA: &'static str = "institution_registry";
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
    const OWNED_TOPICS: &'static [&'static str] = &events::OWNED_TOPICS;
    const ACCESS: &'static [platform::access::Rule] = api::ACCESS;

    fn routes(cfg: &mut ServiceConfig<'_>) {
        api::routes(cfg);
    }

    fn wire(ctx: &Context<NoSettings>) -> anyhow::Result<Wiring> {
        let state = web::Data::new(api::AppState {
            pool: ctx.pool.clone(),
            city: ctx.city,
            cache: ctx.cache.clone(),
        });
        Ok(Wiring {
            app_data: Arc::new(move |c| {
                c.app_data(state.clone());
            }),
            consumers: events::consumers(ctx.cache.clone()),
            periodic: Vec::new(),
        })
    }

    async fn run_command(command: Command, cfg: &Config) -> anyhow::Result<()> {
        match command {
            Command::Republish => republish(cfg).await,
        }
    }
}

#[allow(
    clippy::print_stdout,
    reason = "a subcommand answers its operator on stdout"
)]
async fn republish(cfg: &Config) -> anyhow::Result<()> {
    let pool = db::pool(&cfg.database)?;
    let mut conn = pool.get().await?;
    let queued = app::institutions::republish(&mut conn, cfg.instance.city()?).await?;
    println!("queued {queued} event(s) of listed institutions for publication");
    Ok(())
}
