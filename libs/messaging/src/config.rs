//! `[kafka]`: brokers, security, topic prefix and the consumer's retry and
//! session settings.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::ClientConfig;
use serde::{Deserialize, Serialize};

/// How clients reach the brokers (librdkafka's `security.protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityProtocol {
    /// Local development and tests only.
    Plaintext,
    /// TLS; clients authenticated by certificate if one is configured.
    Ssl,
    /// SASL/SCRAM over TLS: production.
    SaslSsl,
}

impl SecurityProtocol {
    fn librdkafka(self) -> &'static str {
        match self {
            Self::Plaintext => "plaintext",
            Self::Ssl => "ssl",
            Self::SaslSsl => "sasl_ssl",
        }
    }
}

/// The SASL mechanism (both SCRAM; PLAIN would send the password itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaslMechanism {
    #[serde(rename = "SCRAM-SHA-512")]
    ScramSha512,
    #[serde(rename = "SCRAM-SHA-256")]
    ScramSha256,
}

impl SaslMechanism {
    fn librdkafka(self) -> &'static str {
        match self {
            Self::ScramSha512 => "SCRAM-SHA-512",
            Self::ScramSha256 => "SCRAM-SHA-256",
        }
    }
}

/// Settings the typed keys own; the pass-through map may not override them.
const OWNED_SETTINGS: [&str; 11] = [
    "bootstrap.servers",
    "security.protocol",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.username",
    "sasl.password",
    "ssl.ca.location",
    "ssl.certificate.location",
    "ssl.key.location",
    "group.instance.id",
    "session.timeout.ms",
];

