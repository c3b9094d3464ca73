use super::*;
use crate::domain::voucher::{Scope, State};

fn person(n: u32) -> PersonId {
    serde_json::from_value(serde_json::json!(format!("person-{n}"))).expect("person id")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn occ() -> OccupationCode {
    "4-10-01-05".parse().expect("occupation")
}

fn books(ui: i64, es: i64) -> Books {
    Books {
        granted: HashSet::new(),
        available: BTreeMap::from([
            (FundSource::UnemploymentInsurance, Fen::new(ui)),
            (FundSource::EmploymentSubsidy, Fen::new(es)),
        ]),
    }
}

fn trainee(n: u32) -> TraineeFacts {
    let enrolment_id = Uuid::from_u128(u128::from(n));
    TraineeFacts {
        completion: Completion {
            enrolment_id,
            institution_id: Uuid::from_u128(99),
            person: person(n),
            group: TargetGroup::RegisteredUnemployed,
            occupation: occ(),
            level: SkillLevel::Intermediate,
            completed: true,
            attended_seconds: 288_000,
            planned_seconds: 360_000,
            completed_on: d(2026, 3, 10),
        },
        certificates: vec![CertificateFact {
            occupation: occ(),
            level: SkillLevel::Intermediate,
            issued_on: d(2026, 3, 20),
            revoked: false,
        }],
        voucher: Some(Voucher {
            id: Uuid::from_u128(500 + u128::from(n)),
            holder: person(n),
            scope: Scope::General,
            issued_on: d(2026, 1, 5),
            valid_until: d(2026, 4, 4),
            state: State::Redeemed {
                enrolment_id,
                on: d(2026, 1, 10),
            },
        }),
        employment: Some(EmploymentFact {
            employed_on: d(2026, 5, 1),
            window_months: 3,
        }),
    }
}

fn codes(d: &Decision) -> Vec<&'static str> {
    d.reasons().iter().map(|r| r.code).collect()
}

#[test]
fn a_completer_with_certificate_and_voucher_is_paid_from_unemployment_insurance() {
    let rules = Rules::default();
    let d = training(
        &trainee(1),
        Some(Fen::new(150_000)),
        &rules,
        &books(1_000_000, 0),
    );
    let e = d.entitlement().expect("payable");
    assert_eq!(e.amount, Fen::new(150_000));
    assert_eq!(e.fund, FundSource::UnemploymentInsurance);
    assert_eq!(e.payee, Payee::Institution(Uuid::from_u128(99)));
    assert_eq!(e.key.year.year(), 2026);
    assert_eq!(
        codes(&d),
        [
            "completed",
            "attendance_met",
            "certificate_valid",
            "standard",
            "first_grant",
            "fund_chosen"
        ]
    );
}

#[test]
fn without_a_voucher_the_unemployment_insurance_fund_is_passed_over() {
    let rules = Rules::default();
    let mut t = trainee(1);
    t.voucher = None;
    let d = training(
        &t,
        Some(Fen::new(150_000)),
        &rules,
        &books(1_000_000, 1_000_000),
    );
    assert_eq!(
        d.entitlement().map(|e| e.fund),
        Some(FundSource::EmploymentSubsidy)
    );
    let d = training(&t, Some(Fen::new(150_000)), &rules, &books(1_000_000, 0));
    assert_eq!(codes(&d), ["no_fund"]);
    assert!(d.reasons()[0].text.contains("needs a redeemed voucher"));
}

#[test]
fn each_missing_condition_is_a_reason() {
    let rules = Rules::default();
    let mut t = trainee(1);
    t.completion.completed = false;
    t.completion.attended_seconds = 287_999;
    t.certificates[0].revoked = true;
    let d = training(&t, None, &rules, &books(1_000_000, 0));
    assert_eq!(
        codes(&d),
        [
            "not_completed",
            "attendance_short",
            "certificate_revoked",
            "no_standard"
        ]
    );
    t.certificates[0].level = SkillLevel::Junior;
    let d = training(&t, None, &rules, &books(1_000_000, 0));
    assert!(codes(&d).contains(&"no_certificate"));
}

#[test]
fn attendance_is_compared_exactly() {
    let mut t = trainee(1);
    t.completion.attended_seconds = 288_000;
    assert_eq!(t.completion.attendance_percent(), 80);
    t.completion.attended_seconds = 287_999;
    assert_eq!(t.completion.attendance_percent(), 79);
    t.completion.planned_seconds = 0;
    assert_eq!(t.completion.attendance_percent(), 0);
}

#[test]
fn once_per_person_occupation_level_year_across_funds_and_institutions() {
    let rules = Rules::default();
    let mut b = books(1_000_000, 1_000_000);
    let first = training(&trainee(1), Some(Fen::new(150_000)), &rules, &b);
    b.record(first.entitlement().expect("payable"));
    let mut elsewhere = trainee(1);
    elsewhere.completion.institution_id = Uuid::from_u128(77);
    elsewhere.voucher = None;
    let again = training(&elsewhere, Some(Fen::new(150_000)), &rules, &b);
    assert_eq!(codes(&again), ["already_granted"]);
    // A later statistical year is a new key (1 December starts 2027).
    elsewhere.completion.completed_on = d(2026, 12, 1);
    assert!(training(&elsewhere, Some(Fen::new(150_000)), &rules, &b)
        .entitlement()
        .is_some());
}

