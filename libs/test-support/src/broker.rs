//! Reading and feeding topics: a test reads what a service published, or
//! publishes what another service would have.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use messaging::KafkaConfig;
use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

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
    let consumer: StreamConsumer = cfg
        .client_config()
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

/// Publishes `events` as their owning services of `city` would (CloudEvents
/// headers with the owner's `source`, the event's key), in order, on one
/// producer: for tests that feed a service a recorded history of other
/// services' events.
pub async fn publish(
    cfg: &KafkaConfig,
    city: &str,
    events: &[messaging::OutboxEvent],
) -> anyhow::Result<()> {
    send(
        cfg,
        events,
        |event| owner_source(city, event),
        Flight::OneByOne,
    )
    .await
}

/// As [`publish`], but every event in flight at once, as a relay sends a
/// batch: ordered per partition only. For streams, where speed matters.
pub async fn publish_stream(
    cfg: &KafkaConfig,
    city: &str,
    events: &[messaging::OutboxEvent],
) -> anyhow::Result<()> {
    send(
        cfg,
        events,
        |event| owner_source(city, event),
        Flight::AllAtOnce,
    )
    .await
}

fn owner_source(city: &str, event: &messaging::OutboxEvent) -> anyhow::Result<String> {
    let owner = contracts::owner_of(event.topic)
        .with_context(|| format!("{} has no owning service", event.topic))?;
    Ok(format!("/{city}/{owner}"))
}

/// Whether each event is acknowledged before the next is sent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flight {
    OneByOne,
    AllAtOnce,
}

/// Publishes `events` under any `source`, e.g. one that does not own the
/// topic (a forgery consumers must refuse).
pub async fn publish_as(
    cfg: &KafkaConfig,
    source: &str,
    events: &[messaging::OutboxEvent],
) -> anyhow::Result<()> {
    send(cfg, events, |_| Ok(source.to_owned()), Flight::OneByOne).await
}

async fn send(
    cfg: &KafkaConfig,
    events: &[messaging::OutboxEvent],
    source_of: impl Fn(&messaging::OutboxEvent) -> anyhow::Result<String>,
    flight: Flight,
) -> anyhow::Result<()> {
    let mut topics: Vec<&str> = events.iter().map(|e| e.topic).collect();
    // A create request naming a topic twice is refused as a whole.
    topics.sort_unstable();
    topics.dedup();
    messaging::ensure_topics(cfg, &topics).await?;
    let producer: rdkafka::producer::FutureProducer = cfg
        .producer_client()
        .create()
        .context("creating a test producer")?;
    let mut messages = Vec::with_capacity(events.len());
    for event in events {
        let envelope = messaging::Envelope {
            id: event.id,
            event_type: event.event_type.to_owned(),
            source: source_of(event)?,
            subject: event.subject.clone(),
            time: event.occurred_at,
        };
        let payload = serde_json::to_vec(&event.payload)?;
        messages.push((event, cfg.topic(event.topic), payload, envelope));
    }
    let sent = messages.iter().map(|(event, topic, payload, envelope)| {
        let record = rdkafka::producer::FutureRecord::to(topic)
            .key(&event.key)
            .payload(payload)
            .headers(envelope.headers(&HashMap::new()));
        let producer = &producer;
        async move {
            producer
                .send(record, Duration::from_secs(30))
                .await
                .map(|_| ())
                .map_err(|(e, _)| anyhow::anyhow!("publishing {}: {e}", event.id))
        }
    });
    match flight {
        Flight::OneByOne => {
            for one in sent {
                one.await?;
            }
        }
        // The producer keeps their order per partition.
        Flight::AllAtOnce => {
            futures::future::try_join_all(sent).await?;
        }
    }
    Ok(())
}

/// A physical topic's `retention.ms`, as the broker describes it.
pub async fn topic_retention_ms(cfg: &KafkaConfig, topic: &str) -> anyhow::Result<Option<i64>> {
    let admin: AdminClient<DefaultClientContext> = cfg
        .client_config()
        .create()
        .context("creating an admin client")?;
    let described = admin
        .describe_configs([&ResourceSpecifier::Topic(topic)], &AdminOptions::new())
        .await
        .context("describing the topic")?;
    let resource = described
        .into_iter()
        .next()
        .context("no description")?
        .map_err(|e| anyhow::anyhow!("describing {topic}: {e}"))?;
    Ok(resource
        .get("retention.ms")
        .and_then(|entry| entry.value.as_deref())
        .and_then(|v| v.parse().ok()))
}
