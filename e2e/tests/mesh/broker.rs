//! The local broker as `make up` runs it (Tansu with `sqlite://` storage in
//! its working directory) keeps what it acknowledged: topics and messages
//! survive a crash and a restart.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use messaging::KafkaConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use test_support::read_topic;

use crate::process::free_port;

const TOPIC: &str = "durable.things.v1";
const MESSAGES: usize = 200;

/// `tansu broker` as scripts/common.sh starts it for `make up`.
fn start(dir: &Path, port: u16) -> Child {
    let url = format!("tcp://127.0.0.1:{port}");
    Command::new("tansu")
        .current_dir(dir)
        .args(["broker", "--listener-url", &url])
        .args(["--advertised-listener-url", &url])
        .args(["--storage-engine", "sqlite://tansu.db"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("tansu.log")).expect("log file"))
        .spawn()
        .expect("tansu is installed (make test installs it)")
}

async fn wait_until_listening(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the broker did not listen on {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_durable_local_broker_keeps_every_acknowledged_message_through_a_crash() {
    let dir = std::env::temp_dir().join(format!("qc-tansu-{}", test_support::unique_tag()));
    std::fs::create_dir_all(&dir).expect("broker directory");
    let port = free_port();
    let mut broker = start(&dir, port);
    wait_until_listening(port).await;
    let kafka = KafkaConfig {
        brokers: format!("127.0.0.1:{port}"),
        ..test_support::kafka()
    };
    messaging::ensure_topics(&kafka, &[TOPIC])
        .await
        .expect("topics");
    let topic = kafka.topic(TOPIC);
    let producer: FutureProducer = kafka.producer_client().create().expect("producer");
    for n in 0..MESSAGES {
        let key = n.to_string();
        let payload = serde_json::json!({ "n": n }).to_string();
        producer
            .send(
                FutureRecord::to(&topic).key(&key).payload(&payload),
                Duration::from_secs(10),
            )
            .await
            .expect("acknowledged");
    }
    drop(producer);

    // A crash: no chance to flush anything not already stored.
    broker.kill().expect("SIGKILL");
    broker.wait().expect("reaped");
    let mut broker = start(&dir, port);
    wait_until_listening(port).await;

    let read = read_topic(&kafka, &topic, MESSAGES + 1, Duration::from_secs(10))
        .await
        .expect("read");
    let keys: Vec<String> = read.iter().filter_map(|r| r.key.clone()).collect();
    let sent: Vec<String> = (0..MESSAGES).map(|n| n.to_string()).collect();
    assert_eq!(keys, sent);
    // The dead-letter topic was kept too, with its retention.
    assert_eq!(
        test_support::topic_retention_ms(&kafka, &messaging::dlq_topic(&topic))
            .await
            .expect("describe"),
        Some(i64::from(kafka.dlq_retention_days) * 86_400_000)
    );
    broker.kill().expect("SIGKILL");
    broker.wait().expect("reaped");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