#[test]
fn cost_sharing_splits_exactly_and_pays_the_government_share() {
    let share = CostShare {
        government_bp: 6_000,
        enterprise_bp: 3_333,
        individual_bp: 667,
    };
    assert!(share.is_valid());
    let s = share.split(Fen::new(100_001));
    assert_eq!(s.government, Fen::new(60_000));
    assert_eq!(s.enterprise, Fen::new(33_330));
    assert_eq!(s.individual, Fen::new(6_671));
    assert_eq!(
        s.government.get() + s.enterprise.get() + s.individual.get(),
        100_001
    );

    let rules = Rules {
        cost_sharing: vec![CostShareRule {
            kind: SubsidyKind::Training,
            group: Some(TargetGroup::RegisteredUnemployed),
            share,
        }],
        ..Rules::default()
    };
    let d = training(
        &trainee(1),
        Some(Fen::new(150_000)),
        &rules,
        &books(1_000_000, 0),
    );
    let e = d.entitlement().expect("payable");
    assert_eq!(
        (e.standard, e.amount),
        (Fen::new(150_000), Fen::new(90_000))
    );
    assert!(codes(&d).contains(&"cost_shared"));
}

#[test]
fn the_employment_reward_needs_employment_within_the_window() {
    let rules = Rules::default();
    let b = books(0, 1_000_000);
    let e = employment_reward(&trainee(1), &rules, &b);
    assert_eq!(
        e.entitlement().map(|e| e.amount),
        Some(rules.employment_reward)
    );
    let mut late = trainee(1);
    late.employment = Some(EmploymentFact {
        employed_on: d(2026, 6, 11),
        window_months: 3,
    });
    assert_eq!(
        codes(&employment_reward(&late, &rules, &b)),
        ["not_employed_in_window"]
    );
    late.employment = None;
    assert_eq!(
        codes(&employment_reward(&late, &rules, &b)),
        ["not_employed_in_window"]
    );
}

#[test]
fn apprenticeships_need_six_months_and_a_year_and_no_voucher() {
    let rules = Rules::default();
    let enterprise: CreditCode = "91350100M000100Y43".parse().expect("code");
    let mut f = ApprenticeshipFacts {
        person: person(1),
        enterprise: enterprise.clone(),
        occupation: None,
        internship_months: 6,
        contract_months: 12,
        open_ended: false,
        employment_starts_on: d(2026, 7, 1),
    };
    let ok = apprenticeship(&f, &rules, &books(1_000_000, 0));
    let e = ok.entitlement().expect("payable");
    assert_eq!(e.fund, FundSource::UnemploymentInsurance);
    assert_eq!(e.payee, Payee::Enterprise(enterprise));
    f.internship_months = 5;
    f.contract_months = 0;
    assert_eq!(
        codes(&apprenticeship(&f, &rules, &books(1_000_000, 0))),
        ["internship_short", "contract_short"]
    );
    f.internship_months = 6;
    f.open_ended = true;
    assert!(apprenticeship(&f, &rules, &books(1_000_000, 0))
        .entitlement()
        .is_some());
}

#[test]
fn the_certificate_subsidy_follows_the_level_table() {
    let rules = Rules::default();
    let mut f = CertificateClaim {
        person: person(1),
        group: None,
        certificate: trainee(1).certificates[0].clone(),
        insured_months: 12,
    };
    let d = certificate(&f, &rules, &books(1_000_000, 0));
    let e = d.entitlement().expect("payable");
    assert_eq!(e.amount, Fen::new(150_000));
    assert_eq!(e.payee, Payee::Person(person(1)));
    f.certificate.level = SkillLevel::Technician;
    f.insured_months = 11;
    assert_eq!(
        codes(&certificate(&f, &rules, &books(1_000_000, 0))),
        ["not_insured_long_enough", "no_certificate_subsidy"]
    );
}

#[test]
fn a_preview_explains_each_trainee_and_respects_the_budget() {
    let rules = Rules::default();
    let mut absent = trainee(3);
    absent.completion.completed = false;
    let trainees = [trainee(1), trainee(2), absent];
    // Enough unemployment insurance for one training subsidy only.
    let p = preview(
        &trainees,
        Some(Fen::new(150_000)),
        &rules,
        &books(200_000, 100_000),
    );
    let funds: Vec<_> = p
        .lines
        .iter()
        .map(|l| l.training.entitlement().map(|e| e.fund))
        .collect();
    assert_eq!(funds, [Some(FundSource::UnemploymentInsurance), None, None]);
    assert!(codes(&p.lines[1].training).contains(&"no_fund"));
    assert_eq!(codes(&p.lines[2].training), ["not_completed"]);
    // Rewards: two employed completers at ¥300 from the employment subsidy fund.
    assert_eq!(
        p.by_fund.get(&FundSource::EmploymentSubsidy),
        Some(&Fen::new(60_000))
    );
    assert_eq!(p.total, Fen::new(210_000));
}

#[test]
fn default_rules_are_usable_and_bad_shares_are_reported() {
    assert!(Rules::default().problems().is_empty());
    let bad = Rules {
        cost_sharing: vec![CostShareRule {
            kind: SubsidyKind::Training,
            group: None,
            share: CostShare {
                government_bp: 5_000,
                enterprise_bp: 0,
                individual_bp: 0,
            },
        }],
        fund_order: Vec::new(),
        ..Rules::default()
    };
    assert_eq!(bad.problems().len(), 5);
}
