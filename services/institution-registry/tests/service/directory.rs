//! The public directory, with subsidy standards from the catalogue's events.

use demand_catalog::DemandCatalog;
use serde_json::json;
use test_support::{Shared, TestApp};

use crate::harness::{body, listed, problem, started, OTHER, SCHOOL, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_shows_listed_institutions_with_the_catalogues_subsidy_standards() {
    let shared = Shared::new();
    let catalogue = TestApp::<DemandCatalog>::start(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../demand-catalog"),
        &shared,
        |_| {},
    )
    .await;
    let registry = started(&shared).await;
    listed(&registry, SCHOOL).await;
    crate::harness::applied(&registry, OTHER).await;
    let path = "/v1/public/directory/350100/2026";
    let before = body(registry.get(path, None).await).await;
    assert_eq!(
        before["institutions"].as_array().map(Vec::len),
        Some(1),
        "pending applications are not listed"
    );
    assert_eq!(
        before["institutions"][0]["projects"][0]["subsidy_fen"],
        json!(null),
        "no catalogue yet"
    );

    // The catalogue publishes 电工 (senior) at 1 800 yuan; the registry hears it.
    let officer = crate::harness::officer();
    let res = catalogue
        .post(
            "/v1/catalogues",
            Some(&officer),
            &json!({ "city": "350100", "year": 2026 }),
        )
        .await;
    let cat = body(res).await["id"].as_str().expect("id").to_owned();
    let entry = json!({ "occupation_code": "6-31-01-03", "occupation_name": "电工", "skill_level": "senior", "urgent": true, "subsidy_fen": 180000, "valid_from": "2026-01-01", "valid_to": "2026-12-31" });
    assert_eq!(
        catalogue
            .post(
                &format!("/v1/catalogues/{cat}/entries"),
                Some(&officer),
                &entry
            )
            .await
            .status(),
        201
    );
    assert_eq!(
        catalogue
            .post(
                &format!("/v1/catalogues/{cat}/publish"),
                Some(&officer),
                &json!({})
            )
            .await
            .status(),
        200
    );

    let deadline = tokio::time::Instant::now() + WAIT;
    let mut seen = before;
    while seen["institutions"][0]["projects"][1]["subsidy_fen"] != 180000
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        seen = body(registry.get(path, None).await).await;
    }
    let profile = &seen["institutions"][0];
    assert_eq!(
        profile["projects"][1],
        json!({ "occupation_code": "6-31-01-03", "occupation_name": "电工", "skill_level": "senior", "subsidy_fen": 180000 })
    );
    assert_eq!(profile["contact_phone"], "0591-87654321");
    assert_eq!(profile["nature"], "private");

    let filtered = body(
        registry
            .get(&format!("{path}?occupation=4-10&district=350102"), None)
            .await,
    )
    .await;
    assert_eq!(
        filtered["institutions"][0]["projects"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let elsewhere = body(registry.get(&format!("{path}?district=350104"), None).await).await;
    assert_eq!(elsewhere["institutions"], json!([]));
    // The junior scope ends with 2026: not a project of 2027.
    let next = body(registry.get("/v1/public/directory/350100/2027", None).await).await;
    assert_eq!(
        next["institutions"][0]["projects"].as_array().map(Vec::len),
        Some(1)
    );
    problem(
        registry.get("/v1/public/directory/350200/2026", None).await,
        404,
        "city_not_served",
    )
    .await;
    problem(
        registry.get(&format!("{path}?nature=charity"), None).await,
        422,
        "validation_failed",
    )
    .await;
    registry.stop().await;
    catalogue.stop().await;
}
