//! The configuration every service shares, with its own under `[service]`.

use db::DbConfig;
use messaging::KafkaConfig;
use platform::auth::AuthConfig;
use platform::config::{section, HttpConfig, InstanceConfig, PublicConfig, RedisConfig, Validate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use telemetry::TelemetryConfig;

/// A service's own settings: `[service]`, `QC_<SERVICE>_SERVICE__<KEY>`.
pub trait Settings:
    Default + Clone + std::fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// `(key, message)` for every bad value, keys relative to the section.
    fn problems(&self) -> Vec<(&'static str, String)>;
}

/// The problems of secret keys that must be 32 bytes, base64-encoded
/// (personal-data, pseudonym and signing keys).
pub fn key_problems<'a>(
    keys: impl IntoIterator<Item = (&'static str, &'a str)>,
) -> Vec<(&'static str, String)> {
    keys.into_iter()
        .filter(|(_, value)| ids::PersonIdKey::from_base64(value).is_err())
        .map(|(key, _)| (key, "must be 32 bytes, base64-encoded".to_owned()))
        .collect()
}

/// The problem of a personal-data key list (`<id>:<base64 key>,…`, the
/// current key first), if any.
pub fn key_list_problems(name: &'static str, keys: &str) -> Option<(&'static str, String)> {
    ids::PiiCipher::check_keys(keys)
        .err()
        .map(|e| (name, e.to_string()))
}

/// For services without settings of their own.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoSettings {}

impl Settings for NoSettings {
    fn problems(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

/// How long the platform tables keep what they no longer need
/// (`[retention]`); a periodic job on one replica deletes the rest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days a sent outbox row is kept (to trace a publication).
    pub outbox_days: u32,
    /// Days an inbox row is kept. An event delivered again after its row
    /// went would apply twice, so this must outlast every topic's retention
    /// and `kafka.dlq_retention_days` (a replay can bring back an event
    /// that old).
    pub inbox_days: u32,
    /// Days an `Idempotency-Key` answers a retry with the first answer.
    pub idempotency_days: u32,
    /// Rows per delete statement.
    pub batch: i64,
    /// Seconds between pruning rounds.
    pub interval_secs: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            outbox_days: 7,
            inbox_days: 60,
            idempotency_days: 7,
            batch: 5_000,
            interval_secs: 3_600,
        }
    }
}

impl RetentionConfig {
    fn problems(&self, kafka: &KafkaConfig) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (key, days) in [
            ("outbox_days", self.outbox_days),
            ("idempotency_days", self.idempotency_days),
        ] {
            if !(1..=3_650).contains(&days) {
                out.push((key, "must be between 1 and 3650 days".to_owned()));
            }
        }
        if self.inbox_days <= kafka.dlq_retention_days || self.inbox_days > 3_650 {
            out.push((
                "inbox_days",
                format!(
                    "must be longer than kafka.dlq_retention_days ({}) and at most 3650: an event replayed after its inbox row went would apply twice",
                    kafka.dlq_retention_days
                ),
            ));
        }
        if !(1..=100_000).contains(&self.batch) {
            out.push(("batch", "must be between 1 and 100000".to_owned()));
        }
        if !(60..=86_400).contains(&self.interval_secs) {
            out.push(("interval_secs", "must be between 60 and 86400".to_owned()));
        }
        out
    }
}

/// The configuration of a service: `QC_<SERVICE>_<SECTION>__<KEY>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config<S> {
    pub instance: InstanceConfig,
    pub http: HttpConfig,
    pub database: DbConfig,
    pub kafka: KafkaConfig,
    pub redis: RedisConfig,
    pub auth: AuthConfig,
    pub public: PublicConfig,
    pub telemetry: TelemetryConfig,
    pub retention: RetentionConfig,
    pub service: S,
}

impl<S: Settings> Config<S> {
    /// Defaults for a service whose schema (and owner role) is `schema`: a
    /// local database `qiancheng` reached as its application role, over
    /// TLS verified to the full.
    pub fn defaults(schema: &str) -> Self {
        let app = db::app_role(schema);
        Self {
            instance: InstanceConfig::default(),
            http: HttpConfig::default(),
            database: DbConfig {
                url: format!("postgres://{app}:{app}@127.0.0.1:5432/qiancheng"),
                owner_url: String::new(),
                pool_size: 16,
                sslmode: db::SslMode::VerifyFull,
                ca_file: String::new(),
            },
            kafka: KafkaConfig::default(),
            redis: RedisConfig::default(),
            auth: AuthConfig::default(),
            public: PublicConfig::default(),
            telemetry: TelemetryConfig::default(),
            retention: RetentionConfig::default(),
            service: S::default(),
        }
    }
}

