//! Claims (补贴申领) computed from the evidence other services report: the
//! domain decides, this module gathers the facts, records the claim once
//! per grant key, runs the fraud rules and commits approved money in the
//! ledger, all inside the caller's transaction.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use contracts::subsidy::{
    ClaimEvent, ReasonItem, RecoveryEvent, CLAIMS_TOPIC, CLAIM_APPROVED, CLAIM_QUEUED_FOR_REVIEW,
    CLAIM_REFUSED, RECOVERIES_TOPIC, RECOVERY_ORDERED,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ids::{CityCode, Fen, PersonId, SkillLevel, StatisticalYear};
use messaging::OutboxEvent;
use uuid::Uuid;

use crate::domain::entitlement::{
    self, ApprenticeshipFacts, Books, CertificateFact, Completion, Decision, EmploymentFact,
    GrantKey, Reason, Rules, TraineeFacts,
};
use crate::domain::fraud::{
    self, ClassSpan, Finding, FraudConfig, PassCount, PersonFacts, Verdict,
};
use crate::domain::ledger::{ClaimKey, Transaction};
use crate::domain::subsidy::{FundSource, Payee, SubsidyKind, TargetGroup};
use crate::store::schema::{
    assessment_results, catalogue_entries, certificates, claims, class_alerts, completions,
    employment_outcomes, enrolment_facts, institutions, payee_accounts, recoveries, rule_versions,
};
use crate::store::{self, ClaimRow, StoreError};

/// The rules a city runs with, shared by consumers and handlers.
#[derive(Debug, Clone)]
pub struct Engine {
    pub city: CityCode,
    /// The rule version in force: 0 is the configuration's.
    pub version: i32,
    pub rules: Rules,
    pub fraud: FraudConfig,
}

impl Engine {
    /// The rules in force now: the newest version officers set, else these
    /// (the configuration's). Read per decision, so every replica applies
    /// a new version from its next decision on.
    pub async fn current(&self, conn: &mut AsyncPgConnection) -> Result<Self, StoreError> {
        let newest: Option<(i32, serde_json::Value, serde_json::Value)> = rule_versions::table
            .order(rule_versions::version.desc())
            .select((
                rule_versions::version,
                rule_versions::rules,
                rule_versions::fraud,
            ))
            .first(conn)
            .await
            .optional()?;
        Ok(match newest {
            Some((version, rules, fraud)) => Self {
                city: self.city,
                version,
                rules: serde_json::from_value(rules)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                fraud: serde_json::from_value(fraud)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            },
            None => self.clone(),
        })
    }
}

/// Who records a change the service makes on its own.
pub const SYSTEM: &str = "system";

/// Grant keys already taken by the person's live claims.
async fn granted(
    conn: &mut AsyncPgConnection,
    person_id: &str,
) -> anyhow::Result<HashSet<GrantKey>> {
    let rows: Vec<(String, String, String, i32)> = claims::table
        .filter(claims::person_id.eq(person_id))
        .filter(claims::status.ne_all(["refused", "rejected"]))
        .select((
            claims::kind,
            claims::occupation_code,
            claims::skill_level,
            claims::statistical_year,
        ))
        .load(conn)
        .await?;
    let mut out = HashSet::new();
    for (kind, occ, level, year) in rows {
        let Some(kind) = SubsidyKind::ALL.into_iter().find(|k| k.as_str() == kind) else {
            continue;
        };
        out.insert(GrantKey {
            person: PersonId::from_stored(person_id),
            kind,
            occupation: occ.parse().ok(),
            level: level.parse()?,
            year: store::stat_year(year)?,
        });
    }
    Ok(out)
}

/// The catalogue standard for an occupation and level in a catalogue
/// year: that of the catalogue the class trained under.
async fn standard(
    conn: &mut AsyncPgConnection,
    city: &str,
    year: i32,
    occupation: &str,
    level: &str,
) -> QueryResult<Option<Fen>> {
    catalogue_entries::table
        .filter(
            catalogue_entries::city
                .eq(city)
                .and(catalogue_entries::year.eq(year))
                .and(catalogue_entries::occupation_code.eq(occupation))
                .and(catalogue_entries::skill_level.eq(level))
                .and(catalogue_entries::withdrawn.eq(false)),
        )
        .order(catalogue_entries::version.desc())
        .select(catalogue_entries::subsidy_fen)
        .first::<i64>(conn)
        .await
        .optional()
        .map(|o| o.map(Fen::new))
}

async fn certificate_facts(
    conn: &mut AsyncPgConnection,
    person_id: &str,
) -> anyhow::Result<Vec<CertificateFact>> {
    let rows: Vec<(String, String, NaiveDate, bool)> = certificates::table
        .filter(certificates::person_id.eq(person_id))
        .select((
            certificates::occupation_code,
            certificates::skill_level,
            certificates::issued_on,
            certificates::revoked,
        ))
        .load(conn)
        .await?;
    let mut out = Vec::new();
    for (occ, level, issued_on, revoked) in rows {
        out.push(CertificateFact {
            occupation: occ.parse()?,
            level: level.parse()?,
            issued_on,
            revoked,
        });
    }
    Ok(out)
}

