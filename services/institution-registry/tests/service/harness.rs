//! The registry in-process, and application bodies.

use institution_registry::InstitutionRegistry;
use platform::auth::Role;
use serde_json::{json, Value};
use test_support::{Shared, TestApp};

pub use test_support::{body, fields, problem, WAIT};

pub const CITY: &str = "350100";
/// Two training institutions' credit codes.
pub const SCHOOL: &str = "91350100M000100Y43";
pub const OTHER: &str = "91110000100000000R";

pub type App = TestApp<InstitutionRegistry>;

pub async fn started(shared: &Shared) -> App {
    TestApp::<InstitutionRegistry>::start(env!("CARGO_MANIFEST_DIR"), shared, |_| {}).await
}

pub async fn app() -> App {
    started(&Shared::new()).await
}

pub fn officer() -> String {
    test_support::token(Role::BureauOfficer, Some(CITY), None)
}

pub fn operator(org: &str) -> String {
    test_support::token(Role::InstitutionOperator, Some(CITY), Some(org))
}

pub fn application(code: &str) -> Value {
    json!({
        "credit_code": code,
        "name": "福州职业技能培训学校",
        "nature": "private",
        "district": "350102",
        "address": "福州市鼓楼区工业路 1 号",
        "contact_person": "林老师",
        "contact_phone": "0591-87654321",
        "venues": [{ "name": "实训楼 A", "address": "工业路 1 号 A 栋", "capacity": 40, "occupations": ["6-31-01-03"] }],
        "teachers": [{
            "name": "陈师傅", "employment": "full_time", "qualification": "电工技师证",
            "may_teach": [{ "occupation_code": "6-31-01-03", "skill_level": "senior" }]
        }],
        "requested_scope": [
            { "occupation_code": "6-31-01-03", "skill_level": "senior" },
            { "occupation_code": "4-10-01-05", "skill_level": "junior" }
        ],
    })
}

pub fn approval() -> Value {
    json!({
        "selection_method": "open_selection",
        "reason": "2026 年遴选通过",
        "scope": [
            { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" },
            { "occupation_code": "4-10-01-05", "skill_level": "junior", "valid_from": "2026-01-01", "valid_to": "2026-12-31" }
        ],
    })
}

/// Applies as the institution and returns the new id.
pub async fn applied(app: &App, code: &str) -> String {
    let res = app
        .post(
            "/v1/applications",
            Some(&operator(code)),
            &application(code),
        )
        .await;
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
    body(res).await["id"].as_str().expect("id").to_owned()
}

/// Applies and approves; returns the id.
pub async fn listed(app: &App, code: &str) -> String {
    let id = applied(app, code).await;
    let res = app
        .post(
            &format!("/v1/institutions/{id}/approve"),
            Some(&officer()),
            &approval(),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    id
}
