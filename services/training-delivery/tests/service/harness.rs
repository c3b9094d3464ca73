//! Catalogue, registry and delivery on one broker; a listed school with a
//! venue and a teacher; helpers to file and approve a class.

use demand_catalog::DemandCatalog;
use institution_registry::InstitutionRegistry;
use platform::auth::Role;
use serde_json::{json, Value};
use test_support::{body, Shared, TestApp};
use training_delivery::TrainingDelivery;

pub use test_support::{fields, problem, WAIT};

pub const SCHOOL: &str = "91350100M000100Y43";
pub const OTHER: &str = "91110000100000000R";
/// Classes run in January of next year's catalogue.
pub const YEAR: i32 = 2027;

pub struct Mesh {
    pub shared: Shared,
    pub catalogue: TestApp<DemandCatalog>,
    pub registry: TestApp<InstitutionRegistry>,
    pub delivery: TestApp<TrainingDelivery>,
    pub institution: String,
    pub venue: String,
    pub teacher: String,
}

pub fn officer() -> String {
    test_support::token(Role::BureauOfficer, Some("350100"), None)
}

pub fn operator(org: &str) -> String {
    test_support::token(Role::InstitutionOperator, Some("350100"), Some(org))
}

fn dir(service: &str) -> String {
    format!("{}/../{service}", env!("CARGO_MANIFEST_DIR"))
}

/// Starts the three services, publishes the catalogue (电工 senior) and
/// lists the school; returns once delivery heard all of it.
pub async fn mesh() -> Mesh {
    mesh_with(|_| {}).await
}

/// [`mesh`], after `adjust` had its say on delivery's configuration.
pub async fn mesh_with(adjust: impl FnOnce(&mut training_delivery::Config)) -> Mesh {
    let shared = Shared::new();
    // The registry applies performance evaluation's ratings.
    messaging::ensure_topics(&shared.kafka, &[contracts::evaluation::RATINGS_TOPIC])
        .await
        .expect("topics");
    let catalogue = TestApp::<DemandCatalog>::start(&dir("demand-catalog"), &shared, |_| {}).await;
    let registry =
        TestApp::<InstitutionRegistry>::start(&dir("institution-registry"), &shared, |_| {}).await;
    let delivery = TestApp::<TrainingDelivery>::start(env!("CARGO_MANIFEST_DIR"), &shared, |cfg| {
        cfg.service.pii_encryption_keys = test_support::keys::PII_ENCRYPTION_KEYS.into();
        cfg.service.pii_lookup_key = test_support::keys::PII_LOOKUP_KEY.into();
        cfg.service.person_id_key = test_support::keys::PERSON_ID_KEY.into();
        adjust(cfg);
    })
    .await;

    let officer = officer();
    let cat = body(
        catalogue
            .post(
                "/v1/catalogues",
                Some(&officer),
                &json!({ "city": "350100", "year": YEAR }),
            )
            .await,
    )
    .await;
    let cat = cat["id"].as_str().expect("catalogue id").to_owned();
    let entry = json!({ "occupation_code": "6-31-01-03", "occupation_name": "电工", "skill_level": "senior", "urgent": true, "subsidy_fen": 180000, "valid_from": format!("{YEAR}-01-01"), "valid_to": format!("{YEAR}-12-31") });
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

    let institution = list(&registry, SCHOOL).await;
    let full = body(
        registry
            .get(&format!("/v1/institutions/{institution}"), Some(&officer))
            .await,
    )
    .await;
    let venue = full["venues"][0]["id"].as_str().expect("venue").to_owned();
    let teacher = full["teachers"][0]["id"]
        .as_str()
        .expect("teacher")
        .to_owned();
    let mesh = Mesh {
        shared,
        catalogue,
        registry,
        delivery,
        institution,
        venue,
        teacher,
    };
    // Delivery has heard everything once a sound filing passes its checks
    // up to the class itself (a dry run is not offered: poll with a filing
    // of capacity 0, refused for that reason alone once the facts are in).
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut probe = mesh.class_body("6-31-01-03");
        probe["capacity"] = json!(0);
        let res = mesh
            .delivery
            .post("/v1/classes", Some(&operator(SCHOOL)), &probe)
            .await;
        let p = body(res).await;
        if fields(&p) == [("capacity".to_owned(), "capacity_range".to_owned())]
            || tokio::time::Instant::now() > deadline
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    mesh
}

