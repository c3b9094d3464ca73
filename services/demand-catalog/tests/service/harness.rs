//! Starts the service in-process on a random port with its own database,
//! topic prefix and Redis prefix.

use std::net::TcpListener;
use std::sync::OnceLock;
use std::time::Duration;

use demand_catalog::{Config, DemandCatalog};
use messaging::KafkaConfig;
use platform::auth::Role;
use reqwest::{Method, RequestBuilder, Response};
use runtime::{Running, Service};
use serde_json::{json, Value};
use test_support::TestDb;

pub const CITY: &str = "350100";
pub const WAIT: Duration = Duration::from_secs(30);

pub struct App {
    pub base: String,
    pub http: reqwest::Client,
    pub kafka: KafkaConfig,
    pub pool: db::DbPool,
    cfg: Config,
    running: Option<Running>,
    replicas: Vec<Running>,
    _db: TestDb,
}

/// Spans need a tracer provider to get real ids; one per test process.
fn telemetry() {
    static GUARD: OnceLock<telemetry::TelemetryGuard> = OnceLock::new();
    GUARD.get_or_init(|| {
        let cfg = telemetry::TelemetryConfig {
            log_level: "warn".into(),
            ..telemetry::TelemetryConfig::default()
        };
        telemetry::init("demand-catalog-test", &cfg).expect("telemetry")
    });
}

pub async fn app() -> App {
    app_with(|_| {}).await
}

pub async fn app_with(adjust: impl FnOnce(&mut Config)) -> App {
    telemetry();
    let db = TestDb::new(
        DemandCatalog::SCHEMA,
        DemandCatalog::MIGRATIONS,
        env!("CARGO_MANIFEST_DIR"),
    )
    .await
    .expect("test database");
    let mut cfg = Config::defaults(DemandCatalog::SCHEMA);
    cfg.instance.city = CITY.into();
    cfg.database.url = db.url.clone();
    cfg.database.pool_size = 4;
    cfg.kafka = test_support::kafka();
    cfg.redis = test_support::redis();
    cfg.auth = test_support::auth();
    cfg.http.workers = 1;
    adjust(&mut cfg);
    messaging::ensure_topics(&cfg.kafka, &demand_catalog::events::OWNED_TOPICS)
        .await
        .expect("topics");
    let pool = db::pool(&cfg.database).expect("pool");
    let sample =
        demand_catalog::occupations_file::parse(include_str!("../../data/occupations.sample.csv"))
            .expect("sample");
    let mut conn = pool.get().await.expect("conn");
    demand_catalog::store::occupations::upsert(&mut conn, &sample, true)
        .await
        .expect("occupations");
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let running = runtime::start::<DemandCatalog>(&cfg, listener, true)
        .await
        .expect("service starts");
    App {
        base: format!("http://{}", running.addr),
        http: reqwest::Client::new(),
        kafka: cfg.kafka.clone(),
        pool,
        cfg,
        running: Some(running),
        replicas: Vec::new(),
        _db: db,
    }
}

impl App {
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

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PATCH, path, token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Creates a draft catalogue and returns its id.
    pub async fn draft(&self, token: &str, year: i32) -> String {
        let res = self
            .post(
                "/v1/catalogues",
                Some(token),
                &json!({ "city": CITY, "year": year }),
            )
            .await;
        assert_eq!(res.status(), 201);
        body(res).await["id"].as_str().expect("id").to_owned()
    }

    /// Adds an entry and returns its id.
    pub async fn add_entry(
        &self,
        token: &str,
        catalogue: &str,
        code: &str,
        level: &str,
        year: i32,
    ) -> String {
        let res = self
            .post(
                &format!("/v1/catalogues/{catalogue}/entries"),
                Some(token),
                &entry(code, level, year),
            )
            .await;
        assert_eq!(
            res.status(),
            201,
            "{}",
            res.text().await.unwrap_or_default()
        );
        body(res).await["id"].as_str().expect("id").to_owned()
    }

    /// Starts another instance on the same database, Redis and broker (a
    /// second replica) and returns its base URL.
    pub async fn replica(&mut self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("port");
        let running = runtime::start::<DemandCatalog>(&self.cfg, listener, true)
            .await
            .expect("replica starts");
        let base = format!("http://{}", running.addr);
        self.replicas.push(running);
        base
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

pub fn entry(code: &str, level: &str, year: i32) -> Value {
    json!({
        "occupation_code": code,
        "skill_level": level,
        "urgent": true,
        "subsidy_fen": 150000,
        "valid_from": format!("{year}-01-01"),
        "valid_to": format!("{year}-12-31"),
    })
}

pub fn officer(city: &str) -> String {
    test_support::token(Role::BureauOfficer, Some(city), None)
}

pub async fn body(res: Response) -> Value {
    res.json().await.expect("JSON body")
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
