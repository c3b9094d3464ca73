//! The lists: what each caller sees of bodies, sessions, certificates and
//! exceptional certifications, a page at a time, and bad filters named.

use chrono::{Days, Utc};
use platform::auth::Role;
use serde_json::{json, Value};
use test_support::{body, TestApp};

use crate::harness::*;

type App = TestApp<skill_assessment::SkillAssessment>;

/// A list's answer, which must be 200.
async fn page(app: &App, path: &str, token: &str) -> Value {
    let res = app.get(path, Some(token)).await;
    assert_eq!(res.status(), 200, "{path}");
    body(res).await
}

/// The ids of a page's items, in order.
fn item_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Pages through `path` one item at a time: two pages, the second the
/// last; the ids of both.
async fn one_by_one(app: &App, path: &str, token: &str) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let first = page(app, &format!("{path}{sep}limit=1"), token).await;
    assert_eq!(item_ids(&first).len(), 1);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = page(app, &format!("{path}{sep}limit=1&cursor={cursor}"), token).await;
    assert!(
        second.get("next_cursor").is_none(),
        "the last page: {second}"
    );
    [item_ids(&first), item_ids(&second)].concat()
}

fn other_city_officer() -> String {
    test_support::token(Role::BureauOfficer, Some("350200"), None)
}

/// An organisation that is not a filed body.
fn stranger() -> String {
    assessor(&credit_code(499))
}

/// The ways a list refuses another city's officer and a bad page.
async fn refuses_other_cities_and_bad_pages(app: &App, path: &str) {
    problem(
        app.get(path, Some(&other_city_officer())).await,
        403,
        "out_of_scope",
    )
    .await;
    for (query, field, code) in [
        ("limit=0", "limit", "limit_range"),
        ("cursor=!!", "cursor", "cursor_invalid"),
    ] {
        let p = problem(
            app.get(&format!("{path}?{query}"), Some(&officer())).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [(field.to_owned(), code.to_owned())]);
    }
}

#[tokio::test]
async fn officers_list_every_body_and_a_body_only_itself() {
    let app = start().await;
    let a = file_body(&app, 401, "social_organisation").await;
    let b = file_body(&app, 402, "enterprise").await;
    let c = file_body(&app, 403, "social_organisation").await;
    let res = app
        .post(
            &format!("/v1/assessment-bodies/{}/suspension", c.id),
            Some(&officer()),
            &json!({ "reason": "督导发现考场违规" }),
        )
        .await;
    assert_eq!(res.status(), 200);

    let active = page(&app, "/v1/assessment-bodies?status=active", &officer()).await;
    assert_eq!(item_ids(&active), [a.id.clone(), b.id.clone()]);
    assert_eq!(active["items"][0]["code"], json!(a.code));
    assert!(active["items"][0].get("staff").is_none(), "no staff names");
    let suspended = page(&app, "/v1/assessment-bodies?status=suspended", &officer()).await;
    assert_eq!(item_ids(&suspended), [c.id.as_str()]);

    assert_eq!(
        one_by_one(&app, "/v1/assessment-bodies?status=active", &officer()).await,
        [a.id.clone(), b.id.clone()]
    );

    let own = page(&app, "/v1/assessment-bodies", &b.token).await;
    assert_eq!(item_ids(&own), [b.id.as_str()]);
    let none = page(&app, "/v1/assessment-bodies", &stranger()).await;
    assert_eq!(item_ids(&none), Vec::<String>::new());
    refuses_other_cities_and_bad_pages(&app, "/v1/assessment-bodies").await;

    let p = problem(
        app.get("/v1/assessment-bodies?status=closed", Some(&officer()))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("status".to_owned(), "body_status_unknown".to_owned())]
    );
    app.stop().await;
}

