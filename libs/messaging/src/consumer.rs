//! Consuming: each event applied with its effect in one transaction (the
//! inbox), retried while the failure is transient, dead-lettered when it is
//! not; partitions paused, not rebalanced, while an outage lasts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rdkafka::client::ClientContext;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use db::schema::inbox;
use db::{DbPool, ScopedFutureExt};

use crate::envelope::{header, Envelope, ReceivedEvent, TRACEPARENT, TRACESTATE};
use crate::metrics::{ASSIGNMENTS, CONSUMED, CONSUMER_LAG, DEAD_LETTERS};
use crate::topics::dlq_topic;
use crate::KafkaConfig;

/// The effect of an event, applied inside the transaction that also records
/// the event in the inbox. Must not commit on its own. (`async_trait`: the
/// runner holds its handlers as trait objects.)
#[async_trait::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &ReceivedEvent,
    ) -> anyhow::Result<()>;

    /// Runs once the effect committed (not for repeats): for what must not
    /// happen before, such as dropping a cache the effect makes stale.
    /// Failures are logged, never retried.
    async fn after_commit(&self, _event: &ReceivedEvent) -> anyhow::Result<()> {
        Ok(())
    }
}

enum Outcome {
    Processed,
    Duplicate,
}

/// Consumes topics for one consumer group. Offsets are stored only after the
/// effect committed. A transient failure (see [`is_transient`]) is retried
/// for as long as it lasts and never dead-lettered; a message that fails
/// otherwise `max_attempts` times, cannot be read at all, or does not come
/// from the topic's owner is copied to `<topic>.dlq` and passed.
pub struct ConsumerRunner {
    name: String,
    pool: DbPool,
    cfg: KafkaConfig,
    consumer: Arc<Kafka>,
    dlq: FutureProducer,
    /// The CloudEvents `source` each (logical) topic's events must carry.
    owners: BTreeMap<String, String>,
}

pub(crate) const DLQ_REASON: &str = "x-dlq-reason";
pub(crate) const DLQ_ATTEMPTS: &str = "x-dlq-attempts";
pub(crate) const DLQ_ORIGIN: &str = "x-dlq-original-topic";
/// The consumer group that gave up on the message.
pub(crate) const DLQ_CONSUMER: &str = "x-dlq-consumer";

impl ConsumerRunner {
    /// `name` is both the consumer group and the inbox's consumer name;
    /// `topics` maps each topic consumed to the `source` of its owner
    /// (`/<city>/<service>`): an event with another source is a forgery or
    /// a misrouting, and is dead-lettered unapplied.
    pub fn new(
        pool: DbPool,
        cfg: &KafkaConfig,
        name: &str,
        topics: BTreeMap<String, String>,
    ) -> anyhow::Result<Self> {
        let mut client = cfg.client_config();
        if !cfg.group_instance_id.is_empty() {
            client.set("group.instance.id", &cfg.group_instance_id);
        }
        let consumer: Kafka = client
            .set("group.id", cfg.topic(name))
            .set("session.timeout.ms", cfg.session_timeout_ms.to_string())
            // A third of the session, as Kafka advises.
            .set(
                "heartbeat.interval.ms",
                (cfg.session_timeout_ms / 3).to_string(),
            )
            .set("enable.auto.commit", "true")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("allow.auto.create.topics", "false")
            // A topic its owner declares after this consumer started (the
            // owner deployed later) is found within seconds, not librdkafka's
            // default five minutes.
            .set("topic.metadata.refresh.interval.ms", "5000")
            .create_with_context(Membership {
                name: name.to_owned(),
            })
            .context("creating the consumer")?;
        let physical: Vec<String> = topics.keys().map(|t| cfg.topic(t)).collect();
        let refs: Vec<&str> = physical.iter().map(String::as_str).collect();
        consumer.subscribe(&refs).context("subscribing")?;
        let dlq = cfg
            .producer_client()
            .create()
            .context("creating the dead-letter producer")?;
        Ok(Self {
            name: name.to_owned(),
            pool,
            cfg: cfg.clone(),
            consumer: Arc::new(consumer),
            dlq,
            owners: topics,
        })
    }