fn reason_items(reasons: &[Reason]) -> Vec<ReasonItem> {
    reasons
        .iter()
        .map(|r| ReasonItem {
            code: r.code.to_owned(),
            text: r.text.clone(),
        })
        .collect()
}

/// The `subsidy.claims.v1` event of a claim's current state.
pub fn claim_event(row: &ClaimRow) -> anyhow::Result<OutboxEvent> {
    let event_type = match row.status.as_str() {
        "approved" => CLAIM_APPROVED,
        "in_review" => CLAIM_QUEUED_FOR_REVIEW,
        "rejected" => contracts::subsidy::CLAIM_REJECTED,
        "documents_requested" => contracts::subsidy::CLAIM_DOCUMENTS_REQUESTED,
        "disputed" => contracts::subsidy::CLAIM_DISPUTED,
        "refused" => CLAIM_REFUSED,
        other => return Err(anyhow::anyhow!("no claim event announces {other}")),
    };
    claim_event_as(row, event_type)
}

/// The `subsidy.claims.v1` event of a claim under `event_type`.
pub fn claim_event_as(row: &ClaimRow, event_type: &'static str) -> anyhow::Result<OutboxEvent> {
    let payload = ClaimEvent {
        claim_id: row.id,
        city: row.city.parse()?,
        kind: row.kind.clone(),
        person_id: PersonId::from_stored(&row.person_id),
        occupation_code: Some(row.occupation_code.clone()).filter(|o| !o.is_empty()),
        skill_level: row.skill_level.clone(),
        statistical_year: row.statistical_year,
        institution_id: row.institution_id,
        payee_type: row.payee.split_once(':').map_or("", |(t, _)| t).to_owned(),
        fund: row.fund.clone(),
        amount_fen: Fen::new(row.amount_fen),
        status: row.status.clone(),
        risk_score: row.risk_score,
        reasons: serde_json::from_value(row.reasons.clone())?,
    };
    Ok(OutboxEvent::new(
        CLAIMS_TOPIC,
        event_type,
        row.id.to_string(),
        &payload,
    ))
}

/// The payee of a stored claim.
pub fn payee_of(s: &str) -> anyhow::Result<Payee> {
    s.parse().map_err(anyhow::Error::msg)
}

/// Commits an approved claim's money: budget → payable.
pub async fn approve_in_ledger(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    row: &ClaimRow,
    by: &str,
) -> Result<Uuid, StoreError> {
    let fund = store::fund_of(row.fund.as_deref().unwrap_or_default())?;
    let pot = store::pot(fund, city, row.statistical_year)?;
    store::lock_pots(conn, &[pot]).await?;
    let key = ClaimKey {
        claim_id: row.id,
        payee: payee_of(&row.payee).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    };
    let mut ledger = store::load_ledger(conn, &[pot], std::slice::from_ref(&key)).await?;
    let tx = Transaction::approval(Uuid::now_v7(), key, pot, Fen::new(row.amount_fen))?;
    let id = store::append(conn, &mut ledger, tx, by).await?;
    diesel::update(claims::table.find(row.id))
        .set(claims::approval_tx.eq(id))
        .execute(conn)
        .await?;
    Ok(id)
}

/// Withdraws a claim's approval before payment: what is owed returns to
/// the budget.
pub async fn release_in_ledger(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    row: &ClaimRow,
    reason: &str,
    by: &str,
) -> Result<(), StoreError> {
    let Some(approval_tx) = row.approval_tx else {
        return Ok(());
    };
    let fund = store::fund_of(row.fund.as_deref().unwrap_or_default())?;
    let pot = store::pot(fund, city, row.statistical_year)?;
    store::lock_pots(conn, &[pot]).await?;
    let key = ClaimKey {
        claim_id: row.id,
        payee: payee_of(&row.payee).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    };
    let mut ledger = store::load_ledger(conn, &[pot], std::slice::from_ref(&key)).await?;
    let owed = ledger.claim(&key).map_or(0, |s| s.outstanding());
    if owed <= 0 {
        return Ok(());
    }
    let tx = Transaction::release(
        Uuid::now_v7(),
        key,
        pot,
        Fen::new(owed),
        approval_tx,
        reason,
    )?;
    store::append(conn, &mut ledger, tx, by).await?;
    Ok(())
}

/// Whether the certificate a training or certificate claim rests on has
/// been revoked since.
pub async fn rests_on_revoked(conn: &mut AsyncPgConnection, row: &ClaimRow) -> QueryResult<bool> {
    if row.kind != SubsidyKind::Training.as_str() && row.kind != SubsidyKind::Certificate.as_str() {
        return Ok(false);
    }
    let (valid, revoked): (i64, i64) = (
        certificates::table
            .filter(certificates::person_id.eq(&row.person_id))
            .filter(certificates::occupation_code.eq(&row.occupation_code))
            .filter(certificates::skill_level.eq(&row.skill_level))
            .filter(certificates::revoked.eq(false))
            .count()
            .get_result(conn)
            .await?,
        certificates::table
            .filter(certificates::person_id.eq(&row.person_id))
            .filter(certificates::occupation_code.eq(&row.occupation_code))
            .filter(certificates::skill_level.eq(&row.skill_level))
            .filter(certificates::revoked.eq(true))
            .count()
            .get_result(conn)
            .await?,
    );
    Ok(valid == 0 && revoked > 0)
}

