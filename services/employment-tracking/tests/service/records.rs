//! Employment reports: validation, who may report what, and who sees whose
//! staff; vacancies and recommendations.

use serde_json::json;
use test_support::body;

use crate::harness::{
    enterprise, fields, officer, operator, person_id, problem, start, FACTORY, OTHER_SCHOOL,
    SCHOOL, SHIPYARD,
};

const WORKER: &str = "350102200002296787";
const FITTER: &str = "350103200101017890";

fn report(citizen: &str, employer: &str, source: &str) -> serde_json::Value {
    json!({ "citizen_id": citizen, "employer_credit_code": employer, "job": "钳工",
        "starts_on": "2025-03-01", "ends_on": "2027-02-28", "source": source })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_reports_are_refused_with_every_field() {
    let t = start().await;
    let mut bad = report("350102200002296788", "91350100MA2XYA001G", "self_reported");
    bad["job"] = json!(" ");
    bad["starts_on"] = json!("2025-05-01");
    bad["ends_on"] = json!("2025-04-30");
    let p = problem(
        t.app
            .post("/v1/employment-records", Some(&officer()), &bad)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let want = [
        ("citizen_id", "citizen_id_check_digit"),
        ("employer_credit_code", "credit_code_check_digit"),
        ("job", "text_length"),
        ("ends_on", "contract_ends_before_start"),
    ];
    assert_eq!(fields(&p), want.map(|(f, c)| (f.to_owned(), c.to_owned())));
    assert!(!p.to_string().contains("350102200002296788"));

    let mut source = report(WORKER, FACTORY, "rumour");
    let p = problem(
        t.app
            .post("/v1/employment-records", Some(&officer()), &source)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("source".to_owned(), "unknown_value".to_owned())]
    );
    source["source"] = json!("social_insurance");
    problem(
        t.app
            .post("/v1/employment-records", Some(&officer()), &source)
            .await,
        403,
        "source_not_allowed",
    )
    .await;
    source["source"] = json!("self_reported");
    source["salary"] = json!(1);
    let p = problem(
        t.app
            .post("/v1/employment-records", Some(&officer()), &source)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("salary".to_owned(), "unknown_field".to_owned())]
    );

    // Same Idempotency-Key, same body: the first answer; another body: 422.
    let first = t
        .app
        .request(
            reqwest::Method::POST,
            "/v1/employment-records",
            Some(&officer()),
        )
        .header("Idempotency-Key", "r-1")
        .json(&report(WORKER, FACTORY, "self_reported"))
        .send()
        .await
        .expect("request");
    assert_eq!(first.status(), 201);
    let first = body(first).await;
    let again = t
        .app
        .request(
            reqwest::Method::POST,
            "/v1/employment-records",
            Some(&officer()),
        )
        .header("Idempotency-Key", "r-1")
        .json(&report(WORKER, FACTORY, "self_reported"))
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 201);
    assert_eq!(body(again).await["id"], first["id"]);
    let other = t
        .app
        .request(
            reqwest::Method::POST,
            "/v1/employment-records",
            Some(&officer()),
        )
        .header("Idempotency-Key", "r-1")
        .json(&report(WORKER, SHIPYARD, "self_reported"))
        .send()
        .await
        .expect("request");
    problem(other, 422, "idempotency_key_reused").await;
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_sees_only_its_own_staff() {
    let t = start().await;
    let enrolment = t.complete(FITTER, "2025-01-10").await;
    let res = t
        .app
        .post(
            "/v1/employment-records",
            Some(&enterprise(FACTORY)),
            &report(WORKER, FACTORY, "employer_reported"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let factory_record = body(res).await["id"].as_str().expect("id").to_owned();
    let res = t
        .app
        .post(
            "/v1/employment-records",
            Some(&operator(SCHOOL)),
            &report(FITTER, SHIPYARD, "institution_reported"),
        )
        .await;
    assert_eq!(res.status(), 201);
    // The institution's report confirms its completer's employment.
    assert_eq!(
        t.follow_up(&enrolment).await["outcome_source"],
        "institution_reported"
    );

    // Reporting for another employer, or for another school's trainee.
    problem(
        t.app
            .post(
                "/v1/employment-records",
                Some(&enterprise(SHIPYARD)),
                &report(WORKER, FACTORY, "employer_reported"),
            )
            .await,
        403,
        "out_of_scope",
    )
    .await;
    problem(
        t.app
            .post(
                "/v1/employment-records",
                Some(&operator(OTHER_SCHOOL)),
                &report(FITTER, SHIPYARD, "institution_reported"),
            )
            .await,
        403,
        "out_of_scope",
    )
    .await;

    let mine = body(
        t.app
            .get("/v1/employment-records", Some(&enterprise(FACTORY)))
            .await,
    )
    .await;
    assert_eq!(mine["items"].as_array().expect("items").len(), 1);
    assert_eq!(mine["items"][0]["person_id"], json!(person_id(WORKER)));
    let theirs = body(
        t.app
            .get("/v1/employment-records", Some(&enterprise(SHIPYARD)))
            .await,
    )
    .await;
    assert_eq!(
        theirs["items"].as_array().expect("items").len(),
        1,
        "the shipyard sees the fitter only: {theirs}"
    );
    assert_eq!(theirs["items"][0]["person_id"], json!(person_id(FITTER)));
    let asked = body(
        t.app
            .get(
                &format!("/v1/employment-records?employer_credit_code={FACTORY}"),
                Some(&enterprise(SHIPYARD)),
            )
            .await,
    )
    .await;
    assert_eq!(asked["items"], json!([]));
    problem(
        t.app
            .get(
                &format!("/v1/employment-records/{factory_record}"),
                Some(&enterprise(SHIPYARD)),
            )
            .await,
        404,
        "record_not_found",
    )
    .await;
    // Follow-ups are the schools' and the bureau's: an employer is not let in.
    problem(
        t.app
            .get(
                &format!("/v1/follow-ups/{enrolment}"),
                Some(&enterprise(SHIPYARD)),
            )
            .await,
        403,
        "forbidden_role",
    )
    .await;
    problem(
        t.app
            .get(
                &format!("/v1/follow-ups/{enrolment}"),
                Some(&operator(OTHER_SCHOOL)),
            )
            .await,
        404,
        "follow_up_not_found",
    )
    .await;
    let xiamen = test_support::token(platform::auth::Role::Auditor, Some("350200"), None);
    problem(
        t.app.get("/v1/employment-records", Some(&xiamen)).await,
        403,
        "out_of_scope",
    )
    .await;
    let school = body(
        t.app
            .get("/v1/employment-records", Some(&operator(SCHOOL)))
            .await,
    )
    .await;
    assert_eq!(school["items"].as_array().expect("items").len(), 1);
    let all = body(
        t.app
            .get("/v1/employment-records?limit=1", Some(&officer()))
            .await,
    )
    .await;
    assert_eq!(all["items"].as_array().expect("items").len(), 1);
    let next = all["next_cursor"].as_str().expect("a second page");
    let rest = body(
        t.app
            .get(
                &format!("/v1/employment-records?limit=1&cursor={next}"),
                Some(&officer()),
            )
            .await,
    )
    .await;
    assert_eq!(rest["items"].as_array().expect("items").len(), 1);
    assert_ne!(rest["items"][0]["id"], all["items"][0]["id"]);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vacancies_are_recommended_to_completers_not_yet_employed() {
    let t = start().await;
    let recent = chrono::Utc::now().date_naive() - chrono::Days::new(20);
    let enrolment = t.complete(FITTER, &recent.to_string()).await;
    let open_until = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
    let vacancy = |code: &str, level: &str, city: &str| {
        json!({ "employer_credit_code": FACTORY, "title": "电工", "occupation_code": code,
            "min_skill_level": level, "work_city": city, "headcount": 3,
            "salary_min_fen": 600000, "salary_max_fen": 900000, "open_until": open_until })
    };
    for (code, level, city) in [
        ("6-31-01-03", "junior", "350100"),
        ("6-31-01-03", "senior", "350200"),
        ("6-31-01-03", "technician", "350100"),
        ("4-10-01-05", "junior", "350100"),
    ] {
        let res = t
            .app
            .post(
                "/v1/vacancies",
                Some(&enterprise(FACTORY)),
                &vacancy(code, level, city),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    problem(
        t.app
            .post(
                "/v1/vacancies",
                Some(&enterprise(SHIPYARD)),
                &vacancy("6-31-01-03", "junior", "350100"),
            )
            .await,
        403,
        "out_of_scope",
    )
    .await;
    let mut bad = vacancy("6-31", "junior", "999999");
    bad["salary_min_fen"] = json!(1_000_000);
    let p = problem(
        t.app
            .post("/v1/vacancies", Some(&enterprise(FACTORY)), &bad)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let want = [
        ("occupation_code", "occupation_code_format"),
        ("work_city", "city_code_unknown"),
        ("salary_max_fen", "salary_range"),
    ];
    assert_eq!(fields(&p), want.map(|(f, c)| (f.to_owned(), c.to_owned())));

    let url = format!("/v1/follow-ups/{enrolment}/recommendations");
    let res = t.app.post(&url, Some(&operator(SCHOOL)), &json!({})).await;
    assert_eq!(res.status(), 200);
    let made = body(res).await;
    let scores: Vec<i64> = made
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["score"].as_i64().expect("score"))
        .collect();
    assert_eq!(scores, [4, 3], "senior fits junior and senior jobs only");
    let again = body(t.app.post(&url, Some(&officer()), &json!({})).await).await;
    assert_eq!(again, made, "recorded once");
    let listed = body(
        t.app
            .get(
                &format!("/v1/recommendations?enrolment_id={enrolment}"),
                Some(&enterprise(FACTORY)),
            )
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 2);
    let none = body(
        t.app
            .get("/v1/recommendations", Some(&enterprise(SHIPYARD)))
            .await,
    )
    .await;
    assert_eq!(none["items"], json!([]));
    let vacancies = body(
        t.app
            .get("/v1/vacancies", Some(&enterprise(SHIPYARD)))
            .await,
    )
    .await;
    assert_eq!(vacancies["items"], json!([]));
    t.stop().await;
}

/// A worker reports their own employment themselves (or through the portal
/// acting for them); no one reports it for another worker, and no
/// organisation's system self-reports for anyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_report_is_the_workers_own() {
    let t = start().await;
    let own = report(WORKER, FACTORY, "self_reported");
    let res = t
        .app
        .post(
            "/v1/employment-records",
            Some(&test_support::portal_token(&person_id(WORKER))),
            &own,
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(body(res).await["source"], "self_reported");
    problem(
        t.app
            .post(
                "/v1/employment-records",
                Some(&test_support::trainee_token(&person_id(FITTER))),
                &own,
            )
            .await,
        403,
        "out_of_scope",
    )
    .await;
    let system = test_support::token_with(
        platform::auth::Role::Integrator,
        Some("350100"),
        Some(FACTORY),
        Some("employment:reports"),
    );
    problem(
        t.app
            .post("/v1/employment-records", Some(&system), &own)
            .await,
        403,
        "source_not_allowed",
    )
    .await;
    // Without the scope the system reports nothing at all.
    let unscoped = test_support::token_with(
        platform::auth::Role::Integrator,
        Some("350100"),
        Some(FACTORY),
        Some("employment:vacancies"),
    );
    problem(
        t.app
            .post(
                "/v1/employment-records",
                Some(&unscoped),
                &report(WORKER, FACTORY, "employer_reported"),
            )
            .await,
        403,
        "scope_missing",
    )
    .await;
    t.stop().await;
}
