//! What waits in a dead-letter topic, and moving it back once the cause is
//! fixed (`<service> dlq-replay`, run by the topic's owner: the only one
//! allowed to write the topic).
//!
//! The dead-letter topic itself is the record: nothing is deleted from it
//! (its retention, `kafka.dlq_retention_days`, ages it out). The owner's
//! `dead_letter_replays` table says which of its messages were moved back;
//! every other message waits.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::producer::FutureProducer;
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use uuid::Uuid;

use db::schema::dead_letter_replays as replays;
use db::DbPool;

use crate::consumer::{
    copy_headers, copy_record, DLQ_ATTEMPTS, DLQ_CONSUMER, DLQ_ORIGIN, DLQ_REASON,
};
use crate::envelope::header;
use crate::topics::dlq_topic;
use crate::KafkaConfig;

/// How long reading a dead-letter topic to its end may take.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A message in a dead-letter topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The CloudEvents id; none for a message that had no envelope.
    pub id: Option<Uuid>,
    pub event_type: Option<String>,
    /// Why it was dead-lettered (`x-dlq-reason`).
    pub reason: String,
    /// Failed attempts before it was (0: refused at once).
    pub attempts: u32,
    /// The consumer group that gave up on it.
    pub consumer: Option<String>,
    /// When it was dead-lettered.
    pub at: Option<DateTime<Utc>>,
    pub partition: i32,
    pub offset: i64,
}

impl std::fmt::Display for DeadLetter {
    /// One line for an operator: where, when, what, who gave up and why.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        write!(
            f,
            "{}:{}  {}  {}  {}  by {} after {} attempt(s): {}",
            self.partition,
            self.offset,
            or_dash(self.at.map(|at| at.to_rfc3339())),
            or_dash(self.id.map(|id| id.to_string())),
            or_dash(self.event_type.clone()),
            or_dash(self.consumer.clone()),
            self.attempts,
            self.reason
        )
    }
}

/// Which waiting messages to move back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    All,
    /// The waiting copies of one event.
    Event(Uuid),
}

/// What waits in the dead-letter topic of `logical_topic`, oldest first.
pub async fn waiting_dead_letters(
    cfg: &KafkaConfig,
    pool: &DbPool,
    logical_topic: &str,
) -> anyhow::Result<Vec<DeadLetter>> {
    let topic = dlq_topic(&cfg.topic(logical_topic));
    let waiting = waiting(cfg, pool, &topic).await?;
    Ok(waiting.into_iter().map(|(letter, _)| letter).collect())
}

/// Moves the waiting messages `which` names back to the topic they came
/// from (without the `x-dlq-` headers) and records them as replayed; with
/// `dry_run`, only says which it would move. Returns them. Consumers apply
/// each event once whatever the number of copies (their inbox).
pub async fn replay_dead_letters(
    cfg: &KafkaConfig,
    pool: &DbPool,
    logical_topic: &str,
    which: Replay,
    dry_run: bool,
) -> anyhow::Result<Vec<DeadLetter>> {
    let topic = dlq_topic(&cfg.topic(logical_topic));
    let chosen: Vec<_> = waiting(cfg, pool, &topic)
        .await?
        .into_iter()
        .filter(|(letter, _)| match which {
            Replay::All => true,
            Replay::Event(id) => letter.id == Some(id),
        })
        .collect();
    if dry_run || chosen.is_empty() {
        return Ok(chosen.into_iter().map(|(letter, _)| letter).collect());
    }
    let producer: FutureProducer = cfg
        .producer_client()
        .create()
        .context("creating the replay producer")?;
    let mut conn = pool.get().await.context("replay connection")?;
    let mut moved = Vec::with_capacity(chosen.len());
    for (letter, msg) in chosen {
        let origin = header(msg.headers(), DLQ_ORIGIN).unwrap_or_else(|| cfg.topic(logical_topic));
        let headers = copy_headers(msg.headers(), |k| !k.starts_with("x-dlq-"));
        let record = copy_record(&origin, &msg, headers);
        producer
            .send(record, Timeout::After(Duration::from_secs(30)))
            .await
            .map_err(|(e, _)| anyhow::anyhow!("re-publishing to {origin}: {e}"))?;
        // Published, then recorded: a crash between the two publishes it again
        // next time, which the consumers' inbox makes harmless.
        diesel::insert_into(replays::table)
            .values((
                replays::topic.eq(&topic),
                replays::kafka_partition.eq(letter.partition),
                replays::kafka_offset.eq(letter.offset),
                replays::event_id.eq(letter.id),
            ))
            .on_conflict_do_nothing()
            .execute(&mut conn)
            .await
            .context("recording the replay")?;
        moved.push(letter);
    }
    Ok(moved)
}

