//! The outbox relay: publishes what transactions enqueued, in order, and
//! marks it sent only after the broker acknowledged it.

use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures::future::try_join_all;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use tokio::sync::watch;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

use db::schema::outbox;
use db::{DbPool, ScopedFutureExt};

use crate::envelope::Envelope;
use crate::metrics::{OLDEST_PENDING_AGE, PENDING, PUBLISHED};
use crate::KafkaConfig;

#[derive(Queryable)]
struct PendingRow {
    id: Uuid,
    topic: String,
    message_key: String,
    event_type: String,
    subject: Option<String>,
    payload: serde_json::Value,
    occurred_at: DateTime<Utc>,
    traceparent: Option<String>,
    tracestate: Option<String>,
}

/// Moves outbox rows to Kafka. At least once: a row is marked sent only in
/// the transaction that saw the broker acknowledge it, so a crash in between
/// republishes it and consumers drop the repeat by event id.
pub struct Relay {
    pool: DbPool,
    producer: FutureProducer,
    cfg: KafkaConfig,
    source: String,
}

impl Relay {
    /// `source` is the CloudEvents source: `/<city>/<service>`.
    pub fn new(pool: DbPool, cfg: &KafkaConfig, source: String) -> anyhow::Result<Self> {
        let producer = cfg
            .producer_client()
            .create()
            .context("creating the outbox producer")?;
        Ok(Self {
            pool,
            producer,
            cfg: cfg.clone(),
            source,
        })
    }

    /// One round: publish what is pending (up to a batch) and mark it sent;
    /// then measure what still waits, whether the round succeeded or not (a
    /// broker away is when the backlog grows).
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let published = self.publish_round().await;
        if let Err(e) = self.measure_backlog().await {
            tracing::debug!(error = %format!("{e:#}"), "outbox backlog unknown for now");
        }
        published
    }

    async fn publish_round(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get().await.context("relay connection")?;
        conn.transaction::<_, anyhow::Error, _>(|conn| {
            async move {
                let ids = self.publish_pending(conn).await?;
                self.mark_sent(conn, &ids).await?;
                Ok(ids.len())
            }
            .scope_boxed()
        })
        .await
    }

    /// `qc_outbox_pending` and `qc_outbox_oldest_pending_age_seconds`.
    async fn measure_backlog(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await.context("relay connection")?;
        let (pending, oldest): (i64, Option<DateTime<Utc>>) = outbox::table
            .filter(outbox::sent_at.is_null())
            .select((count_star(), min(outbox::occurred_at)))
            .get_result(&mut conn)
            .await?;
        PENDING.set(pending);
        // An occurred_at ahead of this clock (another replica's) counts as new.
        let age = oldest.and_then(|at| (Utc::now() - at).to_std().ok());
        OLDEST_PENDING_AGE.set(age.map_or(0.0, |age| age.as_secs_f64()));
        Ok(())
    }

    /// Locks and publishes pending rows, waiting for every acknowledgement.
    /// Run it inside a transaction together with [`Relay::mark_sent`].
    pub async fn publish_pending(&self, conn: &mut AsyncPgConnection) -> anyhow::Result<Vec<Uuid>> {
        let rows: Vec<PendingRow> = outbox::table
            .filter(outbox::sent_at.is_null())
            .order(outbox::seq)
            .limit(self.cfg.relay_batch)
            .for_update()
            .skip_locked()
            .select((
                outbox::id,
                outbox::topic,
                outbox::message_key,
                outbox::event_type,
                outbox::subject,
                outbox::payload,
                outbox::occurred_at,
                outbox::traceparent,
                outbox::tracestate,
            ))
            .load(conn)
            .await?;
        // Enqueue all first (the idempotent producer keeps their order), then
        // wait for the acknowledgements together.
        let mut pending = Vec::with_capacity(rows.len());
        for row in &rows {
            let topic = self.cfg.topic(&row.topic);
            let span = tracing::info_span!(
                "publish",
                otel.name = %format!("{} publish", row.topic),
                otel.kind = "producer",
                messaging.system = "kafka",
                messaging.destination.name = %topic,
                messaging.message.id = %row.id,
            );
            let parent = telemetry::context_from_headers(
                row.traceparent.as_deref(),
                row.tracestate.as_deref(),
            );
            // A row without a trace (a background job's) starts a new trace.
            let _ = span.set_parent(parent);
            let trace = telemetry::trace_headers(&span.context());
            let envelope = Envelope {
                id: row.id,
                event_type: row.event_type.clone(),
                source: self.source.clone(),
                subject: row.subject.clone(),
                time: row.occurred_at,
            };
            let payload = serde_json::to_vec(&row.payload).context("payload")?;
            let record = FutureRecord::to(&topic)
                .key(&row.message_key)
                .payload(&payload)
                .headers(envelope.headers(&trace));
            let delivery = self
                .producer
                .send_result(record)
                .map_err(|(e, _)| anyhow::anyhow!("enqueueing {}: {e}", row.id))?;
            let logical = row.topic.clone();
            pending.push(
                async move {
                    delivery
                        .await
                        .context("producer dropped")?
                        .map_err(|(e, _)| anyhow::anyhow!("broker refused: {e}"))?;
                    PUBLISHED.with_label_values(&[&logical]).inc();
                    anyhow::Ok(())
                }
                .instrument(span),
            );
        }
        try_join_all(pending).await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    pub async fn mark_sent(
        &self,
        conn: &mut AsyncPgConnection,
        ids: &[Uuid],
    ) -> anyhow::Result<()> {
        diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
            .set(outbox::sent_at.eq(Utc::now()))
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Readiness: the broker answers a metadata request.
    pub async fn ping(&self) -> anyhow::Result<()> {
        let producer = self.producer.clone();
        tokio::task::spawn_blocking(move || {
            producer
                .client()
                .fetch_metadata(None, Timeout::After(Duration::from_secs(2)))
                .map(|_| ())
                .context("broker did not answer")
        })
        .await?
    }

    /// Relays until `shutdown` turns true; a full batch goes round again at
    /// once, an empty one waits `relay_idle_ms`, an error backs off.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = self.cfg.idle();
        while !*shutdown.borrow() {
            let wait = match self.run_once().await {
                Ok(n) if n as i64 >= self.cfg.relay_batch => Duration::ZERO,
                Ok(_) => {
                    backoff = self.cfg.idle();
                    self.cfg.idle()
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "outbox relay round failed");
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                    backoff
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
        let _ = self.producer.flush(Timeout::After(Duration::from_secs(5)));
    }
}
