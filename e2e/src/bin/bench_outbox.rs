//! Outbox-to-topic throughput for `make bench`: enqueue N events in the
//! service schema, then time the relay until every row is acknowledged.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::time::Instant;

use clap::Parser;
use messaging::{KafkaConfig, OutboxEvent, Relay};

#[derive(Parser)]
struct Args {
    /// The service role's database URL (schema with the outbox table).
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value = "127.0.0.1:9092")]
    brokers: String,
    #[arg(long, default_value = "bench.")]
    topic_prefix: String,
    #[arg(long, default_value_t = 20_000)]
    events: usize,
}

const TOPIC: &str = "catalog.entries.v1";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let kafka = KafkaConfig {
        brokers: args.brokers,
        topic_prefix: args.topic_prefix,
        // The local broker of `make bench`.
        security_protocol: messaging::SecurityProtocol::Plaintext,
        ..KafkaConfig::default()
    };
    messaging::ensure_topics(&kafka, &[TOPIC]).await?;
    let pool = db::pool(&db::DbConfig::local(args.database_url, 2))?;
    let mut conn = pool.get().await?;
    let payload = serde_json::json!({ "entry_id": "bench", "occupation_code": "6-31-01-03", "subsidy_fen": 180000 });
    for chunk in (0..args.events).collect::<Vec<_>>().chunks(1000) {
        let batch: Vec<_> = chunk
            .iter()
            .map(|i| {
                OutboxEvent::new(
                    TOPIC,
                    "qiancheng.bench.event.v1",
                    format!("entry-{}", i % 64),
                    &payload,
                )
            })
            .collect();
        messaging::enqueue(&mut conn, &batch).await?;
    }
    drop(conn);
    let relay = Relay::new(pool, &kafka, "/350100/bench".into())?;
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let n = relay.run_once().await?;
        if n == 0 {
            break;
        }
        sent += n;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "outbox_to_topic events={sent} seconds={secs:.2} events_per_sec={:.0}",
        sent as f64 / secs
    );
    Ok(())
}
