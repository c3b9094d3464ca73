//! Performance evaluation (绩效评价, policy items 2, 6, 7, 11, 12): trainee
//! satisfaction surveys (培训满意度), institution scorecards and ratings,
//! the programme's targets per city and statistical year, and the
//! dashboard — per city, and for the province as a roll-up of the cities'
//! instances when run as the provincial aggregator.

pub mod api;
pub mod app;
pub mod domain;
pub mod events;
pub mod store;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use ids::CityCode;
use platform::http::ServiceInfo;
use runtime::{Context, Periodic, Service, Wiring};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

/// `[service.province]`: set only on the provincial aggregator.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProvinceSettings {
    /// Base URL of each city's instance, by city code, e.g.
    /// `350100 = "http://performance-evaluation.qc-350100:8080"`. Empty: this
    /// instance is a city's, not the aggregator.
    pub cities: BTreeMap<String, String>,
    /// How long a city may take to answer, in milliseconds.
    pub timeout_ms: u64,
    /// The `iss` of the aggregator's tokens to the cities; each city trusts
    /// it (with this instance's `/.well-known/jwks.json`) as
    /// `auth.province` for the read-only `province` role.
    pub issuer: String,
    /// The aggregator's own Ed25519 signing key (PKCS#8 PEM file, from its
    /// Secret): its client credentials. No city holds it.
    pub signing_key: String,
    /// CA bundle (PEM) the cities' TLS certificates chain to; empty: the
    /// system's roots.
    pub ca_file: String,
}

/// `[service]`: the survey's questions, the scoring interval and, on the
/// provincial aggregator, the cities it rolls up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The satisfaction survey's questions, each answered 1–5. Changing
    /// them does not change answers already given.
    pub survey_questions: Vec<String>,
    /// How often each replica computes the scorecards marked by new events.
    pub rescore_interval_secs: u64,
    pub province: ProvinceSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            survey_questions: [
                "培训内容对工作有帮助 (the content helps in work)",
                "教师讲解清楚 (the teachers explain clearly)",
                "实操设备和场地满足需要 (equipment and venue are adequate)",
                "培训组织和管理规范 (the training is well organised)",
                "愿意向他人推荐本机构 (would recommend the institution)",
            ]
            .map(str::to_owned)
            .to_vec(),
            rescore_interval_secs: 60,
            province: ProvinceSettings {
                cities: BTreeMap::new(),
                timeout_ms: 5000,
                issuer: String::new(),
                signing_key: String::new(),
                ca_file: String::new(),
            },
        }
    }
}

