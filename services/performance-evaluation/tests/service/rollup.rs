//! The provincial roll-up: an aggregator reads two city instances over
//! HTTP and sums them, naming the city it could not reach.

use platform::auth::{Issuer, Role, Signer};
use serde_json::json;
use test_support::{body, problem};
use uuid::Uuid;

use crate::harness::{close, completion, officer, start_for, Evaluation};

/// The `iss` of the aggregator's own tokens to the cities.
const AGGREGATOR: &str = "https://qiancheng.test/province-aggregator";
/// The province's identity provider, where provincial staff sign in.
const STAFF: &str = "https://id.test.qiancheng/province";

async fn city_with(city: &'static str, dates: &[&str], aggregator: &Issuer) -> Evaluation {
    let aggregator = aggregator.clone();
    let t = start_for(city, move |cfg| cfg.auth.province = Some(aggregator)).await;
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
    // The aggregator's own key, which the cities trust for the province role.
    let keys = std::env::temp_dir().join(format!("qc-aggregator-{}", Uuid::now_v7()));
    let (signing_key, jwks) = Signer::ensure_files(&keys).expect("aggregator key");
    let trusted = Issuer {
        issuer: AGGREGATOR.into(),
        jwks_url: format!("file://{}", jwks.display()),
    };
    let fuzhou = city_with(
        "350100",
        &["2025-12-05", "2026-03-01", "2026-05-31"],
        &trusted,
    )
    .await;
    let xiamen = city_with("350200", &["2026-01-20", "2026-06-10"], &trusted).await;
    let (a, b) = (fuzhou.app.base.clone(), xiamen.app.base.clone());
    let key_file = signing_key.display().to_string();
    let province = start_for("350100", move |cfg| {
        // Only provincial staff, from the province's identity provider.
        cfg.auth.issuer = String::new();
        cfg.auth.province = Some(Issuer {
            issuer: STAFF.into(),
            jwks_url: test_support::auth().jwks_url,
        });
        cfg.service.province.issuer = AGGREGATOR.into();
        cfg.service.province.signing_key = key_file;
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
    let url = "/v1/province/dashboard?year=2026&as_of=2026-05-31";
    // A city's officer is nobody at the aggregator.
    problem(
        province.app.get(url, Some(&officer("350100"))).await,
        401,
        "token_issuer_unknown",
    )
    .await;
    let staff = test_support::token_from(STAFF, Role::Province, None);
    let res = province.app.get(url, Some(&staff)).await;
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

    // The aggregator's credentials read the figures and nothing else; the
    // province's staff tokens are not the aggregator's.
    let aggregator = Signer::from_pem_file(&signing_key).expect("key");
    let own = aggregator
        .mint(&platform::auth::NewToken {
            issuer: AGGREGATOR,
            audience: "qiancheng/performance-evaluation",
            sub: "province-aggregator",
            role: Role::Province,
            city: None,
            org: None,
            scope: None,
            ttl_secs: 60,
        })
        .expect("the aggregator's key signs");
    assert_eq!(
        fuzhou
            .app
            .get("/v1/dashboard/figures?year=2026", Some(&own))
            .await
            .status(),
        200
    );
    problem(
        fuzhou.app.get("/v1/targets/2026", Some(&own)).await,
        403,
        "forbidden_role",
    )
    .await;
    problem(
        fuzhou
            .app
            .get("/v1/dashboard/figures?year=2026", Some(&staff))
            .await,
        401,
        "token_issuer_unknown",
    )
    .await;
    province.stop().await;
    fuzhou.stop().await;
    xiamen.stop().await;
    std::fs::remove_dir_all(keys).expect("clean up");
}
