//! The operational surface and the checked-in OpenAPI contract.

use demand_catalog::DemandCatalog;

use test_support::Outage;

use crate::harness::{app, app_with, body, problem};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_metrics_docs_and_request_ids() {
    let app = app().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), 200);
    let ready = body(app.get("/readyz", None).await).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    for check in ["database", "redis", "broker"] {
        assert_eq!(ready["checks"][check], "ok");
    }
    assert_eq!(ready["required"], serde_json::json!(["database"]));
    let spec = body(app.get("/openapi.json", None).await).await;
    assert_eq!(spec["info"]["title"], "demand-catalog");
    assert!(spec["paths"]["/v1/public/catalogues/{city}/{year}"]["get"].is_object());
    assert_eq!(app.get("/docs/", None).await.status(), 200);

    let res = app
        .request(reqwest::Method::GET, "/healthz", None)
        .header("x-request-id", "req-42")
        .send()
        .await
        .expect("send");
    assert_eq!(res.headers()["x-request-id"], "req-42");
    let res = app.get("/healthz", None).await;
    assert!(
        res.headers().contains_key("x-request-id"),
        "one is made up when none is sent"
    );

    problem(
        app.get("/v1/nothing-here", None).await,
        404,
        "route_not_found",
    )
    .await;
    // The relay reports the outbox backlog after each round.
    let mut metrics = String::new();
    for _ in 0..100 {
        metrics = app.get("/metrics", None).await.text().await.expect("text");
        if metrics.contains("qc_outbox_pending") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(metrics.contains("qc_outbox_pending"), "{metrics}");
    assert!(
        metrics
            .contains("qc_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
        "{metrics}"
    );
    app.stop().await;
}

/// Readiness follows what serving needs, the database. Redis away is
/// reported (`/readyz`, `/healthz`, `qc_dependency_up`) but keeps the pod in
/// its Service, and public reads answer from the database meanwhile; the
/// database away takes it out until it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database_and_only_reports_redis() {
    let redis = Outage::in_front_of("127.0.0.1:6379")
        .await
        .expect("forwarder");
    let database = Outage::in_front_of(&test_support::server_address())
        .await
        .expect("forwarder");
    let (redis_port, database_port) = (redis.port(), database.port());
    let app = app_with(move |cfg| {
        cfg.redis.url = format!("redis://127.0.0.1:{redis_port}");
        cfg.database.url = test_support::via_port(&cfg.database.url, database_port);
    })
    .await;
    let readiness = || async { app.get("/readyz", None).await };
    let up = |metrics: &str, dependency: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(&format!("qc_dependency_up{{dependency=\"{dependency}\"}}")))
            .map(|l| l.ends_with(" 1"))
    };
    assert_eq!(readiness().await.status(), 200);

    redis.cut();
    let res = readiness().await;
    assert_eq!(res.status(), 200);
    let ready = body(res).await;
    assert_eq!(ready["checks"]["database"], "ok");
    assert!(
        ready["checks"]["redis"]
            .as_str()
            .is_some_and(|s| s.starts_with("failing")),
        "{ready}"
    );
    let health = body(app.get("/healthz", None).await).await;
    assert_eq!(health["status"], "alive");
    assert_eq!(health["dependencies"]["redis"], ready["checks"]["redis"]);
    let metrics = app.get("/metrics", None).await.text().await.expect("text");
    assert_eq!(up(&metrics, "redis"), Some(false), "{metrics}");
    assert_eq!(up(&metrics, "database"), Some(true), "{metrics}");
    // A public read answers from the database, uncached, before a client
    // would give up on it (ten seconds).
    let read = app
        .request(
            reqwest::Method::GET,
            "/v1/public/catalogues/350100/2026",
            None,
        )
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .expect("answered while Redis is away");
    problem(read, 404, "catalogue_not_published").await;
    redis.restore();

    database.cut();
    let res = readiness().await;
    assert_eq!(res.status(), 503);
    let ready = body(res).await;
    assert_eq!(ready["status"], "not_ready");
    assert!(
        ready["checks"]["database"]
            .as_str()
            .is_some_and(|s| s.starts_with("failing")),
        "{ready}"
    );
    database.restore();
    let mut status = 0;
    for _ in 0..100 {
        status = readiness().await.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200);
    app.stop().await;
}

/// A service starts while Redis is away: public reads answer from the
/// database meanwhile, and are cached once Redis answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_started_while_redis_is_away_serves_and_caches_once_it_answers() {
    let redis = Outage::in_front_of("127.0.0.1:6379")
        .await
        .expect("forwarder");
    redis.cut();
    let redis_port = redis.port();
    let app = app_with(move |cfg| cfg.redis.url = format!("redis://127.0.0.1:{redis_port}")).await;
    let cache = || async {
        let res = app.get("/v1/public/occupations?code=4-10", None).await;
        assert_eq!(res.status(), 200);
        res.headers()["x-cache"].to_str().expect("ascii").to_owned()
    };
    assert_eq!(
        (cache().await, cache().await),
        ("miss".to_owned(), "miss".to_owned()),
        "answered, and nothing cached, while Redis is away"
    );
    redis.restore();
    let mut seen = cache().await;
    for _ in 0..100 {
        if seen == "hit" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        seen = cache().await;
    }
    assert_eq!(seen, "hit", "cached once Redis answers");
    let ready = body(app.get("/readyz", None).await).await;
    assert_eq!(ready["checks"]["redis"], "ok", "{ready}");
    app.stop().await;
}

/// `openapi/demand-catalog.json` is what the routes generate.
#[test]
fn the_checked_in_openapi_document_matches_the_routes() {
    test_support::assert_openapi_is_current::<DemandCatalog>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.."
    ));
}