/// The `kafka` section of a service's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaConfig {
    /// `host:port[,host:port…]`
    pub brokers: String,
    /// `sasl_ssl` (the default: SCRAM over TLS), `ssl`, or `plaintext`
    /// (local development only).
    pub security_protocol: SecurityProtocol,
    pub sasl_mechanism: SaslMechanism,
    pub sasl_username: String,
    pub sasl_password: String,
    /// CA bundle (PEM) the brokers' certificates chain to; empty: the
    /// system's roots.
    pub ca_file: String,
    /// A client certificate and key (PEM), for brokers that authenticate
    /// clients by certificate (`ssl`).
    pub cert_file: String,
    pub key_file: String,
    /// Any other librdkafka setting, passed through (e.g. `"client.rack" =
    /// "zone-a"`). `_` in a key reads as `.` (librdkafka's names have no
    /// `_`), so environment variables can carry them:
    /// `QC_<SERVICE>_KAFKA__LIBRDKAFKA__CLIENT_RACK=zone-a`.
    pub librdkafka: BTreeMap<String, String>,
    /// Prepended to every topic name. Empty in production; lets several
    /// cities (or test runs) share one cluster without seeing each other.
    pub topic_prefix: String,
    /// Partitions for topics this service creates.
    pub partitions: i32,
    pub replication_factor: i32,
    /// This replica's stable name in its consumer groups (librdkafka's
    /// `group.instance.id`, static membership): unique per replica and the
    /// same across its restarts — the chart gives the pod's name. A replica
    /// that crashes and comes back under its name takes its partitions back
    /// at once, with no rebalance (and, with the local broker, is not left
    /// out of its group). Empty: dynamic membership.
    pub group_instance_id: String,
    /// How long the group waits for a member that stopped heartbeating
    /// before its partitions go to the others (`session.timeout.ms`): the
    /// bound on the pause a crashed replica that does not come back causes.
    pub session_timeout_ms: u32,
    /// How often each consumer reports its lag (`qc_consumer_lag`), in
    /// milliseconds.
    pub lag_interval_ms: u64,
    /// Failed attempts after which a message goes to `<topic>.dlq`. Transient
    /// failures (the database away, a lost serialization conflict) do not
    /// count: they are retried for as long as they last.
    pub max_attempts: u32,
    /// The first pause between attempts, in milliseconds; it doubles with
    /// each failure in a row, with jitter, up to `retry_max_ms`.
    pub retry_initial_ms: u64,
    pub retry_max_ms: u64,
    /// How long dead-letter topics keep what waits in them (their
    /// `retention.ms`, set when `topics` creates them): long enough for an
    /// incident to be noticed, fixed and replayed.
    pub dlq_retention_days: u32,
    /// Outbox rows published per relay round.
    pub relay_batch: i64,
    /// Pause between relay rounds when the outbox is empty, in milliseconds.
    pub relay_idle_ms: u64,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            brokers: "127.0.0.1:9092".into(),
            security_protocol: SecurityProtocol::SaslSsl,
            sasl_mechanism: SaslMechanism::ScramSha512,
            sasl_username: String::new(),
            sasl_password: String::new(),
            ca_file: String::new(),
            cert_file: String::new(),
            key_file: String::new(),
            librdkafka: BTreeMap::new(),
            topic_prefix: String::new(),
            group_instance_id: String::new(),
            session_timeout_ms: 15_000,
            lag_interval_ms: 15_000,
            partitions: 3,
            replication_factor: 1,
            max_attempts: 5,
            retry_initial_ms: 200,
            retry_max_ms: 30_000,
            dlq_retention_days: 30,
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
        if self.security_protocol == SecurityProtocol::SaslSsl {
            if self.sasl_username.is_empty() {
                out.push(("sasl_username", "is required for sasl_ssl".into()));
            }
            if self.sasl_password.is_empty() {
                out.push(("sasl_password", "is required for sasl_ssl".into()));
            }
        }
        if !self
            .group_instance_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            || self.group_instance_id.len() > 249
        {
            out.push((
                "group_instance_id",
                "may hold only letters, digits, '.', '_' and '-', at most 249".into(),
            ));
        }
        // Kafka's default group.min/max.session.timeout.ms.
        if !(6_000..=1_800_000).contains(&self.session_timeout_ms) {
            out.push((
                "session_timeout_ms",
                "must be between 6000 and 1800000".into(),
            ));
        }
        if !(100..=600_000).contains(&self.lag_interval_ms) {
            out.push(("lag_interval_ms", "must be between 100 and 600000".into()));
        }
        if self.cert_file.is_empty() != self.key_file.is_empty() {
            out.push((
                "key_file",
                "a client certificate needs its key, and the other way round".into(),
            ));
        }
        for (key, path) in [
            ("ca_file", &self.ca_file),
            ("cert_file", &self.cert_file),
            ("key_file", &self.key_file),
        ] {
            if !path.is_empty() && !std::path::Path::new(path).is_file() {
                out.push((key, format!("{path} does not exist")));
            }
        }
        if let Some((owned, _)) = self
            .passed_through()
            .find(|(k, _)| OWNED_SETTINGS.contains(&k.as_str()))
        {
            out.push((
                "librdkafka",
                format!("{owned} is set by its own key of this section"),
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
        if self.retry_initial_ms < 1 || self.retry_max_ms < self.retry_initial_ms {
            out.push((
                "retry_max_ms",
                "retry_initial_ms must be at least 1 and retry_max_ms at least retry_initial_ms"
                    .into(),
            ));
        }
        if !(7..=3_650).contains(&self.dlq_retention_days) {
            out.push((
                "dlq_retention_days",
                "must be between 7 and 3650 days".into(),
            ));
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

    /// What every client of this configuration sets: the brokers, TLS and
    /// SASL, and the pass-through settings.
    pub fn client_config(&self) -> ClientConfig {
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", &self.brokers)
            .set("socket.keepalive.enable", "true")
            .set("security.protocol", self.security_protocol.librdkafka());
        if self.security_protocol != SecurityProtocol::Plaintext {
            // librdkafka checks the broker's name by default; say so anyway.
            cfg.set("ssl.endpoint.identification.algorithm", "https");
            for (key, path) in [
                ("ssl.ca.location", &self.ca_file),
                ("ssl.certificate.location", &self.cert_file),
                ("ssl.key.location", &self.key_file),
            ] {
                if !path.is_empty() {
                    cfg.set(key, path);
                }
            }
        }
        if self.security_protocol == SecurityProtocol::SaslSsl {
            cfg.set("sasl.mechanism", self.sasl_mechanism.librdkafka())
                .set("sasl.username", &self.sasl_username)
                .set("sasl.password", &self.sasl_password);
        }
        for (key, value) in self.passed_through() {
            cfg.set(key, value);
        }
        cfg
    }

    fn passed_through(&self) -> impl Iterator<Item = (String, &str)> + '_ {
        self.librdkafka
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase().replace('_', "."), v.as_str()))
    }

    /// Settings of the idempotent producer (acks=all) every publisher uses.
    pub fn producer_client(&self) -> ClientConfig {
        let mut cfg = self.client_config();
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
    fn bad_values_are_named() {
        let cfg = KafkaConfig {
            brokers: "localhost".into(),
            topic_prefix: "a b".into(),
            group_instance_id: "pod/0".into(),
            session_timeout_ms: 1_000,
            lag_interval_ms: 10,
            max_attempts: 0,
            retry_max_ms: 10,
            dlq_retention_days: 1,
            ..KafkaConfig::default()
        };
        let keys: Vec<_> = cfg.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "brokers",
                "topic_prefix",
                "sasl_username",
                "sasl_password",
                "group_instance_id",
                "session_timeout_ms",
                "lag_interval_ms",
                "max_attempts",
                "retry_max_ms",
                "dlq_retention_days"
            ],
            "SCRAM over TLS unless configured otherwise"
        );
        let plaintext = KafkaConfig {
            security_protocol: SecurityProtocol::Plaintext,
            ..KafkaConfig::default()
        };
        assert!(plaintext.problems().is_empty());
    }

    #[test]
    fn typed_settings_reach_librdkafka_and_cannot_be_overridden() {
        let mut cfg = KafkaConfig {
            sasl_username: "subsidy-payment".into(),
            sasl_password: "secret".into(),
            ..KafkaConfig::default()
        };
        cfg.librdkafka.insert("client.rack".into(), "zone-a".into());
        // As an environment variable names it (figment lower-cases it).
        cfg.librdkafka
            .insert("socket_timeout_ms".into(), "30000".into());
        let client = cfg.client_config();
        assert_eq!(client.get("security.protocol"), Some("sasl_ssl"));
        assert_eq!(client.get("sasl.mechanism"), Some("SCRAM-SHA-512"));
        assert_eq!(client.get("client.rack"), Some("zone-a"));
        assert_eq!(client.get("socket.timeout.ms"), Some("30000"));
        cfg.librdkafka
            .insert("SECURITY_PROTOCOL".into(), "plaintext".into());
        assert_eq!(cfg.problems()[0].0, "librdkafka");
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
