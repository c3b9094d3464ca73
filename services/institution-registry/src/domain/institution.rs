//! Applications, review and sanctions of subsidised training institutions
//! (policy items 2, 15, 16).

use chrono::NaiveDate;
use ids::CityCode;
use ids::FieldError;
use ids::Rating;
use serde::{Deserialize, Serialize};

pub use contracts::registry::{Employment, Nature};

ids::vocabulary! {
    /// Which scope a row of an institution's scope is.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ScopeKind: "scope_kind_unknown" {
        /// What the institution applied to train.
        Requested = "requested",
        /// What the bureau granted: what it may file classes for.
        Granted = "granted",
    }
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

text_enum!(
    /// How the bureau selected the institution.
    SelectionMethod {
        /// 遴选
        OpenSelection => "open_selection",
        /// 揭榜挂帅
        OpenCompetition => "open_competition",
        /// 评估推荐
        AssessmentRecommendation => "assessment_recommendation",
    }
);

text_enum!(
    /// Why an institution is sanctioned (policy item 15).
    SanctionReason {
        /// 虚假广告
        FalseAdvertising => "false_advertising",
        /// 转包
        Subcontracting => "subcontracting",
        /// 转让培训项目
        ProjectTransfer => "project_transfer",
        /// 弄虚作假骗取补贴
        Fraud => "fraud",
        Other => "other",
    }
);

text_enum!(
    Status {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        Suspended => "suspended",
        Removed => "removed",
    }
);

/// A decision or sanction an officer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Reject,
    ChangeScope,
    Suspend,
    Reinstate,
    Remove,
}

/// The status after `action`, or why it is not possible now.
pub fn transition(
    status: Status,
    action: Action,
    high_skill_base: bool,
) -> Result<Status, (&'static str, String)> {
    use Action::*;
    use Status::*;
    match (status, action) {
        (Pending, Reject) if high_skill_base => Err((
            "high_skill_base_always_listed",
            "a high-skill talent training base is always listed; approve it with its scope".into(),
        )),
        (Pending, Approve) => Ok(Approved),
        (Pending, Reject) => Ok(Rejected),
        (Approved | Suspended, ChangeScope) => Ok(status),
        (Approved, Suspend) => Ok(Suspended),
        (Suspended, Reinstate) => Ok(Approved),
        (Approved | Suspended, Remove) => Ok(Removed),
        (status, action) => Err((
            "invalid_transition",
            format!(
                "an institution that is {} cannot be {action:?}d",
                status.as_str()
            )
            .to_lowercase(),
        )),
    }
}

/// Whether an institution is under review after a rating: a D puts it
/// there; an officer's override to a better rating lifts it, as does a
/// review; a computed better rating alone does not (a human looks first).
pub fn under_review_after(current: bool, rating: Rating, overridden: bool) -> bool {
    match rating {
        Rating::D => true,
        _ if overridden => false,
        _ => current,
    }
}

/// Whether `next` grants an occupation × level that `current` does not
/// (an institution under review may not add occupations).
pub fn adds_to_scope(current: &[(String, String)], next: &[(String, String)]) -> bool {
    next.iter().any(|pair| !current.contains(pair))
}

/// A Chinese phone number: a mobile (1xx xxxx xxxx) or a landline with its
/// area code (0591-12345678).
pub fn check_phone(field: &str, raw: &str) -> Option<FieldError> {
    let digits: String = raw.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let mobile = digits.len() == 11
        && digits.starts_with('1')
        && digits.as_bytes().get(1).is_some_and(|d| *d >= b'3');
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    (!(all_digits && (mobile || landline))).then(|| {
        FieldError::new(
            field,
            "phone_format",
            "a mobile (13812345678) or a landline with area code (0591-12345678)",
        )
    })
}