/// What a claim is about, before the rules decide it.
pub struct Basis {
    pub kind: SubsidyKind,
    pub person_id: String,
    /// Empty for an apprenticeship recognised without an occupation.
    pub occupation: String,
    pub level: String,
    pub year: i32,
    /// The evidence: the enrolment (training, reward), the apprenticeship.
    pub source_ref: String,
    pub institution_id: Option<Uuid>,
    pub payee: Payee,
}

/// The books the rules read for a person in a statistical year: grants
/// already made, and the budget left per fund. Locks the year's pots
/// first: every decision of a year is thereby serialised, so the grant
/// key, the budget and the ledger entry are seen as one. (Claim rows are
/// always locked before pots, never after.)
pub async fn books_for(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    person_id: &str,
    year: i32,
) -> anyhow::Result<Books> {
    let pots: Vec<_> = FundSource::ALL
        .into_iter()
        .map(|f| store::pot(f, city, year))
        .collect::<Result<_, store::StoreError>>()?;
    store::lock_pots(conn, &pots).await?;
    let ledger = store::load_ledger(conn, &pots, &[]).await?;
    Ok(Books {
        granted: granted(conn, person_id).await?,
        available: pots
            .iter()
            .map(|p| (p.fund, ledger.available(*p)))
            .collect(),
    })
}

/// Whether a claim of `kind` already rests on `source_ref`.
pub async fn claimed(
    conn: &mut AsyncPgConnection,
    kind: SubsidyKind,
    source_ref: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        claims::table.filter(
            claims::kind
                .eq(kind.as_str())
                .and(claims::source_ref.eq(source_ref)),
        ),
    ))
    .get_result(conn)
    .await
}

/// Records a decision as a claim, once: a payable one is scored by the
/// fraud rules and approved (budget committed) or queued for review; a
/// refusal because the grant was already made is recorded with its
/// reasons; other refusals record nothing (the evidence may still come).
pub async fn record(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    basis: Basis,
    decision: &Decision,
    standard: Option<Fen>,
    mut findings: Vec<Finding>,
) -> anyhow::Result<Option<ClaimRow>> {
    if let Decision::NotPayable { reasons, .. } = decision {
        if !reasons.iter().any(|r| r.code == "already_granted") {
            return Ok(None);
        }
    } else {
        findings.extend(payee_findings(conn, engine, &basis.payee).await?);
    }
    let now = Utc::now();
    let mut row = ClaimRow {
        id: Uuid::now_v7(),
        city: engine.city.to_string(),
        kind: basis.kind.as_str().to_owned(),
        person_id: basis.person_id,
        occupation_code: basis.occupation,
        skill_level: basis.level,
        statistical_year: basis.year,
        source_ref: basis.source_ref,
        institution_id: basis.institution_id,
        payee: basis.payee.to_string(),
        fund: None,
        standard_fen: standard.map_or(0, |f| f.get()),
        amount_fen: 0,
        status: "refused".into(),
        risk_score: 0,
        reasons: serde_json::to_value(reason_items(decision.reasons()))?,
        findings: serde_json::to_value(&findings)?,
        approval_tx: None,
        created_at: now,
        decided_by: Some(SYSTEM.into()),
        decided_at: Some(now),
        review_note: None,
        paid_on: None,
    };
    let mut approve = false;
    if let Decision::Payable(e) = decision {
        let (score, verdict) = fraud::decide(&findings, &engine.fraud);
        row.fund = Some(e.fund.as_str().to_owned());
        row.standard_fen = e.standard.get();
        row.amount_fen = e.amount.get();
        row.risk_score = i32::try_from(score).unwrap_or(100);
        approve = verdict == Verdict::AutoApprove;
        row.status = if approve { "approved" } else { "in_review" }.into();
        if !approve {
            row.decided_by = None;
            row.decided_at = None;
        }
    }
    diesel::insert_into(claims::table)
        .values(&row)
        .execute(conn)
        .await?;
    if approve {
        row.approval_tx = Some(approve_in_ledger(conn, engine.city, &row, SYSTEM).await?);
    }
    messaging::enqueue(conn, &[claim_event(&row)?]).await?;
    Ok(Some(row))
}

/// Findings about the payee: a bank account shared with other payees, and
/// for an institution, claims far above its own history.
async fn payee_findings(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    payee: &Payee,
) -> anyhow::Result<Vec<Finding>> {
    let key = payee.to_string();
    let mut out = Vec::new();
    let lookup: Option<Vec<u8>> = payee_accounts::table
        .find(&key)
        .select(payee_accounts::account_lookup)
        .first(conn)
        .await
        .optional()?;
    if let Some(lookup) = lookup {
        let sharing: i64 = payee_accounts::table
            .filter(payee_accounts::account_lookup.eq(lookup))
            .count()
            .get_result(conn)
            .await?;
        out.extend(fraud::shared_bank_account(
            usize::try_from(sharing).unwrap_or(0),
            &engine.fraud,
        ));
    }
    if let Payee::Institution(_) = payee {
        // Claims per 30-day period: this one, then the four before it.
        let now = Utc::now();
        let mut periods = Vec::new();
        for i in 0..5 {
            let to = now - chrono::Duration::days(30 * i);
            let from = to - chrono::Duration::days(30);
            let n: i64 = claims::table
                .filter(claims::payee.eq(&key))
                .filter(claims::created_at.gt(from).and(claims::created_at.le(to)))
                .count()
                .get_result(conn)
                .await?;
            periods.push(u32::try_from(n).unwrap_or(u32::MAX));
        }
        let history: Vec<u32> = periods[1..].iter().copied().filter(|n| *n > 0).collect();
        out.extend(fraud::claim_velocity(
            periods[0] + 1,
            &history,
            &engine.fraud,
        ));
    }
    Ok(out)
}

