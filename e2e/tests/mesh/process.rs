//! A service binary run as a platform team runs it: set up by its own
//! subcommands, configured by environment variables, served as a process.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use e2e::Api;
use messaging::KafkaConfig;
use platform::config::RedisConfig;
use test_support::TestDb;

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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

pub struct Process {
    pub name: &'static str,
    pub port: u16,
    env: Vec<(String, String)>,
    pub db: TestDb,
}

impl Process {
    /// A service on a database of its own (TLS as the tests' Postgres has
    /// it, served as the application role) and the given broker and Redis
    /// namespaces (over SCRAM as the service's own user where the broker
    /// demands it); `extra` are further `<SECTION>__<KEY>` settings.
    pub async fn new(
        name: &'static str,
        kafka: &KafkaConfig,
        redis: &RedisConfig,
        extra: &[(&str, String)],
    ) -> Self {
        let schema = name.replace('-', "_");
        let db = TestDb::bare(&schema).await.expect("database");
        let port = free_port();
        let prefix = format!("QC_{}_", schema.to_uppercase());
        // Each service is a SCRAM user of its own, as a city's KafkaUsers are.
        let kafka = &match kafka.security_protocol {
            messaging::SecurityProtocol::SaslSsl => KafkaConfig {
                sasl_username: name.to_owned(),
                sasl_password: test_support::scram_password(name),
                ..kafka.clone()
            },
            _ => kafka.clone(),
        };
        let auth = test_support::auth();
        let (sslmode, ca_file) = test_support::db_tls();
        let text = |v: serde_json::Value| v.as_str().expect("a string").to_owned();
        let sslmode = text(serde_json::to_value(sslmode).expect("mode"));
        let kafka_protocol = text(serde_json::to_value(kafka.security_protocol).expect("protocol"));
        let mut settings = vec![
            ("INSTANCE__CITY", "350100".to_owned()),
            ("HTTP__BIND", format!("127.0.0.1:{port}")),
            ("HTTP__WORKERS", "1".to_owned()),
            ("DATABASE__URL", db.url.clone()),
            ("DATABASE__OWNER_URL", db.owner_url.clone()),
            ("DATABASE__SSLMODE", sslmode),
            ("DATABASE__CA_FILE", ca_file),
            ("KAFKA__BROKERS", kafka.brokers.clone()),
            ("KAFKA__SECURITY_PROTOCOL", kafka_protocol),
            ("KAFKA__SASL_USERNAME", kafka.sasl_username.clone()),
            ("KAFKA__SASL_PASSWORD", kafka.sasl_password.clone()),
            ("KAFKA__CA_FILE", kafka.ca_file.clone()),
            ("KAFKA__TOPIC_PREFIX", kafka.topic_prefix.clone()),
            ("KAFKA__PARTITIONS", "1".to_owned()),
            ("KAFKA__RELAY_IDLE_MS", "50".to_owned()),
            ("REDIS__URL", redis.url.clone()),
            ("REDIS__CA_FILE", redis.ca_file.clone()),
            ("REDIS__KEY_PREFIX", redis.key_prefix.clone()),
            ("AUTH__ISSUER", auth.issuer),
            ("AUTH__JWKS_URL", auth.jwks_url),
            ("AUTH__LOCAL_SIGNING_KEY", auth.local_signing_key),
            ("TELEMETRY__LOG_FORMAT", "json".to_owned()),
        ];
        settings.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
        let env = settings
            .into_iter()
            .map(|(k, v)| (format!("{prefix}{k}"), v))
            .collect();
        Self {
            name,
            port,
            env,
            db,
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary(self.name));
        cmd.args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("runs");
        assert!(
            out.status.success(),
            "{} {args:?} failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// provision → migrate → topics, as the chart's job and `make up` do.
    pub fn set_up(&self) {
        assert!(self
            .run(&["provision", "--admin-url", &self.db.admin_url()])
            .contains("in place"));
        assert!(self.run(&["migrate"]).contains("migration(s)"));
        assert!(self.run(&["topics"]).contains(".dlq"));
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts `serve` and waits until `/readyz` says ready. Its log goes to
    /// a file: a pipe nobody reads until the end fills up and blocks the
    /// service's next log line.
    pub async fn serve(&self) -> Served {
        let log = std::env::temp_dir().join(format!("qc-e2e-{}-{}.log", self.name, self.port));
        let child = self
            .command(&["serve"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("serve");
        let child = Served { child, log };
        let probe = Api::new(&self.base(), None);
        for _ in 0..150 {
            if matches!(probe.get("/readyz").await, Ok((200, _))) {
                return child;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut child = child;
        let _ = child.child.kill();
        let _ = child.child.wait();
        panic!("{} did not become ready", self.name);
    }
}

/// A serving process and the file it logs to.
pub struct Served {
    child: Child,
    log: PathBuf,
}

/// SIGTERM, then the exit status and what the process logged.
pub async fn terminate(served: Served) -> (std::process::ExitStatus, String) {
    let Served { mut child, log } = served;
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    let logs = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    (status, logs)
}