    pub async fn run(self, handler: Arc<dyn EventHandler>, mut shutdown: watch::Receiver<bool>) {
        let lag = tokio::spawn(report_lag(
            self.consumer.clone(),
            self.name.clone(),
            self.cfg.clone(),
            shutdown.clone(),
        ));
        let dead_letters = tokio::spawn(report_dead_letters(
            self.consumer.clone(),
            self.owners.keys().cloned().collect(),
            self.cfg.clone(),
            shutdown.clone(),
        ));
        while !*shutdown.borrow() {
            let msg = tokio::select! {
                msg = self.consumer.recv() => msg,
                _ = shutdown.changed() => break,
            };
            match msg {
                Ok(msg) => self.process(&msg, handler.as_ref(), shutdown.clone()).await,
                Err(e) => {
                    tracing::warn!(consumer = %self.name, error = %e, "consumer error");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        // Commit what was stored before leaving the group.
        let _ = self.consumer.commit_consumer_state(CommitMode::Sync);
        lag.abort();
        dead_letters.abort();
    }

    async fn process(
        &self,
        msg: &BorrowedMessage<'_>,
        handler: &dyn EventHandler,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let topic = self.cfg.logical(msg.topic()).to_owned();
        let span = tracing::info_span!(
            "process",
            otel.name = %format!("{topic} process"),
            otel.kind = "consumer",
            messaging.system = "kafka",
            messaging.consumer.group.name = %self.name,
            messaging.destination.name = %msg.topic(),
            messaging.message.id = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        let parent = telemetry::context_from_headers(
            header(msg.headers(), TRACEPARENT).as_deref(),
            header(msg.headers(), TRACESTATE).as_deref(),
        );
        let _ = span.set_parent(parent);
        if let Some(tp) = telemetry::trace_headers(&span.context()).get(TRACEPARENT) {
            span.record("trace_id", telemetry::trace_id_of(tp));
        }
        async {
            let event = match read_event(msg, topic.clone()) {
                Ok(event) => event,
                Err(reason) => {
                    self.dead_letter(msg, &reason, 0).await;
                    return;
                }
            };
            if let Err(reason) = self.check_source(&event) {
                self.dead_letter(msg, &reason, 0).await;
                return;
            }
            tracing::Span::current().record("messaging.message.id", event.envelope.id.to_string());
            let mut attempts = 0;
            let mut outage = Backoff::new(&self.cfg);
            let mut paused = Paused::default();
            loop {
                attempts += 1;
                match self.apply(&event, handler).await {
                    Ok(outcome) => {
                        let label = match outcome {
                            Outcome::Processed => {
                                if let Err(e) = handler.after_commit(&event).await {
                                    tracing::warn!(error = %format!("{e:#}"), "after-commit step failed");
                                }
                                "processed"
                            }
                            Outcome::Duplicate => "duplicate",
                        };
                        CONSUMED.with_label_values(&[&self.name, &topic, label]).inc();
                        break;
                    }
                    // The database or the network is away: wait it out, holding
                    // this partition's place, for as long as it lasts. Counting
                    // these attempts would dead-letter valid events. The
                    // partitions are paused and the consumer goes on polling,
                    // so it stays in its group however long the wait
                    // (librdkafka's max.poll.interval.ms).
                    Err(e) if is_transient(&e) => {
                        attempts -= 1;
                        CONSUMED.with_label_values(&[&self.name, &topic, "retried"]).inc();
                        let pause = outage.next_pause();
                        tracing::warn!(error = %format!("{e:#}"), pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX), "transient failure; retrying");
                        paused.all(&self.consumer);
                        let waited = tokio::time::sleep(pause);
                        tokio::pin!(waited);
                        loop {
                            tokio::select! {
                                _ = &mut waited => break,
                                // Leave the offset unstored: the event is seen again.
                                _ = shutdown.changed() => {
                                    paused.resume(&self.consumer);
                                    return;
                                }
                                polled = self.consumer.recv() => paused.hold_back(&self.consumer, polled),
                            }
                        }
                    }
                    Err(e) if attempts >= self.cfg.max_attempts => {
                        self.dead_letter(msg, &format!("{e:#}"), attempts).await;
                        return;
                    }
                    Err(e) => {
                        CONSUMED.with_label_values(&[&self.name, &topic, "retried"]).inc();
                        tracing::warn!(attempt = attempts, error = %format!("{e:#}"), "event handling failed; retrying");
                        tokio::time::sleep(Backoff::new(&self.cfg).pause(attempts)).await;
                    }
                }
            }
            paused.resume(&self.consumer);
            self.store_offset(msg);
        }
        .instrument(span)
        .await
    }

    /// Only the topic's owner publishes to it. (The broker's ACLs say the
    /// same where the cluster has them; this holds where it has not.)
    fn check_source(&self, event: &ReceivedEvent) -> Result<(), String> {
        match self.owners.get(&event.topic) {
            Some(owner) if *owner == event.envelope.source => Ok(()),
            Some(owner) => Err(format!(
                "source {:?} is not {owner:?}, the owner of {}",
                event.envelope.source, event.topic
            )),
            None => Err(format!("no owner is known for {}", event.topic)),
        }
    }

    async fn apply(
        &self,
        event: &ReceivedEvent,
        handler: &dyn EventHandler,
    ) -> anyhow::Result<Outcome> {
        let mut conn = self.pool.get().await.context("consumer connection")?;
        let name = self.name.as_str();
        conn.transaction::<_, anyhow::Error, _>(|conn| {
            async move {
                let fresh = diesel::insert_into(inbox::table)
                    .values((
                        inbox::consumer.eq(name),
                        inbox::event_id.eq(event.envelope.id),
                        inbox::topic.eq(&event.topic),
                    ))
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?
                    == 1;
                if !fresh {
                    return Ok(Outcome::Duplicate);
                }
                handler.handle(conn, event).await?;
                Ok(Outcome::Processed)
            }
            .scope_boxed()
        })
        .await
    }

    async fn dead_letter(&self, msg: &BorrowedMessage<'_>, reason: &str, attempts: u32) {
        tracing::error!(consumer = %self.name, topic = %msg.topic(), offset = msg.offset(), %reason, "dead-lettering an event");
        let attempts = attempts.to_string();
        let headers = copy_headers(msg.headers(), |_| true)
            .insert(Header {
                key: DLQ_REASON,
                value: Some(reason),
            })
            .insert(Header {
                key: DLQ_ATTEMPTS,
                value: Some(&attempts),
            })
            .insert(Header {
                key: DLQ_ORIGIN,
                value: Some(msg.topic()),
            })
            .insert(Header {
                key: DLQ_CONSUMER,
                value: Some(&self.name),
            });
        let dlq = dlq_topic(msg.topic());
        // Keep trying: passing the message without a dead-letter copy would lose it.
        loop {
            let record = copy_record(&dlq, msg, headers.clone());
            match self
                .dlq
                .send(record, Timeout::After(Duration::from_secs(30)))
                .await
            {
                Ok(_) => break,
                Err((e, _)) => {
                    tracing::error!(error = %e, "dead-letter publish failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        let topic = self.cfg.logical(msg.topic()).to_owned();
        CONSUMED
            .with_label_values(&[&self.name, &topic, "dead_lettered"])
            .inc();
        self.store_offset(msg);
    }

    fn store_offset(&self, msg: &BorrowedMessage<'_>) {
        if let Err(e) = self.consumer.store_offset_from_message(msg) {
            tracing::warn!(error = %e, "storing the offset failed; the event may be seen again");
        }
    }
}

/// The consumer as this runner makes it: counting its assignments.
type Kafka = StreamConsumer<Membership>;

/// Counts each partition assignment a consumer receives
/// (`qc_consumer_assignments_total`): every one after the first is a
/// rebalance.
pub struct Membership {
    name: String,
}

impl ClientContext for Membership {}

impl ConsumerContext for Membership {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(_) = rebalance {
            ASSIGNMENTS.with_label_values(&[&self.name]).inc();
        }
    }
}

/// The partitions paused while an event waits out an outage. librdkafka
/// drops what it had fetched ahead of a paused partition and fetches it
/// again from the application's position on resume.
#[derive(Default)]
struct Paused(Option<TopicPartitionList>);

impl Paused {
    /// Pauses every partition held (once per wait).
    fn all(&mut self, consumer: &Kafka) {
        if self.0.is_some() {
            return;
        }
        match consumer.assignment() {
            Ok(held) => match consumer.pause(&held) {
                Ok(()) => self.0 = Some(held),
                Err(e) => tracing::warn!(error = %e, "pausing the partitions failed"),
            },
            Err(e) => tracing::warn!(error = %e, "reading the assignment failed"),
        }
    }

    /// A message polled while paused (from a partition assigned meanwhile)
    /// is not handled out of turn: its partition goes back to it and waits
    /// paused too.
    fn hold_back(&mut self, consumer: &Kafka, polled: KafkaResult<BorrowedMessage<'_>>) {
        let msg = match polled {
            Ok(msg) => msg,
            Err(e) => {
                tracing::warn!(error = %e, "consumer error while paused");
                return;
            }
        };
        let (topic, partition, offset) = (msg.topic(), msg.partition(), msg.offset());
        let mut one = TopicPartitionList::new();
        one.add_partition(topic, partition);
        let held = consumer
            .seek(
                topic,
                partition,
                Offset::Offset(offset),
                Duration::from_secs(5),
            )
            .and_then(|()| consumer.pause(&one));
        match (held, &mut self.0) {
            (Err(e), _) => {
                tracing::warn!(error = %e, topic, partition, "holding a message back failed")
            }
            (Ok(()), Some(list)) => {
                list.add_partition(topic, partition);
            }
            (Ok(()), None) => self.0 = Some(one),
        }
    }

    /// Resumes what was paused.
    fn resume(&mut self, consumer: &Kafka) {
        if let Some(list) = self.0.take() {
            if let Err(e) = consumer.resume(&list) {
                tracing::warn!(error = %e, "resuming the partitions failed");
            }
        }
    }
}

/// Every `kafka.lag_interval_ms`, `qc_consumer_lag` for each partition this
/// replica holds: the broker's last offset minus the group's committed one
/// (everything since the first offset while nothing is committed). Asked on
/// a task of its own, so it goes on reporting while the consumer waits out
/// an outage; a partition no longer held is dropped, so the replicas'
/// figures add up to the group's.
async fn report_lag(
    consumer: Arc<Kafka>,
    name: String,
    cfg: KafkaConfig,
    mut stop: watch::Receiver<bool>,
) {
    let every = Duration::from_millis(cfg.lag_interval_ms);
    let mut held: Vec<(String, i32)> = Vec::new();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        let asked = consumer.clone();
        let lags = match tokio::task::spawn_blocking(move || partition_lags(&asked)).await {
            Ok(Ok(lags)) => lags,
            Ok(Err(e)) => {
                tracing::debug!(consumer = %name, error = %e, "consumer lag unknown for now");
                continue;
            }
            Err(_) => continue,
        };
        let now: Vec<(String, i32)> = lags
            .iter()
            .map(|(topic, partition, _)| (cfg.logical(topic).to_owned(), *partition))
            .collect();
        for (topic, partition) in held.iter().filter(|h| !now.contains(h)) {
            let _ = CONSUMER_LAG.remove_label_values(&[&name, topic, &partition.to_string()]);
        }
        for ((topic, partition), (_, _, lag)) in now.iter().zip(&lags) {
            CONSUMER_LAG
                .with_label_values(&[&name, topic, &partition.to_string()])
                .set(*lag);
        }
        held = now;
    }
}

/// (physical topic, partition, lag) of every partition assigned.
fn partition_lags(consumer: &Kafka) -> rdkafka::error::KafkaResult<Vec<(String, i32, i64)>> {
    let timeout = Duration::from_secs(5);
    let assigned = consumer.assignment()?;
    let committed = consumer.committed_offsets(assigned, timeout)?;
    committed
        .elements()
        .iter()
        .map(|e| {
            let (low, high) = consumer.fetch_watermarks(e.topic(), e.partition(), timeout)?;
            let from = match e.offset() {
                Offset::Offset(o) => o,
                _ => low,
            };
            Ok((e.topic().to_owned(), e.partition(), (high - from).max(0)))
        })
        .collect()
}

/// Every `kafka.lag_interval_ms`, `qc_dead_letter_messages` for each
/// (logical) topic this consumer reads: what its dead-letter topic retains,
/// replayed or not (only retention removes a dead letter). Every replica
/// reports the same figure.
async fn report_dead_letters(
    consumer: Arc<Kafka>,
    topics: Vec<String>,
    cfg: KafkaConfig,
    mut stop: watch::Receiver<bool>,
) {
    let every = Duration::from_millis(cfg.lag_interval_ms);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        for topic in &topics {
            let (asked, dlq) = (consumer.clone(), dlq_topic(&cfg.topic(topic)));
            match tokio::task::spawn_blocking(move || retained(&asked, &dlq)).await {
                Ok(Ok(n)) => DEAD_LETTERS.with_label_values(&[topic]).set(n),
                Ok(Err(e)) => {
                    tracing::debug!(%topic, error = %e, "dead letters unknown for now");
                }
                Err(_) => {}
            }
        }
    }
}

/// The messages `topic` retains: its high watermark minus its low one,
/// summed over its partitions.
fn retained(consumer: &Kafka, topic: &str) -> KafkaResult<i64> {
    let timeout = Duration::from_secs(5);
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let mut total = 0;
    for t in metadata.topics() {
        if let Some(e) = t.error() {
            return Err(KafkaError::MetadataFetch(e.into()));
        }
        for p in t.partitions() {
            let (low, high) = consumer.fetch_watermarks(topic, p.id(), timeout)?;
            total += (high - low).max(0);
        }
    }
    Ok(total)
}

/// Capped exponential backoff with full jitter: replicas that lost the
/// database together do not come back in step.
struct Backoff {
    initial: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    fn new(cfg: &KafkaConfig) -> Self {
        Self {
            initial: Duration::from_millis(cfg.retry_initial_ms),
            max: Duration::from_millis(cfg.retry_max_ms),
            failures: 0,
        }
    }

    /// The pause after the `failures`-th failure in a row.
    fn pause(&self, failures: u32) -> Duration {
        let ceiling = self
            .initial
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1)))
            .min(self.max);
        // At least half the ceiling, so retries never spin.
        ceiling / 2 + ceiling.mul_f64(rand::random::<f64>() / 2.0)
    }

    fn next_pause(&mut self) -> Duration {
        self.failures += 1;
        self.pause(self.failures)
    }
}

/// Whether a failure says nothing about the event: the database could not be
/// reached or dropped the connection, or the transaction lost a conflict.
/// Such a failure passes by itself; retrying the same event later succeeds.
/// Anything else (an unreadable payload, a broken contract, a bug) would fail
/// the same way again and is dead-lettered after `max_attempts`.
pub fn is_transient(e: &anyhow::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error as Db};
    e.chain().any(|cause| {
        if cause.is::<db::PoolError>() || cause.is::<std::io::Error>() {
            return true;
        }
        match cause.downcast_ref::<Db>() {
            Some(Db::DatabaseError(kind, info)) => match kind {
                Kind::SerializationFailure | Kind::UnableToSendCommand | Kind::ClosedConnection => {
                    true
                }
                // diesel-async keeps no SQLSTATE for these; the server's
                // (English) messages of deadlock_detected, admin_shutdown,
                // crash_shutdown, cannot_connect_now, too_many_connections
                // and lock_not_available name them.
                _ => TRANSIENT_SERVER_MESSAGES
                    .iter()
                    .any(|m| info.message().starts_with(m)),
            },
            Some(Db::BrokenTransactionManager | Db::RollbackErrorOnCommit { .. }) => true,
            _ => false,
        }
    })
}

