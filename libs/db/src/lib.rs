//! Postgres plumbing shared by every service: one schema and one role per
//! service, a diesel-async pool, and migrations embedded in the binary.

use std::time::Duration;

use anyhow::Context as _;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use serde::{Deserialize, Serialize};

pub mod schema;

pub use diesel_async::scoped_futures::ScopedFutureExt;

pub use diesel_async::pooled_connection::deadpool::PoolError;

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;

/// The outbox, inbox and idempotency tables, created in every service schema.
pub const PLATFORM_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The `database` section of a service's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbConfig {
    /// The service role's URL; its `search_path` is its own schema.
    pub url: String,
    pub pool_size: usize,
}

impl DbConfig {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !(self.url.starts_with("postgres://") || self.url.starts_with("postgresql://")) {
            out.push(("url", "must be a postgres:// URL".to_owned()));
        }
        if self.pool_size == 0 || self.pool_size > 256 {
            out.push((
                "pool_size",
                format!("{} is not between 1 and 256", self.pool_size),
            ));
        }
        out
    }
}

pub fn pool(cfg: &DbConfig) -> anyhow::Result<DbPool> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(&cfg.url);
    Pool::builder(manager)
        .max_size(cfg.pool_size)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Readiness: a connection can be had and answers.
pub async fn ping(pool: &DbPool) -> anyhow::Result<()> {
    let mut conn = pool.get().await.context("no database connection")?;
    conn.batch_execute("SELECT 1")
        .await
        .context("database did not answer")?;
    Ok(())
}

/// Creates (idempotently) the service's role and its schema, owned by the
/// role, and makes that schema the role's `search_path`. Run with an admin
/// connection; ownership is then enforced by Postgres, not by convention.
pub async fn provision(
    admin_url: &str,
    role: &str,
    password: &str,
    schema: &str,
) -> anyhow::Result<()> {
    for (what, name) in [("role", role), ("schema", schema)] {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
        {
            anyhow::bail!(
                "{what} name {name:?} must be lower-case letters, digits and underscores"
            );
        }
    }
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .context("connecting with the admin URL")?;
    let password = password.replace('\'', "''");
    conn.batch_execute(&format!(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
             CREATE ROLE {role} LOGIN PASSWORD '{password}';
           END IF;
         END $$;
         CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {role};
         ALTER ROLE {role} SET search_path = {schema};
         REVOKE ALL ON SCHEMA public FROM {role};"
    ))
    .await
    .with_context(|| format!("provisioning role {role} and schema {schema}"))?;
    Ok(())
}

/// Runs the platform migrations, then the service's, as the service role.
/// Both sets share the schema's migration table; their versions never clash
/// because platform versions start with zeros.
pub async fn migrate(url: &str, service: EmbeddedMigrations) -> anyhow::Result<Vec<String>> {
    let url = url.to_owned();
    // The sync migration harness blocks; keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
                .context("connecting to migrate")?;
        let mut applied = Vec::new();
        for set in [PLATFORM_MIGRATIONS, service] {
            let done = conn
                .run_pending_migrations(set)
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
            applied.extend(done.into_iter().map(|v| v.to_string()));
        }
        Ok(applied)
    })
    .await
    .context("migration task panicked")?
}
