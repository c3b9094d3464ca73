//! The service's configuration: `QC_DEMAND_CATALOG_<SECTION>__<KEY>`.

use db::DbConfig;
use messaging::KafkaConfig;
use platform::auth::AuthConfig;
use platform::config::{section, HttpConfig, InstanceConfig, PublicConfig, RedisConfig, Validate};
use serde::{Deserialize, Serialize};
use telemetry::TelemetryConfig;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub instance: InstanceConfig,
    pub http: HttpConfig,
    pub database: DbConfig,
    pub kafka: KafkaConfig,
    pub redis: RedisConfig,
    pub auth: AuthConfig,
    pub public: PublicConfig,
    pub telemetry: TelemetryConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            instance: InstanceConfig::default(),
            http: HttpConfig::default(),
            database: DbConfig {
                url: "postgres://demand_catalog:demand_catalog@127.0.0.1:5432/qiancheng".into(),
                pool_size: 16,
            },
            kafka: KafkaConfig::default(),
            redis: RedisConfig::default(),
            auth: AuthConfig::default(),
            public: PublicConfig::default(),
            telemetry: TelemetryConfig::default(),
        }
    }
}

impl Validate for Config {
    fn problems(&self) -> Vec<(String, String)> {
        let mut p = section("instance", self.instance.problems());
        p.extend(section("http", self.http.problems()));
        p.extend(section("database", self.database.problems()));
        p.extend(section("kafka", self.kafka.problems()));
        p.extend(section("redis", self.redis.problems()));
        p.extend(section("auth", self.auth.problems()));
        p.extend(section("public", self.public.problems()));
        p.extend(section("telemetry", self.telemetry.problems()));
        p
    }
}

#[cfg(test)]
// figment::Jail fixes the closure's error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    /// The variables the Helm chart sets (charts/qiancheng-lib) are all keys
    /// this service knows.
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
                (
                    "DATABASE__URL",
                    "postgres://demand_catalog:pw@pg:5432/qiancheng",
                ),
                ("AUTH__JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ] {
                jail.set_env(format!("QC_DEMAND_CATALOG_{key}"), value);
            }
            let cfg: Config = platform::config::load("demand-catalog", None).expect("valid");
            assert_eq!(cfg.instance.city().as_str(), "350200");
            assert_eq!(cfg.kafka.replication_factor, 3);
            Ok(())
        });
    }

    #[test]
    fn defaults_alone_are_refused_for_want_of_a_secret() {
        let err = platform::config::load::<Config>("demand-catalog-nothing-set", None)
            .expect_err("no secret");
        assert_eq!(
            err.0.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["auth.jwt_secret"]
        );
    }
}
