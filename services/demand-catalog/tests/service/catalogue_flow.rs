//! Draft → publish → versions, as officers, the public and consumers see it.

use contracts::catalog::{CATALOGUES_TOPIC, ENTRIES_TOPIC};
use serde_json::json;
use test_support::read_topic;

use crate::harness::{app, app_with, body, officer, problem, Drafts, CITY, WAIT};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_emits_cloudevents_that_continue_the_request_trace() {
    let app = app().await;
    let token = officer(CITY);
    let cat = app.draft(&token, 2026).await;
    // One entry named by the caller, one named from the occupation list.
    let res = app
        .post(
            &format!("/v1/catalogues/{cat}/entries"),
            Some(&token),
            &json!({ "occupation_code": "6-31-01-03", "occupation_name": "电工（低压）", "skill_level": "senior", "urgent": true, "subsidy_fen": 180000, "valid_from": "2026-01-01", "valid_to": "2026-12-31" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    app.add_entry(&token, &cat, "4-10-01-05", "junior", 2026)
        .await;

    let res = app
        .request(
            reqwest::Method::POST,
            &format!("/v1/catalogues/{cat}/publish"),
            Some(&token),
        )
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_SPAN}-01"))
        .send()
        .await
        .expect("publish");
    assert_eq!(res.status(), 200);
    let published = body(res).await;
    assert_eq!(published["status"], "published");
    assert_eq!(published["version"], 1);
    assert_eq!(published["late"], true, "published after 30 June 2026");

    let entries = read_topic(&app.cfg.kafka, &app.cfg.kafka.topic(ENTRIES_TOPIC), 2, WAIT)
        .await
        .expect("entries topic");
    assert_eq!(entries.len(), 2);
    for record in &entries {
        assert_eq!(record.headers["ce_specversion"], "1.0");
        assert_eq!(
            record.headers["ce_type"],
            "qiancheng.catalog.entry.published.v1"
        );
        assert_eq!(record.headers["ce_source"], "/350100/demand-catalog");
        assert_eq!(record.headers["content-type"], "application/json");
        assert_eq!(
            record.key.as_deref(),
            record.payload["entry_id"].as_str(),
            "keyed by entry"
        );
        assert_eq!(record.headers["ce_subject"], record.payload["entry_id"]);
        let tp = &record.headers["traceparent"];
        assert_eq!(
            telemetry::trace_id_of(tp),
            Some(TRACE_ID),
            "same trace as the request"
        );
        assert!(
            !tp.contains(PARENT_SPAN),
            "a producer span of its own, below the request's"
        );
        assert_eq!(record.payload["catalogue_id"], cat);
        assert_eq!(record.payload["version"], 1);
    }
    let names: Vec<_> = entries
        .iter()
        .map(|r| r.payload["occupation_name"].as_str().unwrap_or(""))
        .collect();
    assert!(
        names.contains(&"电工（低压）") && names.contains(&"养老护理员"),
        "{names:?}"
    );

    let catalogues = read_topic(
        &app.cfg.kafka,
        &app.cfg.kafka.topic(CATALOGUES_TOPIC),
        1,
        WAIT,
    )
    .await
    .expect("catalogues topic");
    assert_eq!(catalogues.len(), 1);
    assert_eq!(
        catalogues[0].headers["ce_type"],
        "qiancheng.catalog.catalogue.published.v1"
    );
    assert_eq!(catalogues[0].payload["entry_count"], 2);
    assert_eq!(catalogues[0].payload["late"], true);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_after_publication_are_new_versions_with_history_and_events() {
    let app = app().await;
    let token = officer(CITY);
    let cat = app.draft(&token, 2027).await;
    let first = app
        .add_entry(&token, &cat, "6-18-02-04", "intermediate", 2027)
        .await;
    let res = app
        .post(
            &format!("/v1/catalogues/{cat}/publish"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["late"], false, "2027's catalogue is early");

    // Publishing twice is refused; the catalogue changes by versions instead.
    problem(
        app.post(
            &format!("/v1/catalogues/{cat}/publish"),
            Some(&token),
            &json!({}),
        )
        .await,
        409,
        "already_published",
    )
    .await;
    let second = app
        .add_entry(&token, &cat, "4-01-02-02", "senior", 2027)
        .await;
    let res = app
        .patch(
            &format!("/v1/catalogues/{cat}/entries/{first}"),
            Some(&token),
            &json!({ "subsidy_fen": 200000 }),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["version"], 3);
    // A change that changes nothing makes no version.
    let res = app
        .patch(
            &format!("/v1/catalogues/{cat}/entries/{first}"),
            Some(&token),
            &json!({ "subsidy_fen": 200000 }),
        )
        .await;
    assert_eq!(body(res).await["version"], 3);
    let res = app
        .post(
            &format!("/v1/catalogues/{cat}/entries/{second}/withdraw"),
            Some(&token),
            &json!({ "reason": "no longer scarce" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    problem(
        app.post(
            &format!("/v1/catalogues/{cat}/entries/{second}/withdraw"),
            Some(&token),
            &json!({ "reason": "again" }),
        )
        .await,
        409,
        "entry_withdrawn",
    )
    .await;

    let current = body(
        app.get(&format!("/v1/catalogues/{cat}"), Some(&token))
            .await,
    )
    .await;
    assert_eq!(current["version"], 4);
    let history = body(
        app.get(&format!("/v1/catalogues/{cat}/history"), Some(&token))
            .await,
    )
    .await;
    let lines: Vec<(String, i64)> = history
        .as_array()
        .expect("list")
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap_or("").to_owned(),
                c["version"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    let expected = [
        ("created", 0),
        ("entry_added", 0),
        ("published", 1),
        ("entry_added", 2),
        ("entry_changed", 3),
        ("entry_withdrawn", 4),
    ];
    assert_eq!(lines, expected.map(|(a, v)| (a.to_owned(), v)));
    assert!(history
        .as_array()
        .expect("list")
        .iter()
        .all(|c| c["actor"] == "bureau_officer-tester"));
    let change = &history[4];
    assert_eq!(change["before"]["subsidy_fen"], 150000);
    assert_eq!(change["after"]["subsidy_fen"], 200000);

    let entries = read_topic(&app.cfg.kafka, &app.cfg.kafka.topic(ENTRIES_TOPIC), 4, WAIT)
        .await
        .expect("entries");
    let kinds: Vec<_> = entries
        .iter()
        .map(|r| {
            (
                r.headers["ce_type"]
                    .trim_start_matches("qiancheng.catalog.entry.")
                    .to_owned(),
                r.payload["version"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    let want = [
        ("published.v1", 1),
        ("published.v1", 2),
        ("changed.v1", 3),
        ("withdrawn.v1", 4),
    ];
    assert_eq!(kinds, want.map(|(k, v)| (k.to_owned(), v)));
    assert_eq!(entries[3].payload["withdrawn"], true);
    let versions = read_topic(
        &app.cfg.kafka,
        &app.cfg.kafka.topic(CATALOGUES_TOPIC),
        4,
        WAIT,
    )
    .await
    .expect("catalogues");
    let counts: Vec<_> = versions
        .iter()
        .map(|r| {
            (
                r.payload["version"].as_i64(),
                r.payload["entry_count"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            (Some(1), Some(1)),
            (Some(2), Some(2)),
            (Some(3), Some(2)),
            (Some(4), Some(1))
        ]
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_reads_are_cached_and_dropped_from_the_cache_when_the_catalogue_changes() {
    let app = app().await;
    let token = officer(CITY);
    let cat = app.draft(&token, 2026).await;
    let electrician = app
        .add_entry(&token, &cat, "6-31-01-03", "senior", 2026)
        .await;
    app.add_entry(&token, &cat, "4-10-01-05", "junior", 2026)
        .await;
    let path = "/v1/public/catalogues/350100/2026";
    problem(app.get(path, None).await, 404, "catalogue_not_published").await;
    assert_eq!(
        app.post(
            &format!("/v1/catalogues/{cat}/publish"),
            Some(&token),
            &json!({})
        )
        .await
        .status(),
        200
    );

    let first = app.get(path, None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-cache"], "miss");
    let first = body(first).await;
    assert_eq!(first["entries"].as_array().map(Vec::len), Some(2));
    assert_eq!(first["city_name"], "福州");
    let second = app.get(path, None).await;
    assert_eq!(second.headers()["x-cache"], "hit");
    assert_eq!(body(second).await, first);

    // Filters are answered (and cached) separately.
    let filtered = body(
        app.get(&format!("{path}?occupation=6-31&skill_level=senior"), None)
            .await,
    )
    .await;
    assert_eq!(filtered["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(filtered["entries"][0]["skill_level_name"], "高级工");

    let res = app
        .patch(
            &format!("/v1/catalogues/{cat}/entries/{electrician}"),
            Some(&token),
            &json!({ "subsidy_fen": 210000 }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let after = app.get(path, None).await;
    assert_eq!(
        after.headers()["x-cache"],
        "miss",
        "the change dropped the cached answer"
    );
    let after = body(after).await;
    assert_eq!(after["version"], 2);
    let subsidies: Vec<_> = after["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["subsidy_fen"].as_i64())
        .collect();
    assert!(subsidies.contains(&Some(210000)));

    // The public never sees drafts of other years, nor other cities.
    problem(
        app.get("/v1/public/catalogues/350100/2027", None).await,
        404,
        "catalogue_not_published",
    )
    .await;
    problem(
        app.get("/v1/public/catalogues/350200/2026", None).await,
        404,
        "city_not_served",
    )
    .await;
    let p = problem(
        app.get("/v1/public/catalogues/999999/2026", None).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "city");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_reads_are_rate_limited_per_client() {
    let app = app_with(|cfg| cfg.public.rate_limit_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(
            app.get("/v1/public/occupations?code=6-31", None)
                .await
                .status(),
            200
        );
    }
    let limited = app.get("/v1/public/occupations?code=6-31", None).await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after));
    problem(limited, 429, "rate_limited").await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_occupation_list_is_public_and_searchable() {
    let app = app().await;
    let found = body(
        app.get("/v1/public/occupations?name=%E7%94%B5%E5%B7%A5", None)
            .await,
    )
    .await;
    let rows = found.as_array().expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["code"], "6-31-01-03");
    assert_eq!(rows[0]["sample"], true);
    let group = body(app.get("/v1/public/occupations?code=4-10", None).await).await;
    assert!(group
        .as_array()
        .expect("list")
        .iter()
        .all(|r| r["code"].as_str().is_some_and(|c| c.starts_with("4-10-"))));
    problem(
        app.get("/v1/public/occupations?code=x", None).await,
        422,
        "validation_failed",
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_on_one_replica_reaches_the_near_cache_of_another() {
    // Near-cached answers live a minute here: only the announcement can drop them.
    let mut app = app_with(|cfg| cfg.public.local_ttl_ms = 60_000).await;
    let other = app.replica().await;
    let token = officer(CITY);
    let cat = app.draft(&token, 2026).await;
    let entry = app
        .add_entry(&token, &cat, "6-31-01-03", "senior", 2026)
        .await;
    assert_eq!(
        app.post(
            &format!("/v1/catalogues/{cat}/publish"),
            Some(&token),
            &json!({})
        )
        .await
        .status(),
        200
    );
    let url = format!("{other}/v1/public/catalogues/350100/2026");
    let read = || async { app.http.get(&url).send().await.expect("read") };
    assert_eq!(body(read().await).await["version"], 1);
    let again = read().await;
    assert_eq!(again.headers()["x-cache"], "hit");

    let res = app
        .patch(
            &format!("/v1/catalogues/{cat}/entries/{entry}"),
            Some(&token),
            &json!({ "urgent": false }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut seen = body(read().await).await;
    while seen["version"] != 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        seen = body(read().await).await;
    }
    assert_eq!(
        seen["version"], 2,
        "the other replica dropped its near-cached answer"
    );
    assert_eq!(seen["entries"][0]["urgent"], false);
    app.stop().await;
}
