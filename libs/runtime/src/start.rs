//! Starting a service: HTTP server, outbox relay, consumers, periodic jobs
//! and readiness, stopped gracefully together.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::web;
use anyhow::Context as _;
use db::DbPool;
use ids::CityCode;
use messaging::{ConsumerRunner, EventHandler, Relay};
use platform::auth::TokenVerifier;
use platform::http::Readiness;
use platform::public::PublicCache;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{Config, Service};

/// What a service's `wire` gets to build its app data from.
pub struct Context<S> {
    pub cfg: Config<S>,
    pub pool: db::DbPool,
    pub cache: PublicCache,
    pub city: CityCode,
}

/// A consumer group to run: its name, its topics and its handler.
pub type Consumer = (&'static str, Vec<&'static str>, Arc<dyn EventHandler>);

/// What a service adds to the common start-up.
pub struct Wiring {
    /// Registers the handlers' app data (called once per HTTP worker).
    pub app_data: Arc<dyn Fn(&mut ServiceConfig<'_>) + Send + Sync>,
    pub consumers: Vec<Consumer>,
    pub periodic: Vec<Periodic>,
}

/// Work a service does on a timer, e.g. closing follow-up windows that are
/// due. It runs on one replica at a time (a turn held in the database, see
/// [`db::lease`]); a replica whose turn is taken skips that tick. It must
/// still be safe to run twice (a turn can end with the holder's connection
/// while its work goes on).
pub struct Periodic {
    pub name: &'static str,
    pub every: std::time::Duration,
    pub run: Arc<dyn Fn() -> PeriodicFuture + Send + Sync>,
}

pub type PeriodicFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>>;

async fn run_periodic(job: Periodic, pool: DbPool, mut stop: watch::Receiver<bool>) {
    // Replicas started together do not all fire at start-up, nor in step.
    let first = tokio::time::Instant::now() + job.every.mul_f64(rand::random::<f64>());
    let mut tick = tokio::time::interval_at(first, job.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                match db::lease::exclusively(&pool, job.name, (job.run)()).await {
                    Ok(Some(())) => {}
                    Ok(None) => tracing::debug!(job = job.name, "another replica runs it now"),
                    Err(e) => tracing::warn!(job = job.name, error = format!("{e:#}"), "periodic job failed; retrying at the next tick"),
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// A started instance: the HTTP server, the outbox relay, the consumers.
pub struct Running {
    pub addr: SocketAddr,
    server: ServerHandle,
    server_task: JoinHandle<std::io::Result<()>>,
    shutdown: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting requests, lets in-flight ones finish, then stops the
    /// relay and consumers after what they are doing.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.server.stop(true).await;
        self.wait().await
    }

    /// Waits until the server stops by itself (on SIGTERM or SIGINT).
    pub async fn wait(self) -> anyhow::Result<()> {
        let served = self.server_task.await.context("server task panicked")?;
        let _ = self.shutdown.send(true);
        for worker in self.workers {
            worker.await.context("background task panicked")?;
        }
        served.context("HTTP server failed")
    }
}

/// Connects to everything and serves on `listener`. With `run_relay: false`
/// the outbox is left for another process (or a test) to relay.
pub async fn start<S: Service>(
    cfg: &Config<S::Settings>,
    listener: TcpListener,
    run_relay: bool,
) -> anyhow::Result<Running> {
    let pool = db::pool(&cfg.database)?;
    let cache = PublicCache::connect(&cfg.redis, &cfg.public).await?;
    let city = cfg.instance.city()?;
    let relay = Arc::new(Relay::new(
        pool.clone(),
        &cfg.kafka,
        format!("/{city}/{}", S::INFO.name),
    )?);
    let readiness = {
        let (pool, cache, relay) = (pool.clone(), cache.clone(), relay.clone());
        // Serving needs the database; without Redis public reads fall back to
        // it, and the outbox holds events while the broker is away.
        Readiness::default()
            .requires(
                "database",
                Arc::new(move || {
                    let pool = pool.clone();
                    Box::pin(async move { db::ping(&pool).await })
                }),
            )
            .reports(
                "redis",
                Arc::new(move || {
                    let cache = cache.clone();
                    Box::pin(async move { cache.ping().await })
                }),
            )
            .reports(
                "broker",
                Arc::new(move || {
                    let relay = relay.clone();
                    Box::pin(async move { relay.ping().await })
                }),
            )
    };
    let ctx = Context {
        cfg: cfg.clone(),
        pool: pool.clone(),
        cache: cache.clone(),
        city,
    };
    let wiring = S::wire(&ctx)?;
    let verifier = web::Data::new(TokenVerifier::new(&cfg.auth, S::INFO.name, city.as_str())?);
    let cache = web::Data::new(cache);
    let audit = web::Data::new(platform::audit::AuditSink(pool.clone()));
    let app_data = wiring.app_data.clone();
    let addr = listener.local_addr()?;
    let server = platform::http::server(
        S::INFO,
        &cfg.http,
        listener,
        readiness,
        S::ACCESS,
        move |c| {
            c.app_data(verifier.clone())
                .app_data(cache.clone())
                .app_data(audit.clone());
            app_data(c);
            S::routes(c);
        },
    )?;
    let handle = server.handle();
    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut workers = Vec::new();
    if run_relay {
        let stop = shutdown_rx.clone();
        workers.push(tokio::spawn(async move { relay.run(stop).await }));
    }
    for (name, topics, handler) in wiring.consumers {
        let owners = topics
            .iter()
            .map(|topic| {
                let owner = contracts::owner_of(topic)
                    .with_context(|| format!("{name} consumes {topic}, which no service owns"))?;
                Ok(((*topic).to_owned(), format!("/{city}/{owner}")))
            })
            .collect::<anyhow::Result<_>>()?;
        let runner = ConsumerRunner::new(pool.clone(), &cfg.kafka, name, owners)?;
        workers.push(tokio::spawn(runner.run(handler, shutdown_rx.clone())));
    }
    let platform_jobs = [crate::prune::job(pool.clone(), cfg.retention.clone())];
    for job in wiring.periodic.into_iter().chain(platform_jobs) {
        workers.push(tokio::spawn(run_periodic(
            job,
            pool.clone(),
            shutdown_rx.clone(),
        )));
    }
    Ok(Running {
        addr,
        server: handle,
        server_task: tokio::spawn(server),
        shutdown,
        workers,
    })
}
