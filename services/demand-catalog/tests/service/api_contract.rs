//! The operational surface and the checked-in OpenAPI contract.

use demand_catalog::DemandCatalog;

use crate::harness::{app, body, problem};

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

/// `openapi/demand-catalog.json` is what the routes generate.
#[test]
fn the_checked_in_openapi_document_matches_the_routes() {
    test_support::assert_openapi_is_current::<DemandCatalog>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.."
    ));
}
