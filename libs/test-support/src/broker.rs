use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use messaging::KafkaConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// A message as read back from a topic.
#[derive(Debug, Clone)]
pub struct Record {
    pub key: Option<String>,
    pub headers: HashMap<String, String>,
    pub payload: serde_json::Value,
    pub offset: i64,
}

/// Reads a physical topic from the beginning until `expected` messages
/// arrived or `timeout` passed; returns what arrived.
pub async fn read_topic(
    cfg: &KafkaConfig,
    topic: &str,
    expected: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<Record>> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &cfg.brokers)
        .set("group.id", format!("reader-{}", crate::unique_tag()))
        .set("enable.auto.commit", "false")
        .create()
        .context("creating a test reader")?;
    let mut partitions = TopicPartitionList::new();
    for p in 0..cfg.partitions {
        partitions.add_partition_offset(topic, p, Offset::Beginning)?;
    }
    consumer.assign(&partitions)?;
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < expected {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(msg) = tokio::time::timeout(left, consumer.recv()).await else {
            break;
        };
        let msg = msg?;
        let headers = msg
            .headers()
            .map(|hs| {
                hs.iter()
                    .filter_map(|h| {
                        Some((h.key.to_owned(), String::from_utf8(h.value?.to_vec()).ok()?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(Record {
            key: msg.key().map(|k| String::from_utf8_lossy(k).into_owned()),
            headers,
            payload: serde_json::from_slice(msg.payload().unwrap_or(b"null"))
                .unwrap_or(serde_json::Value::Null),
            offset: msg.offset(),
        });
    }
    Ok(out)
}