#[tokio::test]
async fn sessions_are_listed_by_exam_date_for_the_bureau_and_their_own_body() {
    let app = start().await;
    let a = file_body(&app, 411, "social_organisation").await;
    let b = file_body(&app, 412, "social_organisation").await;
    let today = ids::business_date(Utc::now());
    let later = today.checked_add_days(Days::new(10)).expect("a date");
    let a_today = schedule(&app, &a, "senior").await;
    let mut request = session_request(&a, "technician");
    request["exam_date"] = json!(later);
    let res = app.post("/v1/sessions", Some(&a.token), &request).await;
    assert_eq!(res.status(), 201);
    let a_later = body(res).await["id"].as_str().expect("id").to_owned();
    let b_today = schedule(&app, &b, "senior").await;

    let all = page(
        &app,
        &format!("/v1/sessions?occupation={OCCUPATION}"),
        &officer(),
    )
    .await;
    assert_eq!(
        item_ids(&all),
        [a_today.clone(), b_today.clone(), a_later.clone()]
    );
    assert!(all["items"][0].get("candidates").is_none());
    let narrowed = page(
        &app,
        &format!(
            "/v1/sessions?body={}&occupation={OCCUPATION}&from={today}&to={today}",
            a.id
        ),
        &officer(),
    )
    .await;
    assert_eq!(item_ids(&narrowed), [a_today.as_str()]);

    assert_eq!(
        one_by_one(&app, "/v1/sessions", &a.token).await,
        [a_today.clone(), a_later.clone()]
    );

    let own = page(&app, "/v1/sessions", &b.token).await;
    assert_eq!(item_ids(&own), [b_today.as_str()]);
    let others = page(&app, &format!("/v1/sessions?body={}", a.id), &b.token).await;
    assert_eq!(item_ids(&others), Vec::<String>::new());
    let none = page(&app, "/v1/sessions", &stranger()).await;
    assert_eq!(item_ids(&none), Vec::<String>::new());
    refuses_other_cities_and_bad_pages(&app, "/v1/sessions").await;

    let p = problem(
        app.get(
            "/v1/sessions?body=nope&occupation=6-31&from=2026-02-30",
            Some(&officer()),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            ("body".to_owned(), "uuid_format".to_owned()),
            ("occupation".to_owned(), "occupation_code_format".to_owned()),
            ("from".to_owned(), "date_format".to_owned()),
        ]
    );
    let p = problem(
        app.get(
            &format!("/v1/sessions?from={later}&to={today}"),
            Some(&officer()),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), [("to".to_owned(), "date_order".to_owned())]);
    app.stop().await;
}

