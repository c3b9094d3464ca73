use std::time::Duration;

use rdkafka::ClientConfig;
use serde::{Deserialize, Serialize};

/// The `kafka` section of a service's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaConfig {
    /// `host:port[,host:port…]`
    pub brokers: String,
    /// Prepended to every topic name. Empty in production; lets several
    /// cities (or test runs) share one cluster without seeing each other.
    pub topic_prefix: String,
    /// Partitions for topics this service creates.
    pub partitions: i32,
    pub replication_factor: i32,
    /// Failed attempts after which a message goes to `<topic>.dlq`.
    pub max_attempts: u32,
    /// Outbox rows published per relay round.
    pub relay_batch: i64,
    /// Pause between relay rounds when the outbox is empty, in milliseconds.
    pub relay_idle_ms: u64,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            brokers: "127.0.0.1:9092".into(),
            topic_prefix: String::new(),
            partitions: 3,
            replication_factor: 1,
            max_attempts: 5,
            relay_batch: 500,
            relay_idle_ms: 200,
        }
    }
}

impl KafkaConfig {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.brokers.split(',').any(|b| {
            b.rsplit_once(':')
                .is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err())
        }) {
            out.push((
                "brokers",
                format!("{:?} is not a list of host:port", self.brokers),
            ));
        }
        if !self
            .topic_prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            out.push((
                "topic_prefix",
                "may hold only letters, digits, '.', '_' and '-'".into(),
            ));
        }
        if self.partitions < 1 {
            out.push(("partitions", "must be at least 1".into()));
        }
        if self.replication_factor < 1 {
            out.push(("replication_factor", "must be at least 1".into()));
        }
        if self.max_attempts < 1 {
            out.push(("max_attempts", "must be at least 1".into()));
        }
        if !(1..=10_000).contains(&self.relay_batch) {
            out.push(("relay_batch", "must be between 1 and 10000".into()));
        }
        out
    }

    /// The physical name of a logical topic.
    pub fn topic(&self, logical: &str) -> String {
        format!("{}{logical}", self.topic_prefix)
    }

    pub fn logical<'a>(&self, physical: &'a str) -> &'a str {
        physical
            .strip_prefix(self.topic_prefix.as_str())
            .unwrap_or(physical)
    }

    pub(crate) fn client(&self) -> ClientConfig {
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", &self.brokers)
            .set("socket.keepalive.enable", "true");
        cfg
    }

    /// Settings of the idempotent producer (acks=all) every publisher uses.
    pub fn producer_client(&self) -> ClientConfig {
        let mut cfg = self.client();
        cfg.set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .set("message.timeout.ms", "30000");
        cfg
    }

    pub(crate) fn idle(&self) -> Duration {
        Duration::from_millis(self.relay_idle_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_values_are_named() {
        assert!(KafkaConfig::default().problems().is_empty());
        let cfg = KafkaConfig {
            brokers: "localhost".into(),
            topic_prefix: "a b".into(),
            max_attempts: 0,
            ..KafkaConfig::default()
        };
        let keys: Vec<_> = cfg.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["brokers", "topic_prefix", "max_attempts"]);
    }

    #[test]
    fn prefix_maps_logical_to_physical_and_back() {
        let cfg = KafkaConfig {
            topic_prefix: "t1.".into(),
            ..KafkaConfig::default()
        };
        assert_eq!(cfg.topic("catalog.entries.v1"), "t1.catalog.entries.v1");
        assert_eq!(cfg.logical("t1.catalog.entries.v1"), "catalog.entries.v1");
    }
}
