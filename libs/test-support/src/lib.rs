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

// Test support fails the test that uses it by panicking.
#![allow(clippy::panic, clippy::expect_used)]
#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]

pub mod access;
mod broker;
mod database;
pub mod fixtures;
mod identity;
pub mod keys;
pub mod openapi_lint;
mod outage;
mod poll;
mod service;

pub use broker::{publish, publish_as, publish_stream, read_topic, topic_retention_ms, Record};
pub use database::{db_tls, server_address, via_port, TestDb};
pub use identity::{
    auth, portal_token, signer, token, token_as, token_from, token_with, trainee_token, TEST_ISSUER,
};
pub use outage::Outage;
pub use poll::eventually;
pub use service::{
    answered, assert_file_is_current, assert_openapi_is_current, body, fields, problem, Shared,
    TestApp, WAIT,
};

use messaging::KafkaConfig;
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
        security_protocol: messaging::SecurityProtocol::Plaintext,
        topic_prefix: format!("t{}.", unique_tag()),
        partitions: 1,
        replication_factor: 1,
        max_attempts: 3,
        retry_initial_ms: 50,
        retry_max_ms: 400,
        relay_batch: 500,
        relay_idle_ms: 50,
        lag_interval_ms: 1_000,
        ..KafkaConfig::default()
    }
}

fn secure_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run under `make test`, which starts the TLS broker and Redis")
    })
}

/// The SCRAM password of a user of the secure test broker.
pub fn scram_password(user: &str) -> String {
    format!("{user}{}", secure_env("QC_TEST_SCRAM_PASSWORD_SUFFIX"))
}

/// The broker that demands SCRAM over TLS (`make test` starts it), as
/// `user`: `qc-test` or a service's name, each a SCRAM user there.
pub fn kafka_secure(user: &str) -> KafkaConfig {
    KafkaConfig {
        brokers: secure_env("QC_TEST_KAFKA_TLS"),
        security_protocol: messaging::SecurityProtocol::SaslSsl,
        sasl_username: user.to_owned(),
        sasl_password: scram_password(user),
        ca_file: secure_env("QC_TEST_PKI_CA"),
        ..kafka()
    }
}

/// The Redis that serves TLS only, to an ACL user (`make test` starts it),
/// with a key prefix of this test's own.
pub fn redis_secure() -> RedisConfig {
    RedisConfig {
        url: secure_env("QC_TEST_REDIS_TLS"),
        ca_file: secure_env("QC_TEST_PKI_CA"),
        ..redis()
    }
}

/// Redis settings with a key prefix of this test's own.
pub fn redis() -> RedisConfig {
    RedisConfig {
        url: env_or("QC_TEST_REDIS", "redis://127.0.0.1:6379"),
        key_prefix: format!("t{}:", unique_tag()),
        ..RedisConfig::default()
    }
}
