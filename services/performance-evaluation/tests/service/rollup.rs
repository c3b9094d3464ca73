//! The provincial roll-up: an aggregator reads two city instances over
//! HTTP and sums them, naming the city it could not reach.

use serde_json::json;
use test_support::body;
use uuid::Uuid;

use crate::harness::{close, completion, officer, start_for, Evaluation};

async fn city_with(city: &'static str, dates: &[&str]) -> Evaluation {
    let t = start_for(city, |_| {}).await;
    let (school, class) = (Uuid::now_v7(), Uuid::now_v7());
    let history: Vec<_> = dates
        .iter()
        .enumerate()
        .map(|(i, on)| completion(school, class, &format!("{city}-{i}"), on, true).1)
        .collect();
    t.publish(&history).await;
    let n = dates.len();
    t.until("/v1/dashboard/figures?year=2026", &officer(city), |f| {
        f["progress"]["actuals"]["subsidised_trainings"] == n
    })
    .await;
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_province_sums_two_cities_and_names_the_missing_one() {
    let fuzhou = city_with("350100", &["2025-12-05", "2026-03-01", "2026-05-31"]).await;
    let xiamen = city_with("350200", &["2026-01-20", "2026-06-10"]).await;
    let (a, b) = (fuzhou.app.base.clone(), xiamen.app.base.clone());
    let province = start_for("350100", move |cfg| {
        cfg.service.province.cities = [
            ("350100".to_owned(), a),
            ("350200".to_owned(), b),
            // Nothing listens there.
            ("350300".to_owned(), "http://127.0.0.1:9".to_owned()),
        ]
        .into_iter()
        .collect();
    })
    .await;
    let res = province
        .app
        .get(
            "/v1/province/dashboard?year=2026&as_of=2026-05-31",
            Some(&officer("350100")),
        )
        .await;
    assert_eq!(res.status(), 200);
    let d = body(res).await;
    assert_eq!(d["complete"], false);
    assert_eq!(d["unreachable"].as_array().expect("unreachable").len(), 1);
    assert_eq!(d["unreachable"][0]["city"], "350300");
    let cities: Vec<_> = d["cities"]
        .as_array()
        .expect("cities")
        .iter()
        .map(|c| {
            (
                c["city"].clone(),
                c["progress"]["subsidised_trainings"]["actual"].clone(),
            )
        })
        .collect();
    assert_eq!(
        cities,
        [(json!("350100"), json!(3)), (json!("350200"), json!(1))]
    );
    let p = &d["province"];
    // 3 + 1 by 31 May, against two cities' default 20,000 each.
    let trainings = &p["subsidised_trainings"];
    assert_eq!(
        (&trainings["actual"], &trainings["target"]),
        (&json!(4), &json!(40000))
    );
    assert!(close(
        &trainings["expected_to_date"],
        40000.0 * 182.0 / 365.0
    ));
    // 4 × 365 / 182 = 8.02 → 8.
    assert_eq!(
        (&trainings["projection"], &trainings["behind"]),
        (&json!(8), &json!(true))
    );
    assert_eq!(p["training_brands"]["target"], 2);
    assert_eq!(p["leading_talents"]["target"], 10);
    province.stop().await;
    fuzhou.stop().await;
    xiamen.stop().await;
}
