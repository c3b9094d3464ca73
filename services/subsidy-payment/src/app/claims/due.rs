//! Claims the evidence makes due, decided as it arrives in any order:
//! the training subsidy (职业培训补贴), the employment-promotion reward
//! (培训促进就业奖补) and the new-apprenticeship subsidy (企业新型学徒制培训补贴);
//! and the decisions taken again when a standard or budget arrives.

use std::collections::HashSet;

use diesel_async::AsyncPgConnection;
use ids::{Fen, SkillLevel, StatisticalYear};
use uuid::Uuid;

use super::facts::{books_for, trainee_facts, trainee_findings};
use super::{record, Basis, Engine, Error};
use crate::domain::entitlement::{self, ApprenticeshipFacts, Decision};
use crate::domain::subsidy::{Payee, SubsidyKind};
use crate::store::evidence::{self, CompletionRow};
use crate::store::{self, claims};

/// The catalogue standard a completion trained under.
async fn standard_of(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    r: &CompletionRow,
    year: i32,
) -> Result<Option<Fen>, Error> {
    Ok(evidence::standard(
        conn,
        engine.city.as_str(),
        r.catalogue_year.unwrap_or(year),
        &r.occupation_code,
        &r.skill_level,
    )
    .await?
    .map(Fen::new))
}

/// Decides the training subsidy of every completion of `person_id` for
/// `occupation` × `level` that has no claim yet. Called whenever a
/// completion or a certificate arrives, in either order; idempotent, so
/// replays and duplicates change nothing.
#[tracing::instrument(skip_all, fields(occupation = occupation, level = level))]
pub async fn training_due(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    person_id: &str,
    occupation: &str,
    level: &str,
) -> Result<(), Error> {
    for r in evidence::completions_of(conn, person_id, occupation, level).await? {
        let source_ref = r.enrolment_id.to_string();
        if claims::claimed(conn, SubsidyKind::Training, &source_ref).await? {
            continue;
        }
        let year = StatisticalYear::of(r.completed_on).year();
        let books = books_for(conn, engine.city, person_id, year).await?;
        // Asked again under the pots' lock: another decision may have
        // taken it meanwhile.
        if claims::claimed(conn, SubsidyKind::Training, &source_ref).await? {
            continue;
        }
        let facts = trainee_facts(conn, &r).await?;
        let standard = standard_of(conn, engine, &r, year).await?;
        let decision = entitlement::training(&facts, standard, &engine.rules, &books);
        let findings = trainee_findings(conn, engine, &r, true).await?;
        let basis = Basis {
            kind: SubsidyKind::Training,
            person_id: person_id.to_owned(),
            occupation: occupation.to_owned(),
            level: level.to_owned(),
            year,
            source_ref,
            institution_id: Some(r.institution_id),
            payee: Payee::Institution(r.institution_id),
        };
        record(conn, engine, basis, &decision, standard, findings).await?;
    }
    Ok(())
}

/// Decides the employment-promotion reward of an enrolment once
/// employment tracking reported its outcome.
#[tracing::instrument(skip_all, fields(enrolment = %enrolment_id))]
pub async fn employment_reward_due(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    enrolment_id: Uuid,
) -> Result<(), Error> {
    let Some(r) = evidence::completion(conn, enrolment_id).await? else {
        return Ok(());
    };
    let source_ref = enrolment_id.to_string();
    if claims::claimed(conn, SubsidyKind::EmploymentReward, &source_ref).await? {
        return Ok(());
    }
    let year = StatisticalYear::of(r.completed_on).year();
    let books = books_for(conn, engine.city, &r.person_id, year).await?;
    if claims::claimed(conn, SubsidyKind::EmploymentReward, &source_ref).await? {
        return Ok(());
    }
    let facts = trainee_facts(conn, &r).await?;
    let decision = entitlement::employment_reward(&facts, &engine.rules, &books);
    let findings = trainee_findings(conn, engine, &r, false).await?;
    let basis = Basis {
        kind: SubsidyKind::EmploymentReward,
        person_id: r.person_id.clone(),
        occupation: r.occupation_code.clone(),
        level: r.skill_level.clone(),
        year,
        source_ref,
        institution_id: Some(r.institution_id),
        payee: Payee::Institution(r.institution_id),
    };
    let standard = Some(engine.rules.employment_reward);
    record(conn, engine, basis, &decision, standard, findings).await?;
    Ok(())
}

