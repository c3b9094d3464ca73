//! Entitlements (补贴资格) computed from the evidence of the other stages:
//! the training subsidy, the employment-promotion reward, the enterprise
//! apprenticeship subsidy and the individual certificate subsidy, each with
//! its amount, fund source, cost-sharing split and the reasons behind it.
//!
//! A person gets a given kind of subsidy at most once per occupation ×
//! level × statistical year, across all fund sources and institutions
//! ([`GrantKey`]).

use std::collections::{BTreeMap, HashSet};

use chrono::{Months, NaiveDate};
use ids::{CreditCode, Fen, OccupationCode, PersonId, SkillLevel, StatisticalYear};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::subsidy::{FundSource, Payee, SubsidyKind, TargetGroup};
use super::voucher::{backs_enrolment, needs_voucher, Voucher};

/// One reason for a decision: a stable code and a sentence for people.
/// Decisions are written out (API, audit), never read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: &'static str,
    pub text: String,
}

fn reason(code: &'static str, text: impl Into<String>) -> Reason {
    Reason {
        code,
        text: text.into(),
    }
}

/// Cost sharing (政府补一点、企业出一点、个人付一点) in basis points of the
/// standard; the three parts sum to 10 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostShare {
    pub government_bp: u32,
    pub enterprise_bp: u32,
    pub individual_bp: u32,
}

impl CostShare {
    pub const GOVERNMENT_ONLY: CostShare = CostShare {
        government_bp: 10_000,
        enterprise_bp: 0,
        individual_bp: 0,
    };

    pub fn is_valid(self) -> bool {
        self.government_bp + self.enterprise_bp + self.individual_bp == 10_000
    }

    /// Splits `total` exactly: government and enterprise are rounded down,
    /// so public money is never overpaid, and the individual part takes the
    /// remaining fen.
    pub fn split(self, total: Fen) -> Split {
        let part = |bp: u32| {
            let v = i128::from(total.get()) * i128::from(bp) / 10_000;
            Fen::new(i64::try_from(v).unwrap_or(i64::MAX))
        };
        let government = part(self.government_bp);
        let enterprise = part(self.enterprise_bp);
        let individual = Fen::new(total.get() - government.get() - enterprise.get());
        Split {
            government,
            enterprise,
            individual,
        }
    }
}

/// Who pays what of a standard; sums to the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Paid from the fund source: the entitlement's amount.
    pub government: Fen,
    pub enterprise: Fen,
    pub individual: Fen,
}

/// A cost-sharing rule for a kind, optionally only for one target group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostShareRule {
    pub kind: SubsidyKind,
    pub group: Option<TargetGroup>,
    pub share: CostShare,
}

/// The city's subsidy rules, as configurable data. The defaults are
/// placeholders until a city sets its own, except the certificate subsidy
/// table, which follows the national standard for 技能提升补贴
/// (初级 ¥1,000, 中级 ¥1,500, 高级 ¥2,000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Attendance needed for the training subsidy, percent of planned time.
    pub min_attendance_percent: u32,
    /// 培训促进就业奖补 per completer employed within the window.
    pub employment_reward: Fen,
    /// 企业新型学徒制 subsidy per recognised apprentice.
    pub apprenticeship: Fen,
    pub apprenticeship_min_internship_months: u32,
    pub apprenticeship_min_contract_months: u32,
    /// Individual certificate subsidy per level; levels not listed get none.
    pub certificate_by_level: Vec<(SkillLevel, Fen)>,
    /// Months of unemployment-insurance contributions the certificate
    /// subsidy needs.
    pub certificate_min_insured_months: u32,
    /// Fund sources to pay each kind from, in order of preference.
    pub fund_order: Vec<(SubsidyKind, Vec<FundSource>)>,
    /// First matching rule wins; none matching means government only.
    pub cost_sharing: Vec<CostShareRule>,
}