/// A district (区县) of the city: six digits sharing the city's prefix.
pub fn check_district(city: CityCode, raw: &str) -> Option<FieldError> {
    let ok =
        raw.len() == 6 && raw.bytes().all(|b| b.is_ascii_digit()) && raw[..4] == city.as_str()[..4];
    (!ok).then(|| {
        FieldError::new(
            "district",
            "district_outside_city",
            format!("a district code of city {city} ({}xx)", &city.as_str()[..4]),
        )
    })
}

/// Text fields: present and not too long.
pub fn check_text(field: &str, value: &str, max: usize) -> Option<FieldError> {
    let n = value.trim().chars().count();
    (n == 0 || n > max)
        .then(|| FieldError::new(field, "text_length", format!("1 to {max} characters")))
}

/// A granted scope item's validity.
pub fn check_validity(field: &str, from: NaiveDate, to: NaiveDate) -> Option<FieldError> {
    (from > to).then(|| {
        FieldError::new(
            field,
            "validity_reversed",
            "the validity ends before it starts",
        )
    })
}

/// Does a granted validity cover any day of a calendar year?
pub fn valid_in_year(from: NaiveDate, to: NaiveDate, year: i32) -> bool {
    use chrono::Datelike;
    from.year() <= year && to.year() >= year
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_and_sanctions_follow_the_lifecycle() {
        use Action::*;
        use Status::*;
        assert_eq!(transition(Pending, Approve, false), Ok(Approved));
        assert_eq!(transition(Pending, Reject, false), Ok(Rejected));
        assert_eq!(
            transition(Pending, Reject, true).map_err(|e| e.0),
            Err("high_skill_base_always_listed")
        );
        assert_eq!(transition(Approved, Suspend, false), Ok(Suspended));
        assert_eq!(transition(Suspended, Reinstate, false), Ok(Approved));
        assert_eq!(transition(Suspended, Remove, false), Ok(Removed));
        for (status, action) in [
            (Pending, Suspend),
            (Approved, Approve),
            (Removed, Reinstate),
            (Rejected, ChangeScope),
            (Approved, Reinstate),
        ] {
            assert_eq!(
                transition(status, action, false).map_err(|e| e.0),
                Err("invalid_transition"),
                "{status:?} {action:?}"
            );
        }
    }

    #[test]
    fn a_d_rating_holds_until_an_officer_lifts_it() {
        assert!(under_review_after(false, Rating::D, false));
        assert!(under_review_after(true, Rating::B, false));
        assert!(!under_review_after(true, Rating::B, true));
        assert!(under_review_after(true, Rating::D, true));
        assert!(!under_review_after(false, Rating::A, false));
    }

    #[test]
    fn only_new_pairs_add_to_a_scope() {
        let pair = |o: &str, l: &str| (o.to_owned(), l.to_owned());
        let current = [pair("4-10-01-05", "senior"), pair("6-31-01-03", "junior")];
        assert!(!adds_to_scope(&current, &[pair("4-10-01-05", "senior")]));
        assert!(adds_to_scope(
            &current,
            &[pair("4-10-01-05", "intermediate")]
        ));
        assert!(!adds_to_scope(&current, &[]));
    }

    #[test]
    fn phones_are_mobiles_or_landlines() {
        for good in [
            "13812345678",
            "0591-87654321",
            "0591 8765 4321",
            "059187654321",
        ] {
            assert!(check_phone("p", good).is_none(), "{good}");
        }
        for bad in ["12345678901", "1381234567", "abc", "", "8765-4321"] {
            assert!(check_phone("p", bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn districts_belong_to_the_city() {
        let fuzhou: CityCode = "350100".parse().expect("city");
        assert!(check_district(fuzhou, "350102").is_none());
        assert!(check_district(fuzhou, "350203").is_some());
        assert!(check_district(fuzhou, "3501").is_some());
    }

    #[test]
    fn validity_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert!(valid_in_year(d(2025, 7, 1), d(2027, 6, 30), 2026));
        assert!(!valid_in_year(d(2027, 1, 1), d(2027, 12, 31), 2026));
        assert!(check_validity("v", d(2026, 2, 1), d(2026, 1, 1)).is_some());
    }
}