impl runtime::config::Settings for Settings {
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !(1..=20).contains(&self.survey_questions.len())
            || self
                .survey_questions
                .iter()
                .any(|q| q.trim().is_empty() || q.chars().count() > 200)
        {
            out.push((
                "survey_questions",
                "1 to 20 questions of 1 to 200 characters".to_owned(),
            ));
        }
        if !(1..=86_400).contains(&self.rescore_interval_secs) {
            out.push((
                "rescore_interval_secs",
                "must be between 1 and 86400".to_owned(),
            ));
        }
        for (city, url) in &self.province.cities {
            if city.parse::<CityCode>().is_err() {
                out.push((
                    "province.cities",
                    format!("{city:?} is not a Fujian city code"),
                ));
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                out.push(("province.cities", format!("{url:?} is not an http(s) URL")));
            }
        }
        if !self.province.cities.is_empty() {
            if self.province.issuer.is_empty() {
                out.push((
                    "province.issuer",
                    "the aggregator names the issuer of its tokens".to_owned(),
                ));
            }
            if self.province.signing_key.is_empty() {
                out.push((
                    "province.signing_key",
                    "the aggregator signs its tokens with a key of its own".to_owned(),
                ));
            }
        }
        out.extend(tls::file_problem(
            &self.province.signing_key,
            "province.signing_key",
        ));
        out.extend(tls::file_problem(
            &self.province.ca_file,
            "province.ca_file",
        ));
        if !(100..=60_000).contains(&self.province.timeout_ms) {
            out.push((
                "province.timeout_ms",
                "must be between 100 and 60000".to_owned(),
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
    /// Compute the marked scorecards once (what the periodic job does),
    /// e.g. after an outage; `--all` marks every scorecard first.
    Rescore {
        /// Mark every scorecard first (e.g. after restoring a backup).
        #[arg(long)]
        all: bool,
    },
}

/// Performance evaluation, as the runtime runs it.
pub struct PerformanceEvaluation;

impl Service for PerformanceEvaluation {
    type Settings = Settings;
    type Command = Command;

    const INFO: ServiceInfo = ServiceInfo {
        name: "performance-evaluation",
        version: env!("CARGO_PKG_VERSION"),
        description: "Performance evaluation (绩效评价): satisfaction surveys (培训满意度), institution scorecards and ratings, programme targets and the statistical-year dashboard, with a provincial roll-up.",
    };
    const SCHEMA: &'static str = "performance_evaluation";
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
    const OWNED_TOPICS: &'static [&'static str] = &events::OWNED_TOPICS;
    const ACCESS: &'static [platform::access::Rule] = api::ACCESS;

    fn routes(cfg: &mut ServiceConfig<'_>) {
        api::routes(cfg);
    }

    fn wire(ctx: &Context<Settings>) -> anyhow::Result<Wiring> {
        let s = &ctx.cfg.service;
        let aggregator = if s.province.cities.is_empty() {
            None
        } else {
            let p = &s.province;
            Some(app::dashboard::Aggregator {
                cities: p
                    .cities
                    .iter()
                    .map(|(city, url)| {
                        Ok((
                            city.parse::<CityCode>()?,
                            url.trim_end_matches('/').to_owned(),
                        ))
                    })
                    .collect::<Result<Vec<_>, ids::InvalidValue>>()?,
                http: tls::http_client(&p.ca_file, Duration::from_millis(p.timeout_ms))?,
                issuer: p.issuer.clone(),
                signer: platform::auth::Signer::from_pem_file(std::path::Path::new(
                    &p.signing_key,
                ))?,
            })
        };
        let state = web::Data::new(api::AppState {
            pool: ctx.pool.clone(),
            city: ctx.city,
            cache: ctx.cache.clone(),
            questions: s.survey_questions.clone(),
            aggregator,
        });
        let (pool, city, cache) = (ctx.pool.clone(), ctx.city, ctx.cache.clone());
        let rescore = Periodic {
            name: "rescore-scorecards",
            every: Duration::from_secs(s.rescore_interval_secs),
            run: Arc::new(move || {
                let (pool, cache) = (pool.clone(), cache.clone());
                Box::pin(async move {
                    let today = ids::business_date(chrono::Utc::now());
                    let done = app::ratings::rescore_due(&pool, city, today).await?;
                    if done > 0 {
                        cache.invalidate(app::scorecards::PUBLIC_NAMESPACE).await;
                    }
                    Ok(())
                })
            }),
        };
        Ok(Wiring {
            app_data: Arc::new(move |c| {
                c.app_data(state.clone());
            }),
            consumers: events::consumers(ctx.cache.clone()),
            periodic: vec![rescore],
        })
    }

    #[allow(
        clippy::print_stdout,
        reason = "a subcommand answers its operator on stdout"
    )]
    async fn run_command(command: Command, cfg: &Config) -> anyhow::Result<()> {
        match command {
            Command::Rescore { all } => {
                let pool = db::pool(&cfg.database)?;
                let (city, today) = (cfg.instance.city()?, ids::business_date(chrono::Utc::now()));
                let done = if all {
                    app::ratings::rescore_all(&pool, city, today).await?
                } else {
                    app::ratings::rescore_due(&pool, city, today).await?
                };
                if done > 0 {
                    platform::public::PublicCache::connect(&cfg.redis, &cfg.public)
                        .await?
                        .invalidate(app::scorecards::PUBLIC_NAMESPACE)
                        .await;
                }
                println!("{done} scorecards computed");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
// figment::Jail fixes the closure's error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    /// The provincial chart's variables (values-province.yaml) name the
    /// cities by code under `service.province.cities`.
    #[test]
    fn the_aggregators_cities_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("signing-key.pem", "a key file")?;
            for (key, value) in [
                ("AUTH__ISSUER", "https://id.province.example"),
                ("DATABASE__SSLMODE", "require"),
                ("KAFKA__SECURITY_PROTOCOL", "plaintext"),
                (
                    "SERVICE__PROVINCE__ISSUER",
                    "https://qiancheng.province.example",
                ),
                ("SERVICE__PROVINCE__SIGNING_KEY", "signing-key.pem"),
                (
                    "SERVICE__PROVINCE__CITIES__350200",
                    "http://performance-evaluation.qc-350200.svc:8080",
                ),
                ("SERVICE__PROVINCE__TIMEOUT_MS", "2000"),
            ] {
                jail.set_env(format!("QC_PERFORMANCE_EVALUATION_{key}"), value);
            }
            let cfg: Config = platform::config::load_over(
                "performance-evaluation",
                None,
                Config::defaults("performance_evaluation"),
            )
            .expect("valid");
            assert_eq!(
                cfg.service
                    .province
                    .cities
                    .get("350200")
                    .map(String::as_str),
                Some("http://performance-evaluation.qc-350200.svc:8080")
            );
            assert_eq!(cfg.service.province.timeout_ms, 2000);
            assert_eq!(cfg.service.survey_questions.len(), 5);
            Ok(())
        });
    }

    #[test]
    fn a_city_that_is_not_fujians_is_refused() {
        let mut s = Settings::default();
        s.province.cities.insert("110100".into(), "ftp://x".into());
        s.survey_questions.clear();
        let keys: Vec<_> = runtime::config::Settings::problems(&s)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            keys,
            [
                "survey_questions",
                "province.cities",
                "province.cities",
                "province.issuer",
                "province.signing_key"
            ]
        );
    }
}
