//! Seeds a demo city: skill demands from every channel and this year's
//! guidance catalogue, published. Safe to run again.

#![allow(clippy::print_stdout, reason = "the seed reports what it made")]

use anyhow::{bail, Context as _};
use chrono::{Datelike, Utc};
use clap::Parser;
use e2e::{text, Api};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    /// Base URL of demand-catalog.
    #[arg(long)]
    catalog: String,
    /// A bureau officer's token for the city.
    #[arg(long)]
    token: String,
    /// A second bureau officer's token (another subject): approves what the
    /// first proposes (money needs two people).
    #[arg(long)]
    checker_token: String,
    /// Base URL of institution-registry.
    #[arg(long)]
    registry: String,
    /// An institution operator's token for the demo school (91350100M000100Y43).
    #[arg(long)]
    operator_token: String,
    /// Base URL of training-delivery.
    #[arg(long)]
    delivery: String,
    /// An institution operator's token for the high-skill base (91110000100000000R).
    #[arg(long)]
    base_operator_token: String,
    /// Base URL of skill-assessment.
    #[arg(long)]
    assessment: String,
    /// An assessor's token for the demo assessment body (12350100MB0000001Y).
    #[arg(long)]
    assessor_token: String,
    /// Base URL of employment-tracking.
    #[arg(long)]
    employment: String,
    /// An enterprise token for the demo employer (91350100MA0000002T).
    #[arg(long)]
    employer_token: String,
    /// Base URL of subsidy-payment.
    #[arg(long)]
    subsidy: String,
    /// Base URL of performance-evaluation (the school's plan is set there).
    #[arg(long)]
    evaluation: Option<String>,
    #[arg(long, default_value = "350100")]
    city: String,
}

const ENTRIES: [(&str, &str, bool, i64); 6] = [
    ("6-31-01-03", "senior", true, 180_000),
    ("6-18-02-04", "intermediate", true, 150_000),
    ("4-10-01-05", "junior", true, 120_000),
    ("4-10-01-02", "junior", false, 100_000),
    ("4-03-02-07", "intermediate", false, 110_000),
    ("6-30-99-00", "senior", true, 240_000),
];

/// The demands (需求) submitted through each channel; how many.
async fn seed_demands(api: &Api, city: &str, year: i32) -> anyhow::Result<usize> {
    let demands = [
        (
            "6-31-01-03",
            "senior",
            60,
            "enterprise",
            Some("91350100M000100Y43"),
        ),
        ("6-31-01-03", "senior", 35, "trade_union", None),
        (
            "6-18-02-04",
            "intermediate",
            80,
            "industry_department",
            None,
        ),
        (
            "4-10-01-05",
            "junior",
            150,
            "public_employment_service",
            None,
        ),
        ("4-10-01-02", "junior", 40, "gig_market", None),
        (
            "6-30-99-00",
            "senior",
            25,
            "enterprise",
            Some("91110000100000000R"),
        ),
    ];
    for (i, (code, level, headcount, channel, org)) in demands.into_iter().enumerate() {
        let body = json!({
            "city": city, "occupation_code": code, "skill_level": level, "headcount": headcount,
            "period_from": format!("{year}-01-01"), "period_to": format!("{year}-12-31"),
            "channel": channel, "submitter_org": org,
        });
        let (status, answer) = api
            .post(
                "/v1/demands",
                &body,
                Some(&format!("seed-demand-{year}-{i}")),
            )
            .await?;
        if status != 201 {
            bail!("submitting a demand: {status} {answer}");
        }
    }

    Ok(demands.len())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let api = Api::new(&args.catalog, Some(args.token.clone()))?;
    let year = ids::business_date(Utc::now()).year();
    let city = args.city.as_str();

    let demands = seed_demands(&api, city, year).await?;

    let (status, created) = api
        .post(
            "/v1/catalogues",
            &json!({ "city": city, "year": year }),
            Some(&format!("seed-catalogue-{year}")),
        )
        .await?;
    let created = match status {
        201 => created,
        409 => {
            let (_, list) = api.get(&format!("/v1/catalogues?year={year}")).await?;
            list.pointer("/items/0")
                .cloned()
                .context("the catalogue exists but is not listed")?
        }
        _ => bail!("creating the catalogue: {status} {created}"),
    };
    let id = text(&created, "id").context("catalogue id")?.to_owned();
    // A replayed creation answers as it did the first time: ask for now.
    let (_, current) = api.get(&format!("/v1/catalogues/{id}")).await?;
    if text(&current, "status") == Some("draft") {
        for (code, level, urgent, subsidy) in ENTRIES {
            let body = json!({
                "occupation_code": code, "skill_level": level, "urgent": urgent, "subsidy_fen": subsidy,
                "valid_from": format!("{year}-01-01"), "valid_to": format!("{year}-12-31"),
            });
            let (status, answer) = api
                .post(
                    &format!("/v1/catalogues/{id}/entries"),
                    &body,
                    Some(&format!("seed-entry-{id}-{code}-{level}")),
                )
                .await?;
            if status != 201 && status != 409 {
                bail!("adding {code}: {status} {answer}");
            }
        }
        let (status, answer) = api
            .post(&format!("/v1/catalogues/{id}/publish"), &json!({}), None)
            .await?;
        if status != 200 {
            bail!("publishing: {status} {answer}");
        }
    }
    println!(
        "seeded {} demands and the {year} catalogue ({} entries, published) for {city}",
        demands,
        ENTRIES.len()
    );
    seed_registry(&args, year).await
}

