//! Social-insurance matching throughput for `make bench`: seeds completers
//! by publishing delivery's completion events, then sends one batch of
//! contributions (100,000 lines by default, half of them of completers) to
//! employment-tracking and prints the records matched per second.
//!
//! The completion events go through an outbox table (`--database-url`, any
//! service schema: the bench relays them itself) onto the service's broker.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "figures are computed in floats from small counts"
)]

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use chrono::{Datelike, Months, NaiveDate};
use clap::Parser;
use ids::{CitizenId, PersonIdKey};
use messaging::{KafkaConfig, OutboxEvent, Relay};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    /// employment-tracking's base URL.
    #[arg(long)]
    service: String,
    /// The social-insurance agency's token (integrator, scope
    /// `employment:social_insurance`) for city 350100.
    #[arg(long)]
    integrator_token: String,
    /// A bureau officer's token for city 350100 (to see the follow-ups).
    #[arg(long)]
    officer_token: String,
    /// A service role's database URL whose schema has an outbox table.
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value = "127.0.0.1:9092")]
    brokers: String,
    /// The service's topic prefix.
    #[arg(long, default_value = "")]
    topic_prefix: String,
    /// The province-wide person_id key the service is configured with.
    #[arg(long, default_value = "bG9jYWwtZGV2ZWxvcG1lbnQtcGVyc29uLWlkLWtleSE=")]
    person_id_key: String,
    #[arg(long, default_value_t = 100_000)]
    records: usize,
    /// People in the batch; each has `records / people` months.
    #[arg(long, default_value_t = 50_000)]
    people: usize,
    /// Of those, how many completed training (and are matched).
    #[arg(long, default_value_t = 25_000)]
    completers: usize,
}

const ENROLMENTS_TOPIC: &str = "delivery.enrolments.v1";
const TRAINEE_COMPLETED: &str = "qiancheng.delivery.enrolment.completed.v1";
const EMPLOYERS: [&str; 2] = ["91350100MA2XYA001F", "91350200MA3ABC0028"];

/// A valid citizen ID for person `n` of this run: the birth year varies by
/// run so that reruns send contributions nobody has yet.
fn citizen_id(run: u32, n: usize) -> anyhow::Result<CitizenId> {
    let year = 1960 + run % 40;
    let month = 1 + (n / (999 * 28)) % 12;
    let day = 1 + (n / 999) % 28;
    let first17 = format!("350102{year}{month:02}{day:02}{:03}", 1 + n % 999);
    Ok(CitizenId::with_check_char(&first17)?)
}

/// A UUID-shaped id unique to the run, the kind of id and `n`.
fn bench_uuid(run: u32, kind: u16, n: usize) -> String {
    format!("{run:08x}-{kind:04x}-7000-8000-{n:012x}")
}

/// The NDJSON batch: month after month, every person once, at the
/// employers in turn, until `records` lines.
fn batch_body(args: &Args, run: u32, months: &[NaiveDate]) -> anyhow::Result<String> {
    // Without people the months would cycle forever.
    anyhow::ensure!(args.people > 0, "a batch needs people");
    let mut body = String::with_capacity(args.records * 96);
    let records = months.iter().cycle().flat_map(|month| {
        (0..args.people)
            .zip(EMPLOYERS.iter().cycle())
            .map(move |(person, employer)| (person, employer, month))
    });
    for (person, employer, month) in records.take(args.records) {
        body.push_str(&format!(
            "{{\"citizen_id\":\"{}\",\"employer_credit_code\":\"{}\",\"month\":\"{}\"}}\n",
            citizen_id(run, person)?.expose(),
            employer,
            month.format("%Y-%m"),
        ));
    }
    Ok(body)
}

