//! Training vouchers (职业培训券, policy item 14): issued to an eligible
//! person, general or targeted to one occupation, valid at most three
//! months, usable by the holder only, redeemed once at enrolment in an
//! eligible class.

use chrono::{Months, NaiveDate};
use ids::{OccupationCode, PersonId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::subsidy::{FundSource, SubsidyKind, TargetGroup};

/// A voucher is valid for at most this many calendar months.
pub const MAX_VALIDITY_MONTHS: u32 = 3;

/// What a voucher may be used for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "occupation_code", rename_all = "snake_case")]
pub enum Scope {
    /// 通用券: any eligible class.
    General,
    /// 定向券: classes of this occupation (or its sub-trades).
    Targeted(OccupationCode),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    Issued,
    Redeemed { enrolment_id: Uuid, on: NaiveDate },
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    pub id: Uuid,
    pub holder: PersonId,
    pub scope: Scope,
    pub issued_on: NaiveDate,
    /// The last day it may be redeemed, inclusive.
    pub valid_until: NaiveDate,
    pub state: State,
}

/// Why a voucher cannot be issued or redeemed; codes are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
    #[error("a voucher is valid for at most three months and cannot end before it starts")]
    ValidityTooLong,
    #[error("the person has no target group that vouchers are issued to")]
    NotEligible,
    #[error("the person already holds an unused voucher of that scope")]
    AlreadyHolds,
    #[error("only the holder may use the voucher")]
    NotHolder,
    #[error("the voucher was already redeemed")]
    AlreadyRedeemed,
    #[error("the voucher was cancelled")]
    Cancelled,
    #[error("the voucher is not valid on that date")]
    Expired,
    #[error("the voucher is targeted to another occupation")]
    WrongOccupation,
    #[error("the class does not accept vouchers")]
    ClassNotEligible,
}

impl VoucherError {
    pub fn code(self) -> &'static str {
        match self {
            Self::ValidityTooLong => "voucher_validity_too_long",
            Self::NotEligible => "voucher_not_eligible",
            Self::AlreadyHolds => "voucher_already_held",
            Self::NotHolder => "voucher_not_holder",
            Self::AlreadyRedeemed => "voucher_already_redeemed",
            Self::Cancelled => "voucher_cancelled",
            Self::Expired => "voucher_expired",
            Self::WrongOccupation => "voucher_wrong_occupation",
            Self::ClassNotEligible => "voucher_class_not_eligible",
        }
    }
}

/// The last day a voucher issued on `issued_on` may run to: three calendar
/// months later, less a day (issued 15 January → valid through 14 April).
pub fn latest_valid_until(issued_on: NaiveDate) -> NaiveDate {
    issued_on
        .checked_add_months(Months::new(MAX_VALIDITY_MONTHS))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

impl Scope {
    pub fn covers(&self, occupation: &OccupationCode) -> bool {
        match self {
            Self::General => true,
            Self::Targeted(target) => occupation.starts_with_group(target.as_str()),
        }
    }
}

/// Issues a voucher, `valid_until` defaulting to the longest allowed.
/// `held` are the person's existing vouchers.
pub fn issue(
    id: Uuid,
    holder: PersonId,
    group: Option<TargetGroup>,
    scope: Scope,
    issued_on: NaiveDate,
    valid_until: Option<NaiveDate>,
    held: &[Voucher],
) -> Result<Voucher, VoucherError> {
    if group.is_none() {
        return Err(VoucherError::NotEligible);
    }
    let valid_until = valid_until.unwrap_or_else(|| latest_valid_until(issued_on));
    if valid_until < issued_on || valid_until > latest_valid_until(issued_on) {
        return Err(VoucherError::ValidityTooLong);
    }
    let unused_same_scope = held.iter().any(|v| {
        v.holder == holder
            && v.scope == scope
            && v.state == State::Issued
            && v.valid_until >= issued_on
    });
    if unused_same_scope {
        return Err(VoucherError::AlreadyHolds);
    }
    Ok(Voucher {
        id,
        holder,
        scope,
        issued_on,
        valid_until,
        state: State::Issued,
    })
}

/// An enrolment that wants to use a voucher.
#[derive(Debug, Clone)]
pub struct Redemption<'a> {
    pub person: &'a PersonId,
    pub enrolment_id: Uuid,
    pub occupation: &'a OccupationCode,
    /// The class is approved and funded by vouchers.
    pub class_accepts_vouchers: bool,
    pub on: NaiveDate,
}