impl Default for Rules {
    fn default() -> Self {
        use FundSource::*;
        Self {
            min_attendance_percent: 80,
            employment_reward: Fen::new(30_000),
            apprenticeship: Fen::new(400_000),
            apprenticeship_min_internship_months: 6,
            apprenticeship_min_contract_months: 12,
            certificate_by_level: vec![
                (SkillLevel::Junior, Fen::new(100_000)),
                (SkillLevel::Intermediate, Fen::new(150_000)),
                (SkillLevel::Senior, Fen::new(200_000)),
            ],
            certificate_min_insured_months: 12,
            fund_order: vec![
                (
                    SubsidyKind::Training,
                    vec![UnemploymentInsurance, EmploymentSubsidy, SkillsUpgrading],
                ),
                (
                    SubsidyKind::EmploymentReward,
                    vec![EmploymentSubsidy, UnemploymentInsurance],
                ),
                (
                    SubsidyKind::Apprenticeship,
                    vec![UnemploymentInsurance, SkillsUpgrading],
                ),
                (SubsidyKind::Certificate, vec![UnemploymentInsurance]),
            ],
            cost_sharing: Vec::new(),
        }
    }
}

impl Rules {
    fn share(&self, kind: SubsidyKind, group: Option<TargetGroup>) -> CostShare {
        self.cost_sharing
            .iter()
            .find(|r| r.kind == kind && (r.group.is_none() || r.group == group))
            .map_or(CostShare::GOVERNMENT_ONLY, |r| r.share)
    }

    fn funds(&self, kind: SubsidyKind) -> &[FundSource] {
        self.fund_order
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&[][..], |(_, f)| f.as_slice())
    }

    /// Why the rules themselves are unusable (empty: fine).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.min_attendance_percent > 100 {
            out.push("min_attendance_percent is above 100".to_owned());
        }
        for r in &self.cost_sharing {
            if !r.share.is_valid() {
                out.push(format!(
                    "the cost share for {} does not sum to 100 %",
                    r.kind
                ));
            }
        }
        for kind in SubsidyKind::ALL {
            if self.funds(kind).is_empty() {
                out.push(format!("no fund source is set for {kind}"));
            }
        }
        out
    }
}

/// At most one grant per key, whatever the fund or institution.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GrantKey {
    pub person: PersonId,
    pub kind: SubsidyKind,
    /// Absent only for an apprenticeship recognised without an occupation.
    pub occupation: Option<OccupationCode>,
    pub level: SkillLevel,
    pub year: StatisticalYear,
}

/// What has been granted and what budget is left: the state the rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Books {
    pub granted: HashSet<GrantKey>,
    /// Unused budget per fund source for the pot's city and year.
    pub available: BTreeMap<FundSource, Fen>,
}

impl Books {
    /// Counts an entitlement as granted and its amount as spent.
    pub fn record(&mut self, e: &Entitlement) {
        self.granted.insert(e.key.clone());
        if let Some(left) = self.available.get_mut(&e.fund) {
            *left = Fen::new(left.get() - e.amount.get());
        }
    }
}

/// The once-per-key rule on its own.
pub fn check_once(key: &GrantKey, granted: &HashSet<GrantKey>) -> Result<Reason, Reason> {
    let what = format!(
        "{} for {} {} in {}",
        key.kind,
        key.occupation.as_ref().map_or("-", |o| o.as_str()),
        key.level.name_zh(),
        key.year
    );
    if granted.contains(key) {
        Err(reason(
            "already_granted",
            format!("already granted: {what}"),
        ))
    } else {
        Ok(reason("first_grant", format!("first grant of {what}")))
    }
}

/// A subsidy due, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entitlement {
    pub kind: SubsidyKind,
    pub key: GrantKey,
    pub payee: Payee,
    /// The full standard before cost sharing.
    pub standard: Fen,
    pub split: Split,
    /// What the fund pays: the government share.
    pub amount: Fen,
    pub fund: FundSource,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Payable(Entitlement),
    NotPayable {
        kind: SubsidyKind,
        reasons: Vec<Reason>,
    },
}

impl Decision {
    pub fn entitlement(&self) -> Option<&Entitlement> {
        match self {
            Self::Payable(e) => Some(e),
            Self::NotPayable { .. } => None,
        }
    }

    pub fn reasons(&self) -> &[Reason] {
        match self {
            Self::Payable(e) => &e.reasons,
            Self::NotPayable { reasons, .. } => reasons,
        }
    }
}

