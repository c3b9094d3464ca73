//! The facts a claim decision reads: the person's grants and the budget
//! left (the books), the trainee's completion, certificates, voucher and
//! employment, and the fraud rules' findings about the payee, the trainee
//! and the institution.

use std::collections::HashSet;

use chrono::Utc;
use contracts::Open;
use diesel_async::AsyncPgConnection;
use ids::{CityCode, Fen, PersonId, StatisticalYear};
use uuid::Uuid;

use super::{Engine, Error};
use crate::domain::entitlement::{
    self, Books, CertificateFact, Completion, EmploymentFact, GrantKey, Preview, TraineeFacts,
};
use crate::domain::fraud::{self, ClassSpan, Finding, PassCount, PersonFacts};
use crate::domain::subsidy::{FundSource, Payee, SubsidyKind, TargetGroup};
use crate::store::evidence::{self, CertificateRow, CompletionRow};
use crate::store::{self, claims, payees, StoreError};

/// Grant keys already taken by the person's live claims, but the one
/// resting on `besides`.
async fn granted(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    besides: Option<&str>,
) -> Result<HashSet<GrantKey>, Error> {
    let mut out = HashSet::new();
    for g in claims::grants_of(conn, person_id, besides).await? {
        let kind: SubsidyKind = g.kind.parse()?;
        out.insert(GrantKey {
            person: PersonId::from_stored(person_id),
            kind,
            occupation: g.occupation_code.parse().ok(),
            level: g.skill_level.parse()?,
            year: store::stat_year(g.statistical_year)?,
        });
    }
    Ok(out)
}

/// The budget left per fund of a city's statistical year.
async fn available(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    year: i32,
    lock: bool,
) -> Result<Vec<(FundSource, Fen)>, Error> {
    let pots: Vec<_> = FundSource::ALL
        .into_iter()
        .map(|f| store::pot(f, city, year))
        .collect::<Result<_, StoreError>>()?;
    if lock {
        store::lock_pots(conn, &pots).await?;
    }
    let ledger = store::load_ledger(conn, &pots, &[]).await?;
    Ok(pots
        .iter()
        .map(|p| (p.fund, ledger.available(*p)))
        .collect())
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
) -> Result<Books, Error> {
    let available = available(conn, city, year, true).await?;
    Ok(Books {
        granted: granted(conn, person_id, None).await?,
        available: available.into_iter().collect(),
    })
}

pub(super) fn certificate_fact(c: CertificateRow) -> Result<CertificateFact, Error> {
    Ok(CertificateFact {
        occupation: c.occupation_code.parse()?,
        level: c.skill_level.parse()?,
        issued_on: c.issued_on,
        revoked: c.revoked,
    })
}

pub(super) async fn certificate_facts(
    conn: &mut AsyncPgConnection,
    person_id: &str,
) -> Result<Vec<CertificateFact>, Error> {
    evidence::certificates_of(conn, person_id)
        .await?
        .into_iter()
        .map(certificate_fact)
        .collect()
}

fn completion(r: &CompletionRow) -> Result<Completion, Error> {
    Ok(Completion {
        enrolment_id: r.enrolment_id,
        institution_id: r.institution_id,
        person: PersonId::from_stored(&r.person_id),
        group: r.target_group.parse()?,
        occupation: r.occupation_code.parse()?,
        level: r.skill_level.parse()?,
        completed: r.completed,
        attended_seconds: u32::try_from(r.attended_seconds)?,
        planned_seconds: u32::try_from(r.planned_seconds)?,
        completed_on: r.completed_on,
    })
}

/// The domain's facts of a trainee, from a completion and the read models.
pub(super) async fn trainee_facts(
    conn: &mut AsyncPgConnection,
    r: &CompletionRow,
) -> Result<TraineeFacts, Error> {
    let employment = evidence::employment_of(conn, r.enrolment_id).await?;
    Ok(TraineeFacts {
        completion: completion(r)?,
        certificates: certificate_facts(conn, &r.person_id).await?,
        voucher: crate::app::vouchers::backing(conn, r.enrolment_id).await?,
        employment: employment.and_then(|e| {
            Some(EmploymentFact {
                employed_on: e.employed_on?,
                window_months: u32::try_from(e.window_months).unwrap_or(0),
            })
        }),
    })
}

