//! Prepares the certificate-verification benchmark: a body, a session and
//! one certificate. Prints the public verification path for `wrk`.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use anyhow::Context as _;
use clap::Parser;
use e2e::assessment::{examine, prepare_body, schedule};
use e2e::Api;
use serde_json::json;

#[derive(Parser)]
struct Args {
    /// Base URL of skill-assessment.
    #[arg(long)]
    assessment: String,
    /// A bureau officer's token for the city.
    #[arg(long)]
    officer_token: String,
    /// An assessor's token for the body (its org = `credit_code`).
    #[arg(long)]
    body_token: String,
    #[arg(long)]
    credit_code: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let officer = Api::new(&args.assessment, Some(args.officer_token))?;
    let body = Api::new(&args.assessment, Some(args.body_token))?;
    let filed = prepare_body(
        &officer,
        &body,
        &args.credit_code,
        "福州市职业技能鉴定指导中心",
        "social_organisation",
        &[("4-10-01-05", "junior")],
    )
    .await?;
    let session = schedule(&body, &filed, "4-10-01-05", "junior", "bench-session").await?;
    let candidate = json!({ "citizen_id": "350102199003071234", "name": "林晓明", "route": "direct", "experience_years": 0 });
    let certificate = examine(&body, &session, &candidate, (90, 90))
        .await?
        .context("the bench candidate passed")?;
    let number = e2e::text(&certificate, "certificate_no").context("certificate number")?;
    let name: String = "林晓明".bytes().map(|b| format!("%{b:02X}")).collect();
    println!("/v1/public/certificates/verify?number={number}&holder_name={name}");
    Ok(())
}