#[tokio::test]
async fn certificate_lists_mask_holders_and_show_a_body_only_what_it_issued() {
    let app = start().await;
    let a = file_body(&app, 421, "social_organisation").await;
    let b = file_body(&app, 422, "social_organisation").await;
    let (a1, _) = certified(&app, &a, 4211, "林晓明").await;
    let (a2, _) = certified(&app, &a, 4212, "王小五").await;
    let (b1, _) = certified(&app, &b, 4221, "赵六六").await;
    let id = |c: &Value| c["id"].as_str().expect("id").to_owned();
    let res = app
        .post(
            &format!(
                "/v1/certificates/{}/revocation",
                a2["certificate_no"].as_str().expect("number")
            ),
            Some(&officer()),
            &json!({ "reason": "篡改成绩" }),
        )
        .await;
    assert_eq!(res.status(), 200);

    let year = &a1["statistical_year"];
    let valid = page(
        &app,
        &format!(
            "/v1/certificates?body={}&occupation={OCCUPATION}&level=senior&status=valid&year={year}",
            a.id
        ),
        &officer(),
    )
    .await;
    assert_eq!(item_ids(&valid), [id(&a1)]);
    let item = &valid["items"][0];
    assert_eq!(item["holder_name_masked"], "林**");
    assert_eq!(item["certificate_no"], a1["certificate_no"]);
    for hidden in ["holder_name", "qr_payload", "revoked_reason"] {
        assert!(item.get(hidden).is_none(), "{hidden} is not listed");
    }
    assert!(!valid.to_string().contains("林晓明"));
    let revoked = page(&app, "/v1/certificates?status=revoked", &officer()).await;
    assert_eq!(item_ids(&revoked), [id(&a2)]);

    assert_eq!(
        one_by_one(&app, "/v1/certificates", &a.token).await,
        [id(&a1), id(&a2)]
    );

    let own = page(&app, "/v1/certificates", &b.token).await;
    assert_eq!(item_ids(&own), [id(&b1)]);
    let others = page(&app, &format!("/v1/certificates?body={}", a.id), &b.token).await;
    assert_eq!(item_ids(&others), Vec::<String>::new());
    let none = page(&app, "/v1/certificates", &stranger()).await;
    assert_eq!(item_ids(&none), Vec::<String>::new());
    refuses_other_cities_and_bad_pages(&app, "/v1/certificates").await;

    let p = problem(
        app.get(
            "/v1/certificates?level=grandmaster&status=lost&year=1999",
            Some(&officer()),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            ("level".to_owned(), "skill_level_unknown".to_owned()),
            ("status".to_owned(), "certificate_status_unknown".to_owned()),
            ("year".to_owned(), "year_range".to_owned()),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn the_pending_exceptional_certifications_are_the_bureaus_review_queue() {
    let app = start().await;
    let e1 = file_body(&app, 431, "enterprise").await;
    let e2 = file_body(&app, 432, "enterprise").await;
    let file = |e: &Body, seq: u32| {
        let request = json!({
            "citizen_id": citizen(seq),
            "name": "郑工",
            "assessment_kind": "certification",
            "occupation_code": OCCUPATION,
            "skill_level": "technician",
            "grounds": "major_technical_problem",
            "justification": "主持解决高压开关柜局部放电重大技术难题，获公司科技进步一等奖",
        });
        let token = e.token.clone();
        let app = &app;
        async move {
            let res = app
                .post("/v1/exceptional-certifications", Some(&token), &request)
                .await;
            assert_eq!(res.status(), 201);
            body(res).await["id"].as_str().expect("id").to_owned()
        }
    };
    let first = file(&e1, 4311).await;
    let second = file(&e1, 4312).await;
    let theirs = file(&e2, 4321).await;
    let res = app
        .post(
            &format!("/v1/exceptional-certifications/{first}/review"),
            Some(&officer()),
            &json!({ "decision": "approve", "note": "经审核，业绩属实" }),
        )
        .await;
    assert_eq!(res.status(), 200);

    let queue = page(
        &app,
        "/v1/exceptional-certifications?status=pending",
        &officer(),
    )
    .await;
    assert_eq!(item_ids(&queue), [second.clone(), theirs.clone()]);
    assert!(queue["items"][0]["citizen_id_masked"]
        .as_str()
        .expect("masked")
        .contains("****"));
    let approved = page(
        &app,
        "/v1/exceptional-certifications?status=approved",
        &officer(),
    )
    .await;
    assert_eq!(item_ids(&approved), [first.as_str()]);
    assert_eq!(approved["items"][0]["certificate"]["route"], "exceptional");

    assert_eq!(
        one_by_one(&app, "/v1/exceptional-certifications", &e1.token).await,
        [first.clone(), second.clone()]
    );

    let own = page(&app, "/v1/exceptional-certifications", &e2.token).await;
    assert_eq!(item_ids(&own), [theirs.as_str()]);
    let none = page(&app, "/v1/exceptional-certifications", &stranger()).await;
    assert_eq!(item_ids(&none), Vec::<String>::new());
    refuses_other_cities_and_bad_pages(&app, "/v1/exceptional-certifications").await;

    let p = problem(
        app.get(
            "/v1/exceptional-certifications?status=waiting",
            Some(&officer()),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("status".to_owned(), "exceptional_status_unknown".to_owned())]
    );
    app.stop().await;
}