/// Every message of the dead-letter topic `topic` not yet replayed.
async fn waiting(
    cfg: &KafkaConfig,
    pool: &DbPool,
    topic: &str,
) -> anyhow::Result<Vec<(DeadLetter, OwnedMessage)>> {
    let mut conn = pool.get().await.context("replay connection")?;
    let replayed: BTreeSet<(i32, i64)> = replays::table
        .filter(replays::topic.eq(topic))
        .select((replays::kafka_partition, replays::kafka_offset))
        .load::<(i32, i64)>(&mut conn)
        .await
        .context("reading the replays")?
        .into_iter()
        .collect();
    Ok(read_to_end(cfg, topic)
        .await?
        .into_iter()
        .filter(|msg| !replayed.contains(&(msg.partition(), msg.offset())))
        .map(|msg| (describe(&msg), msg))
        .collect())
}

fn describe(msg: &OwnedMessage) -> DeadLetter {
    let headers = msg.headers();
    DeadLetter {
        id: header(headers, "ce_id").and_then(|id| id.parse().ok()),
        event_type: header(headers, "ce_type"),
        reason: header(headers, DLQ_REASON).unwrap_or_default(),
        attempts: header(headers, DLQ_ATTEMPTS)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        consumer: header(headers, DLQ_CONSUMER),
        at: msg
            .timestamp()
            .to_millis()
            .and_then(DateTime::from_timestamp_millis),
        partition: msg.partition(),
        offset: msg.offset(),
    }
}

/// Every message of `topic` from the beginning to the end it had when asked.
async fn read_to_end(cfg: &KafkaConfig, topic: &str) -> anyhow::Result<Vec<OwnedMessage>> {
    let consumer: StreamConsumer = cfg
        .client_config()
        .set("group.id", format!("{topic}.replay"))
        .set("enable.auto.commit", "false")
        .create()
        .context("creating the dead-letter reader")?;
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .context("reading the dead-letter topic's partitions")?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    // Where each partition ends now; what arrives later waits for the next run.
    let mut ends = BTreeMap::new();
    let mut assignment = TopicPartitionList::new();
    for p in partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .context("reading the dead-letter topic's offsets")?;
        if high > low {
            ends.insert(p, high);
            assignment.add_partition_offset(topic, p, Offset::Offset(low))?;
        }
    }
    let mut out = Vec::new();
    if ends.is_empty() {
        return Ok(out);
    }
    consumer.assign(&assignment)?;
    let reading = async {
        while !ends.is_empty() {
            let msg = consumer
                .recv()
                .await
                .context("reading the dead-letter topic")?;
            let (p, offset) = (msg.partition(), msg.offset());
            if ends.get(&p).is_some_and(|end| offset < *end) {
                out.push(msg.detach());
            }
            if ends.get(&p).is_some_and(|end| offset + 1 >= *end) {
                ends.remove(&p);
            }
        }
        anyhow::Ok(())
    };
    tokio::time::timeout(READ_TIMEOUT, reading)
        .await
        .context("the dead-letter topic did not read to its end in time")??;
    out.sort_by_key(|m| (m.timestamp().to_millis(), m.partition(), m.offset()));
    Ok(out)
}