/// Findings about the trainee and the evidence behind a training subsidy
/// or an employment reward: the person's age against the target group,
/// overlapping classes, supervision alerts on the class, the institution's
/// standing, a phone number shared by many trainees and, where a
/// certificate is the evidence, its assessment
/// body's pass rate. Full-time student status needs student registration
/// data no service holds yet; only the working-age floor stands in for it.
async fn trainee_findings(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    r: &CompletionRow,
    certificate_evidence: bool,
) -> anyhow::Result<Vec<Finding>> {
    let cfg = &engine.fraud;
    let mut out = institution_findings(conn, engine, r.1).await?;
    type Facts = (
        Uuid,
        String,
        Option<i32>,
        Option<bool>,
        NaiveDate,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<String>,
    );
    let facts: Option<Facts> = enrolment_facts::table
        .find(r.0)
        .select((
            enrolment_facts::class_id,
            enrolment_facts::target_group,
            enrolment_facts::age_at_enrolment,
            enrolment_facts::male,
            enrolment_facts::enrolled_on,
            enrolment_facts::class_starts_at,
            enrolment_facts::class_ends_at,
            enrolment_facts::phone_lookup,
        ))
        .first(conn)
        .await
        .optional()?;
    if let Some((class_id, group, age, male, on, starts, ends, phone)) = facts {
        if let Some(phone) = phone {
            let people: i64 = enrolment_facts::table
                .filter(enrolment_facts::phone_lookup.eq(&phone))
                .select(diesel::dsl::count(enrolment_facts::person_id).aggregate_distinct())
                .get_result(conn)
                .await?;
            out.extend(fraud::shared_phone(
                usize::try_from(people).unwrap_or(usize::MAX),
                cfg,
            ));
        }
        // A group or age that cannot be read stops the decision: the fraud
        // rules are never skipped for it.
        let group: TargetGroup = group.parse()?;
        if let (Some(age), Some(male)) = (age, male) {
            let person = PersonFacts {
                age: u32::try_from(age)?,
                male,
                group,
                full_time_student: false,
            };
            out.extend(fraud::retiree_as_unemployed(&person, on, cfg));
            out.extend(fraud::student_as_unemployed(&person, cfg));
        }
        if let (Some(starts_at), Some(ends_at)) = (starts, ends) {
            type Span = (Uuid, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
            let others: Vec<Span> = enrolment_facts::table
                .filter(enrolment_facts::person_id.eq(&r.2))
                .filter(enrolment_facts::enrolment_id.ne(r.0))
                .filter(enrolment_facts::withdrawn.eq(false))
                .select((
                    enrolment_facts::class_id,
                    enrolment_facts::class_starts_at,
                    enrolment_facts::class_ends_at,
                ))
                .load(conn)
                .await?;
            let others: Vec<ClassSpan> = others
                .into_iter()
                .filter_map(|(class_id, s, e)| {
                    Some(ClassSpan {
                        class_id,
                        starts_at: s?,
                        ends_at: e?,
                    })
                })
                .collect();
            let this = ClassSpan {
                class_id,
                starts_at,
                ends_at,
            };
            out.extend(fraud::overlapping_classes(&this, &others, cfg));
        }
        let alerts: i64 = class_alerts::table
            .filter(
                class_alerts::class_id
                    .eq(class_id)
                    .or(class_alerts::other_class_id.eq(class_id)),
            )
            .count()
            .get_result(conn)
            .await?;
        out.extend(fraud::attendance_alerts(
            u32::try_from(alerts).unwrap_or(u32::MAX),
            cfg,
        ));
    }
    if certificate_evidence {
        out.extend(pass_rate_finding(conn, engine, r).await?);
    }
    Ok(out)
}

/// Passed and sat at a body's exams in `(after, until]`.
async fn pass_count(
    conn: &mut AsyncPgConnection,
    body: Uuid,
    after: NaiveDate,
    until: NaiveDate,
) -> QueryResult<PassCount> {
    let sat = || {
        assessment_results::table
            .filter(assessment_results::body_id.eq(body))
            .filter(assessment_results::assessed_on.gt(after))
            .filter(assessment_results::assessed_on.le(until))
    };
    let candidates: i64 = sat().count().get_result(conn).await?;
    let passed: i64 = sat()
        .filter(assessment_results::passed.eq(true))
        .count()
        .get_result(conn)
        .await?;
    Ok(PassCount {
        passed: u32::try_from(passed).unwrap_or(u32::MAX),
        candidates: u32::try_from(candidates).unwrap_or(u32::MAX),
    })
}

/// The pass rate of the body that certified the trainee, in the 30 days up
/// to the certificate against the year before.
async fn pass_rate_finding(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    r: &CompletionRow,
) -> anyhow::Result<Option<Finding>> {
    let cert: Option<(Option<Uuid>, NaiveDate)> = certificates::table
        .filter(certificates::person_id.eq(&r.2))
        .filter(certificates::occupation_code.eq(&r.4))
        .filter(certificates::skill_level.eq(&r.5))
        .filter(certificates::revoked.eq(false))
        .order(certificates::issued_on.desc())
        .select((certificates::body_id, certificates::issued_on))
        .first(conn)
        .await
        .optional()?;
    let Some((Some(body), issued_on)) = cert else {
        return Ok(None);
    };
    let recent_from = issued_on - chrono::Days::new(30);
    let now = pass_count(conn, body, recent_from, issued_on).await?;
    let before = pass_count(
        conn,
        body,
        recent_from - chrono::Days::new(365),
        recent_from,
    )
    .await?;
    Ok(fraud::pass_rate_spike(now, before, &engine.fraud))
}

/// Findings about the institution behind a claim.
async fn institution_findings(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    institution_id: Uuid,
) -> anyhow::Result<Vec<Finding>> {
    let status: Option<String> = institutions::table
        .find(institution_id)
        .select(institutions::status)
        .first(conn)
        .await
        .optional()?;
    Ok(status
        .and_then(|s| fraud::institution_suspended(&s, &engine.fraud))
        .into_iter()
        .collect())
}

type CompletionRow = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    String,
    bool,
    i32,
    i32,
    NaiveDate,
    Option<i32>,
);

