//! Any service of the mesh, started in-process on a random port with a
//! database of its own, and HTTP helpers to talk to it.

use std::net::TcpListener;
use std::sync::OnceLock;
use std::time::Duration;

use messaging::KafkaConfig;
use platform::config::RedisConfig;
use reqwest::{Method, RequestBuilder, Response};
use runtime::{Running, Service};
use serde_json::Value;

use crate::TestDb;

/// How long tests wait for something asynchronous (an event, a consumer).
pub const WAIT: Duration = Duration::from_secs(30);

/// Spans need a tracer provider to get real ids; one per test process.
fn telemetry() {
    static GUARD: OnceLock<telemetry::TelemetryGuard> = OnceLock::new();
    GUARD.get_or_init(|| {
        let cfg = telemetry::TelemetryConfig {
            log_level: "warn".into(),
            ..telemetry::TelemetryConfig::default()
        };
        telemetry::init("test", &cfg).expect("telemetry")
    });
}

/// The broker and Redis namespaces several services of one test share, so
/// that one's events reach the other.
#[derive(Clone)]
pub struct Shared {
    pub kafka: KafkaConfig,
    pub redis: RedisConfig,
}

impl Shared {
    pub fn new() -> Self {
        Self {
            kafka: crate::kafka(),
            redis: crate::redis(),
        }
    }
}

impl Default for Shared {
    fn default() -> Self {
        Self::new()
    }
}

/// A running service.
pub struct TestApp<S: Service> {
    pub base: String,
    pub http: reqwest::Client,
    pub cfg: runtime::Config<S::Settings>,
    pub pool: db::DbPool,
    running: Option<Running>,
    replicas: Vec<Running>,
    _db: TestDb,
}

impl<S: Service> TestApp<S> {
    /// Starts the service for city 350100 on `shared` namespaces, after
    /// `adjust` had its say on the configuration. `dir` is the service's
    /// manifest directory (for its migrations).
    pub async fn start(
        dir: &str,
        shared: &Shared,
        adjust: impl FnOnce(&mut runtime::Config<S::Settings>),
    ) -> Self {
        telemetry();
        let db = TestDb::new(S::SCHEMA, S::MIGRATIONS, dir)
            .await
            .expect("test database");
        let mut cfg = runtime::Config::<S::Settings>::defaults(S::SCHEMA);
        cfg.instance.city = "350100".into();
        cfg.database = db.config(4);
        cfg.kafka = shared.kafka.clone();
        cfg.redis = shared.redis.clone();
        cfg.auth = crate::auth();
        cfg.http.workers = 1;
        adjust(&mut cfg);
        messaging::ensure_topics(&cfg.kafka, S::OWNED_TOPICS)
            .await
            .expect("topics");
        let pool = db::pool(&cfg.database).expect("pool");
        let listener = TcpListener::bind("127.0.0.1:0").expect("port");
        let running = runtime::start::<S>(&cfg, listener, true)
            .await
            .expect("service starts");
        Self {
            base: format!("http://{}", running.addr),
            http: client(),
            cfg,
            pool,
            running: Some(running),
            replicas: Vec::new(),
            _db: db,
        }
    }

    /// Starts another instance on the same database, Redis and broker (a
    /// second replica) and returns its base URL.
    pub async fn replica(&mut self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("port");
        let running = runtime::start::<S>(&self.cfg, listener, true)
            .await
            .expect("replica starts");
        let base = format!("http://{}", running.addr);
        self.replicas.push(running);
        base
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.base));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PUT, path, token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PATCH, path, token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn stop(mut self) {
        for running in self
            .running
            .take()
            .into_iter()
            .chain(self.replicas.drain(..))
        {
            running.stop().await.expect("clean stop");
        }
    }
}

/// An HTTP client that lets idle connections go before the server's
/// keep-alive (actix: 5 s) would, so it never reuses one being closed.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .expect("an HTTP client")
}

pub async fn body(res: Response) -> Value {
    res.json().await.expect("JSON body")
}

/// Asserts the answer is `status` (showing its body when it is not) and
/// returns the body.
pub async fn answered(res: Response, status: u16) -> Value {
    let got = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).expect("JSON body")
}

/// Asserts a problem+json answer and returns it.
pub async fn problem(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let p = body(res).await;
    assert_eq!(p["code"], code, "{p}");
    assert_eq!(p["status"], status);
    p
}

/// The `(field, code)` pairs of a validation problem.
pub fn fields(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_owned(),
                        e["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Fails when `openapi/<service>.json` differs from what the routes and
/// the access table generate; with `UPDATE_OPENAPI` set it rewrites it
/// first (`make openapi`). `root` is the workspace root.
pub fn assert_openapi_is_current<S: Service>(root: &str) {
    let doc = platform::openapi::document(&S::INFO, S::routes, S::ACCESS);
    assert_file_is_current(
        &format!("{root}/openapi/{}.json", S::INFO.name),
        &platform::openapi::to_pretty(&doc),
    );
    let problems = crate::openapi_lint::problems(&doc);
    assert!(
        problems.is_empty(),
        "openapi/{}.json: {} problem(s):\n{}",
        S::INFO.name,
        problems.len(),
        problems.join("\n")
    );
}

/// Fails when the checked-in contract `path` differs from `generated`; with
/// `UPDATE_OPENAPI` set (`make openapi`) it rewrites it first.
pub fn assert_file_is_current(path: &str, generated: &str) {
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, generated).expect("write the contract");
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{path} is out of date: run `make openapi`"
    );
}
