//! The service with its keys, fed recorded events of the catalogue, the
//! registry, delivery and assessment as those services publish them.

use chrono::Utc;
use contracts::assessment::{
    CertificateEvent, CERTIFICATES_TOPIC, CERTIFICATE_ISSUED, CERTIFICATE_REVOKED,
};
use contracts::delivery::{
    CompletionEvent, EnrolmentEvent, ENROLMENTS_TOPIC, TRAINEE_COMPLETED, TRAINEE_ENROLLED,
};
use contracts::employment::{
    ApprenticeshipEvent, OutcomeEvent, APPRENTICESHIPS_TOPIC, APPRENTICESHIP_RECOGNISED,
    EMPLOYED_WITHIN_WINDOW, OUTCOMES_TOPIC,
};
use contracts::registry::{InstitutionEvent, INSTITUTIONS_TOPIC, INSTITUTION_APPROVED};
use messaging::OutboxEvent;
use platform::auth::Role;
use serde_json::{json, Value};
use subsidy_payment::SubsidyPayment;
use test_support::fixtures::Listed;
use test_support::{body, Shared, TestApp};
use uuid::Uuid;

pub use test_support::{fields, problem, WAIT};

pub type App = TestApp<SubsidyPayment>;

pub const OCCUPATION: &str = "6-31-01-03";
/// The catalogue standard of `OCCUPATION` at the senior level, in fen.
pub const STANDARD: i64 = 150_000;

pub fn officer() -> String {
    test_support::token(Role::BureauOfficer, Some("350100"), None)
}

/// A second officer of the city, who approves what `officer()` proposes.
pub fn checker() -> String {
    test_support::token_as("second-officer", Role::BureauOfficer, Some("350100"), None)
}

/// The keys of the files exchanged with the bank: the city's (which signs
/// payment files) and the bank's (which signs result files), made once per
/// test process.
pub struct BankKeys {
    pub city_key: String,
    pub bank_key: String,
    pub bank_jwks: String,
}

pub fn bank_keys() -> &'static BankKeys {
    static KEYS: std::sync::OnceLock<BankKeys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("qc-subsidy-bank-{}", std::process::id()));
        let (city_key, _) =
            platform::auth::Signer::ensure_files(&dir.join("city")).expect("city key");
        let (bank_key, bank_jwks) =
            platform::auth::Signer::ensure_files(&dir.join("bank")).expect("bank key");
        let path = |p: std::path::PathBuf| p.display().to_string();
        BankKeys {
            city_key: path(city_key),
            bank_key: path(bank_key),
            bank_jwks: path(bank_jwks),
        }
    })
}

/// A result file as the bank sends it: the `X-Signature` header value.
pub fn bank_signature(file: &str) -> String {
    let settings = subsidy_payment::BankSettings {
        signing_key: bank_keys().bank_key.clone(),
        ..Default::default()
    };
    let (key_id, key) = settings.signing_key().expect("bank key");
    subsidy_payment::domain::file_signature::sign(&key, &key_id, file.as_bytes())
}