fn completion_columns() -> (
    completions::enrolment_id,
    completions::institution_id,
    completions::person_id,
    completions::target_group,
    completions::occupation_code,
    completions::skill_level,
    completions::completed,
    completions::attended_seconds,
    completions::planned_seconds,
    completions::completed_on,
    completions::catalogue_year,
) {
    (
        completions::enrolment_id,
        completions::institution_id,
        completions::person_id,
        completions::target_group,
        completions::occupation_code,
        completions::skill_level,
        completions::completed,
        completions::attended_seconds,
        completions::planned_seconds,
        completions::completed_on,
        completions::catalogue_year,
    )
}

/// The domain's facts of a trainee, from a completion row and the read
/// models.
pub async fn trainee_facts(
    conn: &mut AsyncPgConnection,
    r: &CompletionRow,
) -> anyhow::Result<TraineeFacts> {
    let employment: Option<(Option<NaiveDate>, i32)> = employment_outcomes::table
        .find(r.0)
        .filter(employment_outcomes::employed.eq(true))
        .select((
            employment_outcomes::employed_on,
            employment_outcomes::window_months,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(TraineeFacts {
        completion: Completion {
            enrolment_id: r.0,
            institution_id: r.1,
            person: PersonId::from_stored(&r.2),
            group: r.3.parse()?,
            occupation: r.4.parse()?,
            level: r.5.parse()?,
            completed: r.6,
            attended_seconds: u32::try_from(r.7)?,
            planned_seconds: u32::try_from(r.8)?,
            completed_on: r.9,
        },
        certificates: certificate_facts(conn, &r.2).await?,
        voucher: crate::vouchers::backing(conn, r.0).await?,
        employment: employment.and_then(|(on, months)| {
            Some(EmploymentFact {
                employed_on: on?,
                window_months: u32::try_from(months).unwrap_or(0),
            })
        }),
    })
}

/// Decides the training subsidy (职业培训补贴) of every completion of
/// `person_id` for `occupation` × `level` that has no claim yet. Called
/// whenever a completion or a certificate arrives, in either order;
/// idempotent, so replays and duplicates change nothing.
pub async fn training_due(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    person_id: &str,
    occupation: &str,
    level: &str,
) -> anyhow::Result<()> {
    let rows: Vec<CompletionRow> = completions::table
        .filter(
            completions::person_id
                .eq(person_id)
                .and(completions::occupation_code.eq(occupation))
                .and(completions::skill_level.eq(level)),
        )
        .order((completions::completed_on, completions::enrolment_id))
        .select(completion_columns())
        .load(conn)
        .await?;
    for r in rows {
        let source_ref = r.0.to_string();
        if claimed(conn, SubsidyKind::Training, &source_ref).await? {
            continue;
        }
        let year = StatisticalYear::of(r.9).year();
        let books = books_for(conn, engine.city, person_id, year).await?;
        if claimed(conn, SubsidyKind::Training, &source_ref).await? {
            continue;
        }
        let facts = trainee_facts(conn, &r).await?;
        let std_fen = standard(
            conn,
            engine.city.as_str(),
            r.10.unwrap_or(year),
            occupation,
            level,
        )
        .await?;
        let decision = entitlement::training(&facts, std_fen, &engine.rules, &books);
        let findings = trainee_findings(conn, engine, &r, true).await?;
        let basis = Basis {
            kind: SubsidyKind::Training,
            person_id: person_id.to_owned(),
            occupation: occupation.to_owned(),
            level: level.to_owned(),
            year,
            source_ref,
            institution_id: Some(r.1),
            payee: Payee::Institution(r.1),
        };
        record(conn, engine, basis, &decision, std_fen, findings).await?;
    }
    Ok(())
}

/// Decides the employment-promotion reward (培训促进就业奖补) of an
/// enrolment once employment tracking reported its outcome.
pub async fn employment_reward_due(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    enrolment_id: Uuid,
) -> anyhow::Result<()> {
    let Some(r): Option<CompletionRow> = completions::table
        .find(enrolment_id)
        .select(completion_columns())
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(());
    };
    let source_ref = enrolment_id.to_string();
    if claimed(conn, SubsidyKind::EmploymentReward, &source_ref).await? {
        return Ok(());
    }
    let year = StatisticalYear::of(r.9).year();
    let books = books_for(conn, engine.city, &r.2, year).await?;
    if claimed(conn, SubsidyKind::EmploymentReward, &source_ref).await? {
        return Ok(());
    }
    let facts = trainee_facts(conn, &r).await?;
    let decision = entitlement::employment_reward(&facts, &engine.rules, &books);
    let findings = trainee_findings(conn, engine, &r, false).await?;
    let basis = Basis {
        kind: SubsidyKind::EmploymentReward,
        person_id: r.2.clone(),
        occupation: r.4.clone(),
        level: r.5.clone(),
        year,
        source_ref,
        institution_id: Some(r.1),
        payee: Payee::Institution(r.1),
    };
    record(
        conn,
        engine,
        basis,
        &decision,
        Some(engine.rules.employment_reward),
        findings,
    )
    .await?;
    Ok(())
}

/// Whole months from `from` to `to` (a month counts once its day is
/// reached).
fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    use chrono::Datelike;
    let months = (to.year() - from.year()) * 12 + to.month() as i32
        - from.month() as i32
        - i32::from(to.day() < from.day());
    u32::try_from(months.max(0)).unwrap_or(0)
}

