//! Fraud rules (防范骗取套取补贴, policy item 15). Each rule is a pure
//! function over plain facts that returns a [`Finding`] with a stable code,
//! a weight and a reason a reviewer can check; [`risk_score`] adds the
//! weights and [`decide`] sends anything at or above the threshold to
//! review. Weights and thresholds are data ([`FraudConfig`]).

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use chrono::{DateTime, NaiveDate, Utc};
use contracts::registry::InstitutionStatus;
use contracts::Open;
use ids::CitizenId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::subsidy::TargetGroup;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Past retirement age but enrolled as unemployed.
    RetireeAsUnemployed,
    /// A full-time student, or below working age, enrolled as unemployed.
    StudentAsUnemployed,
    /// One phone number behind many trainees.
    SharedPhone,
    /// One bank account behind many payees.
    SharedBankAccount,
    /// One person in classes that overlap in time.
    OverlappingClasses,
    /// Delivery raised attendance alerts (过程监督).
    AttendanceAlerts,
    /// The certificate the subsidy rests on was revoked.
    CertificateRevoked,
    /// The institution is suspended.
    InstitutionSuspended,
    /// Claims far above the institution's own history.
    ClaimVelocity,
    /// The assessment body's pass rate jumped.
    PassRateSpike,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Self::RetireeAsUnemployed => "retiree_as_unemployed",
            Self::StudentAsUnemployed => "student_as_unemployed",
            Self::SharedPhone => "shared_phone",
            Self::SharedBankAccount => "shared_bank_account",
            Self::OverlappingClasses => "overlapping_classes",
            Self::AttendanceAlerts => "attendance_alerts",
            Self::CertificateRevoked => "certificate_revoked",
            Self::InstitutionSuspended => "institution_suspended",
            Self::ClaimVelocity => "claim_velocity",
            Self::PassRateSpike => "pass_rate_spike",
        }
    }
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub weight: u32,
    pub reason: String,
}

/// Weights (0–100) and thresholds. The defaults are a starting point for a
/// city to tune: anything that alone proves ineligibility weighs at least
/// the review threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FraudConfig {
    pub weights: HashMap<Rule, u32>,
    /// Retirement age by sex (statutory ages rise gradually from 2025;
    /// set the city's current values).
    pub retirement_age_male: u32,
    pub retirement_age_female: u32,
    /// Below this age a person cannot be registered unemployed.
    pub min_working_age: u32,
    /// Trainees per phone number, or payees per bank account, that raise
    /// a finding.
    pub max_people_per_phone: usize,
    pub max_people_per_account: usize,
    /// Attendance alerts on an enrolment that raise a finding.
    pub max_attendance_alerts: u32,
    /// Claims this period above this percent of the historical mean…
    pub velocity_percent: u32,
    /// …and above this absolute number.
    pub velocity_min_claims: u32,
    /// Pass rate this many percentage points above the body's history…
    pub pass_rate_jump_points: u32,
    /// …on at least this many candidates.
    pub pass_rate_min_candidates: u32,
    /// Scores below this are approved without review.
    pub review_from: u32,
}

impl Default for FraudConfig {
    fn default() -> Self {
        let weights = HashMap::from([
            (Rule::RetireeAsUnemployed, 60),
            (Rule::StudentAsUnemployed, 60),
            (Rule::SharedPhone, 25),
            (Rule::SharedBankAccount, 40),
            (Rule::OverlappingClasses, 50),
            (Rule::AttendanceAlerts, 20),
            (Rule::CertificateRevoked, 100),
            (Rule::InstitutionSuspended, 100),
            (Rule::ClaimVelocity, 20),
            (Rule::PassRateSpike, 20),
        ]);
        Self {
            weights,
            retirement_age_male: 60,
            retirement_age_female: 55,
            min_working_age: 16,
            max_people_per_phone: 3,
            max_people_per_account: 2,
            max_attendance_alerts: 1,
            velocity_percent: 300,
            velocity_min_claims: 20,
            pass_rate_jump_points: 30,
            pass_rate_min_candidates: 20,
            review_from: 30,
        }
    }
}

