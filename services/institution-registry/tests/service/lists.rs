//! The lists officers and institutions find their work in: the review
//! queue of pending applications, and the city's brands.

use platform::auth::Role;
use serde_json::{json, Value};
use test_support::access::ORG_B;

use crate::harness::{
    app, applied, body, fields, listed, officer, operator, problem, CITY, OTHER, SCHOOL,
};

/// The ids of a list's items, in order.
fn ids(list: &Value, items: &str) -> Vec<String> {
    list[items]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_queue_pages_through_pending_applications_for_whom_may_see_them() {
    let app = app().await;
    let first = applied(&app, SCHOOL).await;
    let second = applied(&app, OTHER).await;
    let approved = listed(&app, ORG_B).await;

    // Filtered: the pending applications, newest first; the approved one apart.
    let queue = body(
        app.get("/v1/institutions?status=pending", Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(ids(&queue, "items"), [second.as_str(), first.as_str()]);
    assert!(queue.get("next_cursor").is_none(), "{queue}");
    let listed_ones = body(
        app.get("/v1/institutions?status=approved", Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(ids(&listed_ones, "items"), [approved.as_str()]);

    // Paged: one a page, the second page different, the last without a cursor.
    let page_one = body(
        app.get("/v1/institutions?status=pending&limit=1", Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(ids(&page_one, "items"), [second.as_str()]);
    let cursor = page_one["next_cursor"].as_str().expect("a second page");
    let page_two = body(
        app.get(
            &format!("/v1/institutions?status=pending&limit=1&cursor={cursor}"),
            Some(&officer()),
        )
        .await,
    )
    .await;
    assert_eq!(ids(&page_two, "items"), [first.as_str()]);
    assert!(page_two.get("next_cursor").is_none(), "{page_two}");

    // An institution sees only its own; another's queue shows it nothing;
    // another city's officer is refused.
    let own = body(
        app.get("/v1/institutions?status=pending", Some(&operator(OTHER)))
            .await,
    )
    .await;
    assert_eq!(ids(&own, "items"), [second.as_str()]);
    let none = body(
        app.get("/v1/institutions?status=pending", Some(&operator(ORG_B)))
            .await,
    )
    .await;
    assert_eq!(none["items"], json!([]));
    let xiamen = test_support::token(Role::BureauOfficer, Some("350200"), None);
    problem(
        app.get("/v1/institutions?status=pending", Some(&xiamen))
            .await,
        403,
        "out_of_scope",
    )
    .await;

    // A bad filter is named with its code.
    let refused = [
        ("status=sleeping", "status", "unknown_value"),
        ("limit=0", "limit", "limit_range"),
        ("cursor=not-a-cursor", "cursor", "cursor_invalid"),
    ];
    for (query, field, code) in refused {
        let p = problem(
            app.get(&format!("/v1/institutions?{query}"), Some(&officer()))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [(field.to_owned(), code.to_owned())], "{query}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_citys_brands_are_paged_and_counted_against_the_target_on_every_page() {
    let app = app().await;
    let school = listed(&app, SCHOOL).await;
    let mut brands = Vec::new();
    for name in ["闽都电工培训", "榕城养老护理培训"] {
        let res = app
            .post(
                "/v1/brands",
                Some(&officer()),
                &json!({ "name": name, "occupation_codes": ["6-31-01-03"], "institution_ids": [school] }),
            )
            .await;
        assert_eq!(res.status(), 201);
        brands.push(body(res).await["id"].as_str().expect("id").to_owned());
    }

    let auditor = test_support::token(Role::Auditor, Some(CITY), None);
    let all = body(app.get("/v1/brands", Some(&auditor)).await).await;
    assert_eq!(ids(&all, "brands"), brands, "oldest first");
    assert_eq!(
        (all["total"].clone(), all["met"].clone()),
        (json!(2), json!(true))
    );
    assert!(all.get("next_cursor").is_none(), "{all}");

    let page_one = body(app.get("/v1/brands?limit=1", Some(&officer())).await).await;
    assert_eq!(ids(&page_one, "brands"), brands[..1]);
    assert_eq!(page_one["total"], 2);
    let cursor = page_one["next_cursor"].as_str().expect("a second page");
    let page_two = body(
        app.get(
            &format!("/v1/brands?limit=1&cursor={cursor}"),
            Some(&officer()),
        )
        .await,
    )
    .await;
    assert_eq!(ids(&page_two, "brands"), brands[1..]);
    assert_eq!(
        (page_two["total"].clone(), page_two["met"].clone()),
        (json!(2), json!(true))
    );
    assert!(page_two.get("next_cursor").is_none(), "{page_two}");

    let xiamen = test_support::token(Role::BureauOfficer, Some("350200"), None);
    problem(
        app.get("/v1/brands", Some(&xiamen)).await,
        403,
        "out_of_scope",
    )
    .await;
    problem(
        app.get("/v1/brands", Some(&operator(SCHOOL))).await,
        403,
        "forbidden_role",
    )
    .await;
    let p = problem(
        app.get("/v1/brands?limit=501", Some(&officer())).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), [("limit".to_owned(), "limit_range".to_owned())]);
    app.stop().await;
}
