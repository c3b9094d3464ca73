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
