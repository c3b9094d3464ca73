//! Demand catalogue (需求指导目录): collects skill demand from enterprises,
//! unions, industry departments, employment services and gig markets, and
//! publishes each city's yearly catalogue of urgently needed occupations
//! with their subsidy standards.

pub mod api;
pub mod app;
pub mod domain;
pub mod events;
pub mod store;

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web;
use anyhow::Context as _;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use platform::http::ServiceInfo;
use runtime::{Context, NoSettings, Service, Wiring};
use utoipa_actix_web::service_config::ServiceConfig;

/// This service's configuration.
pub type Config = runtime::Config<NoSettings>;

/// The demand catalogue, as the runtime runs it.
pub struct DemandCatalog;

/// Commands of this service only.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Load the occupation reference list (default: the shipped sample).
    LoadOccupations {
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Publish the current state of a published catalogue again, so that
    /// other services rebuild their read models (after a broker lost its
    /// topics, or for a new consumer). Consumers treat it as a repeat.
    Republish {
        #[arg(long)]
        year: i32,
    },
}

impl Service for DemandCatalog {
    type Settings = NoSettings;
    type Command = Command;

    const INFO: ServiceInfo = ServiceInfo {
        name: "demand-catalog",
        version: env!("CARGO_PKG_VERSION"),
        description: "Skill demand intake and the yearly guidance catalogue of urgently needed occupations (需求指导目录).",
    };
    const SCHEMA: &'static str = "demand_catalog";
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
            consumers: Vec::new(),
            periodic: Vec::new(),
        })
    }

    async fn run_command(command: Command, cfg: &Config) -> anyhow::Result<()> {
        match command {
            Command::LoadOccupations { file } => load_occupations(cfg, file).await,
            Command::Republish { year } => republish(cfg, year).await,
        }
    }
}

#[allow(
    clippy::print_stdout,
    reason = "a subcommand answers its operator on stdout"
)]
async fn republish(cfg: &Config, year: i32) -> anyhow::Result<()> {
    let pool = db::pool(&cfg.database)?;
    let mut conn = pool.get().await?;
    let city = cfg.instance.city()?;
    let Some(done) = app::catalogues::republish(&mut conn, city, year).await? else {
        println!("no published catalogue of {year} for {city}: nothing to republish");
        return Ok(());
    };
    println!(
        "queued {} event(s) of the {year} catalogue (version {}) for publication",
        done.events, done.version
    );
    Ok(())
}

#[allow(
    clippy::print_stdout,
    reason = "a subcommand answers its operator on stdout"
)]
async fn load_occupations(cfg: &Config, file: Option<PathBuf>) -> anyhow::Result<()> {
    let (text, sample) = match &file {
        Some(path) => (
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
            false,
        ),
        None => (
            include_str!("../data/occupations.sample.csv").to_owned(),
            true,
        ),
    };
    let rows = domain::occupations_file::parse(&text)
        .map_err(|errors| anyhow::anyhow!("bad occupation list:\n{}", errors.join("\n")))?;
    let pool = db::pool(&cfg.database)?;
    let mut conn = pool.get().await?;
    let written = app::occupations::load(&mut conn, &rows, sample).await?;
    let cache = platform::public::PublicCache::connect(&cfg.redis, &cfg.public).await?;
    cache.invalidate("occupations").await;
    println!(
        "loaded {written} occupation(s){}",
        if sample { " (sample data)" } else { "" }
    );
    Ok(())
}