impl FraudConfig {
    fn finding(&self, rule: Rule, reason: String) -> Option<Finding> {
        Some(Finding {
            rule,
            weight: self.weights.get(&rule).copied().unwrap_or(0),
            reason,
        })
    }
}

/// What is known about a trainee's person, without the ID number itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonFacts {
    /// Whole years of age on the enrolment date.
    pub age: u32,
    pub male: bool,
    pub group: TargetGroup,
    /// From student registration data, when matched.
    pub full_time_student: bool,
}

impl PersonFacts {
    /// Age and sex as the citizen ID gives them on `on` (delivery reads
    /// them at enrolment and sends only these).
    pub fn from_citizen_id(
        id: &CitizenId,
        on: NaiveDate,
        group: TargetGroup,
        full_time_student: bool,
    ) -> Self {
        Self {
            age: id.age_on(on),
            male: id.is_male(),
            group,
            full_time_student,
        }
    }
}

/// A retiree enrolled as unemployed: age from the citizen ID on the
/// enrolment date `on`, status from the target group.
pub fn retiree_as_unemployed(p: &PersonFacts, on: NaiveDate, cfg: &FraudConfig) -> Option<Finding> {
    let limit = if p.male {
        cfg.retirement_age_male
    } else {
        cfg.retirement_age_female
    };
    let age = p.age;
    (p.group.claims_unemployed() && age >= limit).then_some(())?;
    cfg.finding(
        Rule::RetireeAsUnemployed,
        format!(
            "aged {age} on {on}, at or past retirement age {limit}, but enrolled as {}",
            p.group.as_str()
        ),
    )
}

/// A full-time student, or someone below working age, enrolled as
/// unemployed.
pub fn student_as_unemployed(p: &PersonFacts, cfg: &FraudConfig) -> Option<Finding> {
    if !p.group.claims_unemployed() {
        return None;
    }
    let age = p.age;
    let why = if p.full_time_student {
        "is a registered full-time student".to_owned()
    } else if age < cfg.min_working_age {
        format!("is {age}, below working age {}", cfg.min_working_age)
    } else {
        return None;
    };
    cfg.finding(
        Rule::StudentAsUnemployed,
        format!("{why}, but enrolled as {}", p.group.as_str()),
    )
}

/// Distinct people per identifier (a phone or account lookup hash), for
/// [`shared_phone`] and [`shared_bank_account`].
pub fn people_per<K: Eq + Hash + Clone, P: Eq + Hash>(
    pairs: impl IntoIterator<Item = (K, P)>,
) -> HashMap<K, usize> {
    let mut sets: HashMap<K, HashSet<P>> = HashMap::new();
    for (k, p) in pairs {
        sets.entry(k).or_default().insert(p);
    }
    sets.into_iter().map(|(k, s)| (k, s.len())).collect()
}

/// The trainee's phone number is shared by `people` trainees.
pub fn shared_phone(people: usize, cfg: &FraudConfig) -> Option<Finding> {
    (people >= cfg.max_people_per_phone).then_some(())?;
    cfg.finding(
        Rule::SharedPhone,
        format!(
            "the phone number is given by {people} trainees (limit {})",
            cfg.max_people_per_phone
        ),
    )
}

/// The payee's bank account is shared by `people` payees.
pub fn shared_bank_account(people: usize, cfg: &FraudConfig) -> Option<Finding> {
    (people >= cfg.max_people_per_account).then_some(())?;
    cfg.finding(
        Rule::SharedBankAccount,
        format!(
            "the bank account receives for {people} payees (limit {})",
            cfg.max_people_per_account
        ),
    )
}

/// A class a person is enrolled in, with its dates (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassSpan {
    pub class_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The person is also in another class whose dates overlap this one's
