//! Subsidy throughput for `make bench`: claims evaluated and paid per
//! second, end to end. Publishes the evidence of `--claims` trainees (a
//! completion and a certificate each, as delivery and assessment would),
//! waits until subsidy-payment has approved every training subsidy, then
//! pays them: a payout batch, its bank file, the bank's result imported.
//!
//! It also counts the rows the subsidy schema wrote per claim (from
//! `pg_stat_user_tables`) and writes that number to `--writes-file`, so
//! `make bench` can run pgbench with a transaction of as many writes.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "figures are computed in floats from small counts"
)]

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use e2e::evidence::{self, Evidence, CITY, STANDARD};
use ids::{Fen, PersonIdKey};
use messaging::{KafkaConfig, Relay};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    /// subsidy-payment's base URL.
    #[arg(long)]
    service: String,
    /// A bureau officer's token for city 350100.
    #[arg(long)]
    officer_token: String,
    /// A second officer's token (another subject): approves what the first
    /// proposes.
    #[arg(long)]
    checker_token: String,
    /// The stand-in bank's signing key (PKCS#8 PEM), whose JWKS the service
    /// has as `service.bank.result_keys`.
    #[arg(long)]
    bank_key: String,
    /// A service role's database URL whose schema has an outbox table (the
    /// evidence is relayed from there, as its producer would).
    #[arg(long)]
    outbox_url: String,
    /// subsidy-payment's own database URL (to count its writes).
    #[arg(long)]
    subsidy_url: String,
    #[arg(long, default_value = "127.0.0.1:9092")]
    brokers: String,
    #[arg(long, default_value = "")]
    topic_prefix: String,
    /// The province-wide person_id key.
    #[arg(long)]
    person_id_key: String,
    #[arg(long, default_value_t = 2000)]
    claims: usize,
    /// Where to write the rows written per claim.
    #[arg(long)]
    writes_file: Option<String>,
}

#[derive(diesel::QueryableByName)]
struct Writes {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Rows inserted, updated and deleted in the subsidy schema so far.
async fn writes(pool: &db::DbPool) -> anyhow::Result<i64> {
    // Statistics reach the view within a second of a backend going idle.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut conn = pool.get().await?;
    let w: Writes = diesel::sql_query(
        "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint AS n \
         FROM pg_stat_user_tables WHERE schemaname = 'subsidy_payment'",
    )
    .get_result(&mut conn)
    .await?;
    Ok(w.n)
}

async fn payable(http: &reqwest::Client, args: &Args, year: i32) -> anyhow::Result<i64> {
    let pots: Value = http
        .get(format!("{}/v1/budgets?year={year}", args.service))
        .bearer_auth(&args.officer_token)
        .send()
        .await?
        .json()
        .await?;
    Ok(pots
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["fund"] == "employment_subsidy")
        .map(|p| p["payable_fen"].as_i64().unwrap_or(0))
        .sum())
}

async fn send(
    http: &reqwest::Client,
    args: &Args,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> anyhow::Result<Value> {
    let mut req = http
        .request(method, format!("{}{path}", args.service))
        .bearer_auth(&args.officer_token);
    if let Some(b) = body {
        req = req.json(b);
    }
    settle(http, args, path, req.send().await?).await
}

/// A plain answer as it is; a proposal (202) approved by the second
/// officer, answered by what applying it did.
async fn settle(
    http: &reqwest::Client,
    args: &Args,
    path: &str,
    res: reqwest::Response,
) -> anyhow::Result<Value> {
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{path} answered {status}: {v}");
    }
    if status != reqwest::StatusCode::ACCEPTED {
        return Ok(v);
    }
    let id = e2e::text(&v, "id").unwrap_or_default();
    let res = http
        .post(format!("{}/v1/proposals/{id}/approve", args.service))
        .bearer_auth(&args.checker_token)
        .json(&json!({}))
        .send()
        .await?;
    let status = res.status();
    let decided: Value = res.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("approving {path} answered {status}: {decided}");
    }
    Ok(decided.get("outcome").cloned().unwrap_or(Value::Null))
}

