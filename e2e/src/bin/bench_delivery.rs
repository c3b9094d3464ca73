//! Delivery throughput for `make bench`: real-name enrolments and attendance
//! check-ins through the API, and how long until their events are all on
//! the topic. Needs catalogue, registry and delivery running, seeded by
//! `qc-seed` (a listed school with a venue and a teacher).

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "figures are computed in floats from small counts"
)]

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use e2e::Api;
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    registry: String,
    #[arg(long)]
    delivery: String,
    #[arg(long)]
    officer_token: String,
    #[arg(long)]
    operator_token: String,
    #[arg(long, default_value_t = 1000)]
    trainees: usize,
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
}

/// A valid citizen ID number for trainee `n` (region 350102, born 1990).
fn citizen_id(n: usize) -> anyhow::Result<String> {
    let day = 1 + (n / 999) % 28;
    let first17 = format!("350102199001{day:02}{:03}", 1 + n % 999);
    Ok(ids::CitizenId::with_check_char(&first17)?
        .expose()
        .to_owned())
}

/// The seeded school, and its venue and teacher for 电工 (senior):
/// (institution, venue, teacher, the venue's capacity).
async fn school_facts(registry: &Api) -> anyhow::Result<(String, String, String, usize)> {
    let (_, mine) = registry.get("/v1/institutions").await?;
    let institution = mine
        .pointer("/items/0/id")
        .and_then(Value::as_str)
        .context("a listed school (run qc-seed)")?
        .to_owned();
    let (_, full) = registry
        .get(&format!("/v1/institutions/{institution}"))
        .await?;
    // The venue and teacher for 电工 (senior).
    let venue = full
        .get("venues")
        .and_then(Value::as_array)
        .and_then(|v| {
            v.iter().find(|v| {
                v["occupations"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|o| o == "6-31-01-03"))
            })
        })
        .context("a venue for 6-31-01-03")?;
    let teacher = full
        .get("teachers")
        .and_then(Value::as_array)
        .and_then(|t| {
            t.iter()
                .find(|t| t["may_teach"].to_string().contains("6-31-01-03"))
        })
        .context("a teacher for 6-31-01-03")?;
    let capacity = venue["capacity"].as_i64().context("capacity")? as usize;
    Ok((
        institution,
        venue["id"].as_str().context("venue")?.to_owned(),
        teacher["id"].as_str().context("teacher")?.to_owned(),
        capacity,
    ))
}

/// Seconds until the relay reports an empty outbox (at most a minute):
/// until then the events are not all out.
async fn outbox_drained(delivery: &str) -> anyhow::Result<f64> {
    let metrics_url = format!("{}/metrics", delivery.trim_end_matches('/'));
    let waited = Instant::now();
    loop {
        let text = reqwest::get(&metrics_url).await?.text().await?;
        let pending = text
            .lines()
            .find(|l| l.starts_with("qc_outbox_pending "))
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|v| v.parse::<f64>().ok());
        if pending == Some(0.0) || waited.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(waited.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let registry = Api::new(&args.registry, Some(args.operator_token.clone()))?;
    let school = Api::new(&args.delivery, Some(args.operator_token.clone()))?;
    let officer = Api::new(&args.delivery, Some(args.officer_token.clone()))?;
    let (institution, venue, teacher, capacity) = school_facts(&registry).await?;
    let year = ids::business_date(chrono::Utc::now())
        .format("%Y")
        .to_string()
        .parse::<i32>()?;

    // Classes that start in a minute, so that check-ins may be taken now.
    let start = chrono::Utc::now() + chrono::Duration::minutes(1);
    let mut classes = Vec::new();
    for _ in 0..args.trainees.div_ceil(capacity) {
        let class = json!({
            "institution_id": institution, "occupation_code": "6-31-01-03", "skill_level": "senior", "year": year,
            "capacity": capacity, "funding_route": "voucher",
            "plan": { "curriculum": [{ "topic": "bench", "theory_hours": 1, "practice_hours": 1 }], "safety_content": "安全", "materials": [] },
            "sessions": [{ "starts_at": start, "ends_at": start + chrono::Duration::hours(3), "venue_id": venue, "teacher_id": teacher }],
        });
        let (status, filed) = school.post("/v1/classes", &class, None).await?;
        if status != 201 {
            bail!("filing: {status} {filed}");
        }
        let id = e2e::text(&filed, "id").context("class id")?.to_owned();
        officer
            .post(&format!("/v1/classes/{id}/approve"), &json!({}), None)
            .await?;
        classes.push(id);
    }

    // Each class in turn takes `capacity` trainees.
    let work: Vec<(String, usize)> = classes
        .iter()
        .flat_map(|class| std::iter::repeat_n(class, capacity))
        .zip(0..args.trainees)
        .map(|(class, n)| (class.clone(), n))
        .collect();
    let started = Instant::now();
    let enrolled: Vec<anyhow::Result<(String, String)>> = stream::iter(work)
        .map(|(class, n)| {
            let school = school.clone();
            async move {
                let trainee = json!({ "citizen_id": citizen_id(n)?, "name": "学员", "phone": "13912345678", "target_group": "registered_unemployed" });
                let (status, answer) = school.post(&format!("/v1/classes/{class}/enrolments"), &trainee, None).await?;
                if status != 201 {
                    bail!("enrolling: {status} {answer}");
                }
                Ok((class, e2e::text(&answer, "id").context("enrolment id")?.to_owned()))
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let enrol_secs = started.elapsed().as_secs_f64();
    let enrolled: Vec<(String, String)> = enrolled.into_iter().collect::<anyhow::Result<_>>()?;

    let started = Instant::now();
    let checked: Vec<anyhow::Result<()>> = stream::iter(enrolled)
        .map(|(class, enrolment)| {
            let school = school.clone();
            async move {
                let mark = json!({ "enrolment_id": enrolment, "session_seq": 1, "kind": "check_in", "at": start });
                let (status, answer) = school.post(&format!("/v1/classes/{class}/attendance"), &mark, None).await?;
                if status != 201 {
                    bail!("checking in: {status} {answer}");
                }
                Ok(())
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let check_secs = started.elapsed().as_secs_f64();
    checked.into_iter().collect::<anyhow::Result<Vec<()>>>()?;

    let drain = outbox_drained(&args.delivery).await?;
    let n = args.trainees as f64;
    println!("delivery enrolments={} enrol_per_sec={:.0} checkins_per_sec={:.0} events_on_topic_after_last_request_ms={:.0}", args.trainees, n / enrol_secs, n / check_secs, drain * 1000.0);
    Ok(())
}