const TRANSIENT_SERVER_MESSAGES: [&str; 6] = [
    "deadlock detected",
    "terminating connection due to administrator command",
    "terminating connection because of crash of another server process",
    "the database system is",
    "sorry, too many clients already",
    "could not obtain lock",
];

fn read_event(msg: &BorrowedMessage<'_>, topic: String) -> Result<ReceivedEvent, String> {
    let envelope = Envelope::from_headers(msg.headers())?;
    let data = serde_json::from_slice(msg.payload().unwrap_or_default())
        .map_err(|e| format!("payload is not JSON: {e}"))?;
    Ok(ReceivedEvent {
        envelope,
        topic,
        key: msg
            .key()
            .and_then(|k| std::str::from_utf8(k).ok())
            .map(str::to_owned),
        data,
    })
}

/// The same key and payload, to another topic, with `headers`.
pub(crate) fn copy_record<'a>(
    topic: &'a str,
    msg: &'a impl Message,
    headers: OwnedHeaders,
) -> FutureRecord<'a, [u8], [u8]> {
    let mut record = FutureRecord::to(topic).headers(headers);
    if let Some(key) = msg.key() {
        record = record.key(key);
    }
    if let Some(payload) = msg.payload() {
        record = record.payload(payload);
    }
    record
}

pub(crate) fn copy_headers<H: Headers>(
    headers: Option<&H>,
    keep: impl Fn(&str) -> bool,
) -> OwnedHeaders {
    let mut out = OwnedHeaders::new();
    if let Some(headers) = headers {
        for h in headers.iter().filter(|h| keep(h.key)) {
            out = out.insert(Header {
                key: h.key,
                value: h.value,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind as Kind, Error as Db};

    fn db_error(kind: Kind, message: &str) -> anyhow::Error {
        anyhow::Error::new(Db::DatabaseError(kind, Box::new(message.to_owned())))
            .context("applying the event")
    }

    #[test]
    fn an_outage_or_a_lost_conflict_is_transient_and_anything_else_is_not() {
        let cases = [
            (db_error(Kind::ClosedConnection, "connection closed"), true),
            (
                db_error(Kind::UnableToSendCommand, "connection refused"),
                true,
            ),
            (
                db_error(Kind::SerializationFailure, "could not serialize"),
                true,
            ),
            (db_error(Kind::Unknown, "deadlock detected"), true),
            (
                db_error(
                    Kind::Unknown,
                    "terminating connection due to administrator command",
                ),
                true,
            ),
            (
                db_error(Kind::Unknown, "the database system is starting up"),
                true,
            ),
            (
                anyhow::Error::new(db::PoolError::Closed).context("consumer connection"),
                true,
            ),
            (
                anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
                true,
            ),
            (
                db_error(Kind::UniqueViolation, "duplicate key value"),
                false,
            ),
            (
                db_error(Kind::CheckViolation, "violates check constraint"),
                false,
            ),
            (
                db_error(Kind::Unknown, "column \"x\" does not exist"),
                false,
            ),
            (anyhow::Error::new(Db::NotFound), false),
            (anyhow::anyhow!("the claim names an unknown class"), false),
        ];
        for (error, transient) in cases {
            assert_eq!(is_transient(&error), transient, "{error:#}");
        }
    }

    #[test]
    fn pauses_double_from_the_first_up_to_the_cap_with_jitter_below_each_ceiling() {
        let cfg = KafkaConfig {
            retry_initial_ms: 100,
            retry_max_ms: 1_000,
            ..KafkaConfig::default()
        };
        let mut backoff = Backoff::new(&cfg);
        for ceiling_ms in [100, 200, 400, 800, 1_000, 1_000, 1_000] {
            let pause = u64::try_from(backoff.next_pause().as_millis()).unwrap_or(u64::MAX);
            assert!(
                (ceiling_ms / 2..=ceiling_ms).contains(&pause),
                "{pause} ms outside [{}, {ceiling_ms}]",
                ceiling_ms / 2
            );
        }
        // Far past the point where the doubling would overflow.
        assert!(backoff.pause(u32::MAX) <= Duration::from_millis(1_000));
    }
}