/// Applies as `org` with one venue and one teacher for 电工 senior, and approves.
pub async fn list(registry: &TestApp<InstitutionRegistry>, org: &str) -> String {
    let application = json!({
        "credit_code": org, "name": format!("培训学校 {org}"), "nature": "private", "district": "350102",
        "address": "工业路 1 号", "contact_person": "林老师", "contact_phone": "13812345678",
        "venues": [{ "name": "实训室", "address": "工业路 1 号", "capacity": 40, "occupations": ["6-31-01-03", "4-10-01-05"] }],
        "teachers": [{ "name": "陈师傅", "employment": "full_time", "qualification": "电工技师", "may_teach": [
            { "occupation_code": "6-31-01-03", "skill_level": "senior" }, { "occupation_code": "4-10-01-05", "skill_level": "junior" } ] }],
        "requested_scope": [{ "occupation_code": "6-31-01-03", "skill_level": "senior" }],
    });
    let res = registry
        .post("/v1/applications", Some(&operator(org)), &application)
        .await;
    assert_eq!(res.status(), 201);
    let id = body(res).await["id"].as_str().expect("id").to_owned();
    let approval = json!({ "selection_method": "open_selection", "reason": "遴选", "scope": [
        { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" },
        { "occupation_code": "4-10-01-05", "skill_level": "junior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" } ] });
    assert_eq!(
        registry
            .post(
                &format!("/v1/institutions/{id}/approve"),
                Some(&officer()),
                &approval
            )
            .await
            .status(),
        200
    );
    id
}

impl Mesh {
    pub fn class_body(&self, occupation: &str) -> Value {
        let level = if occupation == "6-31-01-03" {
            "senior"
        } else {
            "junior"
        };
        json!({
            "institution_id": self.institution, "occupation_code": occupation, "skill_level": level, "year": YEAR,
            "capacity": 30, "funding_route": "voucher",
            "plan": { "curriculum": [{ "topic": "低压电工作业", "theory_hours": 24, "practice_hours": 40 }], "safety_content": "触电急救与安全操作规程", "materials": ["福建省职业技能实训教材"] },
            "sessions": [
                { "starts_at": format!("{YEAR}-01-10T01:00:00Z"), "ends_at": format!("{YEAR}-01-10T09:00:00Z"), "venue_id": self.venue, "teacher_id": self.teacher },
                { "starts_at": format!("{YEAR}-01-11T01:00:00Z"), "ends_at": format!("{YEAR}-01-11T09:00:00Z"), "venue_id": self.venue, "teacher_id": self.teacher }
            ],
        })
    }

    /// Files a class of 电工 senior as the school; returns its id.
    pub async fn filed_class(&self) -> String {
        let res = self
            .delivery
            .post(
                "/v1/classes",
                Some(&operator(SCHOOL)),
                &self.class_body("6-31-01-03"),
            )
            .await;
        let filed = test_support::answered(res, 201).await;
        filed["id"].as_str().expect("id").to_owned()
    }

    /// Files and approves a class of 电工 senior; returns its id.
    pub async fn approved_class(&self) -> String {
        let id = self.filed_class().await;
        assert_eq!(
            self.delivery
                .post(
                    &format!("/v1/classes/{id}/approve"),
                    Some(&officer()),
                    &json!({})
                )
                .await
                .status(),
            200
        );
        id
    }

    /// Enrols `citizen_id` in `class` as the school; returns the enrolment.
    pub async fn enrol(&self, class: &str, citizen_id: &str) -> Value {
        let res = self
            .delivery
            .post(
                &format!("/v1/classes/{class}/enrolments"),
                Some(&operator(SCHOOL)),
                &trainee(citizen_id),
            )
            .await;
        test_support::answered(res, 201).await
    }

    pub async fn stop(self) {
        self.delivery.stop().await;
        self.registry.stop().await;
        self.catalogue.stop().await;
    }
}

pub fn trainee(citizen_id: &str) -> Value {
    json!({ "citizen_id": citizen_id, "name": "王五", "phone": "13912345678", "target_group": "registered_unemployed", "voucher_ref": "FJ-2027-000123" })
}
