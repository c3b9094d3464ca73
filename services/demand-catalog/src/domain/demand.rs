//! Skill demand intake (需求收集, policy item 1): demand comes bottom-up
//! through five channels.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use ids::Role;
use ids::{CreditCode, FieldError, InvalidValue};
use serde::{Deserialize, Serialize};

use super::Refusal;

/// Through whom a demand reached the bureau.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DemandChannel {
    /// An enterprise's own request (企业).
    Enterprise,
    /// Trade-union lists of employees' needs (工会).
    TradeUnion,
    /// Industry authorities' view of key enterprises (行业主管部门).
    IndustryDepartment,
    /// Public employment service agencies (公共就业服务机构).
    PublicEmploymentService,
    /// Gig-work markets and platforms (零工市场).
    GigMarket,
}

impl DemandChannel {
    pub const ALL: [Self; 5] = [
        Self::Enterprise,
        Self::TradeUnion,
        Self::IndustryDepartment,
        Self::PublicEmploymentService,
        Self::GigMarket,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::TradeUnion => "trade_union",
            Self::IndustryDepartment => "industry_department",
            Self::PublicEmploymentService => "public_employment_service",
            Self::GigMarket => "gig_market",
        }
    }
}

impl FromStr for DemandChannel {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new("channel_unknown", format!("{s:?} is not a demand channel"))
            })
    }
}

impl fmt::Display for DemandChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const MAX_HEADCOUNT: i32 = 100_000;
/// A demand speaks about at most three years ahead.
pub const MAX_PERIOD_DAYS: i64 = 3 * 366;

/// Headcount and period rules; every failing field is reported.
pub fn check_terms(headcount: i32, from: NaiveDate, to: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !(1..=MAX_HEADCOUNT).contains(&headcount) {
        errors.push(FieldError::new(
            "headcount",
            "headcount_range",
            format!("headcount must be between 1 and {MAX_HEADCOUNT}"),
        ));
    }
    if from > to {
        errors.push(FieldError::new(
            "period_to",
            "period_reversed",
            "the period ends before it starts",
        ));
    } else if (to - from).num_days() > MAX_PERIOD_DAYS {
        errors.push(FieldError::new(
            "period_to",
            "period_too_long",
            "a demand covers at most three years",
        ));
    }
    errors
}

/// Who may submit a demand through which channel, for which organisation.
/// Enterprises speak for themselves only, through their own channel; an
/// integrator names the organisation its token is bound to (a gig
/// platform submits as itself); officers record any channel.
pub fn may_submit(
    role: Role,
    caller_org: Option<&str>,
    channel: DemandChannel,
    submitter_org: Option<&CreditCode>,
) -> Result<(), Refusal> {
    let forbidden = |message: &str| Refusal::Forbidden {
        code: "demand_not_allowed",
        message: message.to_owned(),
    };
    match role {
        Role::Enterprise => {
            if channel != DemandChannel::Enterprise {
                return Err(forbidden(
                    "an enterprise submits through the enterprise channel",
                ));
            }
            match (submitter_org, caller_org) {
                (Some(org), Some(own)) if org.as_str() == own => Ok(()),
                _ => Err(forbidden(
                    "an enterprise submits demands for its own credit code only",
                )),
            }
        }
        Role::Integrator => match (submitter_org, caller_org) {
            (None, _) => Err(Refusal::Invalid(vec![FieldError::new(
                "submitter_org",
                "submitter_org_required",
                "an integrator names the organisation it submits for",
            )])),
            (Some(org), Some(own)) if org.as_str() == own => Ok(()),
            _ => Err(forbidden(
                "an integrator submits for the organisation its token is bound to",
            )),
        },
        Role::BureauOfficer => {
            if channel == DemandChannel::Enterprise && submitter_org.is_none() {
                Err(Refusal::Invalid(vec![FieldError::new(
                    "submitter_org",
                    "submitter_org_required",
                    "an enterprise demand names the enterprise",
                )]))
            } else {
                Ok(())
            }
        }
        _ => Err(forbidden(
            "only enterprises, integrators and bureau officers submit demands",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn org() -> CreditCode {
        "91350100M000100Y43".parse().expect("valid")
    }

    #[test]
    fn terms_report_every_problem() {
        assert!(check_terms(10, d(2026, 1, 1), d(2026, 12, 31)).is_empty());
        let codes: Vec<_> = check_terms(0, d(2026, 2, 1), d(2026, 1, 1))
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, ["headcount_range", "period_reversed"]);
        assert_eq!(
            check_terms(1, d(2026, 1, 1), d(2030, 1, 1))[0].code,
            "period_too_long"
        );
    }

    #[test]
    fn enterprises_speak_only_for_themselves() {
        let own = org();
        assert!(may_submit(
            Role::Enterprise,
            Some(own.as_str()),
            DemandChannel::Enterprise,
            Some(&own)
        )
        .is_ok());
        assert!(may_submit(
            Role::Enterprise,
            Some("OTHER"),
            DemandChannel::Enterprise,
            Some(&own)
        )
        .is_err());
        assert!(may_submit(
            Role::Enterprise,
            Some(own.as_str()),
            DemandChannel::TradeUnion,
            Some(&own)
        )
        .is_err());
    }

    #[test]
    fn integrators_speak_for_their_own_organisation_and_officers_record_any_channel() {
        let own = org();
        assert!(matches!(
            may_submit(
                Role::Integrator,
                Some(own.as_str()),
                DemandChannel::GigMarket,
                None
            ),
            Err(Refusal::Invalid(_))
        ));
        assert!(may_submit(
            Role::Integrator,
            Some(own.as_str()),
            DemandChannel::GigMarket,
            Some(&own)
        )
        .is_ok());
        assert!(matches!(
            may_submit(
                Role::Integrator,
                Some("OTHER"),
                DemandChannel::GigMarket,
                Some(&own)
            ),
            Err(Refusal::Forbidden { .. })
        ));
        assert!(may_submit(Role::BureauOfficer, None, DemandChannel::TradeUnion, None).is_ok());
        assert!(may_submit(Role::BureauOfficer, None, DemandChannel::Enterprise, None).is_err());
        assert!(may_submit(Role::Assessor, None, DemandChannel::GigMarket, Some(&org())).is_err());
    }
}