/// A trainee's completion as delivery reported it (结果考核). Attendance is
/// in whole seconds so the threshold is compared exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    pub enrolment_id: Uuid,
    pub institution_id: Uuid,
    pub person: PersonId,
    pub group: TargetGroup,
    pub occupation: OccupationCode,
    pub level: SkillLevel,
    pub completed: bool,
    pub attended_seconds: u32,
    pub planned_seconds: u32,
    pub completed_on: NaiveDate,
}

impl Completion {
    /// Attendance in whole percent, rounded down.
    pub fn attendance_percent(&self) -> u32 {
        if self.planned_seconds == 0 {
            return 0;
        }
        let p = u64::from(self.attended_seconds) * 100 / u64::from(self.planned_seconds);
        u32::try_from(p).unwrap_or(u32::MAX)
    }
}

/// A certificate the person holds, from assessment's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateFact {
    pub occupation: OccupationCode,
    pub level: SkillLevel,
    pub issued_on: NaiveDate,
    pub revoked: bool,
}

/// Employment shown within the follow-up window (from employment tracking).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentFact {
    pub employed_on: NaiveDate,
    pub window_months: u32,
}

/// Everything known about one trainee of a class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraineeFacts {
    pub completion: Completion,
    pub certificates: Vec<CertificateFact>,
    pub voucher: Option<Voucher>,
    pub employment: Option<EmploymentFact>,
}

/// Picks the first fund in the rules' order that the voucher rule allows
/// and whose budget covers `amount`; explains each fund passed over.
fn choose_fund(
    kind: SubsidyKind,
    amount: Fen,
    has_voucher: bool,
    rules: &Rules,
    books: &Books,
    reasons: &mut Vec<Reason>,
) -> Option<FundSource> {
    let mut skipped = Vec::new();
    for &fund in rules.funds(kind) {
        if needs_voucher(kind, fund) && !has_voucher {
            skipped.push(format!("{} needs a redeemed voucher", fund.name_zh()));
            continue;
        }
        let left = books.available.get(&fund).copied().unwrap_or(Fen::ZERO);
        if left < amount {
            skipped.push(format!(
                "{} has ¥{left} left, ¥{amount} needed",
                fund.name_zh()
            ));
            continue;
        }
        let via = if needs_voucher(kind, fund) {
            ", backed by the voucher"
        } else {
            ""
        };
        reasons.push(reason(
            "fund_chosen",
            format!("paid from {}{via}", fund.name_zh()),
        ));
        return Some(fund);
    }
    reasons.push(reason(
        "no_fund",
        format!("no fund source can pay: {}", skipped.join("; ")),
    ));
    None
}

/// A subsidy that passed its own conditions, before the common tail.
struct Candidate {
    kind: SubsidyKind,
    key: GrantKey,
    payee: Payee,
    standard: Fen,
    group: Option<TargetGroup>,
    has_voucher: bool,
}

/// The common tail: once-per check, cost sharing, fund choice.
fn conclude(c: Candidate, mut reasons: Vec<Reason>, rules: &Rules, books: &Books) -> Decision {
    let mut ok = match check_once(&c.key, &books.granted) {
        Ok(r) => {
            reasons.push(r);
            true
        }
        Err(r) => {
            reasons.push(r);
            false
        }
    };
    let standard = c.standard;
    let split = rules.share(c.kind, c.group).split(standard);
    if split.government != standard {
        reasons.push(reason(
            "cost_shared",
            format!(
                "of ¥{standard}: government ¥{}, enterprise ¥{}, individual ¥{}",
                split.government, split.enterprise, split.individual
            ),
        ));
    }
    if split.government.get() <= 0 {
        ok = false;
        reasons.push(reason("nothing_to_pay", "the government share is zero"));
    }
    let fund = if ok {
        choose_fund(
            c.kind,
            split.government,
            c.has_voucher,
            rules,
            books,
            &mut reasons,
        )
    } else {
        None
    };
    match fund {
        Some(fund) => Decision::Payable(Entitlement {
            kind: c.kind,
            key: c.key,
            payee: c.payee,
            standard,
            split,
            amount: split.government,
            fund,
            reasons,
        }),
        None => Decision::NotPayable {
            kind: c.kind,
            reasons: reasons.into_iter().filter(|r| is_refusal(r.code)).collect(),
        },
    }
}