/// What a class would be paid, per trainee: the facts gathered as for a
/// decision, the grants already made elsewhere (not this enrolment's own
/// claim) and the budget left, without locking or recording anything.
/// `None` when delivery reported no completion of the class, or the
/// caller may not see its institution's records (`visible`, given the
/// institution's credit code).
pub async fn preview_class(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    class_id: Uuid,
    visible: impl Fn(&str) -> bool,
) -> Result<Option<Preview>, Error> {
    let rows = evidence::completions_of_class(conn, class_id).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let org = store::credit_code_of(conn, first.institution_id)
        .await?
        .unwrap_or_default();
    if !visible(&org) {
        return Ok(None);
    }
    let year = StatisticalYear::of(first.completed_on).year();
    // The standard of the catalogue the class trained under.
    let standard = evidence::standard(
        conn,
        engine.city.as_str(),
        first.catalogue_year.unwrap_or(year),
        &first.occupation_code,
        &first.skill_level,
    )
    .await?
    .map(Fen::new);
    let mut books = Books {
        available: available(conn, engine.city, year, false)
            .await?
            .into_iter()
            .collect(),
        ..Books::default()
    };
    let mut trainees = Vec::new();
    for r in &rows {
        let source = r.enrolment_id.to_string();
        books
            .granted
            .extend(granted(conn, &r.person_id, Some(&source)).await?);
        trainees.push(trainee_facts(conn, r).await?);
    }
    let preview = entitlement::preview(&trainees, standard, &engine.rules, &books);
    Ok(Some(preview))
}

/// Findings about the payee: a bank account shared with other payees, and
/// for an institution, claims far above its own history.
pub(super) async fn payee_findings(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    payee: &Payee,
) -> Result<Vec<Finding>, Error> {
    let key = payee.to_string();
    let mut out = Vec::new();
    if let Some(sharing) = payees::sharing_account_with(conn, &key).await? {
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
            let n = claims::made_to_between(conn, &key, from, to).await?;
            periods.push(u32::try_from(n).unwrap_or(u32::MAX));
        }
        let (current, earlier) = periods.split_first().unwrap_or((&0, &[]));
        let history: Vec<u32> = earlier.iter().copied().filter(|n| *n > 0).collect();
        out.extend(fraud::claim_velocity(current + 1, &history, &engine.fraud));
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
pub(super) async fn trainee_findings(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    r: &CompletionRow,
    certificate_evidence: bool,
) -> Result<Vec<Finding>, Error> {
    let cfg = &engine.fraud;
    let mut out = institution_findings(conn, engine, r.institution_id).await?;
    if let Some(facts) = evidence::enrolment(conn, r.enrolment_id).await? {
        if let Some(phone) = &facts.phone_lookup {
            let people = evidence::people_sharing_phone(conn, phone).await?;
            out.extend(fraud::shared_phone(
                usize::try_from(people).unwrap_or(usize::MAX),
                cfg,
            ));
        }
        // A group or age that cannot be read stops the decision: the fraud
        // rules are never skipped for it.
        let group: TargetGroup = facts.target_group.parse()?;
        if let (Some(age), Some(male)) = (facts.age_at_enrolment, facts.male) {
            let person = PersonFacts {
                age: u32::try_from(age)?,
                male,
                group,
                full_time_student: false,
            };
            out.extend(fraud::retiree_as_unemployed(
                &person,
                facts.enrolled_on,
                cfg,
            ));
            out.extend(fraud::student_as_unemployed(&person, cfg));
        }
        if let (Some(starts_at), Some(ends_at)) = (facts.class_starts_at, facts.class_ends_at) {
            let others: Vec<ClassSpan> =
                evidence::other_classes(conn, &r.person_id, r.enrolment_id)
                    .await?
                    .into_iter()
                    .filter_map(|c| {
                        Some(ClassSpan {
                            class_id: c.class_id,
                            starts_at: c.class_starts_at?,
                            ends_at: c.class_ends_at?,
                        })
                    })
                    .collect();
            let this = ClassSpan {
                class_id: facts.class_id,
                starts_at,
                ends_at,
            };
            out.extend(fraud::overlapping_classes(&this, &others, cfg));
        }
        let alerts = evidence::alerts_on(conn, facts.class_id).await?;
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
    after: chrono::NaiveDate,
    until: chrono::NaiveDate,
) -> Result<PassCount, Error> {
    let (candidates, passed) = evidence::exam_counts(conn, body, after, until).await?;
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
) -> Result<Option<Finding>, Error> {
    let cert =
        evidence::latest_valid_certificate(conn, &r.person_id, &r.occupation_code, &r.skill_level)
            .await?;
    let Some(CertificateRow {
        body_id: Some(body),
        issued_on,
        ..
    }) = cert
    else {
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
) -> Result<Vec<Finding>, Error> {
    Ok(evidence::institution_status(conn, institution_id)
        .await?
        .and_then(|s| fraud::institution_suspended(&Open::from(s), &engine.fraud))
        .into_iter()
        .collect())
}
