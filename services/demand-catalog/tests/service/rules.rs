//! Bad input, scope and idempotency: refused clearly, nothing changed.

use diesel_async::SimpleAsyncConnection;
use platform::auth::Role;
use serde_json::{json, Value};

use crate::harness::{app, body, entry, fields, officer, problem, Drafts, CITY};

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_the_field_named_and_changes_nothing() {
    let app = app().await;
    let token = officer(CITY);
    let cases: [(Value, Vec<(String, String)>); 5] = [
        (
            json!({ "city": "350200", "year": 2026 }),
            pairs(&[("city", "city_not_served")]),
        ),
        (
            json!({ "city": "3501", "year": 2031 }),
            pairs(&[("city", "city_code_unknown"), ("year", "year_range")]),
        ),
        (
            json!({ "city": CITY, "year": 2026, "extra": 1 }),
            pairs(&[("extra", "unknown_field")]),
        ),
        (json!({ "city": CITY }), pairs(&[("year", "missing_field")])),
        (
            json!({ "city": CITY, "year": "2026" }),
            pairs(&[("year", "invalid_value")]),
        ),
    ];
    for (req, want) in cases {
        let p = problem(
            app.post("/v1/catalogues", Some(&token), &req).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), want, "for {req}");
    }
    let res = app
        .request(reqwest::Method::POST, "/v1/catalogues", Some(&token))
        .body("{\"city\":")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("send");
    problem(res, 400, "malformed_json").await;

    let cat = app.draft(&token, 2026).await;
    let entries = format!("/v1/catalogues/{cat}/entries");
    let mut bad = entry("4-10", "senior", 2026);
    bad["subsidy_fen"] = json!(-100);
    bad["valid_to"] = json!("2025-06-01");
    let p = problem(
        app.post(&entries, Some(&token), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        pairs(&[
            ("occupation_code", "occupation_code_format"),
            ("subsidy_fen", "money_negative"),
            ("valid_to", "validity_reversed")
        ])
    );
    let mut bad = entry("6-31-01-03", "guru", 2026);
    let p = problem(
        app.post(&entries, Some(&token), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), pairs(&[("skill_level", "unknown_value")]));
    bad["skill_level"] = json!("senior");
    bad["valid_from"] = json!("2026-02-30");
    let p = problem(
        app.post(&entries, Some(&token), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), pairs(&[("valid_from", "invalid_value")]));
    let unknown = json!({ "occupation_code": "1-01-01-01", "skill_level": "senior", "urgent": false, "subsidy_fen": 1, "valid_from": "2026-01-01", "valid_to": "2026-12-31" });
    let p = problem(
        app.post(&entries, Some(&token), &unknown).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        pairs(&[("occupation_name", "occupation_unknown")])
    );
    problem(
        app.get("/v1/catalogues/not-a-uuid", Some(&token)).await,
        422,
        "validation_failed",
    )
    .await;
    problem(
        app.get("/v1/catalogues?year=soon", Some(&token)).await,
        422,
        "validation_failed",
    )
    .await;

    // Only the one good catalogue exists, and it is still empty.
    let list = body(app.get("/v1/catalogues", Some(&token)).await).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let one = body(
        app.get(&format!("/v1/catalogues/{cat}"), Some(&token))
            .await,
    )
    .await;
    assert_eq!(one["entries"].as_array().map(Vec::len), Some(0));
    problem(
        app.post(
            &format!("/v1/catalogues/{cat}/publish"),
            Some(&token),
            &json!({}),
        )
        .await,
        409,
        "catalogue_empty",
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_act_only_for_their_city_and_anonymous_callers_only_read_published_data() {
    let app = app().await;
    let fuzhou = officer(CITY);
    let xiamen = officer("350200");
    let cat = app.draft(&fuzhou, 2026).await;
    let entry_id = app
        .add_entry(&fuzhou, &cat, "6-31-01-03", "senior", 2026)
        .await;
    let entries = format!("/v1/catalogues/{cat}/entries");

    problem(
        app.post(
            "/v1/catalogues",
            Some(&xiamen),
            &json!({ "city": CITY, "year": 2027 }),
        )
        .await,
        403,
        "out_of_scope",
    )
    .await;
    problem(
        app.post(
            &entries,
            Some(&xiamen),
            &entry("4-10-01-05", "junior", 2026),
        )
        .await,
        403,
        "out_of_scope",
    )
    .await;
    let change = app
        .patch(
            &format!("{entries}/{entry_id}"),
            Some(&xiamen),
            &json!({ "urgent": false }),
        )
        .await;
    problem(change, 403, "out_of_scope").await;
    problem(
        app.post(
            &format!("/v1/catalogues/{cat}/publish"),
            Some(&xiamen),
            &json!({}),
        )
        .await,
        403,
        "out_of_scope",
    )
    .await;
    problem(
        app.get(&format!("/v1/catalogues/{cat}"), Some(&xiamen))
            .await,
        403,
        "out_of_scope",
    )
    .await;

    let auditor = test_support::token(Role::Auditor, Some(CITY), None);
    assert_eq!(
        app.get(&format!("/v1/catalogues/{cat}"), Some(&auditor))
            .await
            .status(),
        200
    );
    problem(
        app.post(
            &format!("/v1/catalogues/{cat}/publish"),
            Some(&auditor),
            &json!({}),
        )
        .await,
        403,
        "forbidden_role",
    )
    .await;
    let institution = test_support::token(
        Role::InstitutionOperator,
        Some(CITY),
        Some("91350100M000100Y43"),
    );
    problem(
        app.get("/v1/catalogues", Some(&institution)).await,
        403,
        "forbidden_role",
    )
    .await;

    problem(
        app.post(
            "/v1/catalogues",
            None,
            &json!({ "city": CITY, "year": 2027 }),
        )
        .await,
        401,
        "token_missing",
    )
    .await;
    problem(
        app.get(&format!("/v1/catalogues/{cat}"), None).await,
        401,
        "token_missing",
    )
    .await;
    problem(
        app.get("/v1/catalogues", Some("not-a-token")).await,
        401,
        "token_malformed",
    )
    .await;
    problem(
        app.get("/v1/public/catalogues/350100/2026", None).await,
        404,
        "catalogue_not_published",
    )
    .await;

    let unchanged = body(
        app.get(&format!("/v1/catalogues/{cat}"), Some(&fuzhou))
            .await,
    )
    .await;
    assert_eq!(unchanged["status"], "draft");
    assert_eq!(unchanged["entries"][0]["urgent"], true);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_another_body() {
    let app = app().await;
    let token = officer(CITY);
    let send = |year: i32, key: &'static str| {
        app.request(reqwest::Method::POST, "/v1/catalogues", Some(&token))
            .header("Idempotency-Key", key)
            .json(&json!({ "city": CITY, "year": year }))
            .send()
    };
    let first = send(2026, "key-1").await.expect("send");
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let first = body(first).await;
    let again = send(2026, "key-1").await.expect("send");
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.headers()["location"].to_str().expect("location"),
        location
    );
    assert_eq!(body(again).await, first);
    problem(
        send(2027, "key-1").await.expect("send"),
        422,
        "idempotency_key_reused",
    )
    .await;

    // While a first request with a key is still running, a second one is told so.
    let mut holder = app.pool.get().await.expect("conn");
    let lock = platform::idempotency::lock_id("bureau_officer-tester:create-catalogue", "key-2");
    holder.batch_execute("BEGIN").await.expect("begin");
    holder
        .batch_execute(&format!("SELECT pg_advisory_xact_lock({lock})"))
        .await
        .expect("lock");
    problem(
        send(2027, "key-2").await.expect("send"),
        409,
        "idempotency_in_flight",
    )
    .await;
    holder.batch_execute("ROLLBACK").await.expect("rollback");
    assert_eq!(send(2027, "key-2").await.expect("send").status(), 201);

    let bad_key = app
        .request(reqwest::Method::POST, "/v1/catalogues", Some(&token))
        .header("Idempotency-Key", "")
        .json(&json!({ "city": CITY, "year": 2025 }))
        .send()
        .await
        .expect("send");
    problem(bad_key, 400, "idempotency_key_invalid").await;
    let list = body(app.get("/v1/catalogues", Some(&token)).await).await;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(2),
        "one catalogue per key"
    );
    app.stop().await;
}