/// Takes a proposal (202) and has the second officer approve it; returns
/// what applying it did.
pub async fn approved(app: &App, proposed: reqwest::Response) -> Value {
    assert_eq!(proposed.status(), 202);
    let proposal = body(proposed).await;
    let res = app
        .post(
            &format!("/v1/proposals/{}/approve", proposal["id"].as_str().unwrap()),
            Some(&checker()),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let decided = body(res).await;
    assert_eq!(decided["status"], "applied", "{decided}");
    decided["outcome"].clone()
}

pub fn institution_token(credit_code: &str) -> String {
    test_support::token(Role::InstitutionOperator, Some("350100"), Some(credit_code))
}

/// A valid unified social credit code (GB 32100) ending a fixed stem.
pub fn credit_code(seq: u32) -> String {
    ids::CreditCode::with_check_char(&format!("91350100MA{seq:07}"))
        .expect("valid")
        .to_string()
}

/// A pseudonymous person id, as other services derive it.
pub fn person(seq: u32) -> String {
    format!("f{seq:063}")
}

pub fn today() -> chrono::NaiveDate {
    ids::business_date(Utc::now())
}

pub fn year() -> i32 {
    ids::StatisticalYear::of(today()).year()
}

/// Starts the service once the topics it consumes exist, as in a city.
pub async fn start() -> App {
    start_with(|_| {}).await
}

/// [`start`], after `adjust` had its say on the configuration.
pub async fn start_with(adjust: impl FnOnce(&mut subsidy_payment::Config)) -> App {
    let shared = Shared::new();
    messaging::ensure_topics(&shared.kafka, &subsidy_payment::events::CONSUMED_TOPICS)
        .await
        .expect("consumed topics");
    TestApp::<SubsidyPayment>::start(env!("CARGO_MANIFEST_DIR"), &shared, |cfg| {
        cfg.service.pii_encryption_keys = test_support::keys::PII_ENCRYPTION_KEYS.into();
        cfg.service.pii_lookup_key = test_support::keys::PII_LOOKUP_KEY.into();
        cfg.service.bank.signing_key = bank_keys().city_key.clone();
        cfg.service.bank.result_keys = bank_keys().bank_jwks.clone();
        adjust(cfg);
    })
    .await
}

pub async fn publish(app: &App, events: &[OutboxEvent]) {
    test_support::publish(&app.cfg.kafka, "350100", events)
        .await
        .expect("published");
}

/// The same event under a new id, as a replay of the whole history by a
/// producer that lost its outbox would bring it.
pub fn again(e: &OutboxEvent) -> OutboxEvent {
    OutboxEvent {
        id: Uuid::now_v7(),
        ..e.clone()
    }
}

/// An approved institution of the registry.
pub struct Institution {
    pub id: Uuid,
    pub credit_code: String,
    pub event: OutboxEvent,
}

pub fn institution(seq: u32) -> Institution {
    institution_of(&credit_code(seq), &format!("培训学校 {seq}"))
}

/// [`institution`] of the organisation `credit_code`.
pub fn institution_of(credit_code: &str, name: &str) -> Institution {
    let id = Uuid::now_v7();
    let credit_code = credit_code.to_owned();
    let e = InstitutionEvent {
        institution_id: id,
        city: "350100".parse().unwrap(),
        credit_code: credit_code.parse().unwrap(),
        name: name.to_owned(),
        nature: "private".into(),
        status: "approved".into(),
        high_skill_base: false,
        scope: Vec::new(),
        reason: None,
        rating: None,
        under_review: false,
    };
    Institution {
        id,
        credit_code,
        event: OutboxEvent::new(INSTITUTIONS_TOPIC, INSTITUTION_APPROVED, id.to_string(), &e),
    }
}

/// The catalogue entry with `STANDARD` for `OCCUPATION` at senior level.
pub fn catalogue_entry() -> OutboxEvent {
    test_support::fixtures::published_entry(
        "350100".parse().unwrap(),
        ids::StatisticalYear::of(today()),
        Uuid::now_v7(),
        Listed {
            occupation: OCCUPATION.parse().unwrap(),
            name: "育婴员",
            level: ids::SkillLevel::Senior,
            subsidy: ids::Fen::new(STANDARD),
        },
    )
}

/// Delivery's completion of `person` in a class of `institution`.
pub fn completion(person_id: &str, institution_id: Uuid) -> OutboxEvent {
    completion_in(Uuid::now_v7(), person_id, institution_id)
}

/// Delivery's completion of `person` in class `class_id`.
pub fn completion_in(class_id: Uuid, person_id: &str, institution_id: Uuid) -> OutboxEvent {
    let e = CompletionEvent {
        enrolment_id: Uuid::now_v7(),
        class_id,
        institution_id,
        person_id: serde_json::from_value(json!(person_id)).unwrap(),
        target_group: "registered_unemployed".into(),
        occupation_code: OCCUPATION.parse().unwrap(),
        skill_level: ids::SkillLevel::Senior,
        completed: true,
        attended_hours: 80.0,
        planned_hours: 80.0,
        completed_on: today(),
        statistical_year: year(),
        catalogue_year: Some(year()),
    };
    OutboxEvent::new(
        ENROLMENTS_TOPIC,
        TRAINEE_COMPLETED,
        class_id.to_string(),
        &e,
    )
}

/// Assessment's certificate of `person`, issued or revoked.
pub fn certificate(person_id: &str, certificate_id: Uuid, revoked: bool) -> OutboxEvent {
    let e = CertificateEvent {
        certificate_id,
        certificate_no: "S000035010000000000001".into(),
        city: "350100".parse().unwrap(),
        person_id: serde_json::from_value(json!(person_id)).unwrap(),
        body_id: Uuid::nil(),
        body_credit_code: credit_code(9999).parse().unwrap(),
        body_kind: "social_organisation".into(),
        assessment_kind: "certification".into(),
        occupation_code: OCCUPATION.parse().unwrap(),
        skill_level: ids::SkillLevel::Senior,
        high_skilled: false,
        route: "exam".into(),
        issued_on: today(),
        statistical_year: year(),
        class_id: None,
        institution_id: None,
        status: if revoked { "revoked" } else { "valid" }.into(),
        revoked_reason: revoked.then(|| "exam fraud found on inspection".to_owned()),
        revoked_on: revoked.then(today),
    };
    let kind = if revoked {
        CERTIFICATE_REVOKED
    } else {
        CERTIFICATE_ISSUED
    };
    OutboxEvent::new(CERTIFICATES_TOPIC, kind, "S000035010000000000001", &e)
}

/// An officer proposes an allocation, a second officer approves it.
pub async fn allocate(app: &App, fund: &str, amount: i64) {
    let res = app
        .post(
            "/v1/budgets/allocations",
            Some(&officer()),
            &json!({ "fund": fund, "year": year(), "amount_fen": amount, "memo": "闽人社〔2026〕1号" }),
        )
        .await;
    let change = approved(app, res).await;
    assert_eq!(change["amount_fen"], amount);
}

/// The city's claims as an officer sees them.
pub async fn claims(app: &App, token: &str) -> Vec<Value> {
    let res = app.get("/v1/claims", Some(token)).await;
    assert_eq!(res.status(), 200);
    body(res).await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Polls the officer's claim list until `done` holds.
pub async fn wait_for_claims(app: &App, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    test_support::eventually(WAIT, || async {
        let list = claims(app, &officer()).await;
        if done(&list) {
            Ok(list)
        } else {
            Err(format!("claims never settled: {list:?}"))
        }
    })
    .await
}

/// The pot of a fund this year, as `GET /v1/budgets` shows it.
pub async fn pot(app: &App, fund: &str) -> Value {
    let res = app
        .get(&format!("/v1/budgets?year={}", year()), Some(&officer()))
        .await;
    assert_eq!(res.status(), 200);
    body(res)
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fund"] == fund)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Registers the institution's bank account, makes a batch and has the
/// bank confirm it, each step proposed by one officer and approved by
/// another; returns the batch.
pub async fn pay(app: &App, inst: &Institution, batch_no: &str) -> Value {
    let res = app
        .put(
            &format!("/v1/payees/institution:{}/bank-account", inst.id),
            Some(&officer()),
            &json!({ "account_no": "6222020200112233445", "account_name": "培训学校" }),
        )
        .await;
    let view = approved(app, res).await;
    assert_eq!(view["account_masked"], "***************3445");
    let res = app
        .post(
            "/v1/payout-batches",
            Some(&officer()),
            &json!({ "batch_no": batch_no, "fund": "employment_subsidy" }),
        )
        .await;
    let batch = approved(app, res).await;
    let res = app
        .get(
            &format!("/v1/payout-batches/{batch_no}/file"),
            Some(&officer()),
        )
        .await;
    assert_eq!(res.status(), 200);
    let file = res.text().await.unwrap();
    assert!(file.contains("6222020200112233445"), "{file}");
    let mut result = String::from("reference,status,amount,reason\r\n");
    for line in batch["lines"].as_array().unwrap() {
        let yuan = ids::Fen::new(line["amount_fen"].as_i64().unwrap()).to_string();
        result.push_str(&format!(
            "{},success,{yuan},\r\n",
            line["reference"].as_str().unwrap()
        ));
    }
    let report = approved(app, propose_result(app, batch_no, &result).await).await;
    assert_eq!(
        report["confirmed"],
        batch["lines"].as_array().unwrap().len(),
        "{report}"
    );
    batch
}

/// An officer proposes the bank's result file for `batch_no`, signed by the bank.
pub async fn propose_result(app: &App, batch_no: &str, result: &str) -> reqwest::Response {
    app.request(
        reqwest::Method::POST,
        &format!("/v1/payout-batches/{batch_no}/result"),
        Some(&officer()),
    )
    .header("content-type", "text/csv")
    .header("X-Signature", bank_signature(result))
    .body(result.to_owned())
    .send()
    .await
    .unwrap()
}

/// Employment tracking's count of a person's insured months.
pub fn insured(person_id: &str, months: u32) -> OutboxEvent {
    let e = contracts::employment::InsuredMonthsEvent {
        person_id: ids::PersonId::from_stored(person_id),
        city: "350100".parse().unwrap(),
        insured_months: months,
        latest_month: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
    };
    OutboxEvent::new(
        contracts::employment::INSURANCE_TOPIC,
        contracts::employment::INSURED_MONTHS_COUNTED,
        person_id,
        &e,
    )
}

/// One institution, one completer with a certificate, budget for it, the
/// claim approved. Returns the institution, the person and the
/// certificate event.
pub async fn approved_claim(app: &App, seq: u32) -> (Institution, String, OutboxEvent) {
    let inst = institution(seq);
    let person_id = person(seq);
    allocate(app, "employment_subsidy", 1_000_000).await;
    let cert = certificate(&person_id, Uuid::now_v7(), false);
    publish(
        app,
        &[
            inst.event.clone(),
            catalogue_entry(),
            completion(&person_id, inst.id),
        ],
    )
    .await;
    publish(app, std::slice::from_ref(&cert)).await;
    wait_for_claims(app, |c| c.len() == 1 && c[0]["status"] == "approved").await;
    (inst, person_id, cert)
}

/// As [`approved_claim`], and paid.
pub async fn paid_claim(app: &App, seq: u32) -> (Institution, String, OutboxEvent) {
    let (inst, person_id, cert) = approved_claim(app, seq).await;
    pay(app, &inst, &format!("B{seq}")).await;
    (inst, person_id, cert)
}

/// The certificate event `cert`, revoked.
pub fn revoke(person_id: &str, cert: &OutboxEvent) -> OutboxEvent {
    let id: Uuid = cert.payload["certificate_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    certificate(person_id, id, true)
}

/// Employment tracking's outcome of a completion: employed today.
pub fn employed(completion: &OutboxEvent) -> OutboxEvent {
    let c: CompletionEvent = serde_json::from_value(completion.payload.clone()).unwrap();
    let e = OutcomeEvent {
        enrolment_id: c.enrolment_id,
        class_id: c.class_id,
        institution_id: c.institution_id,
        city: "350100".parse().unwrap(),
        person_id: c.person_id,
        occupation_code: c.occupation_code,
        skill_level: c.skill_level,
        completed_on: c.completed_on,
        window_months: 6,
        employed: true,
        employed_on: Some(today()),
        employer_credit_code: Some(credit_code(7777).parse().unwrap()),
        source: Some("social_insurance".into()),
        statistical_year: c.statistical_year,
    };
    OutboxEvent::new(
        OUTCOMES_TOPIC,
        EMPLOYED_WITHIN_WINDOW,
        c.enrolment_id.to_string(),
        &e,
    )
}

/// A recognised apprenticeship of `person` with `enterprise`: six months'
/// internship, then a two-year contract starting today.
pub fn apprenticeship(person_id: &str, enterprise: &str) -> OutboxEvent {
    let start = today() - chrono::Months::new(7);
    let e = ApprenticeshipEvent {
        apprenticeship_id: Uuid::now_v7(),
        city: "350100".parse().unwrap(),
        person_id: serde_json::from_value(json!(person_id)).unwrap(),
        enterprise_credit_code: enterprise.parse().unwrap(),
        occupation_code: Some(OCCUPATION.parse().unwrap()),
        internship_starts_on: start,
        internship_ends_on: start + chrono::Months::new(6),
        employment_starts_on: today(),
        contract_months: 24,
        open_ended: None,
        recognised_from: today(),
        training_months: 6,
    };
    OutboxEvent::new(
        APPRENTICESHIPS_TOPIC,
        APPRENTICESHIP_RECOGNISED,
        e.apprenticeship_id.to_string(),
        &e,
    )
}

/// Delivery's enrolment behind `completion`, using voucher `voucher_ref`.
pub fn enrolled(completion: &OutboxEvent, voucher_ref: &str) -> OutboxEvent {
    let c: CompletionEvent = serde_json::from_value(completion.payload.clone()).unwrap();
    let e = EnrolmentEvent {
        enrolment_id: c.enrolment_id,
        class_id: c.class_id,
        institution_id: c.institution_id,
        person_id: c.person_id,
        target_group: c.target_group,
        occupation_code: c.occupation_code,
        skill_level: c.skill_level,
        voucher_ref: Some(voucher_ref.to_owned()),
        age_at_enrolment: None,
        male: None,
        class_starts_at: None,
        class_ends_at: None,
        phone_lookup: None,
    };
    OutboxEvent::new(
        ENROLMENTS_TOPIC,
        TRAINEE_ENROLLED,
        c.class_id.to_string(),
        &e,
    )
}