/// Decides the enterprise new-apprenticeship subsidy (企业新型学徒制培训补贴)
/// of a recognised apprenticeship.
pub async fn apprenticeship_due(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    e: &contracts::employment::ApprenticeshipEvent,
) -> anyhow::Result<()> {
    let person_id = e.person_id.as_str();
    let source_ref = e.apprenticeship_id.to_string();
    if claimed(conn, SubsidyKind::Apprenticeship, &source_ref).await? {
        return Ok(());
    }
    let facts = ApprenticeshipFacts {
        person: e.person_id.clone(),
        enterprise: e.enterprise_credit_code.clone(),
        occupation: e.occupation_code.clone(),
        internship_months: months_between(e.internship_starts_on, e.internship_ends_on),
        contract_months: u32::try_from(e.contract_months).unwrap_or(0),
        open_ended: e.open_ended.unwrap_or(false),
        employment_starts_on: e.employment_starts_on,
    };
    let year = StatisticalYear::of(e.employment_starts_on).year();
    let books = books_for(conn, engine.city, person_id, year).await?;
    if claimed(conn, SubsidyKind::Apprenticeship, &source_ref).await? {
        return Ok(());
    }
    let decision = entitlement::apprenticeship(&facts, &engine.rules, &books);
    let basis = Basis {
        kind: SubsidyKind::Apprenticeship,
        person_id: person_id.to_owned(),
        occupation: e
            .occupation_code
            .as_ref()
            .map_or(String::new(), |o| o.as_str().to_owned()),
        level: SkillLevel::Apprentice.as_str().to_owned(),
        year,
        source_ref,
        institution_id: None,
        payee: Payee::Enterprise(e.enterprise_credit_code.clone()),
    };
    record(
        conn,
        engine,
        basis,
        &decision,
        Some(engine.rules.apprenticeship),
        Vec::new(),
    )
    .await?;
    Ok(())
}