/// Codes that explain a refusal (the rest explain a grant).
fn is_refusal(code: &str) -> bool {
    matches!(
        code,
        "not_completed"
            | "attendance_short"
            | "no_certificate"
            | "certificate_revoked"
            | "no_standard"
            | "already_granted"
            | "no_fund"
            | "not_employed_in_window"
            | "internship_short"
            | "contract_short"
            | "not_insured_long_enough"
            | "no_certificate_subsidy"
            | "nothing_to_pay"
    )
}

/// Keeps the grant reason when `ok`, else the refusal.
fn weigh(reasons: &mut Vec<Reason>, refusals: &mut Vec<Reason>, ok: bool, yes: Reason, no: Reason) {
    if ok {
        reasons.push(yes);
    } else {
        refusals.push(no);
    }
}

fn finish(
    kind: SubsidyKind,
    reasons: Vec<Reason>,
    refusals: Vec<Reason>,
    go: impl FnOnce(Vec<Reason>) -> Decision,
) -> Decision {
    if refusals.is_empty() {
        go(reasons)
    } else {
        Decision::NotPayable {
            kind,
            reasons: refusals,
        }
    }
}

/// The training subsidy (职业培训补贴) for one trainee, paid to the
/// institution: completed with enough attendance, holding a valid
/// certificate of the class's occupation and level, at the catalogue
/// standard (`standard`, absent when the catalogue lists none).
pub fn training(f: &TraineeFacts, standard: Option<Fen>, rules: &Rules, books: &Books) -> Decision {
    let kind = SubsidyKind::Training;
    let c = &f.completion;
    let (mut reasons, mut refusals) = (Vec::new(), Vec::new());
    weigh(
        &mut reasons,
        &mut refusals,
        c.completed,
        reason("completed", "completed the class"),
        reason("not_completed", "did not complete the class"),
    );
    let pct = c.attendance_percent();
    let min = rules.min_attendance_percent;
    weigh(
        &mut reasons,
        &mut refusals,
        pct >= min,
        reason(
            "attendance_met",
            format!("attended {pct} % (minimum {min} %)"),
        ),
        reason(
            "attendance_short",
            format!("attended {pct} %, below the minimum {min} %"),
        ),
    );
    let matching: Vec<_> = f
        .certificates
        .iter()
        .filter(|x| x.occupation == c.occupation && x.level == c.level)
        .collect();
    let valid = matching.iter().find(|x| !x.revoked);
    match (valid, matching.is_empty()) {
        (Some(cert), _) => reasons.push(reason(
            "certificate_valid",
            format!(
                "holds a valid {} {} certificate issued {}",
                c.occupation.as_str(),
                c.level.name_zh(),
                cert.issued_on
            ),
        )),
        (None, true) => refusals.push(reason(
            "no_certificate",
            format!(
                "no {} {} certificate",
                c.occupation.as_str(),
                c.level.name_zh()
            ),
        )),
        (None, false) => refusals.push(reason(
            "certificate_revoked",
            "the certificate for this occupation and level was revoked",
        )),
    }
    match standard {
        Some(s) => reasons.push(reason("standard", format!("catalogue standard ¥{s}"))),
        None => refusals.push(reason(
            "no_standard",
            "the catalogue sets no subsidy standard for this occupation and level",
        )),
    }
    let has_voucher = f
        .voucher
        .as_ref()
        .is_some_and(|v| backs_enrolment(v, &c.person, c.enrolment_id));
    finish(kind, reasons, refusals, |reasons| {
        let key = GrantKey {
            person: c.person.clone(),
            kind,
            occupation: Some(c.occupation.clone()),
            level: c.level,
            year: StatisticalYear::of(c.completed_on),
        };
        let payee = Payee::Institution(c.institution_id);
        let standard = standard.unwrap_or(Fen::ZERO);
        let group = Some(c.group);
        conclude(
            Candidate {
                kind,
                key,
                payee,
                standard,
                group,
                has_voucher,
            },
            reasons,
            rules,
            books,
        )
    })
}

