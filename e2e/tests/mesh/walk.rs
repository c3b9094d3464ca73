//! The walk with real processes: catalogue published → institution
//! approved → class filed and approved → trainees enrolled → attendance →
//! completion events → exam session → result → certificate → public
//! verification → social-insurance match → employment within the window
//! → training subsidy claimed and approved → payout batch → bank result →
//! fund-use disclosure, the money's part on one trace; the dashboard moves
//! as the class completes, a D rating stops the school's next filing, and
//! the province rolls up two cities.

use std::time::Duration;

use chrono::Utc;
use contracts::assessment::CERTIFICATES_TOPIC;
use contracts::delivery::ENROLMENTS_TOPIC;
use contracts::employment::{EMPLOYED_WITHIN_WINDOW, OUTCOMES_TOPIC};
use e2e::assessment::{examine, prepare_body, schedule};
use e2e::Api;
use serde_json::json;
use test_support::{eventually, read_topic};

use crate::otlp;
use crate::process::{bank_settings, secrets, terminate, Process};

const SCHOOL: &str = "91350100M000100Y43";
const BODY: &str = "12350100MB0000001Y";
const EMPLOYER: &str = "91350100MA0000002T";
/// The city's social-insurance agency (a public institution's credit code).
const AGENCY: &str = "12350100MB00000048";

/// What performance evaluation consumes: created for the instances of the
/// roll-up, which run under topic prefixes of their own.
const EVALUATION_CONSUMES: [&str; 9] = [
    contracts::delivery::CLASSES_TOPIC,
    ENROLMENTS_TOPIC,
    CERTIFICATES_TOPIC,
    contracts::assessment::LEADING_TALENTS_TOPIC,
    OUTCOMES_TOPIC,
    contracts::registry::INSTITUTIONS_TOPIC,
    contracts::registry::BRANDS_TOPIC,
    contracts::subsidy::CLAIMS_TOPIC,
    contracts::subsidy::RECOVERIES_TOPIC,
];

/// The `iss` of the aggregator's own tokens to the cities.
const AGGREGATOR_ISSUER: &str = "https://qiancheng.test/province-aggregator";
/// The province's identity provider, where provincial staff sign in.
const STAFF_ISSUER: &str = "https://id.test.qiancheng/province";

/// A second officer approves a proposal; returns what applying it did.
pub async fn approve(checker: &Api, proposal: &serde_json::Value) -> serde_json::Value {
    let id = proposal["id"].as_str().expect("a proposal id");
    let (status, decided) = checker
        .post(&format!("/v1/proposals/{id}/approve"), &json!({}), None)
        .await
        .expect("approve");
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "applied", "{decided}");
    decided["outcome"].clone()
}

/// A file in the temp directory, for a subcommand to read.
fn write_temp(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("{}-{name}", test_support::unique_tag()));
    std::fs::write(&path, text).expect("temp file");
    path.display().to_string()
}

