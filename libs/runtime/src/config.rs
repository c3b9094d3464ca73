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

/// For services without settings of their own.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoSettings {}

impl Settings for NoSettings {
    fn problems(&self) -> Vec<(&'static str, String)> {
        Vec::new()
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
    pub service: S,
}

impl<S: Settings> Config<S> {
    /// Defaults for a service whose role and schema are `schema`: a local
    /// database `qiancheng` reached as that role.
    pub fn defaults(schema: &str) -> Self {
        Self {
            instance: InstanceConfig::default(),
            http: HttpConfig::default(),
            database: DbConfig {
                url: format!("postgres://{schema}:{schema}@127.0.0.1:5432/qiancheng"),
                pool_size: 16,
            },
            kafka: KafkaConfig::default(),
            redis: RedisConfig::default(),
            auth: AuthConfig::default(),
            public: PublicConfig::default(),
            telemetry: TelemetryConfig::default(),
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
                ("REDIS__URL", "redis://redis:6379/0"),
                ("TELEMETRY__LOG_FORMAT", "json"),
                ("TELEMETRY__OTLP_ENDPOINT", "http://otel-collector:4318"),
                ("TELEMETRY__SAMPLE_RATIO", "0.05"),
                (
                    "DATABASE__URL",
                    "postgres://some_service:pw@pg:5432/qiancheng",
                ),
                ("AUTH__JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ] {
                jail.set_env(format!("QC_SOME_SERVICE_{key}"), value);
            }
            let cfg = load("some-service").expect("valid");
            assert_eq!(cfg.instance.city().as_str(), "350200");
            assert_eq!(cfg.kafka.replication_factor, 3);
            Ok(())
        });
    }

    #[test]
    fn defaults_alone_are_refused_for_want_of_a_secret() {
        let err = load("nothing-set").expect_err("no secret");
        assert_eq!(
            err.0.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["auth.jwt_secret"]
        );
        assert_eq!(
            Config::<NoSettings>::defaults("x").database.url,
            "postgres://x:x@127.0.0.1:5432/qiancheng"
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "QC_SOME_SERVICE_AUTH__JWT_SECRET",
                "0123456789abcdef0123456789abcdef",
            );
            jail.set_env("QC_SOME_SERVICE_SERVICE__COLOUR", "blue");
            let err = load("some-service").expect_err("unknown key");
            assert_eq!(err.0[0].0, "service.colour");
            Ok(())
        });
    }
}