/// A certificate was revoked: paid claims resting on it get one recovery
/// order each (追回); claims not yet sent to the bank are rejected, their
/// approval released. A payment in flight is recovered once the bank
/// confirms it.
pub async fn certificate_revoked(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    person_id: &str,
    occupation: &str,
    level: &str,
    revoked_on: Option<NaiveDate>,
    reason: &str,
) -> anyhow::Result<()> {
    let rows: Vec<ClaimRow> = claims::table
        .filter(
            claims::person_id
                .eq(person_id)
                .and(claims::occupation_code.eq(occupation))
                .and(claims::skill_level.eq(level))
                .and(claims::kind.eq_any([
                    SubsidyKind::Training.as_str(),
                    SubsidyKind::Certificate.as_str(),
                ])),
        )
        // The order payout batches lock claims in.
        .order((claims::created_at, claims::id))
        .select(ClaimRow::as_select())
        .for_update()
        .load(conn)
        .await?;
    let finding =
        fraud::certificate_revoked(revoked_on.or(Some(Utc::now().date_naive())), &engine.fraud);
    for row in rows {
        match row.status.as_str() {
            "paid" => order_recovery(conn, engine, &row, "certificate_revoked", reason).await?,
            "approved" | "in_review" | "documents_requested" | "disputed" => {
                let note = format!("certificate revoked: {reason}");
                release_in_ledger(conn, engine.city, &row, &note, SYSTEM).await?;
                let mut findings: Vec<Finding> = serde_json::from_value(row.findings.clone())?;
                findings.extend(finding.clone());
                let score = i32::try_from(fraud::risk_score(&findings)).unwrap_or(100);
                let now = Utc::now();
                diesel::update(claims::table.find(row.id))
                    .set((
                        claims::status.eq("rejected"),
                        claims::findings.eq(serde_json::to_value(&findings)?),
                        claims::risk_score.eq(score),
                        claims::decided_by.eq(SYSTEM),
                        claims::decided_at.eq(now),
                        claims::review_note.eq(&note),
                    ))
                    .execute(conn)
                    .await?;
                let mut changed = row.clone();
                changed.status = "rejected".into();
                changed.risk_score = score;
                messaging::enqueue(conn, &[claim_event(&changed)?]).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// One recovery order per paid claim: the ledger moves what was paid to
/// the payee's receivable, correcting the approval.
pub async fn order_recovery(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    row: &ClaimRow,
    cause: &str,
    reason: &str,
) -> anyhow::Result<()> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        recoveries::table.filter(recoveries::claim_id.eq(row.id)),
    ))
    .get_result(conn)
    .await?;
    if exists {
        return Ok(());
    }
    let fund = store::fund_of(row.fund.as_deref().unwrap_or_default())?;
    let pot = store::pot(fund, engine.city, row.statistical_year)?;
    store::lock_pots(conn, &[pot]).await?;
    let payee = payee_of(&row.payee)?;
    let key = ClaimKey {
        claim_id: row.id,
        payee: payee.clone(),
    };
    let mut ledger = store::load_ledger(conn, &[pot], std::slice::from_ref(&key)).await?;
    let Some(state) = ledger.claim(&key).cloned() else {
        return Err(anyhow::anyhow!("claim {} is not in the ledger", row.id));
    };
    let amount = state.paid + state.withheld - state.recovered;
    if amount <= 0 {
        return Ok(());
    }
    let tx = Transaction::recovery(
        Uuid::now_v7(),
        key,
        pot,
        Fen::new(amount),
        state.approval_tx,
        reason,
    )?;
    let tx_id = store::append(conn, &mut ledger, tx, SYSTEM).await?;
    let id = Uuid::now_v7();
    diesel::insert_into(recoveries::table)
        .values((
            recoveries::id.eq(id),
            recoveries::claim_id.eq(row.id),
            recoveries::payee.eq(&row.payee),
            recoveries::cause.eq(cause),
            recoveries::reason.eq(reason),
            recoveries::amount_fen.eq(amount),
            recoveries::recovery_tx.eq(tx_id),
            recoveries::status.eq("open"),
            recoveries::ordered_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    diesel::update(claims::table.find(row.id))
        .set(claims::status.eq("recovered"))
        .execute(conn)
        .await?;
    let payload = RecoveryEvent {
        recovery_id: id,
        claim_id: row.id,
        city: engine.city,
        kind: row.kind.clone(),
        person_id: PersonId::from_stored(&row.person_id),
        fund: fund.as_str().to_owned(),
        amount_fen: Fen::new(amount),
        cause: cause.to_owned(),
        reason: reason.to_owned(),
        institution_id: row.institution_id,
    };
    messaging::enqueue(
        conn,
        &[OutboxEvent::new(
            RECOVERIES_TOPIC,
            RECOVERY_ORDERED,
            row.id.to_string(),
            &payload,
        )],
    )
    .await?;
    Ok(())
}

/// A catalogue standard arrived: completions of that occupation and level
/// still without a training claim are decided again.
pub async fn standard_arrived(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    occupation: &str,
    level: &str,
) -> anyhow::Result<()> {
    let claimed = claims::table
        .filter(claims::kind.eq(SubsidyKind::Training.as_str()))
        .select(claims::source_ref);
    let enrolments: Vec<(Uuid, String)> = completions::table
        .filter(
            completions::occupation_code
                .eq(occupation)
                .and(completions::skill_level.eq(level))
                .and(completions::completed.eq(true)),
        )
        .select((completions::enrolment_id, completions::person_id))
        .load(conn)
        .await?;
    let taken: HashSet<String> = claimed.load::<String>(conn).await?.into_iter().collect();
    let mut people: Vec<String> = enrolments
        .into_iter()
        .filter(|(e, _)| !taken.contains(&e.to_string()))
        .map(|(_, p)| p)
        .collect();
    people.sort();
    people.dedup();
    for p in people {
        training_due(conn, engine, &p, occupation, level).await?;
    }
    Ok(())
}

/// The decision the rules would make now on an enrolment's `kind`
/// (training or employment reward), without recording anything: the
/// answer to a claim filed over the API that the evidence does not carry.
pub async fn explain(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    kind: SubsidyKind,
    enrolment_id: Uuid,
) -> anyhow::Result<Option<Decision>> {
    let Some(r): Option<CompletionRow> = completions::table
        .find(enrolment_id)
        .select(completion_columns())
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let year = StatisticalYear::of(r.9).year();
    let books = books_for(conn, engine.city, &r.2, year).await?;
    let facts = trainee_facts(conn, &r).await?;
    Ok(Some(match kind {
        SubsidyKind::EmploymentReward => {
            entitlement::employment_reward(&facts, &engine.rules, &books)
        }
        _ => {
            let std_fen =
                standard(conn, engine.city.as_str(), r.10.unwrap_or(year), &r.4, &r.5).await?;
            entitlement::training(&facts, std_fen, &engine.rules, &books)
        }
    }))
}

/// The institution an enrolment was trained by, if delivery reported it.
pub async fn enrolment_institution(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<Option<(Uuid, String, String, String)>> {
    completions::table
        .find(enrolment_id)
        .select((
            completions::institution_id,
            completions::person_id,
            completions::occupation_code,
            completions::skill_level,
        ))
        .first(conn)
        .await
        .optional()
}

/// The individual certificate subsidy (个人取证补贴) a person applies for:
/// recorded once per certificate, or refused with the reasons. The insured
/// months are employment tracking's count from the contributions, never the
/// caller's.
pub async fn certificate_claim(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    person_id: &str,
    certificate_id: Uuid,
) -> anyhow::Result<Result<ClaimRow, Vec<Reason>>> {
    let insured_months: u32 = crate::store::schema::insured_months::table
        .find(person_id)
        .select(crate::store::schema::insured_months::months)
        .first::<i32>(conn)
        .await
        .optional()?
        .map_or(0, |m| u32::try_from(m).unwrap_or(0));
    let cert: Option<(String, String, NaiveDate, bool)> = certificates::table
        .find(certificate_id)
        .filter(certificates::person_id.eq(person_id))
        .select((
            certificates::occupation_code,
            certificates::skill_level,
            certificates::issued_on,
            certificates::revoked,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some((occupation, level, issued_on, revoked)) = cert else {
        return Ok(Err(vec![Reason {
            code: "no_certificate",
            text: "assessment reported no such certificate of this person".to_owned(),
        }]));
    };
    let source_ref = certificate_id.to_string();
    let existing: Option<ClaimRow> = claims::table
        .filter(claims::kind.eq(SubsidyKind::Certificate.as_str()))
        .filter(claims::source_ref.eq(&source_ref))
        .select(ClaimRow::as_select())
        .first(conn)
        .await
        .optional()?;
    if let Some(row) = existing {
        return Ok(Ok(row));
    }
    let year = StatisticalYear::of(issued_on).year();
    let books = books_for(conn, engine.city, person_id, year).await?;
    let existing: Option<ClaimRow> = claims::table
        .filter(claims::kind.eq(SubsidyKind::Certificate.as_str()))
        .filter(claims::source_ref.eq(&source_ref))
        .select(ClaimRow::as_select())
        .first(conn)
        .await
        .optional()?;
    if let Some(row) = existing {
        return Ok(Ok(row));
    }
    let facts = entitlement::CertificateClaim {
        person: PersonId::from_stored(person_id),
        group: None,
        certificate: CertificateFact {
            occupation: occupation.parse()?,
            level: level.parse()?,
            issued_on,
            revoked,
        },
        insured_months,
    };
    let decision = entitlement::certificate(&facts, &engine.rules, &books);
    let basis = Basis {
        kind: SubsidyKind::Certificate,
        person_id: person_id.to_owned(),
        occupation,
        level,
        year,
        source_ref,
        institution_id: None,
        payee: Payee::Person(PersonId::from_stored(person_id)),
    };
    let standard = decision.entitlement().map(|e| e.standard);
    match record(conn, engine, basis, &decision, standard, Vec::new()).await? {
        Some(row) if row.status != "refused" => Ok(Ok(row)),
        _ => Ok(Err(decision.reasons().to_vec())),
    }
}

/// Budget arrived for a statistical year: what waited for money only
/// (completions with a valid certificate, employment shown, but no claim
/// yet) is decided again.
pub async fn budget_arrived(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    year: i32,
) -> anyhow::Result<()> {
    let y = store::stat_year(year)?;
    let waiting: Vec<(Uuid, String, String, String)> = completions::table
        .filter(completions::completed.eq(true))
        .filter(completions::completed_on.between(y.first_day(), y.last_day()))
        .select((
            completions::enrolment_id,
            completions::person_id,
            completions::occupation_code,
            completions::skill_level,
        ))
        .order((completions::completed_on, completions::enrolment_id))
        .load(conn)
        .await?;
    let claimed_refs: HashSet<(String, String)> = claims::table
        .filter(claims::statistical_year.eq(year))
        .select((claims::kind, claims::source_ref))
        .load::<(String, String)>(conn)
        .await?
        .into_iter()
        .collect();
    let open = |kind: SubsidyKind, e: &Uuid| {
        !claimed_refs.contains(&(kind.as_str().to_owned(), e.to_string()))
    };
    let mut people: Vec<(String, String, String)> = Vec::new();
    for (enrolment, person_id, occupation, level) in &waiting {
        if open(SubsidyKind::Training, enrolment) {
            people.push((person_id.clone(), occupation.clone(), level.clone()));
        }
    }
    people.sort();
    people.dedup();
    for (person_id, occupation, level) in people {
        training_due(conn, engine, &person_id, &occupation, &level).await?;
    }
    for (enrolment, ..) in &waiting {
        if open(SubsidyKind::EmploymentReward, enrolment) {
            employment_reward_due(conn, engine, *enrolment).await?;
        }
    }
    Ok(())
}