/// Whether the voucher may be used for `r`, checked in the order a person
/// would want to be told.
pub fn check_redeem(v: &Voucher, r: &Redemption<'_>) -> Result<(), VoucherError> {
    if &v.holder != r.person {
        return Err(VoucherError::NotHolder);
    }
    match v.state {
        State::Issued => {}
        State::Redeemed { .. } => return Err(VoucherError::AlreadyRedeemed),
        State::Cancelled => return Err(VoucherError::Cancelled),
    }
    if r.on < v.issued_on || r.on > v.valid_until {
        return Err(VoucherError::Expired);
    }
    if !v.scope.covers(r.occupation) {
        return Err(VoucherError::WrongOccupation);
    }
    if !r.class_accepts_vouchers {
        return Err(VoucherError::ClassNotEligible);
    }
    Ok(())
}

/// The voucher as redeemed; it cannot be used again.
pub fn redeem(v: &Voucher, r: &Redemption<'_>) -> Result<Voucher, VoucherError> {
    check_redeem(v, r)?;
    Ok(Voucher {
        state: State::Redeemed {
            enrolment_id: r.enrolment_id,
            on: r.on,
        },
        ..v.clone()
    })
}

/// Whether paying `kind` from `fund` requires a redeemed voucher: every
/// unemployment-insurance-funded training subsidy does, except the
/// individual certificate-based subsidy and the enterprise new-apprenticeship
/// subsidy (policy item 14).
pub fn needs_voucher(kind: SubsidyKind, fund: FundSource) -> bool {
    fund == FundSource::UnemploymentInsurance
        && matches!(kind, SubsidyKind::Training | SubsidyKind::EmploymentReward)
}

