//! The command line every service binary shares: `serve`, `migrate`,
//! `provision`, `topics`, `dev-token`, `dev-keys`, `openapi`, `dlq-replay`,
//! `rotate-keys`, and the service's own.

#![allow(
    clippy::print_stdout,
    reason = "the command line answers its operator on stdout"
)]

use std::net::TcpListener;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use platform::auth::{AuthConfig, NewToken, Role, Signer};

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
    /// Apply pending migrations (as the owner role: `database.owner_url`).
    Migrate,
    /// Create the service's schema, its owner role and its application role
    /// (needs an admin connection; TLS as `database.sslmode` says).
    Provision {
        #[arg(long, env = "QC_ADMIN_DATABASE_URL")]
        admin_url: String,
        /// The owner role's password (default: the role name, for local use).
        #[arg(long, env = "QC_SERVICE_DB_PASSWORD")]
        password: Option<String>,
        /// The application role's password (default: its name, for local use).
        #[arg(long, env = "QC_SERVICE_DB_APP_PASSWORD")]
        app_password: Option<String>,
    },
    /// Create the Kafka topics this service owns, with their dead-letter topics.
    Topics,
    /// Print a token signed with the local signing key (`auth.local_signing_key`;
    /// refused on an instance without one, as every production instance is).
    DevToken {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        city: Option<String>,
        #[arg(long)]
        org: Option<String>,
        #[arg(long, default_value = "dev-user")]
        sub: String,
        /// Space-separated OAuth2 scopes.
        #[arg(long)]
        scope: Option<String>,
        #[arg(long, default_value_t = 3600)]
        ttl_secs: i64,
    },
    /// Make a local signing key and its JWKS in DIR (kept if present), for
    /// local development: `make up` points `auth.jwks_url` at the JWKS.
    DevKeys {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Re-seal every stored personal-data value under the current key
    /// (the first of `service.pii_encryption_keys`), in batches, printing
    /// progress; stopped anywhere, run it again. Roll the new key list out
    /// to every pod first; drop an old key only after a run that re-sealed
    /// nothing.
    RotateKeys {
        /// Values per transaction.
        #[arg(long, default_value_t = 500)]
        batch: u64,
        /// Re-seal at most this many values in this run (spread the work
        /// over quiet hours; the next run goes on).
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Print the OpenAPI document of the routes this binary serves.
    Openapi,
    /// What waits in the dead-letter topic of a topic this service owns,
    /// and moving it back once the cause is fixed (every waiting message,
    /// or one event's).
    DlqReplay {
        #[arg(long)]
        topic: String,
        /// Only list what waits.
        #[arg(long, conflicts_with_all = ["id", "dry_run"])]
        list: bool,
        /// Move only this event (its CloudEvents id).
        #[arg(long)]
        id: Option<uuid::Uuid>,
        /// Say what would move; move nothing.
        #[arg(long)]
        dry_run: bool,
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
    tls::install_provider();
    if let Command::DevKeys { dir } = &cli.command {
        let (key, jwks) = platform::auth::Signer::ensure_files(dir)?;
        println!(
            "signing key {} and key set {}",
            key.display(),
            jwks.display()
        );
        return Ok(());
    }
    if let Command::Openapi = cli.command {
        let spec = platform::openapi::document(&S::INFO, S::routes, S::ACCESS);
        print!("{}", platform::openapi::to_pretty(&spec));
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
            let applied = db::migrate(&cfg.database, S::MIGRATIONS).await?;
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
            app_password,
        } => provision::<S>(&cfg, &admin_url, password, app_password).await?,
        Command::Topics => {
            let names = messaging::ensure_topics(&cfg.kafka, S::OWNED_TOPICS).await?;
            println!("topics in place: {}", names.join(", "));
        }
        Command::DevToken {
            role,
            city,
            org,
            sub,
            scope,
            ttl_secs,
        } => {
            let token = NewToken {
                issuer: &cfg.auth.issuer,
                audience: &cfg.auth.audience,
                sub: &sub,
                role,
                city: city.as_deref(),
                org: org.as_deref(),
                scope: scope.as_deref(),
                ttl_secs,
            };
            println!("{}", dev_token(&cfg.auth, &token)?);
        }
        Command::DlqReplay {
            topic,
            list,
            id,
            dry_run,
        } => dlq_replay::<S>(&cfg, &topic, list, id, dry_run).await?,
        Command::RotateKeys { batch, limit } => {
            rotate_keys::<S>(&cfg, db::reseal::Pace { batch, limit }).await?;
        }
        Command::Own(command) => S::run_command(command, &cfg).await?,
        Command::Openapi | Command::DevKeys { .. } => {
            unreachable!("answered before configuration is loaded")
        }
    }
    Ok(())
}

/// `provision`: the schema's owner and application roles and the schema
/// (passwords default to the role names, for a local database).
async fn provision<S: Service>(
    cfg: &Config<S::Settings>,
    admin_url: &str,
    password: Option<String>,
    app_password: Option<String>,
) -> anyhow::Result<()> {
    let app = db::app_role(S::SCHEMA);
    let password = password.unwrap_or_else(|| S::SCHEMA.to_owned());
    let app_password = app_password.unwrap_or_else(|| app.clone());
    let connector = cfg.database.connector()?;
    db::provision(&connector, admin_url, S::SCHEMA, &password, &app_password).await?;
    println!(
        "roles {} and {app} and schema {} are in place",
        S::SCHEMA,
        S::SCHEMA
    );
    Ok(())
}

/// `rotate-keys`: re-seals personal data under the current key, printing
/// the progress of each column.
async fn rotate_keys<S: Service>(
    cfg: &Config<S::Settings>,
    pace: db::reseal::Pace,
) -> anyhow::Result<()> {
    let mut report = |p: db::reseal::Progress| {
        println!("{}: {} of {} re-sealed", p.column, p.resealed, p.to_do);
    };
    match crate::rotate_keys::<S>(cfg, pace, &mut report).await? {
        Some((total, key)) => println!("{total} value(s) re-sealed under key {key}"),
        None => println!("{} keeps no sealed personal data", S::INFO.name),
    }
    Ok(())
}

/// `dlq-replay`: lists what waits on `topic`'s dead-letter topic, or moves
/// it (all, or one event by id) back onto the topic.
async fn dlq_replay<S: Service>(
    cfg: &Config<S::Settings>,
    topic: &str,
    list: bool,
    id: Option<uuid::Uuid>,
    dry_run: bool,
) -> anyhow::Result<()> {
    // Only the owner may write the topic back (the broker's ACLs say so too).
    anyhow::ensure!(
        S::OWNED_TOPICS.contains(&topic),
        "{} does not own {topic}: run dlq-replay in the service that owns it",
        S::INFO.name
    );
    let pool = db::pool(&cfg.database)?;
    let (letters, done) = if list {
        let waiting = messaging::waiting_dead_letters(&cfg.kafka, &pool, topic).await?;
        (waiting, "wait(s) in")
    } else {
        let which = id.map_or(messaging::Replay::All, messaging::Replay::Event);
        let moved =
            messaging::replay_dead_letters(&cfg.kafka, &pool, topic, which, dry_run).await?;
        (
            moved,
            if dry_run {
                "would move from"
            } else {
                "moved from"
            },
        )
    };
    for letter in &letters {
        println!("{letter}");
    }
    println!("{} message(s) {done} {topic}.dlq", letters.len());
    Ok(())
}

/// Signs a token with the instance's local signing key; refused where none
/// is configured, so a production instance cannot mint tokens.
pub fn dev_token(auth: &AuthConfig, token: &NewToken<'_>) -> anyhow::Result<String> {
    anyhow::ensure!(
        !auth.local_signing_key.is_empty(),
        "dev-token needs a local signing key (auth.local_signing_key); this instance has none, \
         as no production instance does: tokens come from the city's identity provider"
    );
    anyhow::ensure!(
        (1..=i64::try_from(auth.max_token_lifetime_secs).unwrap_or(i64::MAX))
            .contains(&token.ttl_secs),
        "--ttl-secs must be between 1 and auth.max_token_lifetime_secs ({})",
        auth.max_token_lifetime_secs
    );
    let signer = Signer::from_pem_file(std::path::Path::new(&auth.local_signing_key))?;
    signer.mint(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> NewToken<'static> {
        NewToken {
            issuer: "https://id.fuzhou.example",
            audience: "qiancheng",
            sub: "officer",
            role: Role::BureauOfficer,
            city: Some("350100"),
            org: None,
            scope: None,
            ttl_secs: 600,
        }
    }

    #[test]
    fn a_production_configuration_cannot_mint_a_token() {
        let production = AuthConfig {
            issuer: "https://id.fuzhou.example".into(),
            ..AuthConfig::default()
        };
        let err = dev_token(&production, &token()).expect_err("refused");
        assert!(err.to_string().contains("no production instance"), "{err}");
    }

    #[test]
    fn a_local_key_mints_tokens_within_the_lifetime_limit() {
        let dir = std::env::temp_dir().join(format!("qc-dev-token-{}", std::process::id()));
        let (key, _) = Signer::ensure_files(&dir).expect("keys");
        let local = AuthConfig {
            issuer: "https://id.fuzhou.example".into(),
            local_signing_key: key.display().to_string(),
            ..AuthConfig::default()
        };
        assert_eq!(
            dev_token(&local, &token())
                .expect("minted")
                .split('.')
                .count(),
            3
        );
        let ten_years = NewToken {
            ttl_secs: 10 * 365 * 86_400,
            ..token()
        };
        assert!(dev_token(&local, &ten_years).is_err());
        std::fs::remove_dir_all(dir).expect("clean up");
    }
}
