//! The local broker as `make up` runs it (Tansu with `sqlite://` storage in
//! its working directory) keeps what it acknowledged: topics and messages
//! survive a crash and a restart.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use messaging::KafkaConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use test_support::read_topic;

use crate::process::free_port;

const TOPIC: &str = "durable.things.v1";
const MESSAGES: usize = 200;

/// `tansu broker` as scripts/common.sh starts it for `make up`, in a
/// directory and on a port of its own.
pub struct Broker {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
}

impl Broker {
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("qc-tansu-{}", test_support::unique_tag()));
        std::fs::create_dir_all(&dir).expect("broker directory");
        let mut broker = Self {
            child: None,
            dir,
            port: free_port(),
        };
        broker.restart().await;
        broker
    }

    /// Plaintext to this broker, topics under a prefix of the test's own.
    pub fn kafka(&self) -> KafkaConfig {
        KafkaConfig {
            brokers: format!("127.0.0.1:{}", self.port),
            ..test_support::kafka()
        }
    }

    /// SIGKILL: no chance to flush anything not already stored.
    pub fn crash(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
        }
    }

    /// Starts it (again) on its directory and port.
    pub async fn restart(&mut self) {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("tansu.log"))
            .expect("log file");
        self.child = Some(
            Command::new("tansu")
                .current_dir(&self.dir)
                .args(["broker", "--listener-url", &url])
                .args(["--advertised-listener-url", &url])
                .args(["--storage-engine", "sqlite://tansu.db"])
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("tansu is installed (make test installs it)"),
        );
        test_support::eventually(Duration::from_secs(10), || async {
            tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .map(drop)
                .map_err(|e| format!("the broker listening on {}: {e}", self.port))
        })
        .await;
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.crash();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_durable_local_broker_keeps_every_acknowledged_message_through_a_crash() {
    let mut broker = Broker::start().await;
    let kafka = broker.kafka();
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

    broker.crash();
    broker.restart().await;

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
}
