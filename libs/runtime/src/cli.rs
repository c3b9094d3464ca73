use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use platform::auth::Role;

use crate::{Config, Service};

#[derive(Parser)]
#[command(version)]
struct Cli<C: Subcommand> {
    /// A TOML file; environment variables QC_<SERVICE>_* override it.
    #[arg(long, env = "QC_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command<C>,
}

/// The subcommands every service binary has, and its own.
#[derive(Subcommand)]
pub enum Command<C: Subcommand> {
    /// Serve the HTTP API, relay the outbox and run the consumers.
    Serve,
    /// Apply pending migrations (as the service's own role).
    Migrate,
    /// Create the service's role and schema (needs an admin connection).
    Provision {
        #[arg(long, env = "QC_ADMIN_DATABASE_URL")]
        admin_url: String,
        /// The role's password (default: the role name, for local use).
        #[arg(long, env = "QC_SERVICE_DB_PASSWORD")]
        password: Option<String>,
    },
    /// Create the Kafka topics this service owns, with their dead-letter topics.
    Topics,
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
    #[command(flatten)]
    Own(C),
}

/// For services without commands of their own.
#[derive(Subcommand)]
pub enum NoCommands {}

fn parse_role(s: &str) -> Result<Role, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| format!("unknown role {s:?}"))
}

/// The whole `main` of a service binary.
pub async fn main<S: Service>() -> anyhow::Result<()> {
    let matches = Cli::<S::Command>::command()
        .name(S::INFO.name)
        .about(S::INFO.description)
        .get_matches();
    let cli = Cli::<S::Command>::from_arg_matches(&matches)?;
    if let Command::Openapi = cli.command {
        let spec = platform::http::openapi(&S::INFO, S::routes);
        println!(
            "{}",
            spec.to_pretty_json()
                .context("serialising the OpenAPI document")?
        );
        return Ok(());
    }
    let cfg: Config<S::Settings> = platform::config::load_over(
        S::INFO.name,
        cli.config.as_deref(),
        Config::defaults(S::SCHEMA),
    )?;
    match cli.command {
        Command::Serve => {
            let _telemetry = telemetry::init(S::INFO.name, &cfg.telemetry)?;
            let listener = TcpListener::bind(&cfg.http.bind)
                .with_context(|| format!("binding {}", cfg.http.bind))?;
            let running = crate::start::<S>(&cfg, listener, true).await?;
            tracing::info!(addr = %running.addr, city = %cfg.instance.city, "{} serving", S::INFO.name);
            running.wait().await?;
            tracing::info!("{} stopped", S::INFO.name);
        }
        Command::Migrate => {
            let applied = db::migrate(&cfg.database.url, S::MIGRATIONS).await?;
            let list = if applied.is_empty() {
                String::new()
            } else {
                format!(": {}", applied.join(", "))
            };
            println!("applied {} migration(s){list}", applied.len());
        }
        Command::Provision {
            admin_url,
            password,
        } => {
            let password = password.unwrap_or_else(|| S::SCHEMA.to_owned());
            db::provision(&admin_url, S::SCHEMA, &password, S::SCHEMA).await?;
            println!("role and schema {} are in place", S::SCHEMA);
        }
        Command::Topics => {
            let names = messaging::ensure_topics(&cfg.kafka, S::OWNED_TOPICS).await?;
            println!("topics in place: {}", names.join(", "));
        }
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
        Command::Own(command) => S::run_command(command, &cfg).await?,
        Command::Openapi => unreachable!("answered before configuration is loaded"),
    }
    Ok(())
}
