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

/// The keys of personal data as the walk and the fault suite configure
/// them: encryption, lookup (subsidy, delivery, assessment) and the
/// province's person_id key (delivery, assessment, employment).
pub const PII_KEYS: [(&str, &str); 3] = [
    (
        "SERVICE__PII_ENCRYPTION_KEYS",
        test_support::keys::PII_ENCRYPTION_KEYS,
    ),
    (
        "SERVICE__PII_LOOKUP_KEY",
        test_support::keys::PII_LOOKUP_KEY,
    ),
    ("SERVICE__PERSON_ID_KEY", test_support::keys::PERSON_ID_KEY),
];

/// Settings from `(key, value)` pairs such as [`PII_KEYS`].
pub fn settings(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// Subsidy payment's bank keys, made in `dir`: the city's key its files
/// are signed with, and the bank's JWKS its results are checked against.
/// Returns the settings and the bank's signing key.
pub fn bank_settings(dir: &std::path::Path) -> (Vec<(&'static str, String)>, PathBuf) {
    let (city_file_key, _) =
        platform::auth::Signer::ensure_files(&dir.join("city")).expect("city file key");
    let (bank_key, bank_jwks) =
        platform::auth::Signer::ensure_files(&dir.join("bank")).expect("bank key");
    let settings = vec![
        (
            "SERVICE__BANK__SIGNING_KEY",
            city_file_key.display().to_string(),
        ),
        (
            "SERVICE__BANK__RESULT_KEYS",
            bank_jwks.display().to_string(),
        ),
    ];
    (settings, bank_key)
}

/// The secrets a service needs of its own, as its chart's Secret gives them:
/// the PII keys it uses, assessment's credential secret, subsidy payment's
/// bank keys (made in `bank_dir`).
pub fn secrets(service: &str, bank_dir: &std::path::Path) -> Vec<(&'static str, String)> {
    let keys = settings(&PII_KEYS);
    match service {
        "training-delivery" => keys,
        "skill-assessment" => {
            let mut all = keys;
            all.push((
                "SERVICE__CREDENTIAL_SECRET",
                "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=".to_owned(),
            ));
            all
        }
        "employment-tracking" => keys[2..].to_vec(),
        "subsidy-payment" => {
            let mut all = keys[..2].to_vec();
            all.extend(bank_settings(bank_dir).0);
            all
        }
        _ => Vec::new(),
    }
}

/// `QC_<SERVICE>_`: where a service's environment settings start.
fn env_prefix(service: &str) -> String {
    format!("QC_{}_", service.replace('-', "_").to_uppercase())
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
    /// Replica n's port; the first is `port`.
    replica_ports: [u16; 3],
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
        let replica_ports = [free_port(), free_port(), free_port()];
        let port = replica_ports[0];
        let prefix = env_prefix(name);
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
            replica_ports,
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

    /// Replaces one `<SECTION>__<KEY>` setting.
    pub fn set(&mut self, key: &str, value: String) {
        let name = format!("{}{key}", env_prefix(self.name));
        self.env.retain(|(k, _)| *k != name);
        self.env.push((name, value));
    }

    /// Starts `serve` and waits until `/readyz` says ready.
    pub async fn serve(&self) -> Served {
        self.serve_on(self.port, &[]).await
    }

    /// The base URL of replica `n` (0 is [`Process::base`]).
    pub fn replica_base(&self, n: usize) -> String {
        format!("http://127.0.0.1:{}", self.replica_port(n))
    }

    fn replica_port(&self, n: usize) -> u16 {
        self.replica_ports[n]
    }

    /// Replica `n` of the service: its own port, and a stable member of
    /// its consumer groups (static membership) under `<service>-<n>`, as a
    /// pod is under its name.
    pub async fn serve_replica(&self, n: usize) -> Served {
        let port = self.replica_port(n);
        let overrides = [
            ("HTTP__BIND", format!("127.0.0.1:{port}")),
            ("KAFKA__GROUP_INSTANCE_ID", format!("{}-{n}", self.name)),
        ];
        self.serve_on(port, &overrides).await
    }

    /// Its log goes to a file: a pipe nobody reads until the end fills up
    /// and blocks the service's next log line.
    async fn serve_on(&self, port: u16, overrides: &[(&str, String)]) -> Served {
        let log = std::env::temp_dir().join(format!("qc-e2e-{}-{port}.log", self.name));
        let prefix = env_prefix(self.name);
        let child = self
            .command(&["serve"])
            .envs(overrides.iter().map(|(k, v)| (format!("{prefix}{k}"), v)))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("serve");
        let child = Served {
            child: Some(child),
            log,
        };
        let probe = Api::new(&format!("http://127.0.0.1:{port}"), None).expect("an HTTP client");
        // A failed wait unwinds through `child`: the process is killed.
        test_support::eventually(Duration::from_secs(15), || async {
            match probe.get("/readyz").await {
                Ok((200, _)) => Ok(()),
                Ok((status, answer)) => Err(format!("{} ready: {status} {answer}", self.name)),
                Err(e) => Err(format!("{} ready: {e:#}", self.name)),
            }
        })
        .await;
        child
    }
}

/// A serving process and the file it logs to. A test that fails leaves
/// no process behind: dropped, it is killed and its log removed.
pub struct Served {
    child: Option<Child>,
    log: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// SIGKILL: a crash, with no chance to finish or commit anything.
pub fn kill(mut served: Served) {
    let mut child = served.child.take().expect("running");
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

/// SIGTERM, then the exit status and what the process logged.
pub async fn terminate(mut served: Served) -> (std::process::ExitStatus, String) {
    let mut child = served.child.take().expect("running");
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
    let logs = std::fs::read_to_string(&served.log).unwrap_or_default();
    (status, logs)
}
