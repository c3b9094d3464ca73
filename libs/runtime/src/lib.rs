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
