//! demand-catalog as a real process, set up by its own subcommands, as a
//! platform team runs it: provision → migrate → topics → load-occupations →
//! serve; then an integrator's calls, the events on the broker, the trace in
//! an OTLP receiver, and a graceful stop on SIGTERM.

mod otlp;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use contracts::catalog::ENTRIES_TOPIC;
use e2e::Api;
use serde_json::json;
use test_support::{read_topic, TestDb};

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN: &str = "b7ad6b7169203331";

fn binary(name: &str) -> PathBuf {
    // Tests live in <target>/<profile>/deps; binaries one level up.
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    let bin = dir.join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bins` first (make test does)",
        bin.display()
    );
    bin
}

struct Service {
    env: Vec<(String, String)>,
}

impl Service {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary("demand-catalog"));
        cmd.args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("runs");
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_service_runs_as_a_process_and_traces_a_publication_end_to_end() {
    let db = TestDb::bare("demand_catalog").await.expect("database");
    let kafka = test_support::kafka();
    let redis = test_support::redis();
    let receiver = otlp::Receiver::start().await;
    let port = free_port();
    let env = [
        ("INSTANCE__CITY", "350100".to_owned()),
        ("HTTP__BIND", format!("127.0.0.1:{port}")),
        ("HTTP__WORKERS", "1".to_owned()),
        ("DATABASE__URL", db.url.clone()),
        ("KAFKA__BROKERS", kafka.brokers.clone()),
        ("KAFKA__TOPIC_PREFIX", kafka.topic_prefix.clone()),
        ("KAFKA__PARTITIONS", "1".to_owned()),
        ("KAFKA__RELAY_IDLE_MS", "50".to_owned()),
        ("REDIS__URL", redis.url.clone()),
        ("REDIS__KEY_PREFIX", redis.key_prefix.clone()),
        ("AUTH__JWT_SECRET", test_support::auth().jwt_secret),
        ("TELEMETRY__OTLP_ENDPOINT", receiver.endpoint()),
        ("TELEMETRY__LOG_FORMAT", "json".to_owned()),
    ];
    let service = Service {
        env: env
            .iter()
            .map(|(k, v)| (format!("QC_DEMAND_CATALOG_{k}"), v.clone()))
            .collect(),
    };

    // Set-up, exactly as the chart's migration job and `make up` do it.
    assert!(service
        .run(&["provision", "--admin-url", &db.admin_url()])
        .contains("in place"));
    assert!(service.run(&["migrate"]).contains("applied 2 migration(s)"));
    assert!(
        service.run(&["migrate"]).contains("applied 0 migration(s)"),
        "migrating twice is harmless"
    );
    assert!(service.run(&["topics"]).contains("catalog.entries.v1.dlq"));
    assert!(service.run(&["load-occupations"]).contains("(sample data)"));
    let token = service
        .run(&["dev-token", "--role", "bureau_officer", "--city", "350100"])
        .trim()
        .to_owned();

    let child = service
        .command(&["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let base = format!("http://127.0.0.1:{port}");
    let anonymous = Api::new(&base, None);
    let mut ready = false;
    for _ in 0..150 {
        if matches!(anonymous.get("/readyz").await, Ok((200, _))) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the service became ready");

    let officer = Api::new(&base, Some(token));
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
        .bearer_auth(
            service
                .run(&["dev-token", "--role", "bureau_officer", "--city", "350100"])
                .trim(),
        )
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
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "graceful exit: {:?}\n{logs}",
        out.status
    );
    assert!(
        logs.lines()
            .any(|l| l.starts_with('{') && l.contains(TRACE_ID)),
        "JSON logs carry the trace id"
    );

    // The trace: client → HTTP server span → producer span, one trace id.
    let spans = receiver
        .spans_of(TRACE_ID, Duration::from_secs(10), 3)
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
        producers.iter().all(|p| p.parent == server.id),
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
