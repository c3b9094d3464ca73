//! Every service fuzzed from its own checked-in OpenAPI document by
//! Schemathesis, as an integrator's generated client would call it: each
//! request as one of every role or an anonymous caller, chosen from the
//! case itself so a replay reproduces it. No server error, no status,
//! schema or content type the document does not declare.

use std::path::Path;
use std::process::Command;

use platform::auth::Role;

use crate::process::{secrets, Process};

const SERVICES: [&str; 7] = [
    "demand-catalog",
    "institution-registry",
    "training-delivery",
    "skill-assessment",
    "employment-tracking",
    "subsidy-payment",
    "performance-evaluation",
];
/// Cases per operation: enough to reach every documented answer, few
/// enough for `make test` on two cores.
const EXAMPLES: &str = "10";
/// Fixed, so a failure found in CI is found again on a laptop.
const SEED: &str = "20261201";

/// A token for every role of the city (an organisation for those acting
/// for one) and none: the callers a request is sent as.
fn callers() -> String {
    let org = ids::CreditCode::with_check_char("91350100MA2Y0A0B1").expect("credit code");
    let org = org.as_str();
    let mut tokens: Vec<String> = Role::ALL
        .into_iter()
        .map(|role| {
            let city = (!matches!(role, Role::Trainee | Role::Province)).then_some("350100");
            let org = role.acts_for_organisation().then_some(org);
            test_support::token(role, city, org)
        })
        .collect();
    tokens.push(String::new());
    serde_json::to_string(&tokens).expect("tokens")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_answers_fuzzed_requests_as_its_contract_says() {
    let st = std::env::var("QC_SCHEMATHESIS")
        .expect("QC_SCHEMATHESIS names the Schemathesis CLI (`make test` installs it)");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let kafka = test_support::kafka();
    let bank = std::env::temp_dir().join(format!("qc-st-bank-{}", test_support::unique_tag()));
    let tokens = callers();
    let work = std::env::temp_dir().join(format!("qc-st-{}", test_support::unique_tag()));
    std::fs::create_dir_all(&work).expect("a working directory");
    let mut failures = Vec::new();
    for name in SERVICES {
        let service =
            Process::new(name, &kafka, &test_support::redis(), &secrets(name, &bank)).await;
        service.set_up();
        let served = service.serve().await;
        let document = root.join(format!("openapi/{name}.json"));
        let out = Command::new(&st)
            .arg("run")
            .arg(&document)
            .args(["--url", &service.base()])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance",
            ])
            .args(["--max-examples", EXAMPLES, "--seed", SEED])
            .args(["--no-color", "--suppress-health-check", "all"])
            // Its cache of earlier runs is made in a directory of this run's
            // own: every run starts from the seed alone.
            .current_dir(&work)
            .env("SCHEMATHESIS_HOOKS", "qc_hooks")
            .env("PYTHONPATH", root.join("e2e/schemathesis"))
            .env("QC_SCHEMATHESIS_TOKENS", &tokens)
            .output()
            .expect("schemathesis runs");
        drop(served);
        let report = String::from_utf8_lossy(&out.stdout);
        println!("{name}:\n{}", summary(&report));
        if !out.status.success() {
            failures.push(format!(
                "{name}:\n{report}\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&bank);
    let _ = std::fs::remove_dir_all(&work);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The run's closing lines: what was tested and how it ended.
fn summary(report: &str) -> String {
    let lines: Vec<&str> = report.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}
