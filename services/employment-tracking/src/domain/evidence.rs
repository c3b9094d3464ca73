//! Evidence of employment: where a record comes from, which source outranks
//! which, when two records conflict, and what confirms employment within a
//! follow-up window.
//!
//! Confirmation: social-insurance contributions (社保缴费), employer reports
//! and institution reports confirm employment; a self report (个人申报)
//! alone never does. A report that conflicts with a record of a higher
//! source does not count either. Records are never overwritten: a conflict
//! is flagged on both records and kept for officers to resolve.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use uuid::Uuid;

use super::window::{month_end, month_in_window};

/// Where an employment record comes from, lowest rank first.
pub use contracts::employment::RecordSource as Source;

/// Does a record of this source confirm employment on its own?
pub fn confirms(source: Source) -> bool {
    source != Source::SelfReported
}

/// An employment record as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub id: Uuid,
    pub employer: String,
    pub starts_on: NaiveDate,
    /// Contract end; for social insurance, the end of the last month paid.
    /// `None`: open-ended (无固定期限).
    pub ends_on: Option<NaiveDate>,
    pub source: Source,
}

fn overlap(a: &Claim, b: &Claim) -> bool {
    a.ends_on.is_none_or(|end| end >= b.starts_on) && b.ends_on.is_none_or(|end| end >= a.starts_on)
}

/// Two records conflict when they place the person with different
/// employers over overlapping periods.
pub fn conflict(a: &Claim, b: &Claim) -> bool {
    a.id != b.id && a.employer != b.employer && overlap(a, b)
}

/// The records of one person that conflict with another of their records.
pub fn conflicting(claims: &[Claim]) -> HashSet<Uuid> {
    claims
        .iter()
        .filter(|a| claims.iter().any(|b| conflict(a, b)))
        .map(|a| a.id)
        .collect()
}

/// Is `claim` contradicted by a record of a higher source?
pub fn outranked(claim: &Claim, claims: &[Claim]) -> bool {
    claims
        .iter()
        .any(|other| other.source > claim.source && conflict(claim, other))
}

/// A social-insurance contribution of the person: a month and the employer
/// that paid it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Contribution {
    pub month: NaiveDate,
    pub employer: String,
}

/// The employment social insurance shows, one period per employer: from the
/// first month paid to the end of the last.
pub fn insured_periods(contributions: &[Contribution]) -> Vec<(String, NaiveDate, NaiveDate)> {
    let mut by_employer: BTreeMap<&str, (NaiveDate, NaiveDate)> = BTreeMap::new();
    for c in contributions {
        let e = by_employer
            .entry(c.employer.as_str())
            .or_insert((c.month, c.month));
        e.0 = e.0.min(c.month);
        e.1 = e.1.max(c.month);
    }
    by_employer
        .into_iter()
        .map(|(employer, (first, last))| (employer.to_owned(), first, month_end(last)))
        .collect()
}

/// What confirmed employment within a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub employed_on: NaiveDate,
    pub employer: String,
    pub source: Source,
}

/// Employment within `[completed_on, window_end]`, if the evidence confirms
/// it: the highest source wins, then the earliest start. Contributions
/// count by month (see [`month_in_window`]); a report counts when the job
/// starts within the window, its source confirms, and no higher source
/// contradicts it.
pub fn confirmation(
    completed_on: NaiveDate,
    window_end: NaiveDate,
    claims: &[Claim],
    contributions: &[Contribution],
) -> Option<Confirmation> {
    let insured = contributions
        .iter()
        .filter(|c| month_in_window(completed_on, window_end, c.month))
        .map(|c| Confirmation {
            employed_on: c.month,
            employer: c.employer.clone(),
            source: Source::SocialInsurance,
        });
    let reported = claims
        .iter()
        .filter(|c| {
            c.source != Source::SocialInsurance
                && confirms(c.source)
                && (completed_on..=window_end).contains(&c.starts_on)
                && !outranked(c, claims)
        })
        .map(|c| Confirmation {
            employed_on: c.starts_on,
            employer: c.employer.clone(),
            source: c.source,
        });
    insured.chain(reported).min_by(|a, b| {
        b.source
            .cmp(&a.source)
            .then(a.employed_on.cmp(&b.employed_on))
            .then(a.employer.cmp(&b.employer))
    })
}

