//! A database per test, copied from a template built once per migration
//! fingerprint.

use std::path::Path;

use anyhow::Context as _;
use db::{Connector, DbConfig, SslMode};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::EmbeddedMigrations;
use sha2::{Digest, Sha256};

use crate::{env_or, unique_tag};

fn admin_url() -> String {
    env_or(
        "QC_TEST_ADMIN_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
}

/// The admin URL pointed at another database.
fn admin_url_for(db: &str) -> String {
    let base = admin_url();
    match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{db}"),
        None => base,
    }
}

/// How tests reach Postgres: over TLS verified to the full against the CA
/// in `QC_TEST_PG_CA` (`make test` sets the server up with it), else in
/// plaintext.
pub fn db_tls() -> (SslMode, String) {
    match std::env::var("QC_TEST_PG_CA") {
        Ok(ca) if !ca.is_empty() => (SslMode::VerifyFull, ca),
        _ => (SslMode::Disable, String::new()),
    }
}

fn connector() -> anyhow::Result<Connector> {
    let (sslmode, ca_file) = db_tls();
    DbConfig {
        sslmode,
        ca_file,
        ..DbConfig::local("", 1)
    }
    .connector()
}

async fn admin() -> anyhow::Result<AsyncPgConnection> {
    connector()?
        .connect(&admin_url())
        .await
        .context("connecting as admin")
}

/// The test server's `host:port`.
pub fn server_address() -> String {
    let admin = admin_url();
    admin
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:5432")
        .to_owned()
}

/// A URL of the test server reaching the same host on another `port` (a
/// [`crate::Outage`] in front of the server).
pub fn via_port(url: &str, port: u16) -> String {
    let server = server_address();
    let host = server.rsplit_once(':').map_or(server.as_str(), |(h, _)| h);
    url.replace(&server, &format!("{host}:{port}"))
}

/// A URL for `role` (password = role name) on `db`.
fn role_url(role: &str, db: &str) -> String {
    format!("postgres://{role}:{role}@{}/{db}", server_address())
}

/// Hashes every file below the given directories (the migrations), so a
/// changed migration makes a new template.
fn fingerprint(dirs: &[&Path]) -> anyhow::Result<String> {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, files)?;
            } else {
                files.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    for dir in dirs {
        walk(dir, &mut files).with_context(|| format!("reading {}", dir.display()))?;
    }
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        hash.update(
            file.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        hash.update(std::fs::read(&file)?);
    }
    Ok(hex::encode(hash.finalize())[..12].to_owned())
}

/// A database of one test's own, with the service's roles, schema and
/// migrations in place. Dropped when the value is.
pub struct TestDb {
    pub name: String,
    /// The application role's URL (what `serve` uses; its search_path is
    /// the schema).
    pub url: String,
    /// The owner role's URL (what `migrate` uses).
    pub owner_url: String,
}

impl TestDb {
    /// `role` is also the schema name; `service_dir` holds the service's
    /// `migrations/`, or a library's test migrations in `tests/migrations/`
    /// (pass `env!("CARGO_MANIFEST_DIR")`).
    pub async fn new(
        role: &str,
        service: EmbeddedMigrations,
        service_dir: &str,
    ) -> anyhow::Result<Self> {
        let platform_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../db/migrations");
        let own_dirs = [
            Path::new(service_dir).join("migrations"),
            Path::new(service_dir).join("tests/migrations"),
        ];
        let dirs: Vec<&Path> = std::iter::once(&platform_dir)
            .chain(&own_dirs)
            .map(|d| d.as_path())
            .filter(|d| d.exists())
            .collect();
        let template = format!("qc_tpl_{role}_{}", fingerprint(&dirs)?);
        let mut admin = admin().await?;
        // One builder at a time across test processes (advisory locks are per
        // database; every builder locks in the admin database).
        admin
            .batch_execute(&format!("SELECT pg_advisory_lock(hashtext('{template}'))"))
            .await?;
        let built = build_template(&mut admin, &template, role, service).await;
        admin
            .batch_execute(&format!(
                "SELECT pg_advisory_unlock(hashtext('{template}'))"
            ))
            .await?;
        built?;
        let name = format!("qc_test_{}", unique_tag());
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .context("copying the template")?;
        Ok(Self::named(name, role))
    }
}

impl TestDb {
    fn named(name: String, role: &str) -> Self {
        Self {
            url: role_url(&db::app_role(role), &name),
            owner_url: role_url(role, &name),
            name,
        }
    }

    /// The `database` section a service under test uses.
    pub fn config(&self, pool_size: usize) -> DbConfig {
        let (sslmode, ca_file) = db_tls();
        DbConfig {
            url: self.url.clone(),
            owner_url: self.owner_url.clone(),
            pool_size,
            sslmode,
            ca_file,
        }
    }

    /// The `database` section, reaching the same host on another `port`
    /// (a [`crate::Outage`] in front of the server).
    pub fn config_via_port(&self, pool_size: usize, port: u16) -> DbConfig {
        DbConfig {
            url: via_port(&self.url, port),
            ..self.config(pool_size)
        }
    }

    /// An empty database, for tests that provision and migrate it themselves
    /// (as the services' own subcommands do); the URLs are for `role`'s two
    /// roles once provisioned.
    pub async fn bare(role: &str) -> anyhow::Result<Self> {
        let name = format!("qc_test_{}", unique_tag());
        admin()
            .await?
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        Ok(Self::named(name, role))
    }

    /// The admin URL of this database.
    pub fn admin_url(&self) -> String {
        admin_url_for(&self.name)
    }

    /// A URL of this database for another role (password = role name).
    pub fn url_for(&self, role: &str) -> String {
        role_url(role, &self.name)
    }
}

async fn build_template(
    admin: &mut AsyncPgConnection,
    template: &str,
    role: &str,
    service: EmbeddedMigrations,
) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    let exists: i64 = diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
        "(SELECT count(*) FROM pg_database WHERE datname = '{template}')"
    )))
    .get_result(admin)
    .await?;
    if exists == 1 {
        return Ok(());
    }
    let building = format!("{template}_building");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
        .await?;
    admin
        .batch_execute(&format!("CREATE DATABASE {building}"))
        .await?;
    let app = db::app_role(role);
    db::provision(&connector()?, &admin_url_for(&building), role, role, &app).await?;
    let (sslmode, ca_file) = db_tls();
    let cfg = DbConfig {
        owner_url: role_url(role, &building),
        sslmode,
        ca_file,
        ..DbConfig::local(role_url(&app, &building), 1)
    };
    db::migrate(&cfg, service).await?;
    admin
        .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {template}"))
        .await?;
    Ok(())
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside any runtime guarantee: use a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut admin = admin().await.ok()?;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!(
                "could not drop test database {}; `make test` removes leftovers",
                self.name
            );
        }
    }
}