const SCHOOL: &str = "91350100M000100Y43";

/// A listed training school with two venues and two teachers, and a brand.
async fn seed_registry(args: &Args, year: i32) -> anyhow::Result<()> {
    let school = Api::new(&args.registry, Some(args.operator_token.clone()))?;
    let officer = Api::new(&args.registry, Some(args.token.clone()))?;
    let application = json!({
        "credit_code": SCHOOL, "name": "福州市鼓楼区职业技能培训学校", "nature": "private",
        "district": "350102", "address": "福州市鼓楼区工业路 523 号", "contact_person": "林老师", "contact_phone": "0591-87654321",
        "venues": [
            { "name": "电工实训室", "address": "工业路 523 号 2 号楼", "capacity": 40, "occupations": ["6-31-01-03"] },
            { "name": "养老护理实训室", "address": "工业路 523 号 3 号楼", "capacity": 30, "occupations": ["4-10-01-05"] }
        ],
        "teachers": [
            { "name": "陈建国", "employment": "full_time", "qualification": "电工高级技师", "may_teach": [{ "occupation_code": "6-31-01-03", "skill_level": "senior" }] },
            { "name": "黄丽", "employment": "part_time", "qualification": "养老护理员技师", "may_teach": [{ "occupation_code": "4-10-01-05", "skill_level": "junior" }] }
        ],
        "requested_scope": [
            { "occupation_code": "6-31-01-03", "skill_level": "senior" },
            { "occupation_code": "4-10-01-05", "skill_level": "junior" }
        ],
    });
    let (status, applied) = school
        .post("/v1/applications", &application, Some("seed-application"))
        .await?;
    if status != 201 && status != 409 {
        bail!("applying: {status} {applied}");
    }
    let (_, mine) = school.get("/v1/institutions").await?;
    let listed = mine.pointer("/items/0").context("the school's record")?;
    let id = text(listed, "id").context("institution id")?.to_owned();
    if text(listed, "status") == Some("pending") {
        let approval = json!({
            "selection_method": "open_selection", "reason": "年度遴选通过",
            "scope": [
                { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": format!("{year}-01-01"), "valid_to": format!("{}-12-31", year + 1) },
                { "occupation_code": "4-10-01-05", "skill_level": "junior", "valid_from": format!("{year}-01-01"), "valid_to": format!("{}-12-31", year + 1) }
            ],
        });
        let (status, answer) = officer
            .post(&format!("/v1/institutions/{id}/approve"), &approval, None)
            .await?;
        if status != 200 {
            bail!("approving: {status} {answer}");
        }
    }
    let brand = json!({ "name": "榕城电工培训", "occupation_codes": ["6-31-01-03"], "institution_ids": [id] });
    let (status, answer) = officer
        .post("/v1/brands", &brand, Some("seed-brand"))
        .await?;
    if status != 201 && status != 409 {
        bail!("registering the brand: {status} {answer}");
    }
    seed_high_skill_base(args, year).await?;
    println!("seeded two listed institutions and the brand 榕城电工培训");
    seed_delivery(args, year, &id).await
}

/// A high-skill talent training base (高技能人才培训基地), always listed.
async fn seed_high_skill_base(args: &Args, year: i32) -> anyhow::Result<()> {
    const BASE: &str = "91110000100000000R";
    let token = args.base_operator_token.clone();
    let base = Api::new(&args.registry, Some(token))?;
    let officer = Api::new(&args.registry, Some(args.token.clone()))?;
    let application = json!({
        "credit_code": BASE, "name": "福州高技能人才培训基地", "nature": "enterprise", "high_skill_base": true,
        "district": "350104", "address": "福州市仓山区金山大道 88 号", "contact_person": "郑老师", "contact_phone": "0591-83456789",
        "venues": [{ "name": "工业机器人实训中心", "address": "金山大道 88 号", "capacity": 24, "occupations": ["6-30-99-00"] }],
        "teachers": [{ "name": "吴强", "employment": "full_time", "qualification": "工业机器人系统操作员高级技师", "may_teach": [{ "occupation_code": "6-30-99-00", "skill_level": "senior" }] }],
        "requested_scope": [{ "occupation_code": "6-30-99-00", "skill_level": "senior" }],
    });
    let (status, answer) = base
        .post(
            "/v1/applications",
            &application,
            Some("seed-base-application"),
        )
        .await?;
    if status != 201 && status != 409 {
        bail!("applying as the base: {status} {answer}");
    }
    let (_, mine) = base.get("/v1/institutions").await?;
    let listed = mine.pointer("/items/0").context("the base's record")?;
    if text(listed, "status") == Some("pending") {
        let id = text(listed, "id").context("id")?;
        let approval = json!({ "selection_method": "assessment_recommendation", "reason": "高技能人才培训基地纳入目录", "scope": [
            { "occupation_code": "6-30-99-00", "skill_level": "senior", "valid_from": format!("{year}-01-01"), "valid_to": format!("{}-12-31", year + 1) } ] });
        let (status, answer) = officer
            .post(&format!("/v1/institutions/{id}/approve"), &approval, None)
            .await?;
        if status != 200 {
            bail!("approving the base: {status} {answer}");
        }
    }
    Ok(())
}

/// Demo trainees (sample citizen ID numbers with valid check characters).
const TRAINEES: [(&str, &str); 2] = [
    ("350102199208151027", "王五"),
    ("350102199003071234", "赵六"),
];

/// Two approved classes of the school, one after the other, each with the two trainees.
async fn seed_delivery(args: &Args, year: i32, institution: &str) -> anyhow::Result<()> {
    let registry = Api::new(&args.registry, Some(args.operator_token.clone()))?;
    let school = Api::new(&args.delivery, Some(args.operator_token.clone()))?;
    let officer = Api::new(&args.delivery, Some(args.token.clone()))?;
    let (_, full) = registry
        .get(&format!("/v1/institutions/{institution}"))
        .await?;
    let pick = |list: &str, name: &str| -> anyhow::Result<String> {
        full.get(list)
            .and_then(Value::as_array)
            .and_then(|l| l.iter().find(|x| x["name"] == name))
            .and_then(|x| text(x, "id"))
            .map(str::to_owned)
            .with_context(|| format!("{name} in {list}"))
    };
    let start = chrono::Utc::now().date_naive() + chrono::Duration::days(14);
    let classes = [
        ("6-31-01-03", "senior", 0, "电工实训室", "陈建国"),
        ("4-10-01-05", "junior", 7, "养老护理实训室", "黄丽"),
    ];
    for (n, (code, level, offset, venue_name, teacher_name)) in classes.into_iter().enumerate() {
        let (venue, teacher) = (pick("venues", venue_name)?, pick("teachers", teacher_name)?);
        let sessions: Vec<_> = (0..3)
            .map(|d| {
                let day = start + chrono::Duration::days(offset + d);
                json!({ "starts_at": format!("{day}T01:00:00Z"), "ends_at": format!("{day}T09:00:00Z"), "venue_id": venue, "teacher_id": teacher })
            })
            .collect();
        let class = json!({
            "institution_id": institution, "occupation_code": code, "skill_level": level, "year": year, "capacity": 30,
            "funding_route": "voucher",
            "plan": {
                "curriculum": [{ "topic": "理论与实操", "theory_hours": 8, "practice_hours": 16 }],
                "safety_content": "安全知识与安全操作规程", "materials": ["福建省职业技能实训教材"]
            },
            "sessions": sessions,
        });
        // Delivery learns of the school from the registry's events: wait for it.
        let mut filed = None;
        let mut last = serde_json::Value::Null;
        for _ in 0..100 {
            let (status, answer) = school
                .post("/v1/classes", &class, Some(&format!("seed-class-{n}")))
                .await?;
            last = answer.clone();
            if text(&answer, "code") == Some("idempotency_key_reused") {
                // Seeded on an earlier day (the dates moved): keep that,
                // and make sure of what came later.
                println!("the demo classes were seeded before");
                return finish(args, institution).await;
            }
            if status == 201 {
                filed = text(&answer, "id").map(str::to_owned);
                break;
            }
            if answer.pointer("/errors/0/code").and_then(Value::as_str)
                == Some("institution_under_review")
            {
                // A year that just ended scored the demo school from the few
                // trainings a demo has (a rerun on a new statistical year):
                // the bureau reviews it, as it would a real D.
                review_rating(args, institution).await?;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let id = filed.with_context(|| format!("filing the {code} class: {last}"))?;
        approve_and_enrol(&school, &officer, &id).await?;
    }
    println!("seeded two approved classes of the school, two trainees in each");
    let (venue, teacher) = (pick("venues", "电工实训室")?, pick("teachers", "陈建国")?);
    seed_attendance(&school, &officer, institution, &venue, &teacher, year).await?;
    let class = Lesson {
        institution,
        venue: &venue,
        teacher: &teacher,
        year,
    };
    seed_exam(args, &school, &officer, &class).await?;
    finish(args, institution).await
}

/// What follows the classes, on a first run and on reruns alike.
async fn finish(args: &Args, institution: &str) -> anyhow::Result<()> {
    seed_employment(args).await?;
    seed_budget(args).await?;
    seed_plan(args, institution).await
}

/// The school's planned volume for this statistical year, which its
/// scorecard measures time-proportional progress against (without it, the
/// capacity of the classes it filed stands in, and a demo school that
/// filed three classes of 30 and completed one would be rated D).
async fn seed_plan(args: &Args, institution: &str) -> anyhow::Result<()> {
    let Some(evaluation) = &args.evaluation else {
        return Ok(());
    };
    let officer = Api::new(evaluation, Some(args.token.clone()))?;
    let year = ids::StatisticalYear::of(ids::business_date(chrono::Utc::now())).year();
    let (status, answer) = officer
        .put(
            &format!("/v1/plans/{institution}/{year}"),
            &json!({ "planned_trainings": 2 }),
        )
        .await?;
    if status != 204 {
        bail!("setting the school's plan: {status} {answer}");
    }
    // Score once the certificates have reached the service too: a rating
    // from half the evidence would be published (and a D would put the
    // school under review until an officer cleared it).
    for _ in 0..150 {
        let (_, inputs) = officer
            .get(&format!("/v1/scorecards/{institution}/{year}/inputs"))
            .await?;
        let completers = inputs
            .get("completers")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if completers > 0 && inputs.get("certified").and_then(Value::as_i64) == Some(completers) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (status, answer) = officer
        .post("/v1/scorecards/rescore", &json!({}), None)
        .await?;
    if status != 200 {
        bail!("scoring: {status} {answer}");
    }
    println!("seeded the school's {year} plan (GET /v1/scorecards?year={year} on :8107)");
    Ok(())
}

/// Where and when a seeded class is taught.
struct Lesson<'a> {
    institution: &'a str,
    venue: &'a str,
    teacher: &'a str,
    year: i32,
}

const BODY: &str = "12350100MB0000001Y";
const EMPLOYER: &str = "91350100MA0000002T";

/// A short class that completes at once, then the demo assessment body's
/// exam: both trainees pass and get certificates anyone can verify.
async fn seed_exam(
    args: &Args,
    school: &Api,
    officer: &Api,
    at: &Lesson<'_>,
) -> anyhow::Result<()> {
    let start = chrono::Utc::now() + chrono::Duration::seconds(5);
    let end = start + chrono::Duration::seconds(5);
    let class = json!({
        "institution_id": at.institution, "occupation_code": "6-31-01-03", "skill_level": "senior", "year": at.year, "capacity": 30,
        "funding_route": "voucher",
        "plan": { "curriculum": [{ "topic": "电工考前强化", "theory_hours": 1, "practice_hours": 1 }], "safety_content": "安全操作规程", "materials": [] },
        "sessions": [{ "starts_at": start, "ends_at": end, "venue_id": at.venue, "teacher_id": at.teacher }],
    });
    let (status, filed) = school
        .post("/v1/classes", &class, Some("seed-class-exam"))
        .await?;
    if text(&filed, "code") == Some("idempotency_key_reused")
        || (status == 201 && text(&filed, "status") != Some("filed"))
    {
        println!("the exam class was seeded before");
        return Ok(());
    }
    if status != 201 {
        bail!("filing the exam class: {status} {filed}");
    }
    let id = text(&filed, "id").context("class id")?.to_owned();
    for enrolment in approve_and_enrol(school, officer, &id).await? {
        for (kind, at) in [("check_in", start), ("check_out", end)] {
            let mark =
                json!({ "enrolment_id": enrolment, "session_seq": 1, "kind": kind, "at": at });
            let (status, answer) = school
                .post(&format!("/v1/classes/{id}/attendance"), &mark, None)
                .await?;
            if status != 201 && text(&answer, "code") != Some("already_recorded") {
                bail!("attendance: {status} {answer}");
            }
        }
    }
    tokio::time::sleep(
        (end - chrono::Utc::now()).to_std().unwrap_or_default()
            + std::time::Duration::from_millis(500),
    )
    .await;
    let (status, answer) = school
        .post(&format!("/v1/classes/{id}/close"), &json!({}), None)
        .await?;
    if status != 200 && status != 409 {
        bail!("closing the exam class: {status} {answer}");
    }
    let officer = Api::new(&args.assessment, Some(args.token.clone()))?;
    let assessor = Api::new(&args.assessment, Some(args.assessor_token.clone()))?;
    let body = e2e::assessment::prepare_body(
        &officer,
        &assessor,
        BODY,
        "福州市职业技能鉴定指导中心",
        "social_organisation",
        &[("6-31-01-03", "senior"), ("4-10-01-05", "junior")],
    )
    .await?;
    let session = e2e::assessment::schedule(
        &assessor,
        &body,
        "6-31-01-03",
        "senior",
        &format!("seed-session-{id}"),
    )
    .await?;
    let mut numbers = Vec::new();
    for ((citizen_id, name), scores) in TRAINEES.into_iter().zip([(86, 91), (78, 88)]) {
        let candidate = json!({ "citizen_id": citizen_id, "name": name, "route": "completion" });
        if let Some(c) = e2e::assessment::examine(&assessor, &session, &candidate, scores).await? {
            numbers.push(format!(
                "{} ({name})",
                text(&c, "certificate_no").unwrap_or_default()
            ));
        }
    }
    println!(
        "seeded a completed class and an exam session; certificates {}",
        numbers.join(", ")
    );
    Ok(())
}

/// The demo employer reports hiring one of the completers: the follow-up
/// window shows employment (培训促进就业). Accepted even before the
/// completion reaches employment tracking: records are kept per person and
/// the follow-up looks at them whatever the order.
async fn seed_employment(args: &Args) -> anyhow::Result<()> {
    let employer = Api::new(&args.employment, Some(args.employer_token.clone()))?;
    let (citizen_id, name) = TRAINEES[0];
    let today = ids::business_date(chrono::Utc::now());
    let record = json!({ "citizen_id": citizen_id, "employer_credit_code": EMPLOYER, "job": "维修电工",
        "starts_on": today, "ends_on": today + chrono::Duration::days(730), "source": "employer_reported" });
    let (status, answer) = employer
        .post(
            "/v1/employment-records",
            &record,
            Some(&format!("seed-employment-{citizen_id}")),
        )
        .await?;
    if status != 201 {
        bail!("reporting employment: {status} {answer}");
    }
    println!("seeded {name}'s employment at the demo employer (GET /v1/follow-ups on :8105)");
    Ok(())
}

/// The bureau's review of a D rating, which lifts the restriction on new
/// filings (delivery hears it from the registry).
async fn review_rating(args: &Args, institution: &str) -> anyhow::Result<()> {
    let officer = Api::new(&args.registry, Some(args.token.clone()))?;
    let (status, answer) = officer
        .post(
            &format!("/v1/institutions/{institution}/rating-review"),
            &json!({ "note": "演示：评级复核，数据尚不足以评价" }),
            None,
        )
        .await?;
    if status != 200 && text(&answer, "code") != Some("not_under_review") {
        bail!("reviewing the school's rating: {status} {answer}");
    }
    Ok(())
}

/// This statistical year's employment-subsidy budget: the certified
/// completers' training subsidies are then approved as their claims arrive.
async fn seed_budget(args: &Args) -> anyhow::Result<()> {
    let officer = Api::new(&args.subsidy, Some(args.token.clone()))?;
    let checker = Api::new(&args.subsidy, Some(args.checker_token.clone()))?;
    let year = ids::StatisticalYear::of(ids::business_date(chrono::Utc::now())).year();
    let (status, pots) = officer.get(&format!("/v1/budgets?year={year}")).await?;
    if status != 200 {
        bail!("reading the budgets: {status} {pots}");
    }
    let allocated = pots.as_array().into_iter().flatten().any(|p| {
        text(p, "fund") == Some("employment_subsidy")
            && p.get("allocated_fen").and_then(Value::as_i64) > Some(0)
    });
    if !allocated {
        // One officer proposes, a second approves: money needs two people.
        let allocation = json!({ "fund": "employment_subsidy", "year": year, "amount_fen": 100_000_000, "memo": "榕人社〔演示〕1号 年度就业补助资金" });
        let (status, proposal) = officer
            .post("/v1/budgets/allocations", &allocation, None)
            .await?;
        if status != 202 {
            bail!("proposing the budget: {status} {proposal}");
        }
        let id = text(&proposal, "id").unwrap_or_default();
        let (status, decided) = checker
            .post(
                &format!("/v1/proposals/{id}/approve"),
                &json!({ "note": "演示：复核预算文件" }),
                None,
            )
            .await?;
        if status != 200 {
            bail!("approving the budget: {status} {decided}");
        }
    }
    println!("seeded the {year} employment-subsidy budget of ¥1,000,000, proposed and approved by two officers (GET /v1/proposals on :8106)");
    Ok(())
}

/// A class starting two minutes from now, with its trainees checked in at
/// its start, so the demo shows an attendance chain and an archive.
async fn seed_attendance(
    school: &Api,
    officer: &Api,
    institution: &str,
    venue: &str,
    teacher: &str,
    year: i32,
) -> anyhow::Result<()> {
    let start = chrono::Utc::now() + chrono::Duration::minutes(2);
    let class = json!({
        "institution_id": institution, "occupation_code": "6-31-01-03", "skill_level": "senior", "year": year, "capacity": 30,
        "funding_route": "voucher",
        "plan": {
            "curriculum": [{ "topic": "安全用电", "theory_hours": 1, "practice_hours": 2 }],
            "safety_content": "触电急救", "materials": []
        },
        "sessions": [{ "starts_at": start, "ends_at": start + chrono::Duration::hours(3), "venue_id": venue, "teacher_id": teacher }],
    });
    let (status, filed) = school
        .post("/v1/classes", &class, Some("seed-class-live"))
        .await?;
    if text(&filed, "code") == Some("idempotency_key_reused") {
        println!("the live demo class was seeded before");
        return Ok(());
    }
    if status != 201 {
        bail!("filing the live class: {status} {filed}");
    }
    let id = text(&filed, "id").context("class id")?.to_owned();
    let started = filed
        .pointer("/sessions/0/starts_at")
        .cloned()
        .unwrap_or(Value::Null);
    for enrolment in approve_and_enrol(school, officer, &id).await? {
        let mark = json!({ "enrolment_id": enrolment, "session_seq": 1, "kind": "check_in", "at": started });
        let (status, answer) = school
            .post(&format!("/v1/classes/{id}/attendance"), &mark, None)
            .await?;
        if status != 201 && text(&answer, "code") != Some("already_recorded") {
            bail!("checking in: {status} {answer}");
        }
    }
    println!(
        "seeded a class starting now with both trainees checked in (GET /v1/classes/{id}/archive)"
    );
    Ok(())
}

/// Approves a filed class and enrols the demo trainees; returns their
/// enrolment ids. Safe to repeat.
async fn approve_and_enrol(school: &Api, officer: &Api, id: &str) -> anyhow::Result<Vec<String>> {
    let (status, answer) = officer
        .post(&format!("/v1/classes/{id}/approve"), &json!({}), None)
        .await?;
    if status != 200 && status != 409 {
        bail!("approving class {id}: {status} {answer}");
    }
    let mut enrolments = Vec::new();
    for (t, (citizen_id, name)) in TRAINEES.into_iter().enumerate() {
        let trainee = json!({ "citizen_id": citizen_id, "name": name, "phone": "13912345678", "target_group": "registered_unemployed" });
        let (status, enrolled) = school
            .post(
                &format!("/v1/classes/{id}/enrolments"),
                &trainee,
                Some(&format!("seed-enrol-{id}-{t}")),
            )
            .await?;
        if status != 201 {
            bail!("enrolling in class {id}: {status} {enrolled}");
        }
        enrolments.push(text(&enrolled, "id").context("enrolment id")?.to_owned());
    }
    Ok(enrolments)
}
