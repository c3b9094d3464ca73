//! Demand catalogue (需求指导目录): collects skill demand from enterprises,
//! unions, industry departments, employment services and gig markets, and
//! publishes each city's yearly catalogue of urgently needed occupations
//! with their subsidy standards.

pub mod api;
pub mod config;
pub mod domain;
pub mod events;
pub mod occupations_file;
pub mod store;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::web;
use anyhow::Context as _;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use messaging::Relay;
use platform::auth::TokenVerifier;
use platform::http::{Readiness, ServiceInfo};
use platform::public::PublicCache;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::Config;

pub const INFO: ServiceInfo = ServiceInfo {
    name: "demand-catalog",
    version: env!("CARGO_PKG_VERSION"),
    description: "Skill demand intake and the yearly guidance catalogue of urgently needed occupations (需求指导目录).",
};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A started instance: the HTTP server and the outbox relay.
pub struct Running {
    pub addr: SocketAddr,
    server: ServerHandle,
    server_task: JoinHandle<std::io::Result<()>>,
    shutdown: watch::Sender<bool>,
    relay_task: Option<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting requests, lets in-flight ones finish, then stops the
    /// relay after its current round.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.server.stop(true).await;
        self.wait().await
    }

    /// Waits until the server stops by itself (on SIGTERM or SIGINT).
    pub async fn wait(self) -> anyhow::Result<()> {
        let served = self.server_task.await.context("server task panicked")?;
        let _ = self.shutdown.send(true);
        if let Some(relay) = self.relay_task {
            relay.await.context("relay task panicked")?;
        }
        served.context("HTTP server failed")
    }
}

/// Connects to everything and starts serving on `listener`. With
/// `relay: false` the outbox is left for another process (or a test) to relay.
pub async fn start(
    cfg: &Config,
    listener: TcpListener,
    run_relay: bool,
) -> anyhow::Result<Running> {
    let pool = db::pool(&cfg.database)?;
    let cache = PublicCache::connect(&cfg.redis, &cfg.public).await?;
    let city = cfg.instance.city();
    let relay = Relay::new(pool.clone(), &cfg.kafka, format!("/{city}/{}", INFO.name))?;
    let relay = Arc::new(relay);
    let readiness = {
        let (pool, cache, relay) = (pool.clone(), cache.clone(), relay.clone());
        Readiness::default()
            .with(
                "database",
                Arc::new(move || {
                    let pool = pool.clone();
                    Box::pin(async move { db::ping(&pool).await })
                }),
            )
            .with(
                "redis",
                Arc::new(move || {
                    let cache = cache.clone();
                    Box::pin(async move { cache.ping().await })
                }),
            )
            .with(
                "broker",
                Arc::new(move || {
                    let relay = relay.clone();
                    Box::pin(async move { relay.ping().await })
                }),
            )
    };
    let state = web::Data::new(api::AppState {
        pool,
        city,
        cache: cache.clone(),
    });
    let verifier = web::Data::new(TokenVerifier::new(&cfg.auth));
    let cache = web::Data::new(cache);
    let addr = listener.local_addr()?;
    let server = platform::http::server(INFO, &cfg.http, listener, readiness, move |c| {
        c.app_data(state.clone())
            .app_data(verifier.clone())
            .app_data(cache.clone());
        api::routes(c);
    })?;
    let handle = server.handle();
    let (shutdown, shutdown_rx) = watch::channel(false);
    let relay_task = if run_relay {
        Some(tokio::spawn(async move { relay.run(shutdown_rx).await }))
    } else {
        None
    };
    Ok(Running {
        addr,
        server: handle,
        server_task: tokio::spawn(server),
        shutdown,
        relay_task,
    })
}
