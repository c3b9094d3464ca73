//! Fixtures over the real Postgres, Redis and Kafka-protocol broker.
//!
//! - Postgres: each test gets its own database, copied from a template that
//!   already holds the service's role, schema and migrations (built once per
//!   migration fingerprint, as crates.io does), and dropped afterwards.
//! - Kafka and Redis: each test gets its own topic and key prefix.
//!
//! Locations come from `QC_TEST_ADMIN_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), `QC_TEST_KAFKA` (default
//! `127.0.0.1:9092`) and `QC_TEST_REDIS` (default `redis://127.0.0.1:6379`).

mod broker;
mod database;
mod service;

pub use broker::{publish, read_topic, Record};
pub use database::TestDb;
pub use service::{assert_openapi_is_current, body, fields, problem, Shared, TestApp, WAIT};

use messaging::KafkaConfig;
use platform::auth::{AuthConfig, Role};
use platform::config::RedisConfig;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// A short random tag to keep tests apart.
pub fn unique_tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Kafka settings with a topic prefix of this test's own; one partition so
/// tests can read events in order; quick retries.
pub fn kafka() -> KafkaConfig {
    KafkaConfig {
        brokers: env_or("QC_TEST_KAFKA", "127.0.0.1:9092"),
        topic_prefix: format!("t{}.", unique_tag()),
        partitions: 1,
        replication_factor: 1,
        max_attempts: 3,
        relay_batch: 500,
        relay_idle_ms: 50,
    }
}

/// Redis settings with a key prefix of this test's own.
pub fn redis() -> RedisConfig {
    RedisConfig {
        url: env_or("QC_TEST_REDIS", "redis://127.0.0.1:6379"),
        key_prefix: format!("t{}:", unique_tag()),
    }
}

pub fn auth() -> AuthConfig {
    AuthConfig {
        jwt_secret: "test-secret-test-secret-test-secret!".into(),
        ..AuthConfig::default()
    }
}

/// A bearer token for `role`, acting for `city` and `org`.
pub fn token(role: Role, city: Option<&str>, org: Option<&str>) -> String {
    platform::auth::mint(
        &auth(),
        &format!("{}-tester", role.as_str()),
        role,
        city,
        org,
        3600,
    )
}

/// A trainee's own token: its subject is their person id.
pub fn trainee_token(person_id: &str) -> String {
    platform::auth::mint(&auth(), person_id, Role::Trainee, None, None, 3600)
}
