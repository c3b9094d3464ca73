//! The city's catalogues as a list: filtered, paged, and only to whom may
//! read them.

use platform::auth::Role;
use serde_json::{json, Value};

use crate::harness::{app, body, fields, officer, problem, Drafts, CITY};

/// The ids of a page's items, in order.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_page_through_their_citys_catalogues_by_year_and_status() {
    let app = app().await;
    let token = officer(CITY);
    let old = app.draft(&token, 2025).await;
    let current = app.draft(&token, 2026).await;
    let next = app.draft(&token, 2027).await;
    app.add_entry(&token, &current, "4-10-01-05", "junior", 2026)
        .await;
    let res = app
        .post(
            &format!("/v1/catalogues/{current}/publish"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // Filtered: the drafts still to publish, the latest year first.
    let drafts = body(app.get("/v1/catalogues?status=draft", Some(&token)).await).await;
    assert_eq!(ids(&drafts), [next.as_str(), old.as_str()]);
    assert!(drafts.get("next_cursor").is_none(), "{drafts}");
    assert!(
        drafts["items"][0].get("entries").is_none(),
        "lists carry no entries"
    );
    let published = body(
        app.get("/v1/catalogues?status=published", Some(&token))
            .await,
    )
    .await;
    assert_eq!(ids(&published), [current.as_str()]);
    assert_eq!(published["items"][0]["version"], 1);
    let one_year = body(app.get("/v1/catalogues?year=2025", Some(&token)).await).await;
    assert_eq!(ids(&one_year), [old.as_str()]);
    let auditor = test_support::token(Role::Auditor, Some(CITY), None);
    let all = body(app.get("/v1/catalogues", Some(&auditor)).await).await;
    assert_eq!(ids(&all), [next.as_str(), current.as_str(), old.as_str()]);

    // Paged: one a page, the second page different, the last without a cursor.
    let first = body(
        app.get("/v1/catalogues?status=draft&limit=1", Some(&token))
            .await,
    )
    .await;
    assert_eq!(ids(&first), [next.as_str()]);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = body(
        app.get(
            &format!("/v1/catalogues?status=draft&limit=1&cursor={cursor}"),
            Some(&token),
        )
        .await,
    )
    .await;
    assert_eq!(ids(&second), [old.as_str()]);
    assert!(second.get("next_cursor").is_none(), "{second}");

    // Another city's officer, and an institution, see none of them.
    let xiamen = officer("350200");
    problem(
        app.get("/v1/catalogues?status=draft", Some(&xiamen)).await,
        403,
        "out_of_scope",
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

    // A bad filter is named with its code.
    let refused = [
        ("status=archived", "status", "catalogue_status_unknown"),
        ("year=soon", "year", "year_format"),
        ("limit=501", "limit", "limit_range"),
        ("cursor=not-a-cursor", "cursor", "cursor_invalid"),
    ];
    for (query, field, code) in refused {
        let p = problem(
            app.get(&format!("/v1/catalogues?{query}"), Some(&token))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [(field.to_owned(), code.to_owned())], "{query}");
    }
    app.stop().await;
}
