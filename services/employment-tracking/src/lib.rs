//! Employment tracking (就业跟踪): employment records after training,
//! social-insurance matching, follow-up windows for the employment-promotion
//! reward (培训促进就业奖补), job recommendations (就业服务) and new-style
//! apprenticeships (新型学徒制).

pub mod api;
pub mod app;
pub mod domain;
pub mod events;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use chrono::NaiveDate;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use ids::PersonIdKey;
use platform::http::ServiceInfo;
use runtime::{Context, Periodic, Service, Wiring};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

/// `[service]`: the pseudonym key, the follow-up window and batch limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The province-wide `person_id` secret (base64, 32 bytes).
    pub person_id_key: String,
    /// Months after completion within which employment earns the
    /// employment-promotion reward (培训促进就业奖补). A completer keeps the
    /// window set when their completion arrived.
    pub follow_up_window_months: u32,
    /// How often each replica closes the windows that ended.
    pub window_close_interval_secs: u64,
    /// Contribution rows written per statement.
    pub batch_chunk_rows: usize,
    /// Most lines a contribution batch may have.
    pub batch_max_rows: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            person_id_key: String::new(),
            follow_up_window_months: 6,
            window_close_interval_secs: 3600,
            batch_chunk_rows: 1000,
            batch_max_rows: 2_000_000,
        }
    }
}

impl runtime::config::Settings for Settings {
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out =
            runtime::config::key_problems([("person_id_key", self.person_id_key.as_str())]);
        if !(1..=36).contains(&self.follow_up_window_months) {
            out.push((
                "follow_up_window_months",
                "must be between 1 and 36".to_owned(),
            ));
        }
        if !(1..=86_400).contains(&self.window_close_interval_secs) {
            out.push((
                "window_close_interval_secs",
                "must be between 1 and 86400".to_owned(),
            ));
        }
        if !(1..=10_000).contains(&self.batch_chunk_rows) {
            out.push(("batch_chunk_rows", "must be between 1 and 10000".to_owned()));
        }
        if !(1..=10_000_000).contains(&self.batch_max_rows) {
            out.push((
                "batch_max_rows",
                "must be between 1 and 10000000".to_owned(),
            ));
        }
        out
    }
}

/// This service's configuration.
pub type Config = runtime::Config<Settings>;

/// The service's own subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Close the follow-up windows that ended before a date, once (what the
    /// periodic job does), e.g. after an outage.
    CloseWindows {
        /// Business date (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
}

/// Employment tracking, as the runtime runs it.
pub struct EmploymentTracking;

impl Service for EmploymentTracking {
    type Settings = Settings;
    type Command = Command;

    const INFO: ServiceInfo = ServiceInfo {
        name: "employment-tracking",
        version: env!("CARGO_PKG_VERSION"),
        description: "Employment tracking (就业跟踪): employment records, social-insurance matching, follow-up windows, job recommendations, new-style apprenticeships (新型学徒制).",
    };
    const SCHEMA: &'static str = "employment_tracking";
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
    const OWNED_TOPICS: &'static [&'static str] = &events::OWNED_TOPICS;
    const ACCESS: &'static [platform::access::Rule] = api::ACCESS;

    fn routes(cfg: &mut ServiceConfig<'_>) {
        api::routes(cfg);
    }

    fn wire(ctx: &Context<Settings>) -> anyhow::Result<Wiring> {
        let s = &ctx.cfg.service;
        let state = web::Data::new(api::AppState {
            pool: ctx.pool.clone(),
            city: ctx.city,
            person_ids: PersonIdKey::from_base64(&s.person_id_key)?,
            batch_chunk_rows: s.batch_chunk_rows,
            batch_max_rows: s.batch_max_rows,
        });
        let (pool, city) = (ctx.pool.clone(), ctx.city);
        let close = Periodic {
            name: "close-follow-up-windows",
            every: Duration::from_secs(s.window_close_interval_secs),
            run: Arc::new(move || {
                let pool = pool.clone();
                Box::pin(async move {
                    let today = ids::business_date(chrono::Utc::now());
                    let closed = app::windows::close(&pool, city, today).await?;
                    if closed != app::windows::Closed::default() {
                        tracing::info!(
                            employed = closed.employed_within_window,
                            not_employed = closed.not_employed_at_window_end,
                            "follow-up windows closed"
                        );
                    }
                    Ok(())
                })
            }),
        };
        Ok(Wiring {
            app_data: Arc::new(move |c| {
                c.app_data(state.clone());
            }),
            consumers: events::consumers(ctx.city, s.follow_up_window_months),
            periodic: vec![close],
        })
    }

    #[allow(
        clippy::print_stdout,
        reason = "a subcommand answers its operator on stdout"
    )]
    async fn run_command(command: Command, cfg: &Config) -> anyhow::Result<()> {
        match command {
            Command::CloseWindows { as_of } => {
                let pool = db::pool(&cfg.database)?;
                let as_of = as_of.unwrap_or_else(|| ids::business_date(chrono::Utc::now()));
                let closed = app::windows::close(&pool, cfg.instance.city()?, as_of).await?;
                println!(
                    "closed as of {as_of}: {} employed within the window, {} not employed at its end",
                    closed.employed_within_window, closed.not_employed_at_window_end
                );
                Ok(())
            }
        }
    }
}