fn token(p: &Process, args: &[&str]) -> String {
    let mut all = vec!["dev-token", "--city", "350100"];
    all.extend_from_slice(args);
    p.run(&all).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_a_published_catalogue_to_payment_dashboard_and_rating_across_seven_processes() {
    // As production connects: SCRAM over TLS to the broker, TLS and an ACL
    // user to Redis, TLS to Postgres as each service's application role.
    let kafka = test_support::kafka_secure("qc-test");
    let redis = test_support::redis_secure();
    let receiver = otlp::Receiver::start().await;
    let traced = ("TELEMETRY__OTLP_ENDPOINT", receiver.endpoint());
    let with = |settings: &[(&'static str, String)]| {
        let mut all = settings.to_vec();
        all.push(traced.clone());
        all
    };
    // Bank files are signed both ways: the city's key, and the bank's.
    let bank_keys =
        std::env::temp_dir().join(format!("qc-e2e-bank-{}", test_support::unique_tag()));
    let (_, bank_key) = bank_settings(&bank_keys);
    let own = |name: &'static str| {
        let secrets = with(&secrets(name, &bank_keys));
        let (kafka, redis) = (&kafka, &redis);
        async move { Process::new(name, kafka, redis, &secrets).await }
    };
    let catalogue = own("demand-catalog").await;
    let registry = own("institution-registry").await;
    let delivery = own("training-delivery").await;
    let assessment = own("skill-assessment").await;
    let employment = own("employment-tracking").await;
    let subsidy = own("subsidy-payment").await;
    // The provincial aggregator's own key: the cities trust it for the
    // read-only province role and nothing else.
    let aggregator_keys =
        std::env::temp_dir().join(format!("qc-e2e-aggregator-{}", test_support::unique_tag()));
    let (aggregator_key, aggregator_jwks) =
        platform::auth::Signer::ensure_files(&aggregator_keys).expect("aggregator key");
    let trusts_the_aggregator = [
        ("AUTH__PROVINCE__ISSUER", AGGREGATOR_ISSUER.to_owned()),
        (
            "AUTH__PROVINCE__JWKS_URL",
            format!("file://{}", aggregator_jwks.display()),
        ),
    ];
    let evaluation = Process::new(
        "performance-evaluation",
        &kafka,
        &redis,
        &with(&trusts_the_aggregator),
    )
    .await;
    let mesh = [
        &catalogue,
        &registry,
        &delivery,
        &assessment,
        &employment,
        &subsidy,
        &evaluation,
    ];
    // Every owner declares its topics before any consumer starts, as the
    // charts' pre-rollout jobs do.
    for p in mesh {
        p.set_up();
    }
    let mut children = Vec::new();
    for p in mesh {
        children.push(p.serve().await);
    }
    let officer_token = token(&catalogue, &["--role", "bureau_officer"]);
    let school_token = token(
        &catalogue,
        &["--role", "institution_operator", "--org", SCHOOL],
    );

    // The catalogue of next year lists 电工 (senior).
    let year = 2027;
    let cat = Api::new(&catalogue.base(), Some(officer_token.clone())).expect("an HTTP client");
    let (_, created) = cat
        .post(
            "/v1/catalogues",
            &json!({ "city": "350100", "year": year }),
            None,
        )
        .await
        .expect("create");
    let id = created["id"].as_str().expect("id");
    let entry = json!({ "occupation_code": "6-31-01-03", "occupation_name": "电工", "skill_level": "senior", "urgent": true, "subsidy_fen": 180000, "valid_from": format!("{year}-01-01"), "valid_to": format!("{year}-12-31") });
    assert_eq!(
        cat.post(&format!("/v1/catalogues/{id}/entries"), &entry, None)
            .await
            .expect("entry")
            .0,
        201
    );
    assert_eq!(
        cat.post(&format!("/v1/catalogues/{id}/publish"), &json!({}), None)
            .await
            .expect("publish")
            .0,
        200
    );

    // The school applies and is approved.
    let school_registry =
        Api::new(&registry.base(), Some(school_token.clone())).expect("an HTTP client");
    let application = json!({
        "credit_code": SCHOOL, "name": "福州电工培训学校", "nature": "private", "district": "350102", "address": "工业路 1 号",
        "contact_person": "林老师", "contact_phone": "13812345678",
        "venues": [{ "name": "实训室", "address": "工业路 1 号", "capacity": 40, "occupations": ["6-31-01-03"] }],
        "teachers": [{ "name": "陈师傅", "employment": "full_time", "qualification": "电工技师", "may_teach": [{ "occupation_code": "6-31-01-03", "skill_level": "senior" }] }],
        "requested_scope": [{ "occupation_code": "6-31-01-03", "skill_level": "senior" }],
    });
    let (status, applied) = school_registry
        .post("/v1/applications", &application, None)
        .await
        .expect("apply");
    assert_eq!(status, 201);
    let institution = applied["id"].as_str().expect("institution").to_owned();
    let approval = json!({ "selection_method": "open_selection", "reason": "遴选", "scope": [
        { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" } ] });
    let officer_registry =
        Api::new(&registry.base(), Some(officer_token.clone())).expect("an HTTP client");
    assert_eq!(
        officer_registry
            .post(
                &format!("/v1/institutions/{institution}/approve"),
                &approval,
                None
            )
            .await
            .expect("approve")
            .0,
        200
    );
    let venue = applied["venues"][0]["id"]
        .as_str()
        .expect("venue")
        .to_owned();
    let teacher = applied["teachers"][0]["id"]
        .as_str()
        .expect("teacher")
        .to_owned();

    // A short class is filed once delivery heard of all that, then approved.
    let school = Api::new(&delivery.base(), Some(school_token.clone())).expect("an HTTP client");
    let start = Utc::now() + chrono::Duration::seconds(4);
    let end = start + chrono::Duration::seconds(4);
    let class = json!({
        "institution_id": institution, "occupation_code": "6-31-01-03", "skill_level": "senior", "year": year, "capacity": 30,
        "funding_route": "voucher",
        "plan": { "curriculum": [{ "topic": "低压电工", "theory_hours": 1, "practice_hours": 1 }], "safety_content": "安全操作规程", "materials": [] },
        "sessions": [{ "starts_at": start, "ends_at": end, "venue_id": venue, "teacher_id": teacher }],
    });
    let class_id = eventually(Duration::from_secs(3), || async {
        let (status, answer) = school
            .post("/v1/classes", &class, Some("walk-class"))
            .await
            .expect("file");
        if status == 201 {
            Ok(answer["id"].as_str().expect("class id").to_owned())
        } else {
            Err(format!(
                "the class filed once delivery knew the catalogue and the school: {status} {answer}"
            ))
        }
    })
    .await;
    let officer_delivery =
        Api::new(&delivery.base(), Some(officer_token.clone())).expect("an HTTP client");
    assert_eq!(
        officer_delivery
            .post(&format!("/v1/classes/{class_id}/approve"), &json!({}), None)
            .await
            .expect("approve")
            .0,
        200
    );

    // Two trainees; one attends the whole session, the other leaves none.
    let mut enrolments = Vec::new();
    for (citizen, name) in [
        ("350102199208151027", "王五"),
        ("350102199003071234", "赵六"),
    ] {
        let trainee = json!({ "citizen_id": citizen, "name": name, "phone": "13912345678", "target_group": "registered_unemployed" });
        let (status, answer) = school
            .post(
                &format!("/v1/classes/{class_id}/enrolments"),
                &trainee,
                None,
            )
            .await
            .expect("enrol");
        assert_eq!(status, 201);
        enrolments.push(answer["id"].as_str().expect("enrolment").to_owned());
    }
    let url = format!("/v1/classes/{class_id}/attendance");
    for (who, kind, at) in [
        (&enrolments[0], "check_in", start),
        (&enrolments[0], "check_out", end),
        (&enrolments[1], "check_in", start),
    ] {
        let mark = json!({ "enrolment_id": who, "session_seq": 1, "kind": kind, "at": at });
        assert_eq!(
            school.post(&url, &mark, None).await.expect("attendance").0,
            201
        );
    }
    // The city's dashboard: no subsidised training yet this year.
    let dashboard =
        Api::new(&evaluation.base(), Some(officer_token.clone())).expect("an HTTP client");
    let this_year = ids::StatisticalYear::of(ids::business_date(Utc::now())).year();
    let trainings = || async {
        let (status, figures) = dashboard
            .get(&format!("/v1/dashboard/figures?year={this_year}"))
            .await
            .expect("figures");
        assert_eq!(status, 200, "{figures}");
        figures["progress"]["subsidised_trainings"]["actual"].clone()
    };
    assert_eq!(trainings().await, json!(0));
    tokio::time::sleep(
        (end - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(300),
    )
    .await;
    let (status, closed) = school
        .post(&format!("/v1/classes/{class_id}/close"), &json!({}), None)
        .await
        .expect("close");
    assert_eq!(status, 200, "{closed}");

    let events = read_topic(
        &kafka,
        &kafka.topic(ENROLMENTS_TOPIC),
        4,
        Duration::from_secs(30),
    )
    .await
    .expect("topic");
    let kinds: Vec<_> = events
        .iter()
        .map(|e| e.headers["ce_type"].trim_start_matches("qiancheng.delivery.enrolment."))
        .collect();
    assert_eq!(
        kinds,
        [
            "enrolled.v1",
            "enrolled.v1",
            "completed.v1",
            "not_completed.v1"
        ]
    );
    assert!(events
        .iter()
        .all(|e| e.headers["ce_source"] == "/350100/training-delivery"));
    // The completion moves the dashboard (the other trainee did not complete).
    eventually(Duration::from_secs(30), || async {
        match trainings().await {
            counted if counted == json!(1) => Ok(()),
            counted => Err(format!("one subsidised training (人次), not {counted}")),
        }
    })
    .await;

    // The year's budget is there before the evidence, so the certificate
    // alone makes the training subsidy due.
    // Money needs two people: one officer proposes, a second approves.
    let officer_subsidy =
        Api::new(&subsidy.base(), Some(officer_token.clone())).expect("an HTTP client");
    let checker_subsidy = Api::new(
        &subsidy.base(),
        Some(token(
            &catalogue,
            &["--role", "bureau_officer", "--sub", "walk-checker"],
        )),
    )
    .expect("an HTTP client");
    let budget = json!({ "fund": "employment_subsidy", "year": events[2].payload["statistical_year"],
        "amount_fen": 10_000_000, "memo": "榕人社〔2026〕1号" });
    let (status, proposal) = officer_subsidy
        .post("/v1/budgets/allocations", &budget, Some("walk-budget"))
        .await
        .expect("budget");
    assert_eq!(status, 202, "{proposal}");
    approve(&checker_subsidy, &proposal).await;

    // The completer sits the exam of the body and is certified; the public
    // verifies the certificate without a token.
    let body_token = token(&catalogue, &["--role", "assessor", "--org", BODY]);
    let officer_assessment =
        Api::new(&assessment.base(), Some(officer_token.clone())).expect("an HTTP client");
    let body_api = Api::new(&assessment.base(), Some(body_token)).expect("an HTTP client");
    let body = prepare_body(
        &officer_assessment,
        &body_api,
        BODY,
        "福州市职业技能鉴定指导中心",
        "social_organisation",
        &[("6-31-01-03", "senior")],
    )
    .await
    .expect("body");
    let session = schedule(&body_api, &body, "6-31-01-03", "senior", "walk-session")
        .await
        .expect("session");
    let candidate =
        json!({ "citizen_id": "350102199208151027", "name": "王五", "route": "completion" });
    // From the certificate on, the money's way is one trace: the client
    // sends the same trace context with the officers' later requests.
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let traceparent = format!("00-{trace_id}-00f067aa0ba902b7-01");
    let certificate = examine(
        &body_api.traced(&traceparent),
        &session,
        &candidate,
        (88, 92),
    )
    .await
    .expect("exam")
    .expect("a pass earns a certificate");
    assert_eq!(certificate["class_id"], json!(class_id));
    let number = certificate["certificate_no"].as_str().expect("number");
    let public = Api::new(&assessment.base(), None).expect("an HTTP client");
    let (status, verified) = public
        .get(&format!(
            "/v1/public/certificates/verify?qr={}",
            certificate["qr_payload"].as_str().expect("qr")
        ))
        .await
        .expect("verify");
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["certificate_no"], number);
    assert_eq!(verified["status"], "valid");
    assert_eq!(verified["holder_name_masked"], "王*");
    let issued = read_topic(
        &kafka,
        &kafka.topic(CERTIFICATES_TOPIC),
        1,
        Duration::from_secs(30),
    )
    .await
    .expect("topic");
    assert_eq!(issued.len(), 1);
    assert_eq!(
        issued[0].payload["person_id"],
        events[2].payload["person_id"]
    );

    // Social insurance shows the completer paid in by an employer this month
    // (the completion month itself does not confirm: it may pay for a job
    // held before training); the employer's report of the new job does.
    // The city's social-insurance agency's system: the one caller that may
    // make contributions.
    let integrator = token(
        &catalogue,
        &[
            "--role",
            "integrator",
            "--org",
            AGENCY,
            "--scope",
            "employment:social_insurance",
        ],
    );
    let month = ids::business_date(Utc::now()).format("%Y-%m").to_string();
    let batch = format!(
        "{}\n{}\n",
        json!({ "citizen_id": "350102199208151027", "employer_credit_code": EMPLOYER, "month": month }),
        json!({ "citizen_id": "350102199208151027", "employer_credit_code": EMPLOYER, "month": "not a month" }),
    );
    let report: serde_json::Value = reqwest::Client::new()
        .put(format!(
            "{}/v1/social-insurance/batches/walk-1",
            employment.base()
        ))
        .bearer_auth(&integrator)
        .header("content-type", "application/x-ndjson")
        .body(batch)
        .send()
        .await
        .expect("batch")
        .json()
        .await
        .expect("report");
    assert_eq!(report["accepted"], 1, "{report}");
    assert_eq!(report["matched"], 1, "{report}");
    assert_eq!(report["rejected"], 1, "{report}");
    assert_eq!(report["errors"][0]["line"], 2, "{report}");
    let employer = Api::new(
        &employment.base(),
        Some(token(
            &catalogue,
            &["--role", "enterprise", "--org", EMPLOYER],
        )),
    )
    .expect("an HTTP client");
    let starts = ids::business_date(Utc::now());
    let record = json!({ "citizen_id": "350102199208151027", "employer_credit_code": EMPLOYER, "job": "维修电工",
        "starts_on": starts, "ends_on": starts + chrono::Duration::days(730), "source": "employer_reported" });
    let (status, answer) = employer
        .post("/v1/employment-records", &record, Some("walk-record"))
        .await
        .expect("record");
    assert_eq!(status, 201, "{answer}");
    let outcomes = read_topic(
        &kafka,
        &kafka.topic(OUTCOMES_TOPIC),
        1,
        Duration::from_secs(30),
    )
    .await
    .expect("topic");
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].headers["ce_type"], EMPLOYED_WITHIN_WINDOW);
    assert_eq!(
        outcomes[0].payload["person_id"],
        events[2].payload["person_id"]
    );
    assert_eq!(outcomes[0].payload["class_id"], json!(class_id));

    // The certificate made the training subsidy due (standard from the
    // catalogue): it is approved, paid in a batch the bank confirms, and
    // the public disclosure shows it.
    let officer_subsidy = officer_subsidy.traced(&traceparent);
    // The employment within the window earned the institution its reward too.
    let claims = eventually(Duration::from_secs(30), || async {
        let (_, list) = officer_subsidy.get("/v1/claims").await.expect("claims");
        let claims = list["items"].as_array().cloned().unwrap_or_default();
        if claims.len() == 2 && claims.iter().all(|c| c["status"] == "approved") {
            Ok(claims)
        } else {
            Err(format!("two approved claims: {claims:?}"))
        }
    })
    .await;
    let amount_of = |kind: &str| {
        claims
            .iter()
            .find(|c| c["kind"] == kind)
            .map(|c| c["amount_fen"].clone())
    };
    let (_, preview) = officer_subsidy
        .get(&format!("/v1/classes/{class_id}/preview"))
        .await
        .expect("preview");
    assert_eq!(
        amount_of("training"),
        Some(json!(180_000)),
        "{claims:?}\n{preview}"
    );
    assert_eq!(
        amount_of("employment_reward"),
        Some(json!(30_000)),
        "{claims:?}"
    );
    assert!(claims
        .iter()
        .all(|c| c["person_id"] == events[2].payload["person_id"]));
    // The school proposes its own account; an officer approves it.
    let school_subsidy =
        Api::new(&subsidy.base(), Some(school_token.clone())).expect("an HTTP client");
    let (status, proposal) = school_subsidy
        .put(
            &format!("/v1/payees/institution:{institution}/bank-account"),
            &json!({ "account_no": "6222020200112233445", "account_name": "福州电工培训学校" }),
        )
        .await
        .expect("bank account");
    assert_eq!(status, 202, "{proposal}");
    approve(&checker_subsidy, &proposal).await;
    let (status, proposal) = officer_subsidy
        .post(
            "/v1/payout-batches",
            &json!({ "batch_no": "WALK-1", "fund": "employment_subsidy" }),
            None,
        )
        .await
        .expect("batch");
    assert_eq!(status, 202, "{proposal}");
    let batch = approve(&checker_subsidy.traced(&traceparent), &proposal).await;
    // The payment file carries the city's signature.
    let file = officer_subsidy
        .request(reqwest::Method::GET, "/v1/payout-batches/WALK-1/file")
        .send()
        .await
        .expect("bank file");
    assert!(file
        .headers()
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(r#"algorithm="ed25519""#)));
    let line = &batch["lines"][0];
    let result = format!(
        "reference,status,amount,reason\r\n{},success,{},\r\nWALK-9-0001,success,1.00,\r\n",
        line["reference"].as_str().expect("reference"),
        ids::Fen::new(line["amount_fen"].as_i64().expect("amount"))
    );
    // The bank's result comes signed by its key; the signature is checked.
    let signature = subsidy
        .run(&[
            "sign-bank-file",
            "--key",
            &bank_key.display().to_string(),
            "--file",
            &write_temp("walk-result.csv", &result),
        ])
        .trim()
        .to_owned();
    let proposal: serde_json::Value = officer_subsidy
        .request(reqwest::Method::POST, "/v1/payout-batches/WALK-1/result")
        .header("content-type", "text/csv")
        .header("x-signature", signature)
        .body(result)
        .send()
        .await
        .expect("bank result")
        .json()
        .await
        .expect("proposal");
    let report = approve(&checker_subsidy.traced(&traceparent), &proposal).await;
    assert_eq!(report["confirmed"], 1, "{report}");
    assert!(
        report.to_string().contains("WALK-9-0001"),
        "the unknown reference is reported: {report}"
    );
    let (status, disclosed) = Api::new(&subsidy.base(), None)
        .expect("an HTTP client")
        .traced(&traceparent)
        .get("/v1/public/fund-use")
        .await
        .expect("disclosure");
    assert_eq!(status, 200);
    let disclosed_training = disclosed["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["kind"] == "training"))
        .map(|r| r["amount_fen"].clone());
    assert_eq!(disclosed_training, Some(json!(180_000)), "{disclosed}");
    money_on_one_trace(&receiver, trace_id).await;

    // Performance evaluation rates the school D (an officer's override
    // here; the periodic scoring publishes the same event): the registry
    // puts it under review and delivery refuses its next class.
    let officer_evaluation =
        Api::new(&evaluation.base(), Some(officer_token.clone())).expect("an HTTP client");
    let stat_year = events[2].payload["statistical_year"]
        .as_i64()
        .expect("year");
    eventually(Duration::from_secs(30), || async {
        officer_evaluation
            .post("/v1/scorecards/rescore", &json!({}), None)
            .await
            .expect("rescore");
        let (status, rated) = officer_evaluation
            .post(
                &format!("/v1/scorecards/{institution}/{stat_year}/override"),
                &json!({ "rating": "D", "reason": "专项检查发现虚报培训人数" }),
                Some("walk-override"),
            )
            .await
            .expect("override");
        if status == 201 {
            Ok(())
        } else {
            Err(format!("the D rating recorded: {status} {rated}"))
        }
    })
    .await;
    let mut later = class.clone();
    let later_start = Utc::now() + chrono::Duration::days(3);
    later["sessions"][0]["starts_at"] = json!(later_start);
    later["sessions"][0]["ends_at"] = json!(later_start + chrono::Duration::hours(4));
    // A probe refused for its capacity shows what delivery knows without
    // filing anything; once it knows of the D, the real filing is refused.
    let mut probe = later.clone();
    probe["capacity"] = json!(0);
    eventually(Duration::from_secs(30), || async {
        let (_, answer) = school
            .post("/v1/classes", &probe, None)
            .await
            .expect("probe");
        if answer.to_string().contains("institution_under_review") {
            Ok(())
        } else {
            Err(format!("delivery to know of the D rating: {answer}"))
        }
    })
    .await;
    let (status, refused) = school
        .post("/v1/classes", &later, None)
        .await
        .expect("file");
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["errors"][0]["code"], "institution_under_review",
        "{refused}"
    );

    // The province: a second city's instance and the aggregator reading both.
    let xiamen_kafka = messaging::KafkaConfig {
        topic_prefix: format!("{}xm.", kafka.topic_prefix),
        ..kafka.clone()
    };
    let xiamen_redis = platform::config::RedisConfig {
        key_prefix: format!("{}xm:", redis.key_prefix),
        ..redis.clone()
    };
    let mut xiamen_settings = vec![("INSTANCE__CITY", "350200".to_owned())];
    xiamen_settings.extend(trusts_the_aggregator.iter().cloned());
    let xiamen = Process::new(
        "performance-evaluation",
        &xiamen_kafka,
        &xiamen_redis,
        &xiamen_settings,
    )
    .await;
    let aggregator = Process::new(
        "performance-evaluation",
        &messaging::KafkaConfig {
            topic_prefix: format!("{}province.", kafka.topic_prefix),
            ..kafka.clone()
        },
        &platform::config::RedisConfig {
            key_prefix: format!("{}province:", redis.key_prefix),
            ..redis.clone()
        },
        &[
            ("SERVICE__PROVINCE__CITIES__350100", evaluation.base()),
            ("SERVICE__PROVINCE__CITIES__350200", xiamen.base()),
            ("SERVICE__PROVINCE__ISSUER", AGGREGATOR_ISSUER.to_owned()),
            (
                "SERVICE__PROVINCE__SIGNING_KEY",
                aggregator_key.display().to_string(),
            ),
            // Provincial staff sign in at the province's identity provider.
            ("AUTH__ISSUER", String::new()),
            ("AUTH__PROVINCE__ISSUER", STAFF_ISSUER.to_owned()),
            ("AUTH__PROVINCE__JWKS_URL", test_support::auth().jwks_url),
        ],
    )
    .await;
    for (p, prefix) in [(&xiamen, "xm."), (&aggregator, "province.")] {
        let own = messaging::KafkaConfig {
            topic_prefix: format!("{}{prefix}", kafka.topic_prefix),
            ..kafka.clone()
        };
        messaging::ensure_topics(&own, &EVALUATION_CONSUMES)
            .await
            .expect("topics");
        p.set_up();
        children.push(p.serve().await);
    }
    // The aggregator publishes the key the cities were given.
    let (status, published) = Api::new(&aggregator.base(), None)
        .expect("an HTTP client")
        .get("/.well-known/jwks.json")
        .await
        .expect("jwks");
    assert_eq!(status, 200, "{published}");
    let given: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&aggregator_jwks).expect("jwks")).expect("json");
    assert_eq!(published, given);
    // A city officer's token is not a provincial one.
    let (status, _) = Api::new(&aggregator.base(), Some(officer_token.clone()))
        .expect("an HTTP client")
        .get(&format!("/v1/province/dashboard?year={stat_year}"))
        .await
        .expect("province");
    assert_eq!(status, 401);
    let staff = test_support::signer()
        .mint(&platform::auth::NewToken {
            issuer: STAFF_ISSUER,
            audience: "qiancheng",
            sub: "province-analyst",
            role: platform::auth::Role::Province,
            city: None,
            org: None,
            scope: None,
            ttl_secs: 600,
        })
        .expect("the test key signs");
    let (status, province) = Api::new(&aggregator.base(), Some(staff))
        .expect("an HTTP client")
        .get(&format!("/v1/province/dashboard?year={stat_year}"))
        .await
        .expect("province");
    assert_eq!(status, 200, "{province}");
    assert_eq!(province["complete"], true, "{province}");
    assert_eq!(
        province["cities"].as_array().map(Vec::len),
        Some(2),
        "{province}"
    );
    assert_eq!(
        province["province"]["subsidised_trainings"]["actual"], 1,
        "{province}"
    );
    assert_eq!(
        province["province"]["new_skilled_workers"]["actual"], 1,
        "{province}"
    );
    // Nothing of the whole walk waits in a dead-letter topic, as each owner
    // lists them; and only a topic's owner may replay it.
    for p in mesh {
        let declared = p.run(&["topics"]);
        let owned = declared
            .trim()
            .trim_start_matches("topics in place: ")
            .split(", ")
            .filter(|t| !t.ends_with(".dlq"));
        for physical in owned {
            let topic = kafka.logical(physical);
            let listed = p.run(&["dlq-replay", "--topic", topic, "--list"]);
            assert_eq!(
                listed,
                format!("0 message(s) wait(s) in {topic}.dlq\n"),
                "{}",
                p.name
            );
        }
    }
    let foreign = subsidy
        .command(&["dlq-replay", "--topic", CERTIFICATES_TOPIC, "--list"])
        .output()
        .expect("runs");
    assert!(!foreign.status.success());
    assert!(String::from_utf8_lossy(&foreign.stderr).contains("does not own"));
    for child in children {
        let (status, logs) = terminate(child).await;
        assert!(status.success(), "graceful exit: {status:?}\n{logs}");
    }
    std::fs::remove_dir_all(aggregator_keys).expect("clean up");
    std::fs::remove_dir_all(bank_keys).expect("clean up");
}

/// The money's way on the trace the client started: the certificate's
/// request, its event, subsidy's consumer deciding and approving the claim
/// (its event published under that consumer), then the second officer's
/// approvals of the payout batch and the bank result (with the payments'
/// events) and the disclosure.
async fn money_on_one_trace(receiver: &otlp::Receiver, trace_id: &str) {
    // Spans arrive in export batches from seven processes: wait for the trail
    // itself, not for a count of spans.
    receiver
        .spans_of(trace_id, Duration::from_secs(60), |spans| {
            money_trail(spans, trace_id).map_err(|missing| format!("{missing}: {spans:#?}"))
        })
        .await;
}

/// The money's path on one trace: the certificate request publishes the
/// event whose consumer approves the claim, the batch's and the result's
/// approvals are two server spans with the payment events under them, and
/// the public fund-use read is on the same trace.
fn money_trail(spans: &[otlp::Span], trace_id: &str) -> Result<(), String> {
    let find = |kind: i32, name: &str| {
        spans
            .iter()
            .find(|s| s.kind == kind && s.name.contains(name))
            .ok_or_else(|| format!("no {name} span of kind {kind}"))
    };
    let certificate_request = find(otlp::SERVER, "/certificate")?;
    let certificate_event = find(otlp::PRODUCER, "assessment.certificates.v1 publish")?;
    if !otlp::descends(spans, certificate_event, &certificate_request.id) {
        return Err("the certificate event is not under its request".into());
    }
    let decided = spans
        .iter()
        .find(|s| {
            s.kind == otlp::CONSUMER
                && s.name == "assessment.certificates.v1 process"
                && s.parent == certificate_event.id
                && spans.iter().any(|c| {
                    c.kind == otlp::PRODUCER
                        && c.name == "subsidy.claims.v1 publish"
                        && otlp::descends(spans, c, &s.id)
                })
        })
        .ok_or("no subsidy consumer approving the claim")?;
    if decided.trace != trace_id {
        return Err("the claim's approval is on another trace".into());
    }
    let approvals: Vec<_> = spans
        .iter()
        .filter(|s| s.kind == otlp::SERVER && s.name.contains("/approve"))
        .map(|s| s.id.clone())
        .collect();
    if approvals.len() != 2 {
        return Err(format!(
            "{} approval spans, not the batch's and the result's 2",
            approvals.len()
        ));
    }
    if !spans.iter().any(|s| {
        s.kind == otlp::PRODUCER
            && s.name == "subsidy.payments.v1 publish"
            && approvals.iter().any(|a| otlp::descends(spans, s, a))
    }) {
        return Err("no payment event under the second officer's approvals".into());
    }
    find(otlp::SERVER, "/v1/public/fund-use")?;
    Ok(())
}