/// Whether `v` backs the enrolment: redeemed by this person for it.
pub fn backs_enrolment(v: &Voucher, person: &PersonId, enrolment_id: Uuid) -> bool {
    &v.holder == person
        && matches!(v.state, State::Redeemed { enrolment_id: e, .. } if e == enrolment_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: u32) -> PersonId {
        serde_json::from_value(serde_json::json!(format!("person-{n}"))).expect("person id")
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn occ(s: &str) -> OccupationCode {
        s.parse().expect("occupation")
    }

    fn issued(scope: Scope) -> Voucher {
        let g = Some(TargetGroup::RegisteredUnemployed);
        issue(Uuid::nil(), person(1), g, scope, d(2026, 1, 15), None, &[]).expect("issue")
    }

    fn at<'a>(p: &'a PersonId, o: &'a OccupationCode, on: NaiveDate) -> Redemption<'a> {
        Redemption {
            person: p,
            enrolment_id: Uuid::from_u128(7),
            occupation: o,
            class_accepts_vouchers: true,
            on,
        }
    }

    #[test]
    fn validity_is_at_most_three_months() {
        assert_eq!(latest_valid_until(d(2026, 1, 15)), d(2026, 4, 14));
        assert_eq!(latest_valid_until(d(2026, 11, 30)), d(2027, 2, 27));
        assert_eq!(issued(Scope::General).valid_until, d(2026, 4, 14));
        let g = Some(TargetGroup::RegisteredUnemployed);
        let too_long = issue(
            Uuid::nil(),
            person(1),
            g,
            Scope::General,
            d(2026, 1, 15),
            Some(d(2026, 4, 15)),
            &[],
        );
        assert_eq!(too_long, Err(VoucherError::ValidityTooLong));
        let backwards = issue(
            Uuid::nil(),
            person(1),
            g,
            Scope::General,
            d(2026, 1, 15),
            Some(d(2026, 1, 14)),
            &[],
        );
        assert_eq!(backwards, Err(VoucherError::ValidityTooLong));
    }

    #[test]
    fn only_target_groups_get_vouchers_and_one_unused_per_scope() {
        let none = issue(
            Uuid::nil(),
            person(1),
            None,
            Scope::General,
            d(2026, 1, 15),
            None,
            &[],
        );
        assert_eq!(none, Err(VoucherError::NotEligible));
        let held = [issued(Scope::General)];
        let g = Some(TargetGroup::RegisteredUnemployed);
        let again = issue(
            Uuid::nil(),
            person(1),
            g,
            Scope::General,
            d(2026, 2, 1),
            None,
            &held,
        );
        assert_eq!(again, Err(VoucherError::AlreadyHolds));
        let other_scope = Scope::Targeted(occ("4-10-01-05"));
        assert!(issue(
            Uuid::nil(),
            person(1),
            g,
            other_scope,
            d(2026, 2, 1),
            None,
            &held
        )
        .is_ok());
        assert!(issue(
            Uuid::nil(),
            person(1),
            g,
            Scope::General,
            d(2026, 4, 15),
            None,
            &held
        )
        .is_ok());
    }

    #[test]
    fn holder_only_once_within_validity() {
        let v = issued(Scope::General);
        let (me, other, o) = (person(1), person(2), occ("4-10-01-05"));
        assert_eq!(
            check_redeem(&v, &at(&other, &o, d(2026, 2, 1))),
            Err(VoucherError::NotHolder)
        );
        assert_eq!(
            check_redeem(&v, &at(&me, &o, d(2026, 4, 15))),
            Err(VoucherError::Expired)
        );
        assert_eq!(
            check_redeem(&v, &at(&me, &o, d(2026, 1, 14))),
            Err(VoucherError::Expired)
        );
        let used = redeem(&v, &at(&me, &o, d(2026, 4, 14))).expect("last day");
        assert_eq!(
            redeem(&used, &at(&me, &o, d(2026, 4, 14))),
            Err(VoucherError::AlreadyRedeemed)
        );
        assert!(backs_enrolment(&used, &me, Uuid::from_u128(7)));
        assert!(!backs_enrolment(&used, &me, Uuid::from_u128(8)));
        assert!(!backs_enrolment(&v, &me, Uuid::from_u128(7)));
        let cancelled = Voucher {
            state: State::Cancelled,
            ..v
        };
        assert_eq!(
            check_redeem(&cancelled, &at(&me, &o, d(2026, 2, 1))),
            Err(VoucherError::Cancelled)
        );
    }

    #[test]
    fn a_targeted_voucher_covers_its_occupation_and_sub_trades() {
        let v = issued(Scope::Targeted(occ("4-10-01-05")));
        let me = person(1);
        let (same, sub, other) = (occ("4-10-01-05"), occ("4-10-01-05-01"), occ("4-10-01-06"));
        assert!(check_redeem(&v, &at(&me, &same, d(2026, 2, 1))).is_ok());
        assert!(check_redeem(&v, &at(&me, &sub, d(2026, 2, 1))).is_ok());
        assert_eq!(
            check_redeem(&v, &at(&me, &other, d(2026, 2, 1))),
            Err(VoucherError::WrongOccupation)
        );
        let mut r = at(&me, &same, d(2026, 2, 1));
        r.class_accepts_vouchers = false;
        assert_eq!(check_redeem(&v, &r), Err(VoucherError::ClassNotEligible));
        assert_eq!(
            VoucherError::WrongOccupation.code(),
            "voucher_wrong_occupation"
        );
    }

    #[test]
    fn unemployment_insurance_training_needs_a_voucher_with_two_exceptions() {
        let ui = FundSource::UnemploymentInsurance;
        assert!(needs_voucher(SubsidyKind::Training, ui));
        assert!(needs_voucher(SubsidyKind::EmploymentReward, ui));
        assert!(!needs_voucher(SubsidyKind::Certificate, ui));
        assert!(!needs_voucher(SubsidyKind::Apprenticeship, ui));
        assert!(!needs_voucher(
            SubsidyKind::Training,
            FundSource::EmploymentSubsidy
        ));
    }
}