impl<S: Settings> Validate for Config<S> {
    fn problems(&self) -> Vec<(String, String)> {
        let mut p = section("instance", self.instance.problems());
        p.extend(section("http", self.http.problems()));
        p.extend(section("database", self.database.problems()));
        p.extend(section("kafka", self.kafka.problems()));
        p.extend(section("redis", self.redis.problems()));
        p.extend(section("auth", self.auth.problems()));
        p.extend(section("public", self.public.problems()));
        p.extend(section("telemetry", self.telemetry.problems()));
        p.extend(section("retention", self.retention.problems(&self.kafka)));
        p.extend(section("service", self.service.problems()));
        p
    }
}

#[cfg(test)]
// figment::Jail fixes the closure's error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    fn load(service: &str) -> Result<Config<NoSettings>, platform::config::ConfigError> {
        platform::config::load_over(service, None, Config::defaults("some_service"))
    }

    /// The variables the Helm chart sets (charts/qiancheng-lib) are all keys
    /// a service knows.
    #[test]
    fn the_charts_environment_is_understood() {
        figment::Jail::expect_with(|jail| {
            for (key, value) in [
                ("HTTP__BIND", "0.0.0.0:8080"),
                ("INSTANCE__CITY", "350200"),
                ("KAFKA__BROKERS", "kafka-0:9092,kafka-1:9092"),
                ("KAFKA__REPLICATION_FACTOR", "3"),
                ("KAFKA__SASL_USERNAME", "some-service"),
                ("KAFKA__SASL_PASSWORD", "from-the-secret"),
                ("REDIS__URL", "redis://redis:6379/0"),
                ("TELEMETRY__LOG_FORMAT", "json"),
                ("TELEMETRY__OTLP_ENDPOINT", "https://otel-collector:4318"),
                ("TELEMETRY__SAMPLE_RATIO", "0.05"),
                (
                    "DATABASE__URL",
                    "postgres://some_service_app:pw@pg:5432/qiancheng",
                ),
                ("DATABASE__SSLMODE", "require"),
                ("AUTH__ISSUER", "https://id.xiamen.example/realms/qiancheng"),
                ("PUBLIC__TRUSTED_PROXIES", "10.244.0.0/16,192.0.2.7"),
                ("KAFKA__GROUP_INSTANCE_ID", "some-service-7d9f8b6c5-x2x4p"),
                ("KAFKA__SESSION_TIMEOUT_MS", "15000"),
            ] {
                jail.set_env(format!("QC_SOME_SERVICE_{key}"), value);
            }
            let cfg = load("some-service").expect("valid");
            assert_eq!(cfg.instance.city().map(|c| c.as_str()), Ok("350200"));
            assert_eq!(cfg.kafka.replication_factor, 3);
            assert_eq!(cfg.kafka.group_instance_id, "some-service-7d9f8b6c5-x2x4p");
            assert_eq!(
                cfg.public
                    .trusted_proxies
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
                ["10.244.0.0/16", "192.0.2.7/32"]
            );
            Ok(())
        });
    }

    #[test]
    fn defaults_alone_are_refused_for_want_of_a_ca_and_an_identity_provider() {
        let err = load("nothing-set").expect_err("no issuer");
        assert_eq!(
            err.0.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            [
                "database.ca_file",
                "kafka.sasl_username",
                "kafka.sasl_password",
                "auth.issuer"
            ],
            "the database is verified to the full unless configured otherwise"
        );
        assert_eq!(
            Config::<NoSettings>::defaults("x").database.url,
            "postgres://x_app:x_app@127.0.0.1:5432/qiancheng"
        );
    }

    #[test]
    fn an_inbox_kept_shorter_than_a_replay_can_reach_back_is_refused() {
        let mut cfg = Config::<NoSettings>::defaults("x");
        cfg.retention.inbox_days = cfg.kafka.dlq_retention_days;
        cfg.retention.batch = 0;
        let keys: Vec<String> = cfg
            .problems()
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("retention."))
            .collect();
        assert_eq!(keys, ["retention.inbox_days", "retention.batch"]);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("QC_SOME_SERVICE_AUTH__ISSUER", "https://id.fuzhou.example");
            jail.set_env("QC_SOME_SERVICE_SERVICE__COLOUR", "blue");
            let err = load("some-service").expect_err("unknown key");
            assert_eq!(err.0[0].0, "service.colour");
            Ok(())
        });
    }
}
