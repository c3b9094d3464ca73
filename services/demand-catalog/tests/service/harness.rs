//! The catalogue in-process (see `test_support::TestApp`), with its sample
//! occupations loaded, and helpers for its drafts.

use demand_catalog::{Config, DemandCatalog};
use platform::auth::Role;
use serde_json::{json, Value};
use test_support::{Shared, TestApp};

pub use test_support::{body, fields, problem, WAIT};

pub const CITY: &str = "350100";

pub type App = TestApp<DemandCatalog>;

pub async fn app() -> App {
    app_with(|_| {}).await
}

pub async fn app_with(adjust: impl FnOnce(&mut Config)) -> App {
    started(&Shared::new(), adjust).await
}

/// The catalogue on namespaces shared with other services of the test.
pub async fn started(shared: &Shared, adjust: impl FnOnce(&mut Config)) -> App {
    let app = TestApp::<DemandCatalog>::start(env!("CARGO_MANIFEST_DIR"), shared, adjust).await;
    let sample = demand_catalog::domain::occupations_file::parse(include_str!(
        "../../data/occupations.sample.csv"
    ))
    .expect("sample");
    let mut conn = app.pool.get().await.expect("conn");
    demand_catalog::store::occupations::upsert(&mut conn, &sample, true)
        .await
        .expect("occupations");
    app
}

/// Drafting helpers.
pub trait Drafts {
    /// Creates a draft catalogue and returns its id.
    async fn draft(&self, token: &str, year: i32) -> String;
    /// Adds an entry and returns its id.
    async fn add_entry(
        &self,
        token: &str,
        catalogue: &str,
        code: &str,
        level: &str,
        year: i32,
    ) -> String;
}

impl Drafts for App {
    async fn draft(&self, token: &str, year: i32) -> String {
        let res = self
            .post(
                "/v1/catalogues",
                Some(token),
                &json!({ "city": CITY, "year": year }),
            )
            .await;
        assert_eq!(res.status(), 201);
        body(res).await["id"].as_str().expect("id").to_owned()
    }

    async fn add_entry(
        &self,
        token: &str,
        catalogue: &str,
        code: &str,
        level: &str,
        year: i32,
    ) -> String {
        let res = self
            .post(
                &format!("/v1/catalogues/{catalogue}/entries"),
                Some(token),
                &entry(code, level, year),
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
}

pub fn entry(code: &str, level: &str, year: i32) -> Value {
    json!({
        "occupation_code": code,
        "skill_level": level,
        "urgent": true,
        "subsidy_fen": 150000,
        "valid_from": format!("{year}-01-01"),
        "valid_to": format!("{year}-12-31"),
    })
}

pub fn officer(city: &str) -> String {
    test_support::token(Role::BureauOfficer, Some(city), None)
}
