//! The lists: classes and a class's roster, each answering only what the
//! caller may see, filtered and a page at a time.

use platform::auth::Role;
use serde_json::{json, Value};
use test_support::{answered, body};

use crate::harness::{
    fields, list, mesh, officer, operator, problem, Mesh, OTHER, SCHOOL, WAIT, YEAR,
};

/// The ids of a page's items, in order.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The page `url` answers `token`.
async fn page(m: &Mesh, url: &str, token: &str) -> Value {
    answered(m.delivery.get(url, Some(token)).await, 200).await
}

/// Files a class for another institution, `org`, listed in the registry
/// as `institution`, once delivery has heard of it, its venue and teacher.
async fn file_for(m: &Mesh, org: &str, institution: &str) -> String {
    let full = body(
        m.registry
            .get(&format!("/v1/institutions/{institution}"), Some(&officer()))
            .await,
    )
    .await;
    let mut class = m.class_body("6-31-01-03");
    class["institution_id"] = json!(institution);
    for session in class["sessions"].as_array_mut().expect("sessions") {
        session["venue_id"] = full["venues"][0]["id"].clone();
        session["teacher_id"] = full["teachers"][0]["id"].clone();
    }
    // Refused (and nothing stored) until the registry's events are in.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let res = m
            .delivery
            .post("/v1/classes", Some(&operator(org)), &class)
            .await;
        if res.status() == 201 || tokio::time::Instant::now() > deadline {
            let filed = answered(res, 201).await;
            return filed["id"].as_str().expect("id").to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classes_are_listed_to_those_who_may_see_them_filtered_and_a_page_at_a_time() {
    let m = mesh().await;
    let other = list(&m.registry, OTHER).await;
    let approved = m.approved_class().await;
    let (filed, filed_too) = (m.filed_class().await, m.filed_class().await);
    let theirs = file_for(&m, OTHER, &other).await;
    let school = m.institution.clone();
    let (approved, filed, filed_too, theirs) = (
        approved.as_str(),
        filed.as_str(),
        filed_too.as_str(),
        theirs.as_str(),
    );

    // Officers see the city's; the approval queue is the filed ones.
    let officer = officer();
    let all = page(&m, "/v1/classes", &officer).await;
    assert_eq!(ids(&all), [approved, filed, filed_too, theirs]);
    assert_eq!(all.get("next_cursor"), None);
    let queue = page(&m, "/v1/classes?status=filed", &officer).await;
    assert_eq!(ids(&queue), [filed, filed_too, theirs]);
    let url = format!("/v1/classes?status=filed&institution_id={school}");
    assert_eq!(ids(&page(&m, &url, &officer).await), [filed, filed_too]);
    let url = format!("/v1/classes?year={YEAR}&occupation_code=6-31-01-03&institution_id={other}");
    assert_eq!(ids(&page(&m, &url, &officer).await), [theirs]);
    for url in [
        "/v1/classes?year=2026",
        "/v1/classes?occupation_code=4-10-01-05",
        "/v1/classes?status=closed",
    ] {
        assert_eq!(
            ids(&page(&m, url, &officer).await),
            Vec::<String>::new(),
            "{url}"
        );
    }
    let auditor = test_support::token(Role::Auditor, Some("350100"), None);
    assert_eq!(ids(&page(&m, "/v1/classes", &auditor).await).len(), 4);

    // An institution's people and systems see their own, whatever they name.
    let mine = page(&m, "/v1/classes", &operator(SCHOOL)).await;
    assert_eq!(ids(&mine), [approved, filed, filed_too]);
    assert_eq!(mine["items"][0]["status"], "approved");
    assert_eq!(mine["items"][0]["institution_id"], school.as_str());
    let system = test_support::token(Role::Integrator, Some("350100"), Some(SCHOOL));
    let url = "/v1/classes?status=approved";
    assert_eq!(ids(&page(&m, url, &system).await), [approved]);
    let url = format!("/v1/classes?institution_id={other}");
    assert_eq!(
        ids(&page(&m, &url, &operator(SCHOOL)).await),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&page(&m, "/v1/classes", &operator(OTHER)).await),
        [theirs]
    );

    // Two pages of one: the same filters with the first page's cursor.
    let url = format!("/v1/classes?status=filed&institution_id={school}&limit=1");
    let first = page(&m, &url, &officer).await;
    assert_eq!(ids(&first), [filed]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = page(&m, &format!("{url}&cursor={cursor}"), &officer).await;
    assert_eq!(ids(&second), [filed_too]);
    assert_eq!(second.get("next_cursor"), None, "the last page");

    // Another city's officer is refused; no token neither.
    let xiamen = test_support::token(Role::BureauOfficer, Some("350200"), None);
    problem(
        m.delivery.get("/v1/classes", Some(&xiamen)).await,
        403,
        "out_of_scope",
    )
    .await;
    problem(
        m.delivery.get("/v1/classes", None).await,
        401,
        "token_missing",
    )
    .await;

    // Every bad parameter, each named.
    let url =
        "/v1/classes?status=open&institution_id=school&year=1999&occupation_code=6-31&limit=0";
    let p = problem(
        m.delivery.get(url, Some(&officer)).await,
        422,
        "validation_failed",
    )
    .await;
    let want = [
        ("status", "class_status_unknown"),
        ("institution_id", "uuid_format"),
        ("year", "year_range"),
        ("occupation_code", "occupation_code_format"),
        ("limit", "limit_range"),
    ];
    assert_eq!(fields(&p), want.map(|(f, c)| (f.to_owned(), c.to_owned())));
    let p = problem(
        m.delivery
            .get("/v1/classes?cursor=not-ours", Some(&officer))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [("cursor".to_owned(), "cursor_invalid".to_owned())]
    );
    m.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_is_read_a_page_at_a_time_by_those_who_may_see_its_class() {
    let m = mesh().await;
    list(&m.registry, OTHER).await;
    let class = m.approved_class().await;
    let first = m.enrol(&class, "11010519491231002X").await;
    let second = m.enrol(&class, "110105194912310038").await;
    let url = format!("/v1/classes/{class}/enrolments");

    let (first, second) = (
        first["id"].as_str().expect("id").to_owned(),
        second["id"].as_str().expect("id").to_owned(),
    );
    let whole = page(&m, &url, &officer()).await;
    assert_eq!(ids(&whole), [&first, &second].map(String::as_str));
    assert_eq!(whole["items"][1]["citizen_id"], "110105********0038");
    assert_eq!(whole.get("next_cursor"), None);
    let paged = format!("{url}?limit=1");
    let one = page(&m, &paged, &operator(SCHOOL)).await;
    assert_eq!(ids(&one), [first.as_str()]);
    let cursor = one["next_cursor"].as_str().expect("a next page");
    let two = page(&m, &format!("{paged}&cursor={cursor}"), &operator(SCHOOL)).await;
    assert_eq!(ids(&two), [second.as_str()]);
    assert_eq!(two.get("next_cursor"), None, "the last page");

    // Another institution, another city.
    problem(
        m.delivery.get(&paged, Some(&operator(OTHER))).await,
        404,
        "class_not_found",
    )
    .await;
    let xiamen = test_support::token(Role::Auditor, Some("350200"), None);
    problem(
        m.delivery.get(&paged, Some(&xiamen)).await,
        403,
        "out_of_scope",
    )
    .await;

    let p = problem(
        m.delivery
            .get(
                &format!("{url}?limit=501&cursor=not-ours"),
                Some(&officer()),
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
    let want = [("limit", "limit_range"), ("cursor", "cursor_invalid")];
    assert_eq!(fields(&p), want.map(|(f, c)| (f.to_owned(), c.to_owned())));
    m.stop().await;
}
