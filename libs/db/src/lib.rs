//! Postgres plumbing shared by every service: one schema per service with
//! two roles — the owner, which migrates, and the application role, which
//! serves with data rights only —, a diesel-async pool over TLS, and
//! migrations embedded in the binary.

use std::time::Duration;

use anyhow::Context as _;
use diesel::ConnectionError;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use serde::{Deserialize, Serialize};

pub mod lease;
mod metrics;
pub mod prune;
pub mod reseal;
pub mod schema;
mod word;

pub use diesel_async::scoped_futures::ScopedFutureExt;

pub use diesel_async::pooled_connection::deadpool::PoolError;

pub type DbConn = Object<AsyncPgConnection>;

/// A pool of connections to the service's database. Its checkouts that time
/// out are counted (`qc_db_pool_timeouts_total`); its connections in use,
/// idle and awaited are read at each scrape (`qc_db_pool_*`).
#[derive(Clone)]
pub struct DbPool(Pool<AsyncPgConnection>);

impl DbPool {
    /// A connection, waiting up to the pool's timeouts for one.
    pub async fn get(&self) -> Result<DbConn, PoolError> {
        let got = self.0.get().await;
        if let Err(PoolError::Timeout(_)) = &got {
            metrics::TIMEOUTS.inc();
        }
        got
    }
}

/// The outbox, inbox and idempotency tables, created in every service schema.
pub const PLATFORM_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub use tls::Verify as SslMode;
pub use word::WordColumn;

/// The `database` section of a service's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbConfig {
    /// The application role's URL (`serve`): data rights on its own schema,
    /// which is its `search_path`; no DDL, no trigger changes.
    pub url: String,
    /// The owner role's URL, for `migrate` only. Serving pods never get it.
    #[serde(default)]
    pub owner_url: String,
    pub pool_size: usize,
    /// `disable` (local development only), `require`, `verify-ca` or
    /// `verify-full`. Nothing falls back to plaintext.
    #[serde(default = "verify_full")]
    pub sslmode: SslMode,
    /// CA bundle (PEM) the server's certificate chains to.
    #[serde(default)]
    pub ca_file: String,
}

fn verify_full() -> SslMode {
    SslMode::VerifyFull
}

impl DbConfig {
    /// Plaintext settings for local tools (benchmarks) on this machine.
    pub fn local(url: impl Into<String>, pool_size: usize) -> Self {
        Self {
            url: url.into(),
            owner_url: String::new(),
            pool_size,
            sslmode: SslMode::Disable,
            ca_file: String::new(),
        }
    }

    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (key, url) in [("url", &self.url), ("owner_url", &self.owner_url)] {
            if key == "owner_url" && url.is_empty() {
                continue;
            }
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                out.push((key, "must be a postgres:// URL".to_owned()));
            } else if url.contains("sslmode=") || url.contains("sslrootcert=") {
                out.push((
                    key,
                    "TLS is set by database.sslmode and database.ca_file, not in the URL"
                        .to_owned(),
                ));
            }
        }
        if self.pool_size == 0 || self.pool_size > 256 {
            out.push((
                "pool_size",
                format!("{} is not between 1 and 256", self.pool_size),
            ));
        }
        out.extend(tls::problems(
            self.sslmode,
            "sslmode",
            &self.ca_file,
            "ca_file",
        ));
        out
    }

    /// How this configuration connects.
    pub fn connector(&self) -> anyhow::Result<Connector> {
        let ca = (!self.ca_file.is_empty()).then(|| std::path::Path::new(&self.ca_file));
        Ok(Connector(
            tls::client_config(self.sslmode, ca)?
                .map(tokio_postgres_rustls::MakeRustlsConnect::new),
        ))
    }
}

/// Opens connections with TLS as configured (or, for `disable`, without).
#[derive(Clone)]
pub struct Connector(Option<tokio_postgres_rustls::MakeRustlsConnect>);

impl Connector {
    /// Plaintext: local tools and tests that set nothing else.
    pub fn plaintext() -> Self {
        Self(None)
    }

    pub async fn connect(&self, url: &str) -> diesel::ConnectionResult<AsyncPgConnection> {
        let Some(tls) = &self.0 else {
            return AsyncPgConnection::establish(url).await;
        };
        let bad = |e: tokio_postgres::Error| ConnectionError::BadConnection(e.to_string());
        let mut pg: tokio_postgres::Config = url.parse().map_err(bad)?;
        // Require, never prefer: a server without TLS is refused, not used in clear.
        pg.ssl_mode(tokio_postgres::config::SslMode::Require);
        let (client, connection) = pg.connect(tls.clone()).await.map_err(bad)?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }
}