/// (delivery refuses that within a city; across cities it can slip through).
pub fn overlapping_classes(
    this: &ClassSpan,
    others: &[ClassSpan],
    cfg: &FraudConfig,
) -> Option<Finding> {
    let clash: Vec<String> = others
        .iter()
        .filter(|o| o.class_id != this.class_id)
        .filter(|o| o.starts_at < this.ends_at && this.starts_at < o.ends_at)
        .map(|o| format!("{} ({} – {})", o.class_id, o.starts_at, o.ends_at))
        .collect();
    if clash.is_empty() {
        return None;
    }
    cfg.finding(
        Rule::OverlappingClasses,
        format!("also enrolled in overlapping class {}", clash.join(", ")),
    )
}

/// Delivery raised `alerts` attendance alerts on the enrolment.
pub fn attendance_alerts(alerts: u32, cfg: &FraudConfig) -> Option<Finding> {
    (alerts >= cfg.max_attendance_alerts && alerts > 0).then_some(())?;
    cfg.finding(
        Rule::AttendanceAlerts,
        format!("{alerts} attendance alert(s) from supervision"),
    )
}

/// The certificate behind the claim was revoked (on `revoked_on`).
pub fn certificate_revoked(revoked_on: Option<NaiveDate>, cfg: &FraudConfig) -> Option<Finding> {
    let on = revoked_on?;
    cfg.finding(
        Rule::CertificateRevoked,
        format!("the certificate was revoked on {on}"),
    )
}

/// The institution is suspended (status from the registry, kept as it
/// came: a word this version does not know is not a suspension).
pub fn institution_suspended(
    status: &Open<InstitutionStatus>,
    cfg: &FraudConfig,
) -> Option<Finding> {
    (*status == Open::Known(InstitutionStatus::Suspended)).then_some(())?;
    cfg.finding(
        Rule::InstitutionSuspended,
        "the institution is suspended".to_owned(),
    )
}

/// Claims this period against the institution's earlier periods: a
/// finding when above both `velocity_percent` % of the historical mean and
/// `velocity_min_claims`. Without history only the absolute floor applies.
pub fn claim_velocity(current: u32, history: &[u32], cfg: &FraudConfig) -> Option<Finding> {
    if current < cfg.velocity_min_claims {
        return None;
    }
    let n = history.len() as u64;
    let sum: u64 = history.iter().map(|&h| u64::from(h)).sum();
    // current > pct/100 × sum/n, kept in integers.
    let above = n == 0 || u64::from(current) * 100 * n > u64::from(cfg.velocity_percent) * sum;
    above.then_some(())?;
    let mean = sum.checked_div(n).unwrap_or(0);
    cfg.finding(
        Rule::ClaimVelocity,
        format!("{current} claims this period against a mean of {mean} over {n} earlier period(s)"),
    )
}

/// Passed / candidates of an assessment body's sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassCount {
    pub passed: u32,
    pub candidates: u32,
}

impl PassCount {
    /// Whole percent, rounded down.
    pub fn percent(self) -> u32 {
        if self.candidates == 0 {
            0
        } else {
            u32::try_from(u64::from(self.passed) * 100 / u64::from(self.candidates)).unwrap_or(100)
        }
    }
}

/// The body's pass rate now is `pass_rate_jump_points` above its history,
/// on enough candidates to mean something.
pub fn pass_rate_spike(now: PassCount, history: PassCount, cfg: &FraudConfig) -> Option<Finding> {
    if now.candidates < cfg.pass_rate_min_candidates || history.candidates == 0 {
        return None;
    }
    let (a, b) = (now.percent(), history.percent());
    (a >= b + cfg.pass_rate_jump_points).then_some(())?;
    cfg.finding(
        Rule::PassRateSpike,
        format!(
            "the assessment body passed {a} % of {} candidates, against {b} % before",
            now.candidates
        ),
    )
}

/// The sum of the weights, capped at 100.
pub fn risk_score(findings: &[Finding]) -> u32 {
    findings.iter().map(|f| f.weight).sum::<u32>().min(100)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    AutoApprove,
    Review,
}

