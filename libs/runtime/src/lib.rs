//! What every service binary does the same way, so a service only says what
//! is its own: its routes, its migrations, its topics, its app data and
//! consumers, and any commands of its own.
//!
//! - the configuration sections all services share ([`Config`]), with the
//!   service's own settings under `[service]`;
//! - the command line ([`Command`]): `serve`, `migrate`, `provision`,
//!   `topics`, `dev-token`, `openapi`, `dlq-replay`, plus the service's;
//! - [`start`]: the HTTP server, the outbox relay and the consumers, with
//!   readiness checks and a graceful stop.

mod cli;
pub mod config;
mod prune;
mod start;

pub use cli::{main, Command, NoCommands};
pub use config::{Config, NoSettings};
pub use start::{start, Consumer, Context, Periodic, PeriodicFuture, Running, Wiring};

use diesel_migrations::EmbeddedMigrations;
use platform::http::ServiceInfo;
use utoipa_actix_web::service_config::ServiceConfig;

/// A service, as the runtime needs to know it.
pub trait Service: Sized + 'static {
    /// The service's own configuration section (`[service]`).
    type Settings: config::Settings;
    /// The service's own subcommands.
    type Command: clap::Subcommand + Send;

    const INFO: ServiceInfo;
    /// Its Postgres role and schema.
    const SCHEMA: &'static str;
    const MIGRATIONS: EmbeddedMigrations;
    /// Topics it owns and creates (with their dead-letter topics).
    const OWNED_TOPICS: &'static [&'static str];
    /// Who may call each operation: enforced at the door, published in the
    /// OpenAPI document, checked by the authorization matrix test.
    const ACCESS: &'static [platform::access::Rule];
    /// Columns of its tables holding personal data sealed with its keys,
    /// which `rotate-keys` re-seals under the current key.
    const SEALED: &'static [db::reseal::SealedColumn] = &[];

    /// The cipher of its personal data, where it keeps any.
    fn cipher(settings: &Self::Settings) -> anyhow::Result<Option<ids::PiiCipher>> {
        let _ = settings;
        Ok(None)
    }

    /// Every route; also the source of the OpenAPI document.
    fn routes(cfg: &mut ServiceConfig<'_>);

    /// App data for the handlers, and the consumers to run.
    fn wire(ctx: &Context<Self::Settings>) -> anyhow::Result<Wiring>;

    /// Runs one of the service's own subcommands.
    fn run_command(
        command: Self::Command,
        cfg: &Config<Self::Settings>,
    ) -> impl std::future::Future<Output = anyhow::Result<()>> + Send;
}

/// Re-seals every sealed column of `S` under its current personal-data key
/// (`rotate-keys`), column after column; `None` when `S` keeps no sealed
/// data, else how many values it re-sealed and under which key.
pub async fn rotate_keys<S: Service>(
    cfg: &Config<S::Settings>,
    pace: db::reseal::Pace,
    report: &mut (dyn FnMut(db::reseal::Progress) + Send),
) -> anyhow::Result<Option<(u64, String)>> {
    anyhow::ensure!(
        (1..=10_000).contains(&pace.batch),
        "a batch is 1 to 10000 values"
    );
    let Some(cipher) = S::cipher(&cfg.service)? else {
        return Ok(None);
    };
    let header = cipher.current_header();
    let reseal = |sealed: &[u8]| -> anyhow::Result<Vec<u8>> {
        Ok(cipher.reseal(sealed)?.unwrap_or_else(|| sealed.to_vec()))
    };
    let mut conn = cfg
        .database
        .connector()?
        .connect(&cfg.database.url)
        .await
        .map_err(|e| anyhow::anyhow!("connecting to the database: {e}"))?;
    let (mut total, mut budget) = (0, pace.limit);
    for column in S::SEALED {
        total += db::reseal::reseal_column(
            &mut conn,
            *column,
            &header,
            pace,
            &mut budget,
            &reseal,
            report,
        )
        .await?;
    }
    Ok(Some((total, cipher.current_key_id().to_owned())))
}