/// Waits (30 minutes at most) until the payable balance reaches
/// `expected`: every claim of the run approved.
async fn all_approved(
    http: &reqwest::Client,
    args: &Args,
    year: i32,
    (before_payable, expected): (i64, i64),
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        let now = payable(http, args, year).await?;
        if now >= expected {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "approved {} of {} claims in 30 minutes",
                (now - before_payable) / STANDARD,
                args.claims
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The bank's result for every line of `batch`, all paid, signed with the
/// bank's key: (file, signature header, lines).
fn bank_result(args: &Args, batch: &Value) -> anyhow::Result<(String, String, usize)> {
    let mut result = String::from("reference,status,amount,reason\r\n");
    let mut lines = 0;
    for line in batch["lines"].as_array().into_iter().flatten() {
        let yuan = Fen::new(line["amount_fen"].as_i64().unwrap_or(0)).to_string();
        result.push_str(&format!(
            "{},success,{yuan},\r\n",
            line["reference"].as_str().unwrap_or_default()
        ));
        lines += 1;
    }
    let bank = subsidy_payment::BankSettings {
        signing_key: args.bank_key.clone(),
        ..Default::default()
    };
    let (key_id, key) = bank.signing_key()?;
    let signature = subsidy_payment::domain::file_signature::sign(&key, &key_id, result.as_bytes());
    Ok((result, signature, lines))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let run = u32::try_from(chrono::Utc::now().timestamp() / 60).unwrap_or(0);
    let key = PersonIdKey::from_base64(&args.person_id_key).context("person_id key")?;
    let evidence = Evidence::new(run, args.claims, &key)?;
    let year = evidence.year;
    let kafka = KafkaConfig {
        brokers: args.brokers.clone(),
        topic_prefix: args.topic_prefix.clone(),
        // The local broker of `make bench`.
        security_protocol: messaging::SecurityProtocol::Plaintext,
        ..KafkaConfig::default()
    };
    let outbox = db::pool(&db::DbConfig::local(args.outbox_url.clone(), 2))?;
    let subsidy = db::pool(&db::DbConfig::local(args.subsidy_url.clone(), 1))?;
    let http = reqwest::Client::new();

    // The budget, the standard and the institution come first.
    send(
        &http,
        &args,
        reqwest::Method::POST,
        "/v1/budgets/allocations",
        Some(&json!({ "fund": "employment_subsidy", "year": year.year(),
            "amount_fen": STANDARD * args.claims as i64, "memo": format!("bench run {run}") })),
    )
    .await?;
    let institution_id = evidence.institution_id;
    messaging::ensure_topics(&kafka, &evidence::TOPICS).await?;
    let before_payable = payable(&http, &args, year.year()).await?;
    let before_writes = writes(&subsidy).await?;

    let started = Instant::now();
    // Each owner's events from the outbox under its own source, as the
    // consumers accept them.
    for (owner, events) in evidence.by_owner()? {
        let mut conn = outbox.get().await?;
        for chunk in events.chunks(1000) {
            messaging::enqueue(&mut conn, chunk).await?;
        }
        let relay = Relay::new(outbox.clone(), &kafka, format!("/{CITY}/{owner}"))?;
        while relay.run_once().await? > 0 {}
    }
    let expected = before_payable + STANDARD * args.claims as i64;
    all_approved(&http, &args, year.year(), (before_payable, expected)).await?;
    let evaluated = started.elapsed().as_secs_f64();

    let payout_started = Instant::now();
    send(
        &http,
        &args,
        reqwest::Method::PUT,
        &format!("/v1/payees/institution:{institution_id}/bank-account"),
        Some(&json!({ "account_no": "6222020200112233445", "account_name": "基准培训学校" })),
    )
    .await?;
    let batch_no = format!("BENCH{run}");
    let batch = send(
        &http,
        &args,
        reqwest::Method::POST,
        "/v1/payout-batches",
        Some(&json!({ "batch_no": batch_no, "fund": "employment_subsidy" })),
    )
    .await?;
    let file = http
        .get(format!(
            "{}/v1/payout-batches/{batch_no}/file",
            args.service
        ))
        .bearer_auth(&args.officer_token)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let (result, signature, lines) = bank_result(&args, &batch)?;
    let path = format!("/v1/payout-batches/{batch_no}/result");
    let res = http
        .post(format!("{}{path}", args.service))
        .bearer_auth(&args.officer_token)
        .header("content-type", "text/csv")
        .header("x-signature", signature)
        .body(result)
        .send()
        .await?;
    settle(&http, &args, &path, res).await?;
    let paid = payout_started.elapsed().as_secs_f64();
    let total = started.elapsed().as_secs_f64();
    let per_claim = (writes(&subsidy).await? - before_writes) as f64 / args.claims as f64;
    if let Some(path) = &args.writes_file {
        std::fs::write(path, format!("{}\n", per_claim.round() as i64))?;
    }
    println!(
        "subsidy claims={} evaluated_seconds={evaluated:.2} evaluated_per_sec={:.0} payout_seconds={paid:.2} \
         bank_lines={lines} bank_file_bytes={} paid_end_to_end_per_sec={:.0} subsidy_rows_written_per_claim={per_claim:.1}",
        args.claims,
        args.claims as f64 / evaluated,
        file.len(),
        args.claims as f64 / total,
    );
    Ok(())
}