/// Who may report employment from which source. `own_trainee`: the person
/// completed training at the caller's institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reporter {
    BureauOfficer,
    InstitutionOperator {
        own_trainee: bool,
    },
    Enterprise {
        own_staff: bool,
    },
    Integrator {
        own_trainee: bool,
        own_staff: bool,
    },
    /// The worker (or the portal acting for them): `own` when the report is
    /// about themselves.
    Trainee {
        own: bool,
    },
}

/// `None` when allowed; otherwise a stable code and the reason.
pub fn may_report(reporter: Reporter, source: Source) -> Option<(&'static str, &'static str)> {
    use Reporter::*;
    use Source::*;
    let not_yours = Some((
        "out_of_scope",
        "an organisation reports only its own trainees or staff",
    ));
    let wrong_source = Some((
        "source_not_allowed",
        "this caller cannot report from this source",
    ));
    match (source, reporter) {
        (SocialInsurance, _) => Some((
            "source_not_allowed",
            "social-insurance records come only from contribution batches",
        )),
        // A self report is the person's own (or an officer's, who heard
        // it); no organisation's system speaks for a worker.
        (SelfReported, BureauOfficer | Trainee { own: true }) => None,
        (SelfReported, Trainee { own: false }) => {
            Some(("out_of_scope", "a worker reports only their own employment"))
        }
        (
            InstitutionReported,
            InstitutionOperator { own_trainee } | Integrator { own_trainee, .. },
        ) => {
            if own_trainee {
                None
            } else {
                not_yours
            }
        }
        (EmployerReported, Enterprise { own_staff } | Integrator { own_staff, .. }) => {
            if own_staff {
                None
            } else {
                not_yours
            }
        }
        _ => wrong_source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "91350100M000100Y43";
    const B: &str = "91110000100000000R";

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn claim(n: u128, employer: &str, from: &str, to: Option<&str>, source: Source) -> Claim {
        Claim {
            id: Uuid::from_u128(n),
            employer: employer.into(),
            starts_on: d(from),
            ends_on: to.map(d),
            source,
        }
    }

    fn paid(month: &str, employer: &str) -> Contribution {
        Contribution {
            month: d(month),
            employer: employer.into(),
        }
    }

    #[test]
    fn sources_rank_social_insurance_first_and_a_self_report_never_confirms() {
        assert!(Source::SocialInsurance > Source::EmployerReported);
        assert!(Source::EmployerReported > Source::InstitutionReported);
        assert!(Source::InstitutionReported > Source::SelfReported);
        assert!(!confirms(Source::SelfReported));
        assert!(confirms(Source::InstitutionReported));
        assert_eq!("social_insurance".parse(), Ok(Source::SocialInsurance));
    }

    #[test]
    fn different_employers_over_overlapping_periods_conflict() {
        let own = claim(1, A, "2027-02-01", None, Source::SelfReported);
        let si = claim(
            2,
            B,
            "2027-03-01",
            Some("2027-05-31"),
            Source::SocialInsurance,
        );
        let before = claim(
            3,
            B,
            "2026-01-01",
            Some("2027-01-31"),
            Source::EmployerReported,
        );
        let same = claim(4, A, "2027-02-10", None, Source::EmployerReported);
        assert!(conflict(&own, &si));
        assert!(!conflict(&own, &before), "ended before");
        assert!(!conflict(&own, &same), "the same employer agrees");
        // The employer's record agrees with the self report but, like it,
        // contradicts social insurance.
        let flagged = conflicting(&[own.clone(), si.clone(), before.clone(), same.clone()]);
        assert_eq!(flagged, HashSet::from([own.id, si.id, same.id]));
        assert!(outranked(&own, &[own.clone(), si.clone()]));
        assert!(!outranked(&si, &[own, si.clone()]));
    }

    #[test]
    fn insured_periods_run_from_the_first_to_the_end_of_the_last_month() {
        let periods = insured_periods(&[
            paid("2027-04-01", A),
            paid("2027-02-01", A),
            paid("2027-03-01", B),
        ]);
        assert_eq!(
            periods,
            [
                (B.to_owned(), d("2027-03-01"), d("2027-03-31")),
                (A.to_owned(), d("2027-02-01"), d("2027-04-30")),
            ]
        );
    }

    #[test]
    fn social_insurance_outranks_a_report_and_a_self_report_alone_confirms_nothing() {
        let done = d("2027-01-15");
        let end = d("2027-07-15");
        let own = claim(1, A, "2027-02-01", None, Source::SelfReported);
        assert_eq!(
            confirmation(done, end, std::slice::from_ref(&own), &[]),
            None
        );

        let school = claim(2, A, "2027-02-01", None, Source::InstitutionReported);
        let by_school =
            confirmation(done, end, &[own.clone(), school.clone()], &[]).expect("confirmed");
        assert_eq!(by_school.source, Source::InstitutionReported);

        let si = [paid("2027-04-01", B)];
        let by_si = confirmation(done, end, &[own, school], &si).expect("confirmed");
        assert_eq!(
            by_si,
            Confirmation {
                employed_on: d("2027-04-01"),
                employer: B.into(),
                source: Source::SocialInsurance
            }
        );
    }

    #[test]
    fn a_report_contradicted_by_a_higher_source_does_not_count() {
        let done = d("2027-01-15");
        let end = d("2027-07-15");
        let school = claim(1, A, "2027-02-01", None, Source::InstitutionReported);
        let employer = claim(2, B, "2026-06-01", None, Source::EmployerReported);
        assert_eq!(confirmation(done, end, &[school, employer], &[]), None);
    }

    #[test]
    fn evidence_outside_the_window_does_not_count() {
        let done = d("2027-01-15");
        let end = d("2027-07-15");
        let late = claim(1, A, "2027-07-16", None, Source::EmployerReported);
        let early = claim(2, A, "2027-01-14", None, Source::EmployerReported);
        let months = [paid("2027-01-01", A), paid("2027-08-01", A)];
        assert_eq!(confirmation(done, end, &[late, early], &months), None);
        let on_the_last_day = claim(3, A, "2027-07-15", None, Source::EmployerReported);
        assert!(confirmation(done, end, &[on_the_last_day], &[]).is_some());
    }

    #[test]
    fn who_may_report_what() {
        use Reporter::*;
        assert_eq!(may_report(BureauOfficer, Source::SelfReported), None);
        assert_eq!(
            may_report(BureauOfficer, Source::SocialInsurance).map(|r| r.0),
            Some("source_not_allowed")
        );
        assert_eq!(
            may_report(
                InstitutionOperator { own_trainee: true },
                Source::InstitutionReported
            ),
            None
        );
        assert_eq!(
            may_report(
                InstitutionOperator { own_trainee: false },
                Source::InstitutionReported
            )
            .map(|r| r.0),
            Some("out_of_scope")
        );
        assert_eq!(
            may_report(Enterprise { own_staff: false }, Source::EmployerReported).map(|r| r.0),
            Some("out_of_scope")
        );
        assert_eq!(
            may_report(Enterprise { own_staff: true }, Source::SelfReported).map(|r| r.0),
            Some("source_not_allowed")
        );
        assert_eq!(
            may_report(Trainee { own: true }, Source::SelfReported),
            None
        );
        assert_eq!(
            may_report(Trainee { own: false }, Source::SelfReported).map(|r| r.0),
            Some("out_of_scope")
        );
        assert_eq!(
            may_report(
                Integrator {
                    own_trainee: true,
                    own_staff: true
                },
                Source::SelfReported
            )
            .map(|r| r.0),
            Some("source_not_allowed"),
            "no system self-reports for a worker"
        );
        assert_eq!(
            may_report(Trainee { own: true }, Source::EmployerReported).map(|r| r.0),
            Some("source_not_allowed")
        );
        assert_eq!(
            may_report(
                Integrator {
                    own_trainee: false,
                    own_staff: true
                },
                Source::EmployerReported
            ),
            None
        );
    }
}