/// The employment-promotion reward (培训促进就业奖补) to the institution:
/// the completer was employed within the follow-up window after completing.
pub fn employment_reward(f: &TraineeFacts, rules: &Rules, books: &Books) -> Decision {
    let kind = SubsidyKind::EmploymentReward;
    let c = &f.completion;
    let (mut reasons, mut refusals) = (Vec::new(), Vec::new());
    weigh(
        &mut reasons,
        &mut refusals,
        c.completed,
        reason("completed", "completed the class"),
        reason("not_completed", "did not complete the class"),
    );
    let within = f.employment.as_ref().filter(|e| {
        let end = c
            .completed_on
            .checked_add_months(Months::new(e.window_months))
            .unwrap_or(NaiveDate::MAX);
        e.employed_on >= c.completed_on && e.employed_on <= end
    });
    match within {
        Some(e) => reasons.push(reason(
            "employed_in_window",
            format!(
                "employed on {}, within {} months of completing on {}",
                e.employed_on, e.window_months, c.completed_on
            ),
        )),
        None => refusals.push(reason(
            "not_employed_in_window",
            "no employment shown within the follow-up window",
        )),
    }
    let has_voucher = f
        .voucher
        .as_ref()
        .is_some_and(|v| backs_enrolment(v, &c.person, c.enrolment_id));
    finish(kind, reasons, refusals, |reasons| {
        let key = GrantKey {
            person: c.person.clone(),
            kind,
            occupation: Some(c.occupation.clone()),
            level: c.level,
            year: StatisticalYear::of(c.completed_on),
        };
        let payee = Payee::Institution(c.institution_id);
        let (standard, group) = (rules.employment_reward, Some(c.group));
        conclude(
            Candidate {
                kind,
                key,
                payee,
                standard,
                group,
                has_voucher,
            },
            reasons,
            rules,
            books,
        )
    })
}

/// A recognised new-style apprenticeship (item 9), from employment tracking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprenticeshipFacts {
    pub person: PersonId,
    pub enterprise: CreditCode,
    pub occupation: Option<OccupationCode>,
    pub internship_months: u32,
    pub contract_months: u32,
    pub open_ended: bool,
    pub employment_starts_on: NaiveDate,
}

/// The enterprise new-apprenticeship subsidy (企业新型学徒制培训补贴): an
/// internship of at least six months, then a labour contract of at least a
/// year (or open-ended); counted in the year employment starts. Needs no
/// voucher.
pub fn apprenticeship(f: &ApprenticeshipFacts, rules: &Rules, books: &Books) -> Decision {
    let kind = SubsidyKind::Apprenticeship;
    let (mut reasons, mut refusals) = (Vec::new(), Vec::new());
    let min_i = rules.apprenticeship_min_internship_months;
    weigh(
        &mut reasons,
        &mut refusals,
        f.internship_months >= min_i,
        reason(
            "internship_met",
            format!(
                "internship of {} months (minimum {min_i})",
                f.internship_months
            ),
        ),
        reason(
            "internship_short",
            format!(
                "internship of {} months, below {min_i}",
                f.internship_months
            ),
        ),
    );
    let min_c = rules.apprenticeship_min_contract_months;
    weigh(
        &mut reasons,
        &mut refusals,
        f.open_ended || f.contract_months >= min_c,
        reason(
            "contract_met",
            if f.open_ended {
                "open-ended labour contract".to_owned()
            } else {
                format!(
                    "labour contract of {} months (minimum {min_c})",
                    f.contract_months
                )
            },
        ),
        reason(
            "contract_short",
            format!(
                "labour contract of {} months, below {min_c}",
                f.contract_months
            ),
        ),
    );
    finish(kind, reasons, refusals, |reasons| {
        let key = GrantKey {
            person: f.person.clone(),
            kind,
            occupation: f.occupation.clone(),
            level: SkillLevel::Apprentice,
            year: StatisticalYear::of(f.employment_starts_on),
        };
        let payee = Payee::Enterprise(f.enterprise.clone());
        let (standard, group, has_voucher) = (rules.apprenticeship, None, false);
        conclude(
            Candidate {
                kind,
                key,
                payee,
                standard,
                group,
                has_voucher,
            },
            reasons,
            rules,
            books,
        )
    })
}

