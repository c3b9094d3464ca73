//! Wiring only: parse the command line, load configuration, run.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use demand_catalog::{Config, INFO, MIGRATIONS};
use platform::auth::Role;

#[derive(Parser)]
#[command(name = "demand-catalog", version, about = INFO.description)]
struct Cli {
    /// A TOML file; environment variables QC_DEMAND_CATALOG_* override it.
    #[arg(long, env = "QC_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API and relay the outbox.
    Serve,
    /// Apply pending migrations (as the service's own role).
    Migrate,
    /// Create the service's role and schema (needs an admin connection).
    Provision {
        #[arg(long, env = "QC_ADMIN_DATABASE_URL")]
        admin_url: String,
        #[arg(
            long,
            env = "QC_DEMAND_CATALOG_DB_PASSWORD",
            default_value = "demand_catalog"
        )]
        password: String,
    },
    /// Create the Kafka topics this service owns, with their dead-letter topics.
    Topics,
    /// Load the occupation reference list (default: the shipped sample).
    LoadOccupations {
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Print a signed token for local use.
    DevToken {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        city: Option<String>,
        #[arg(long)]
        org: Option<String>,
        #[arg(long, default_value = "dev-user")]
        sub: String,
        #[arg(long, default_value_t = 8 * 3600)]
        ttl_secs: i64,
    },
    /// Print the OpenAPI document of the routes this binary serves.
    Openapi,
    /// Move dead-lettered messages of a topic back to it.
    DlqReplay {
        #[arg(long)]
        topic: String,
        #[arg(long, default_value_t = 5)]
        idle_secs: u64,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| format!("unknown role {s:?}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        let spec = platform::http::openapi(&INFO, demand_catalog::api::routes);
        println!(
            "{}",
            spec.to_pretty_json()
                .context("serialising the OpenAPI document")?
        );
        return Ok(());
    }
    let cfg: Config = platform::config::load(INFO.name, cli.config.as_deref())?;
    match cli.command {
        Command::Serve => {
            let _telemetry = telemetry::init(INFO.name, &cfg.telemetry)?;
            let listener = TcpListener::bind(&cfg.http.bind)
                .with_context(|| format!("binding {}", cfg.http.bind))?;
            let running = demand_catalog::start(&cfg, listener, true).await?;
            tracing::info!(addr = %running.addr, city = %cfg.instance.city, "demand-catalog serving");
            running.wait().await?;
            tracing::info!("demand-catalog stopped");
        }
        Command::Migrate => {
            let applied = db::migrate(&cfg.database.url, MIGRATIONS).await?;
            println!(
                "applied {} migration(s){}",
                applied.len(),
                if applied.is_empty() {
                    String::new()
                } else {
                    format!(": {}", applied.join(", "))
                }
            );
        }
        Command::Provision {
            admin_url,
            password,
        } => {
            db::provision(&admin_url, "demand_catalog", &password, "demand_catalog").await?;
            println!("role and schema demand_catalog are in place");
        }
        Command::Topics => {
            let names =
                messaging::ensure_topics(&cfg.kafka, &demand_catalog::events::OWNED_TOPICS).await?;
            println!("topics in place: {}", names.join(", "));
        }
        Command::LoadOccupations { file } => load_occupations(&cfg, file).await?,
        Command::DevToken {
            role,
            city,
            org,
            sub,
            ttl_secs,
        } => {
            println!(
                "{}",
                platform::auth::mint(
                    &cfg.auth,
                    &sub,
                    role,
                    city.as_deref(),
                    org.as_deref(),
                    ttl_secs
                )
            );
        }
        Command::DlqReplay { topic, idle_secs } => {
            let moved =
                messaging::replay_dead_letters(&cfg.kafka, &topic, Duration::from_secs(idle_secs))
                    .await?;
            println!("moved {moved} message(s) from {topic}.dlq back to {topic}");
        }
        Command::Openapi => unreachable!("handled before configuration is loaded"),
    }
    Ok(())
}

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
    let rows = demand_catalog::occupations_file::parse(&text)
        .map_err(|errors| anyhow::anyhow!("bad occupation list:\n{}", errors.join("\n")))?;
    let pool = db::pool(&cfg.database)?;
    let mut conn = pool.get().await?;
    let written = demand_catalog::store::occupations::upsert(&mut conn, &rows, sample).await?;
    let cache = platform::public::PublicCache::connect(&cfg.redis, &cfg.public).await?;
    cache.invalidate("occupations").await;
    println!(
        "loaded {written} occupation(s){}",
        if sample { " (sample data)" } else { "" }
    );
    Ok(())
}