/// Whole months from `from` to `to` (a month counts once its day is
/// reached).
fn months_between(from: chrono::NaiveDate, to: chrono::NaiveDate) -> u32 {
    use chrono::Datelike;
    let months = (to.year() - from.year()) * 12 + i32::try_from(to.month()).unwrap_or(0)
        - i32::try_from(from.month()).unwrap_or(0)
        - i32::from(to.day() < from.day());
    u32::try_from(months.max(0)).unwrap_or(0)
}

/// Decides the new-apprenticeship subsidy of a recognised apprenticeship.
#[tracing::instrument(skip_all, fields(apprenticeship = %e.apprenticeship_id))]
pub async fn apprenticeship_due(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    e: &contracts::employment::ApprenticeshipEvent,
) -> Result<(), Error> {
    let person_id = e.person_id.as_str();
    let source_ref = e.apprenticeship_id.to_string();
    if claims::claimed(conn, SubsidyKind::Apprenticeship, &source_ref).await? {
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
    if claims::claimed(conn, SubsidyKind::Apprenticeship, &source_ref).await? {
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
    let standard = Some(engine.rules.apprenticeship);
    record(conn, engine, basis, &decision, standard, Vec::new()).await?;
    Ok(())
}

/// A catalogue standard arrived: completions of that occupation and level
/// still without a training claim are decided again.
#[tracing::instrument(skip_all, fields(occupation = occupation, level = level))]
pub async fn standard_arrived(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    occupation: &str,
    level: &str,
) -> Result<(), Error> {
    let completers = evidence::completers_of(conn, occupation, level).await?;
    let taken: HashSet<String> = claims::sources_of_kind(conn, SubsidyKind::Training)
        .await?
        .into_iter()
        .collect();
    let mut people: Vec<String> = completers
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
) -> Result<Option<Decision>, Error> {
    let Some(r) = evidence::completion(conn, enrolment_id).await? else {
        return Ok(None);
    };
    let year = StatisticalYear::of(r.completed_on).year();
    let books = books_for(conn, engine.city, &r.person_id, year).await?;
    let facts = trainee_facts(conn, &r).await?;
    Ok(Some(match kind {
        SubsidyKind::EmploymentReward => {
            entitlement::employment_reward(&facts, &engine.rules, &books)
        }
        _ => {
            let standard = standard_of(conn, engine, &r, year).await?;
            entitlement::training(&facts, standard, &engine.rules, &books)
        }
    }))
}

/// Budget arrived for a statistical year: what waited for money only
/// (completions with a valid certificate, employment shown, but no claim
/// yet) is decided again.
#[tracing::instrument(skip_all, fields(year = year))]
pub async fn budget_arrived(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    year: i32,
) -> Result<(), Error> {
    let y = store::stat_year(year)?;
    let waiting = evidence::completions_between(conn, y.first_day(), y.last_day()).await?;
    let claimed_refs: HashSet<(String, String)> = claims::sources_in_year(conn, year)
        .await?
        .into_iter()
        .collect();
    let open = |kind: SubsidyKind, e: &Uuid| {
        !claimed_refs.contains(&(kind.as_str().to_owned(), e.to_string()))
    };
    let mut people: Vec<(String, String, String)> = waiting
        .iter()
        .filter(|r| open(SubsidyKind::Training, &r.enrolment_id))
        .map(|r| {
            (
                r.person_id.clone(),
                r.occupation_code.clone(),
                r.skill_level.clone(),
            )
        })
        .collect();
    people.sort();
    people.dedup();
    for (person_id, occupation, level) in people {
        training_due(conn, engine, &person_id, &occupation, &level).await?;
    }
    for r in &waiting {
        if open(SubsidyKind::EmploymentReward, &r.enrolment_id) {
            employment_reward_due(conn, engine, r.enrolment_id).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::months_between;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn a_month_counts_once_its_day_is_reached() {
        assert_eq!(months_between(day(2026, 1, 15), day(2026, 7, 14)), 5);
        assert_eq!(months_between(day(2026, 1, 15), day(2026, 7, 15)), 6);
        assert_eq!(months_between(day(2025, 12, 31), day(2026, 1, 30)), 0);
        assert_eq!(months_between(day(2026, 7, 1), day(2026, 1, 1)), 0);
    }
}