/// Low risk is approved automatically, the rest goes to a reviewer.
pub fn decide(findings: &[Finding], cfg: &FraudConfig) -> (u32, Verdict) {
    let score = risk_score(findings);
    let verdict = if score < cfg.review_from {
        Verdict::AutoApprove
    } else {
        Verdict::Review
    };
    (score, verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    /// The facts of a person born on `born`, enrolled on `on`.
    fn person(born: NaiveDate, on: NaiveDate, male: bool, group: TargetGroup) -> PersonFacts {
        PersonFacts {
            age: on.years_since(born).unwrap_or(0),
            male,
            group,
            full_time_student: false,
        }
    }

    #[test]
    fn every_rule_code_is_the_one_consumers_know() {
        let rules = [
            Rule::RetireeAsUnemployed,
            Rule::StudentAsUnemployed,
            Rule::SharedPhone,
            Rule::SharedBankAccount,
            Rule::OverlappingClasses,
            Rule::AttendanceAlerts,
            Rule::CertificateRevoked,
            Rule::InstitutionSuspended,
            Rule::ClaimVelocity,
            Rule::PassRateSpike,
        ];
        let codes: Vec<&str> = rules.iter().map(|r| r.code()).collect();
        assert_eq!(codes, contracts::subsidy::FRAUD_RULES);
        assert_eq!(FraudConfig::default().weights.len(), rules.len());
    }

    #[test]
    fn age_and_sex_come_from_the_citizen_id() {
        let id: CitizenId = "11010519491231002X".parse().expect("id");
        let on = d(2026, 12, 30);
        let p = PersonFacts::from_citizen_id(&id, on, TargetGroup::RegisteredUnemployed, false);
        assert!(!p.male);
        assert_eq!(p.age, 76);
        let f = retiree_as_unemployed(&p, on, &FraudConfig::default()).expect("finding");
        assert_eq!((f.rule.code(), f.weight), ("retiree_as_unemployed", 60));
        assert!(f.reason.contains("aged 76"));
    }

    #[test]
    fn retirement_is_checked_on_the_birthday() {
        let cfg = FraudConfig::default();
        let unemployed = TargetGroup::RegisteredUnemployed;
        let eve = person(d(1966, 3, 2), d(2026, 3, 1), true, unemployed);
        assert!(retiree_as_unemployed(&eve, d(2026, 3, 1), &cfg).is_none());
        let birthday = person(d(1966, 3, 2), d(2026, 3, 2), true, unemployed);
        assert!(retiree_as_unemployed(&birthday, d(2026, 3, 2), &cfg).is_some());
        let woman = person(
            d(1971, 1, 1),
            d(2026, 1, 1),
            false,
            TargetGroup::EmploymentDifficulty,
        );
        assert!(retiree_as_unemployed(&woman, d(2026, 1, 1), &cfg).is_some());
        let employee = person(
            d(1950, 1, 1),
            d(2026, 1, 1),
            true,
            TargetGroup::EnterpriseEmployee,
        );
        assert!(retiree_as_unemployed(&employee, d(2026, 1, 1), &cfg).is_none());
    }

    #[test]
    fn students_and_children_are_not_unemployed() {
        let cfg = FraudConfig::default();
        let on = d(2026, 3, 1);
        let mut p = person(d(2004, 5, 1), on, true, TargetGroup::RegisteredUnemployed);
        assert!(student_as_unemployed(&p, &cfg).is_none());
        p.full_time_student = true;
        assert!(student_as_unemployed(&p, &cfg).is_some());
        let child = person(d(2011, 5, 1), on, false, TargetGroup::UnemployedGraduate);
        let f = student_as_unemployed(&child, &cfg).expect("finding");
        assert!(f.reason.contains("below working age"));
        p.group = TargetGroup::RuralMigrantWorker;
        assert!(student_as_unemployed(&p, &cfg).is_none());
    }

    #[test]
    fn shared_identifiers_count_distinct_people() {
        let counts = people_per([
            ("phone-a", 1),
            ("phone-a", 2),
            ("phone-a", 2),
            ("phone-a", 3),
            ("phone-b", 1),
        ]);
        assert_eq!(counts.get("phone-a"), Some(&3));
        let cfg = FraudConfig::default();
        assert!(shared_phone(3, &cfg).is_some());
        assert!(shared_phone(2, &cfg).is_none());
        assert!(shared_bank_account(2, &cfg).is_some());
        assert!(shared_bank_account(1, &cfg).is_none());
    }

    #[test]
    fn overlapping_classes_share_time_not_just_a_day() {
        use chrono::TimeZone;
        let cfg = FraudConfig::default();
        let at = |day, hour| {
            Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
                .single()
                .expect("time")
        };
        let span = |n, a, b| ClassSpan {
            class_id: Uuid::from_u128(n),
            starts_at: a,
            ends_at: b,
        };
        let this = span(1, at(2, 1), at(4, 9));
        let same_day_later = span(2, at(4, 9), at(4, 12));
        let crossing = span(3, at(4, 8), at(6, 9));
        assert!(overlapping_classes(&this, &[same_day_later, this], &cfg).is_none());
        let f = overlapping_classes(&this, &[same_day_later, crossing], &cfg).expect("finding");
        assert!(f.reason.contains(&Uuid::from_u128(3).to_string()));
        assert!(!f.reason.contains(&Uuid::from_u128(2).to_string()));
    }

    #[test]
    fn velocity_compares_with_the_institutions_own_mean() {
        let cfg = FraudConfig::default();
        assert!(claim_velocity(19, &[], &cfg).is_none(), "below the floor");
        assert!(claim_velocity(20, &[], &cfg).is_some(), "no history");
        // Mean 10: 300 % is 30; 30 is not above, 31 is.
        assert!(claim_velocity(30, &[8, 12], &cfg).is_none());
        assert!(claim_velocity(31, &[8, 12], &cfg).is_some());
    }

    #[test]
    fn pass_rate_spikes_need_enough_candidates() {
        let cfg = FraudConfig::default();
        let hist = PassCount {
            passed: 50,
            candidates: 100,
        };
        let spike = PassCount {
            passed: 20,
            candidates: 25,
        };
        assert_eq!(spike.percent(), 80);
        assert!(pass_rate_spike(spike, hist, &cfg).is_some());
        let small = PassCount {
            passed: 10,
            candidates: 10,
        };
        assert!(pass_rate_spike(small, hist, &cfg).is_none());
        let mild = PassCount {
            passed: 19,
            candidates: 25,
        };
        assert!(
            pass_rate_spike(mild, hist, &cfg).is_none(),
            "76 % is 26 points up"
        );
    }

    #[test]
    fn findings_add_up_to_a_verdict() {
        let cfg = FraudConfig::default();
        assert_eq!(decide(&[], &cfg), (0, Verdict::AutoApprove));
        let alerts = attendance_alerts(1, &cfg).expect("finding");
        assert_eq!(
            decide(std::slice::from_ref(&alerts), &cfg),
            (20, Verdict::AutoApprove)
        );
        let phone = shared_phone(4, &cfg).expect("finding");
        assert_eq!(
            decide(&[alerts.clone(), phone], &cfg),
            (45, Verdict::Review)
        );
        let revoked = certificate_revoked(Some(d(2026, 5, 1)), &cfg).expect("finding");
        let suspended = institution_suspended(&Open::Known(InstitutionStatus::Suspended), &cfg)
            .expect("finding");
        assert_eq!(
            decide(&[revoked, suspended, alerts], &cfg),
            (100, Verdict::Review)
        );
        assert!(institution_suspended(&Open::Known(InstitutionStatus::Approved), &cfg).is_none());
        assert!(attendance_alerts(0, &cfg).is_none());
    }

    #[test]
    fn weights_are_configurable() {
        let mut cfg = FraudConfig::default();
        cfg.weights.insert(Rule::AttendanceAlerts, 35);
        let f = attendance_alerts(2, &cfg).expect("finding");
        assert_eq!(decide(&[f], &cfg).1, Verdict::Review);
        let json = serde_json::to_value(FraudConfig::default()).expect("ser");
        assert_eq!(json["review_from"], 30);
    }
}