/// How many of this run's completers the service knows: none until the
/// last one arrived, then a count over the pages of follow-ups.
async fn follow_ups(http: &reqwest::Client, args: &Args, last: &str) -> anyhow::Result<usize> {
    let last = http
        .get(format!("{}/v1/follow-ups/{last}", args.service))
        .bearer_auth(&args.officer_token)
        .send()
        .await?;
    if last.status() != 200 {
        return Ok(0);
    }
    let mut count = 0;
    let mut cursor = String::new();
    loop {
        let page: Value = http
            .get(format!("{}/v1/follow-ups?limit=500{cursor}", args.service))
            .bearer_auth(&args.officer_token)
            .send()
            .await?
            .json()
            .await?;
        count += page
            .get("items")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        match e2e::text(&page, "next_cursor") {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return Ok(count),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.people == 0 || args.completers > args.people || args.people > 999 * 28 * 12 {
        bail!("need 0 < completers <= people <= {}", 999 * 28 * 12);
    }
    let run = (chrono::Utc::now().timestamp() / 60) as u32;
    let key = PersonIdKey::from_base64(&args.person_id_key).context("person_id key")?;
    let today = chrono::Utc::now().date_naive();
    let this_month = today.with_day(1).context("first day")?;
    // Completed mid-month three months ago: the two months after count.
    let completed_on = (this_month - Months::new(3)) + chrono::Days::new(14);
    let months: Vec<NaiveDate> = (1..=2).map(|n| this_month - Months::new(3 - n)).collect();

    let kafka = KafkaConfig {
        brokers: args.brokers.clone(),
        topic_prefix: args.topic_prefix.clone(),
        // The local broker of `make bench`.
        security_protocol: messaging::SecurityProtocol::Plaintext,
        ..KafkaConfig::default()
    };
    messaging::ensure_topics(&kafka, &[ENROLMENTS_TOPIC]).await?;
    let pool = db::pool(&db::DbConfig::local(args.database_url.clone(), 2))?;
    // One class: one key, one partition, so the last event is the last consumed.
    let class_id = bench_uuid(run, 0, 0);
    let institution_id = bench_uuid(run, 1, 0);
    let mut last_enrolment = String::new();
    let seeding = Instant::now();
    {
        let mut conn = pool.get().await?;
        let people: Vec<usize> = (0..args.completers).collect();
        for chunk in people.chunks(1000) {
            let events: Vec<OutboxEvent> = chunk
                .iter()
                .map(|n| {
                    let citizen = citizen_id(run, *n)?;
                    let enrolment = bench_uuid(run, 2, *n);
                    last_enrolment = enrolment.clone();
                    let payload = json!({
                        "enrolment_id": enrolment, "class_id": class_id, "institution_id": institution_id,
                        "person_id": key.person_id(&citizen).to_string(), "target_group": "registered_unemployed",
                        "occupation_code": "6-31-01-03", "skill_level": "senior", "completed": true,
                        "attended_hours": 60.0, "planned_hours": 64.0, "completed_on": completed_on,
                        "statistical_year": ids::StatisticalYear::of(completed_on).year(),
                    });
                    Ok(OutboxEvent::new(ENROLMENTS_TOPIC, TRAINEE_COMPLETED, class_id.to_string(), &payload))
                })
                .collect::<anyhow::Result<_>>()?;
            messaging::enqueue(&mut conn, &events).await?;
        }
    }
    let relay = Relay::new(pool, &kafka, "/350100/training-delivery".into())?;
    while relay.run_once().await? > 0 {}
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(1800);
    while follow_ups(&http, &args, &last_enrolment).await? < args.completers {
        if Instant::now() > deadline {
            bail!("the completions were not consumed within 30 minutes");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!(
        "social_insurance_seed completers={} seconds={:.2}",
        args.completers,
        seeding.elapsed().as_secs_f64()
    );

    let body = batch_body(&args, run, &months)?;
    let started = Instant::now();
    let res = http
        .put(format!(
            "{}/v1/social-insurance/batches/bench-{}",
            args.service,
            chrono::Utc::now().timestamp_micros()
        ))
        .bearer_auth(&args.integrator_token)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await?;
    let status = res.status();
    let report: Value = res.json().await.unwrap_or(Value::Null);
    let secs = started.elapsed().as_secs_f64();
    if status != 201 {
        bail!("the batch was answered {status}: {report}");
    }
    let matched = report.get("matched").and_then(Value::as_u64).unwrap_or(0);
    println!(
        "social_insurance_batch records={} matched={matched} outcomes_confirmed={} seconds={secs:.2} records_per_sec={:.0} matched_per_sec={:.0}",
        report.get("accepted").unwrap_or(&Value::Null),
        report.get("outcomes_confirmed").unwrap_or(&Value::Null),
        args.records as f64 / secs,
        matched as f64 / secs,
    );
    Ok(())
}
