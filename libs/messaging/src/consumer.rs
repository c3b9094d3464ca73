use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;
use tokio::sync::watch;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use db::schema::inbox;
use db::{DbPool, ScopedFutureExt};

use crate::envelope::{header, Envelope, ReceivedEvent, TRACEPARENT, TRACESTATE};
use crate::metrics::CONSUMED;
use crate::topics::dlq_topic;
use crate::KafkaConfig;

pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

/// The effect of an event, applied inside the transaction that also records
/// the event in the inbox. Must not commit on its own.
pub trait EventHandler: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a ReceivedEvent,
    ) -> HandlerFuture<'a>;

    /// Runs once the effect committed (not for repeats): for what must not
    /// happen before, such as dropping a cache the effect makes stale.
    /// Failures are logged, never retried.
    fn after_commit<'a>(&'a self, _event: &'a ReceivedEvent) -> HandlerFuture<'a> {
        Box::pin(async { Ok(()) })
    }
}

enum Outcome {
    Processed,
    Duplicate,
}

/// Consumes topics for one consumer group. Offsets are stored only after the
/// effect committed; a message that fails `max_attempts` times, cannot be
/// read at all, or does not come from the topic's owner is copied to
/// `<topic>.dlq` and passed.
pub struct ConsumerRunner {
    name: String,
    pool: DbPool,
    cfg: KafkaConfig,
    consumer: StreamConsumer,
    dlq: FutureProducer,
    /// The CloudEvents `source` each (logical) topic's events must carry.
    owners: BTreeMap<String, String>,
}

const DLQ_REASON: &str = "x-dlq-reason";
const DLQ_ATTEMPTS: &str = "x-dlq-attempts";
const DLQ_ORIGIN: &str = "x-dlq-original-topic";

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
        let consumer: StreamConsumer = cfg
            .client_config()
            .set("group.id", cfg.topic(name))
            .set("enable.auto.commit", "true")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("allow.auto.create.topics", "false")
            // A topic its owner declares after this consumer started (the
            // owner deployed later) is found within seconds, not librdkafka's
            // default five minutes.
            .set("topic.metadata.refresh.interval.ms", "5000")
            .create()
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
            consumer,
            dlq,
            owners: topics,
        })
    }

    pub async fn run(self, handler: Arc<dyn EventHandler>, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            let msg = tokio::select! {
                msg = self.consumer.recv() => msg,
                _ = shutdown.changed() => break,
            };
            match msg {
                Ok(msg) => self.process(&msg, handler.as_ref()).await,
                Err(e) => {
                    tracing::warn!(consumer = %self.name, error = %e, "consumer error");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        // Commit what was stored before leaving the group.
        let _ = self.consumer.commit_consumer_state(CommitMode::Sync);
    }

    async fn process(&self, msg: &BorrowedMessage<'_>, handler: &dyn EventHandler) {
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
                    Err(e) if attempts >= self.cfg.max_attempts => {
                        self.dead_letter(msg, &format!("{e:#}"), attempts).await;
                        return;
                    }
                    Err(e) => {
                        CONSUMED.with_label_values(&[&self.name, &topic, "retried"]).inc();
                        tracing::warn!(attempt = attempts, error = %format!("{e:#}"), "event handling failed; retrying");
                        let pause = Duration::from_millis(100 * 2u64.pow(attempts.min(6)));
                        tokio::time::sleep(pause).await;
                    }
                }
            }
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
fn copy_record<'a>(
    topic: &'a str,
    msg: &'a BorrowedMessage<'_>,
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

fn copy_headers<H: Headers>(headers: Option<&H>, keep: impl Fn(&str) -> bool) -> OwnedHeaders {
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

/// Re-publishes what waits in `<topic>.dlq` to the topic it came from, after
/// the cause was fixed. Returns how many messages moved. Stops when the
/// dead-letter topic has been quiet for `idle`.
pub async fn replay_dead_letters(
    cfg: &KafkaConfig,
    logical_topic: &str,
    idle: Duration,
) -> anyhow::Result<usize> {
    let source = dlq_topic(&cfg.topic(logical_topic));
    let consumer: StreamConsumer = cfg
        .client_config()
        .set("group.id", format!("{source}.replay"))
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .context("creating the replay consumer")?;
    consumer
        .subscribe(&[&source])
        .context("subscribing to the dead-letter topic")?;
    let producer: FutureProducer = cfg
        .producer_client()
        .create()
        .context("creating the replay producer")?;
    let mut moved = 0;
    loop {
        let msg = match tokio::time::timeout(idle, consumer.recv()).await {
            Err(_) => break,
            Ok(msg) => msg.context("reading the dead-letter topic")?,
        };
        let origin = header(msg.headers(), DLQ_ORIGIN).unwrap_or_else(|| cfg.topic(logical_topic));
        let headers = copy_headers(msg.headers(), |k| !k.starts_with("x-dlq-"));
        let record = copy_record(&origin, &msg, headers);
        producer
            .send(record, Timeout::After(Duration::from_secs(30)))
            .await
            .map_err(|(e, _)| anyhow::anyhow!("re-publishing: {e}"))?;
        consumer
            .commit_message(&msg, CommitMode::Sync)
            .context("committing the replay")?;
        moved += 1;
    }
    Ok(moved)
}
