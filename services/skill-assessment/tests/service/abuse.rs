//! Public verification under abuse: a holder's name never reaches a cache
//! key; one certificate's holder cannot be guessed from many addresses; an
//! address in `X-Forwarded-For` counts only when a trusted proxy wrote it.

use test_support::{body, problem};

use crate::harness::*;

fn verify_path(number: &str, name: &str) -> String {
    let name: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
    format!("/v1/public/certificates/verify?number={number}&holder_name={name}")
}

async fn verify_from(
    app: &test_support::TestApp<skill_assessment::SkillAssessment>,
    path: &str,
    client: &str,
) -> reqwest::Response {
    app.request(reqwest::Method::GET, path, None)
        .header("X-Forwarded-For", client)
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holders_name_reaches_no_cache_key_and_a_wrong_name_reads_as_an_unknown_number() {
    let app = start().await;
    let b = file_body(&app, 61, "social_organisation").await;
    let (cert, _) = certified(&app, &b, 611, "林晓明").await;
    let number = cert["certificate_no"].as_str().unwrap();
    assert_eq!(
        body(app.get(&verify_path(number, "林晓明"), None).await).await["status"],
        "valid"
    );
    // The same question asked with its parameters the other way round and
    // padded is the same cached answer.
    let name: String = " 林晓明 ".bytes().map(|b| format!("%{b:02X}")).collect();
    let res = app
        .get(
            &format!("/v1/public/certificates/verify?holder_name={name}&number={number}"),
            None,
        )
        .await;
    assert_eq!(res.headers()["x-cache"], "hit");

    let mut redis = redis::Client::open(app.cfg.redis.url.as_str())
        .expect("redis")
        .get_multiplexed_async_connection()
        .await
        .expect("connection");
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
        .arg(format!("{}*", app.cfg.redis.key_prefix))
        .query_async(&mut redis)
        .await
        .expect("keys");
    let answers: Vec<String> = keys
        .iter()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .filter(|k| k.contains("verify|"))
        .collect();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert!(
        answers[0].contains(&format!("verify|number={number}|holder#")),
        "{answers:?}"
    );
    assert!(
        !keys
            .iter()
            .any(|k| k.windows("林晓明".len()).any(|w| w == "林晓明".as_bytes())),
        "a name in clear: {keys:?}"
    );

    // A wrong name and an unknown number: the same answer, word for word.
    let wrong = problem(
        app.get(&verify_path(number, "林晓"), None).await,
        404,
        "certificate_not_found",
    )
    .await;
    let unknown = format!("{}999999", &number[..16]);
    let missing = problem(
        app.get(&verify_path(&unknown, "林晓明"), None).await,
        404,
        "certificate_not_found",
    )
    .await;
    assert_eq!(wrong, missing);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_one_holder_from_many_addresses_is_limited_per_certificate() {
    let app = start_with(|cfg| {
        cfg.public.rate_limit_per_record_per_minute = 3;
        cfg.public.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
    })
    .await;
    let b = file_body(&app, 62, "social_organisation").await;
    let (cert, _) = certified(&app, &b, 621, "林晓明").await;
    let number = cert["certificate_no"].as_str().unwrap();
    for (guess, client) in [
        ("王芳", "198.51.100.1"),
        ("李娜", "198.51.100.2"),
        ("张伟", "198.51.100.3"),
    ] {
        problem(
            verify_from(&app, &verify_path(number, guess), client).await,
            404,
            "certificate_not_found",
        )
        .await;
    }
    // A fourth address, the right name: the certificate's minute is spent.
    problem(
        verify_from(&app, &verify_path(number, "林晓明"), "198.51.100.4").await,
        429,
        "rate_limited",
    )
    .await;
    // That address is not itself limited: another certificate answers.
    let other = format!("{}999999", &number[..16]);
    problem(
        verify_from(&app, &verify_path(&other, "林晓明"), "198.51.100.4").await,
        404,
        "certificate_not_found",
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_picks_the_client_only_behind_a_trusted_proxy() {
    for (trusted, third_answers) in [(false, 429), (true, 404)] {
        let app = start_with(|cfg| {
            cfg.public.rate_limit_per_minute = 2;
            if trusted {
                cfg.public.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
            }
        })
        .await;
        let path = verify_path("S000135350100261000001", "林晓明");
        for client in ["198.51.100.1", "198.51.100.1"] {
            problem(
                verify_from(&app, &path, client).await,
                404,
                "certificate_not_found",
            )
            .await;
        }
        // The first address has had its two; a second one is a new client
        // only if a trusted proxy says so.
        let code = if trusted {
            "certificate_not_found"
        } else {
            "rate_limited"
        };
        problem(
            verify_from(&app, &path, "198.51.100.2").await,
            third_answers,
            code,
        )
        .await;
        problem(
            verify_from(&app, &path, "198.51.100.1").await,
            429,
            "rate_limited",
        )
        .await;
        app.stop().await;
    }
}
