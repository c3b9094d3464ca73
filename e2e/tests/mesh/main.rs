//! The services as real processes, set up by their own subcommands as a
//! platform team runs them (provision → migrate → topics → serve): the
//! catalogue's trace end to end, and the walk from a published catalogue to
//! completion events across catalogue, registry and delivery.

// Test code outside #[test] functions fails the test by panicking; its
// counts and durations are small, so their casts cannot truncate.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

mod broker;
mod faults;
mod fuzz;
mod otlp;
mod process;
mod rooms;
mod walk;

use std::time::Duration;

use contracts::catalog::ENTRIES_TOPIC;
use e2e::Api;
use process::{terminate, Process};
use serde_json::json;
use test_support::read_topic;

/// `docs/authorization.md` is what the services' access tables render
/// (each service's matrix test checks its table against the running
/// service).
#[test]
fn the_checked_in_authorization_page_matches_the_access_tables() {
    use runtime::Service;
    fn table<S: Service>() -> (&'static str, &'static [platform::access::Rule]) {
        (S::INFO.name, S::ACCESS)
    }
    let page = platform::access::markdown(&[
        table::<demand_catalog::DemandCatalog>(),
        table::<institution_registry::InstitutionRegistry>(),
        table::<training_delivery::TrainingDelivery>(),
        table::<skill_assessment::SkillAssessment>(),
        table::<employment_tracking::EmploymentTracking>(),
        table::<subsidy_payment::SubsidyPayment>(),
        table::<performance_evaluation::PerformanceEvaluation>(),
    ]);
    test_support::assert_file_is_current(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/authorization.md"),
        &page,
    );
}

/// `asyncapi/<service>.json`, each service's topics as a subscriber's
/// contract, is what `libs/contracts` generates (`make openapi` rewrites
/// them; `make openapi-check` also validates them with AsyncAPI's parser).
#[test]
fn the_checked_in_asyncapi_documents_match_the_contracts() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../asyncapi");
    for owner in [
        "demand-catalog",
        "institution-registry",
        "training-delivery",
        "skill-assessment",
        "employment-tracking",
        "subsidy-payment",
        "performance-evaluation",
    ] {
        let doc = contracts::asyncapi::document(owner, env!("CARGO_PKG_VERSION"));
        let text = serde_json::to_string_pretty(&doc).expect("serialises") + "\n";
        test_support::assert_file_is_current(&format!("{root}/{owner}.json"), &text);
    }
}

