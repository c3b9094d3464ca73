//! Seeds performance evaluation with `--trainings` completed trainings of
//! this statistical year (delivery's completion events, relayed from an
//! outbox as delivery would) and waits until the city's dashboard counts
//! them all; `make bench` then measures the dashboard with wrk.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "figures are computed in floats from small counts"
)]

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use contracts::delivery::{CompletionEvent, ENROLMENTS_TOPIC, TRAINEE_COMPLETED};
use ids::{SkillLevel, StatisticalYear};
use messaging::{KafkaConfig, OutboxEvent, Relay};
use serde_json::Value;
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    /// performance-evaluation's base URL.
    #[arg(long)]
    service: String,
    /// A bureau officer's token for city 350100.
    #[arg(long)]
    officer_token: String,
    /// A service role's database URL whose schema has an outbox table.
    #[arg(long)]
    outbox_url: String,
    #[arg(long, default_value = "127.0.0.1:9092")]
    brokers: String,
    #[arg(long, default_value = "")]
    topic_prefix: String,
    #[arg(long, default_value_t = 100_000)]
    trainings: usize,
}

async fn counted(http: &reqwest::Client, args: &Args, year: i32) -> anyhow::Result<i64> {
    let figures: Value = http
        .get(format!("{}/v1/dashboard/figures?year={year}", args.service))
        .bearer_auth(&args.officer_token)
        .send()
        .await?
        .json()
        .await?;
    Ok(figures
        .pointer("/progress/subsidised_trainings/actual")
        .and_then(Value::as_i64)
        .unwrap_or(0))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let today = ids::business_date(chrono::Utc::now());
    let year = StatisticalYear::of(today);
    let kafka = KafkaConfig {
        brokers: args.brokers.clone(),
        topic_prefix: args.topic_prefix.clone(),
        // The local broker of `make bench`.
        security_protocol: messaging::SecurityProtocol::Plaintext,
        ..KafkaConfig::default()
    };
    messaging::ensure_topics(&kafka, &[ENROLMENTS_TOPIC]).await?;
    let http = reqwest::Client::new();
    let before = counted(&http, &args, year.year()).await?;
    let pool = db::pool(&db::DbConfig::local(args.outbox_url.clone(), 2))?;
    // Fifty institutions, classes of 40; completions spread over the year
    // so far, as a city's would be.
    let institutions: Vec<Uuid> = (0..50).map(|_| Uuid::now_v7()).collect();
    let days = (today - year.first_day()).num_days().max(1);
    let started = Instant::now();
    {
        let mut conn = pool.get().await?;
        let mut class_id = Uuid::now_v7();
        let mut batch = Vec::with_capacity(1000);
        for n in 0..args.trainings {
            if n % 40 == 0 {
                class_id = Uuid::now_v7();
            }
            let completed_on =
                year.first_day() + chrono::Days::new((n as u64 * 7919) % days as u64);
            let e = CompletionEvent {
                enrolment_id: Uuid::now_v7(),
                class_id,
                institution_id: *institutions
                    .get((n / 40) % institutions.len())
                    .context("an institution per class")?,
                // Pseudonyms are 64 hex digits; these belong to nobody.
                person_id: ids::PersonId::from_stored(format!(
                    "{}{}",
                    Uuid::now_v7().simple(),
                    Uuid::now_v7().simple()
                )),
                target_group: "rural_migrant_worker".into(),
                occupation_code: "6-31-01-03".parse()?,
                skill_level: SkillLevel::Intermediate,
                completed: true,
                attended_hours: 64.0,
                planned_hours: 64.0,
                completed_on,
                statistical_year: year.year(),
                catalogue_year: Some(year.year()),
            };
            batch.push(OutboxEvent::new(
                ENROLMENTS_TOPIC,
                TRAINEE_COMPLETED,
                class_id.to_string(),
                &e,
            ));
            if batch.len() == 1000 {
                messaging::enqueue(&mut conn, &batch).await?;
                batch.clear();
            }
        }
        messaging::enqueue(&mut conn, &batch).await?;
    }
    let relay = Relay::new(pool, &kafka, "/350100/training-delivery".into())?;
    while relay.run_once().await? > 0 {}
    let expected = before + args.trainings as i64;
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        let now = counted(&http, &args, year.year()).await?;
        if now >= expected {
            break;
        }
        if Instant::now() > deadline {
            bail!("the dashboard counted {now} of {expected} trainings after 30 minutes");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!(
        "dashboard_seed trainings={} seconds={:.1} year={}",
        args.trainings,
        started.elapsed().as_secs_f64(),
        year.year()
    );
    Ok(())
}
