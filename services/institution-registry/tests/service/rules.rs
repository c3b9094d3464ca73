//! Bad input and who sees what.

use platform::auth::Role;
use serde_json::json;

use crate::harness::{
    app, application, applied, body, fields, officer, operator, problem, OTHER, SCHOOL,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_application_is_refused_whole_with_every_field_named_and_stores_nothing() {
    let app = app().await;
    let mut bad = application("91350100M000100Y44");
    bad["contact_phone"] = json!("12345");
    bad["district"] = json!("350203");
    bad["venues"][0]["capacity"] = json!(0);
    bad["venues"][0]["occupations"] = json!(["6-31"]);
    bad["teachers"][0]["may_teach"] = json!([]);
    bad["requested_scope"][1]["occupation_code"] = json!("x");
    let p = problem(
        app.post("/v1/applications", Some(&officer()), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    let want = [
        ("credit_code", "credit_code_check_digit"),
        ("district", "district_outside_city"),
        ("contact_phone", "phone_format"),
        ("venues[0].capacity", "capacity_range"),
        ("venues[0].occupations[0]", "occupation_code_format"),
        ("teachers[0].may_teach", "list_empty"),
        (
            "requested_scope[1].occupation_code",
            "occupation_code_format",
        ),
    ];
    assert_eq!(fields(&p), want.map(|(f, c)| (f.to_owned(), c.to_owned())));
    let mut wrong_enum = application(SCHOOL);
    wrong_enum["nature"] = json!("charity");
    let p = problem(
        app.post("/v1/applications", Some(&officer()), &wrong_enum)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "nature");
    let list = body(app.get("/v1/institutions", Some(&officer())).await).await;
    assert_eq!(list["items"], json!([]), "nothing was stored");

    let id = applied(&app, SCHOOL).await;
    let mut approval = crate::harness::approval();
    approval["scope"][0]["valid_to"] = json!("2025-01-01");
    approval["selection_method"] = json!("lottery");
    let p = problem(
        app.post(
            &format!("/v1/institutions/{id}/approve"),
            Some(&officer()),
            &approval,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "selection_method");
    approval["selection_method"] = json!("open_competition");
    let p = problem(
        app.post(
            &format!("/v1/institutions/{id}/approve"),
            Some(&officer()),
            &approval,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        [(
            "scope[0].valid_to".to_owned(),
            "validity_reversed".to_owned()
        )]
    );
    assert_eq!(
        body(
            app.get(&format!("/v1/institutions/{id}"), Some(&officer()))
                .await
        )
        .await["status"],
        "pending"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_institution_sees_only_itself_and_officers_only_their_city() {
    let app = app().await;
    let mine = applied(&app, SCHOOL).await;
    let theirs = applied(&app, OTHER).await;
    let me = operator(SCHOOL);
    assert_eq!(
        app.get(&format!("/v1/institutions/{mine}"), Some(&me))
            .await
            .status(),
        200
    );
    problem(
        app.get(&format!("/v1/institutions/{theirs}"), Some(&me))
            .await,
        404,
        "institution_not_found",
    )
    .await;
    let own = body(app.get("/v1/institutions", Some(&me)).await).await;
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["items"][0]["credit_code"], SCHOOL);
    problem(
        app.post("/v1/applications", Some(&me), &application(OTHER))
            .await,
        403,
        "out_of_scope",
    )
    .await;
    problem(
        app.post(
            &format!("/v1/institutions/{mine}/approve"),
            Some(&me),
            &crate::harness::approval(),
        )
        .await,
        403,
        "forbidden_role",
    )
    .await;

    let xiamen = test_support::token(Role::BureauOfficer, Some("350200"), None);
    problem(
        app.post(
            &format!("/v1/institutions/{mine}/approve"),
            Some(&xiamen),
            &crate::harness::approval(),
        )
        .await,
        403,
        "out_of_scope",
    )
    .await;
    problem(
        app.get("/v1/institutions", Some(&xiamen)).await,
        403,
        "out_of_scope",
    )
    .await;
    problem(
        app.get(&format!("/v1/institutions/{mine}"), None).await,
        401,
        "token_missing",
    )
    .await;
    let auditor = test_support::token(Role::Auditor, Some("350100"), None);
    assert_eq!(
        body(
            app.get("/v1/institutions?status=pending", Some(&auditor))
                .await
        )
        .await["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    problem(
        app.get("/v1/institutions?status=sleeping", Some(&auditor))
            .await,
        422,
        "validation_failed",
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_registers_brands_of_listed_institutions_and_tracks_its_target() {
    let app = app().await;
    let before = body(app.get("/v1/brands", Some(&officer())).await).await;
    assert_eq!(before["met"], false);
    let id = crate::harness::listed(&app, SCHOOL).await;
    let pending = applied(&app, OTHER).await;
    let brand = |name: &str, ids: Vec<&str>| json!({ "name": name, "occupation_codes": ["6-31-01-03"], "institution_ids": ids });
    let p = problem(
        app.post(
            "/v1/brands",
            Some(&officer()),
            &brand("闽都电工", vec![&id]),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "brand_name_form");
    let p = problem(
        app.post(
            "/v1/brands",
            Some(&officer()),
            &brand("闽都电工培训", vec![&id, &pending]),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "institution_not_listed");
    assert_eq!(
        app.post(
            "/v1/brands",
            Some(&officer()),
            &brand("闽都电工培训", vec![&id])
        )
        .await
        .status(),
        201
    );
    problem(
        app.post(
            "/v1/brands",
            Some(&officer()),
            &brand("闽都电工培训", vec![&id]),
        )
        .await,
        409,
        "brand_exists",
    )
    .await;
    let after = body(app.get("/v1/brands", Some(&officer())).await).await;
    assert_eq!(after["met"], true);
    assert_eq!(after["brands"][0]["name"], "闽都电工培训");
    app.stop().await;
}