/// A client generated for the whole mesh (or a gateway in front of it)
/// names each operation once: operationIds are unique across all seven
/// checked-in documents, not only within each.
#[test]
fn the_checked_in_documents_name_every_operation_once_across_the_mesh() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi");
    let mut names = std::collections::BTreeMap::<String, Vec<String>>::new();
    let mut operations = 0;
    for entry in std::fs::read_dir(root).expect("openapi/ is readable") {
        let path = entry.expect("a directory entry").path();
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("a document")).expect("JSON");
        for (method, route, operation) in test_support::openapi_lint::operations(&doc) {
            operations += 1;
            let id = operation["operationId"].as_str().unwrap_or_default();
            names.entry(id.to_owned()).or_default().push(format!(
                "{} {method} {route}",
                path.file_stem().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    let repeated: Vec<_> = names.iter().filter(|(_, uses)| uses.len() > 1).collect();
    assert_eq!(repeated, Vec::<(&String, &Vec<String>)>::new());
    assert_eq!(names.len(), operations);
}

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN: &str = "b7ad6b7169203331";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_service_runs_as_a_process_and_traces_a_publication_end_to_end() {
    let kafka = test_support::kafka();
    let receiver = otlp::Receiver::start().await;
    let extra = [("TELEMETRY__OTLP_ENDPOINT", receiver.endpoint())];
    let service = Process::new("demand-catalog", &kafka, &test_support::redis(), &extra).await;

    // Set-up, exactly as the chart's migration job and `make up` do it.
    service.set_up();
    assert!(
        service.run(&["migrate"]).contains("applied 0 migration(s)"),
        "migrating twice is harmless"
    );
    assert!(service.run(&["load-occupations"]).contains("(sample data)"));
    let token = service
        .run(&["dev-token", "--role", "bureau_officer", "--city", "350100"])
        .trim()
        .to_owned();
    let child = service.serve().await;
    let base = service.base();
    let anonymous = Api::new(&base, None).expect("an HTTP client");

    let officer = Api::new(&base, Some(token.clone())).expect("an HTTP client");
    let (status, cat) = officer
        .post(
            "/v1/catalogues",
            &json!({ "city": "350100", "year": 2026 }),
            Some("e2e-1"),
        )
        .await
        .expect("create");
    assert_eq!(status, 201);
    let id = cat["id"].as_str().expect("id");
    let entry = json!({ "occupation_code": "4-10-01-05", "skill_level": "junior", "urgent": true, "subsidy_fen": 120000, "valid_from": "2026-01-01", "valid_to": "2026-12-31" });
    let (status, _) = officer
        .post(&format!("/v1/catalogues/{id}/entries"), &entry, None)
        .await
        .expect("entry");
    assert_eq!(status, 201);
    let published = reqwest::Client::new()
        .post(format!("{base}/v1/catalogues/{id}/publish"))
        .bearer_auth(&token)
        .header("traceparent", format!("00-{TRACE_ID}-{CLIENT_SPAN}-01"))
        .send()
        .await
        .expect("publish");
    assert_eq!(published.status(), 200);

    let events = read_topic(
        &kafka,
        &kafka.topic(ENTRIES_TOPIC),
        1,
        Duration::from_secs(30),
    )
    .await
    .expect("topic");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payload["occupation_name"], "养老护理员");
    let (status, public) = anonymous
        .get("/v1/public/catalogues/350100/2026")
        .await
        .expect("public read");
    assert_eq!(status, 200);
    assert_eq!(public["entries"][0]["subsidy_fen"], 120000);

    // SIGTERM: in-flight work finishes, spans are flushed, the exit is clean.
    let (status, logs) = terminate(child).await;
    assert!(status.success(), "graceful exit: {status:?}\n{logs}");
    assert!(
        logs.lines()
            .any(|l| l.starts_with('{') && l.contains(TRACE_ID)),
        "JSON logs carry the trace id"
    );

    // The trace: client → HTTP server span → producer span, one trace id.
    let spans = receiver
        .spans_of(TRACE_ID, Duration::from_secs(10), |spans| {
            let producers = spans.iter().filter(|s| s.kind == otlp::PRODUCER).count();
            if spans.iter().any(|s| s.kind == otlp::SERVER) && producers >= 2 {
                Ok(())
            } else {
                Err(format!(
                    "a server span and 2 producer spans ({producers} producers): {spans:?}"
                ))
            }
        })
        .await;
    let server = spans
        .iter()
        .find(|s| s.kind == otlp::SERVER && s.name.contains("/publish"))
        .expect("a server span for the request");
    assert_eq!(
        server.parent, CLIENT_SPAN,
        "the server span continues the caller's span"
    );
    let producers: Vec<_> = spans.iter().filter(|s| s.kind == otlp::PRODUCER).collect();
    assert_eq!(
        producers.len(),
        2,
        "one entry event and one catalogue event: {spans:?}"
    );
    assert!(
        producers
            .iter()
            .all(|p| otlp::descends(&spans, p, &server.id)),
        "events are published under the request"
    );
    let producer = producers
        .iter()
        .find(|s| s.name == "catalog.entries.v1 publish")
        .expect("the entry event's span");
    let traceparent = &events[0].headers["traceparent"];
    assert!(
        traceparent.contains(&producer.id),
        "the message carries the producer span as parent for consumers"
    );
}