/// An insert that may meet its row already there (a unique index says
/// so): `Ok(true)` when it wrote, `Ok(false)` when the row existed; the
/// store answers that as a value, so no caller matches on database errors.
pub fn inserted(result: diesel::QueryResult<usize>) -> diesel::QueryResult<bool> {
    use diesel::result::{DatabaseErrorKind, Error};
    match result {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn pool(cfg: &DbConfig) -> anyhow::Result<DbPool> {
    let connector = cfg.connector()?;
    let mut setup = ManagerConfig::default();
    setup.custom_setup = Box::new(move |url| {
        let (connector, url) = (connector.clone(), url.to_owned());
        Box::pin(async move { connector.connect(&url).await })
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(&cfg.url, setup);
    let pool = Pool::builder(manager)
        .max_size(cfg.pool_size)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")?;
    metrics::watch(pool.weak());
    Ok(DbPool(pool))
}

/// Readiness: a connection can be had and answers.
pub async fn ping(pool: &DbPool) -> anyhow::Result<()> {
    let mut conn = pool.get().await.context("no database connection")?;
    conn.batch_execute("SELECT 1")
        .await
        .context("database did not answer")?;
    Ok(())
}

/// The application role of the schema (and owner role) `schema`.
pub fn app_role(schema: &str) -> String {
    format!("{schema}_app")
}

/// Creates (idempotently) the service's two roles and its schema: the owner
/// (`schema`), which owns the schema and runs the migrations, and the
/// application role (`<schema>_app`), which `serve` connects as. Both have
/// the schema as their `search_path`; neither may use `public`. What the
/// application role may do to each table is granted by the migrations
/// (the platform's grants data rights by default; a service's may take
/// some back, as subsidy payment does on its ledger). Run with an admin
/// connection; ownership is then enforced by Postgres, not by convention.
pub async fn provision(
    connector: &Connector,
    admin_url: &str,
    schema: &str,
    owner_password: &str,
    app_password: &str,
) -> anyhow::Result<()> {
    if schema.is_empty()
        || !schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
    {
        anyhow::bail!("schema name {schema:?} must be lower-case letters, digits and underscores");
    }
    let app = app_role(schema);
    let mut conn = connector
        .connect(admin_url)
        .await
        .context("connecting with the admin URL")?;
    let quote = |p: &str| p.replace('\'', "''");
    let (owner_password, app_password) = (quote(owner_password), quote(app_password));
    conn.batch_execute(&format!(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{schema}') THEN
             CREATE ROLE {schema} LOGIN PASSWORD '{owner_password}';
           END IF;
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN
             CREATE ROLE {app} LOGIN PASSWORD '{app_password}';
           END IF;
         END $$;
         CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {schema};
         ALTER ROLE {schema} SET search_path = {schema};
         ALTER ROLE {app} SET search_path = {schema};
         GRANT USAGE ON SCHEMA {schema} TO {app};
         REVOKE CREATE ON SCHEMA {schema} FROM {app};
         REVOKE ALL ON SCHEMA public FROM {schema}, {app};"
    ))
    .await
    .with_context(|| format!("provisioning roles {schema}, {app} and schema {schema}"))?;
    Ok(())
}

/// Runs the platform migrations, then the service's, as the owner role.
/// Both sets share the schema's migration table; their versions never clash
/// because platform versions start with zeros.
pub async fn migrate(cfg: &DbConfig, service: EmbeddedMigrations) -> anyhow::Result<Vec<String>> {
    anyhow::ensure!(
        !cfg.owner_url.is_empty(),
        "database.owner_url is required to migrate (the owner role's URL; serving pods never have it)"
    );
    let conn = cfg
        .connector()?
        .connect(&cfg.owner_url)
        .await
        .context("connecting to migrate")?;
    // The sync migration harness blocks; keep it off the async workers. On
    // a blocking thread it drives the connection through this runtime.
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
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

#[cfg(test)]
mod inserted_tests {
    use super::inserted;
    use diesel::result::{DatabaseErrorKind, Error};

    #[test]
    fn only_a_unique_violation_means_the_row_was_there() {
        let violation = |kind| Err(Error::DatabaseError(kind, Box::new("x".to_owned())));
        assert!(matches!(inserted(Ok(1)), Ok(true)));
        assert!(matches!(
            inserted(violation(DatabaseErrorKind::UniqueViolation)),
            Ok(false)
        ));
        assert!(inserted(violation(DatabaseErrorKind::ForeignKeyViolation)).is_err());
        assert!(inserted(Err(Error::NotFound)).is_err());
    }
}