/// A person's application for the individual certificate subsidy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateClaim {
    pub person: PersonId,
    pub group: Option<TargetGroup>,
    pub certificate: CertificateFact,
    pub insured_months: u32,
}

/// The individual certificate-based subsidy (个人取证补贴), paid to the
/// person; counted in the year the certificate was issued. Needs no voucher.
pub fn certificate(f: &CertificateClaim, rules: &Rules, books: &Books) -> Decision {
    let kind = SubsidyKind::Certificate;
    let cert = &f.certificate;
    let (mut reasons, mut refusals) = (Vec::new(), Vec::new());
    weigh(
        &mut reasons,
        &mut refusals,
        !cert.revoked,
        reason(
            "certificate_valid",
            format!("valid certificate issued {}", cert.issued_on),
        ),
        reason("certificate_revoked", "the certificate was revoked"),
    );
    let min = rules.certificate_min_insured_months;
    weigh(
        &mut reasons,
        &mut refusals,
        f.insured_months >= min,
        reason(
            "insured",
            format!("insured {} months (minimum {min})", f.insured_months),
        ),
        reason(
            "not_insured_long_enough",
            format!("insured {} months, below {min}", f.insured_months),
        ),
    );
    let amount = rules
        .certificate_by_level
        .iter()
        .find(|(l, _)| *l == cert.level)
        .map(|(_, a)| *a);
    match amount {
        Some(a) => reasons.push(reason(
            "standard",
            format!("{} standard ¥{a}", cert.level.name_zh()),
        )),
        None => refusals.push(reason(
            "no_certificate_subsidy",
            format!("no certificate subsidy is set for {}", cert.level.name_zh()),
        )),
    }
    finish(kind, reasons, refusals, |reasons| {
        let key = GrantKey {
            person: f.person.clone(),
            kind,
            occupation: Some(cert.occupation.clone()),
            level: cert.level,
            year: StatisticalYear::of(cert.issued_on),
        };
        let payee = Payee::Person(f.person.clone());
        let (standard, group, has_voucher) = (amount.unwrap_or(Fen::ZERO), f.group, false);
        conclude(
            Candidate {
                kind,
                key,
                payee,
                standard,
                group,
                has_voucher,
            },
            reasons,
            rules,
            books,
        )
    })
}

/// One trainee's line of a class preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewLine {
    pub enrolment_id: Uuid,
    pub training: Decision,
    pub employment_reward: Decision,
}

/// What a class would be paid and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub lines: Vec<PreviewLine>,
    pub total: Fen,
    pub by_fund: BTreeMap<FundSource, Fen>,
}

/// Decides each trainee in order, counting what earlier lines take from
/// the budget and the once-per rule, so the preview adds up.
pub fn preview(
    trainees: &[TraineeFacts],
    standard: Option<Fen>,
    rules: &Rules,
    books: &Books,
) -> Preview {
    let mut books = books.clone();
    let mut lines = Vec::new();
    let mut by_fund: BTreeMap<FundSource, Fen> = BTreeMap::new();
    for t in trainees {
        let training = training(t, standard, rules, &books);
        if let Some(e) = training.entitlement() {
            books.record(e);
        }
        let reward = employment_reward(t, rules, &books);
        if let Some(e) = reward.entitlement() {
            books.record(e);
        }
        for e in [&training, &reward]
            .into_iter()
            .filter_map(|d| d.entitlement())
        {
            let sum = by_fund.entry(e.fund).or_insert(Fen::ZERO);
            *sum = Fen::new(sum.get() + e.amount.get());
        }
        lines.push(PreviewLine {
            enrolment_id: t.completion.enrolment_id,
            training,
            employment_reward: reward,
        });
    }
    let total = Fen::new(by_fund.values().map(|f| f.get()).sum());
    Preview {
        lines,
        total,
        by_fund,
    }
}

#[cfg(test)]
mod tests;
