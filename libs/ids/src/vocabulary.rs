//! Closed vocabularies more than one service speaks: each spelt one way,
//! in events and in APIs alike.

use serde::{Deserialize, Serialize};

/// A word of a closed vocabulary: what every enum declared with
/// [`vocabulary!`](crate::vocabulary) is, so events (`contracts::Open`) and
/// stored columns (`db::WordColumn`) can hold any of them.
pub trait Vocabulary:
    Copy + std::str::FromStr<Err = crate::InvalidValue> + Send + Sync + 'static
{
    fn as_str(self) -> &'static str;
}

/// Declares a closed vocabulary: an enum whose every variant is spelt one
/// way (`Variant = "word"`), with `ALL`, `as_str`, `FromStr` (an unknown
/// word is refused with the given stable code), `Display` and
/// [`Vocabulary`]. The spelling
/// lives in this one mapping; derive serde with the same spelling beside it.
/// The enum must be `Copy`.
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $unknown:literal {
            $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every word of the vocabulary, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::InvalidValue;

            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                match s {
                    $($word => Ok($name::$variant),)+
                    other => Err($crate::InvalidValue::new(
                        $unknown,
                        format!(
                            "{other:?} is not one of {}",
                            [$($word),+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::Vocabulary for $name {
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }
    };
}

vocabulary! {
    /// The closed list of key groups (重点群体) plus enterprise employees.
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
    pub enum TargetGroup: "target_group_unknown" {
        /// 农村转移就业劳动者
        RuralMigrantWorker = "rural_migrant_worker",
        /// 离校未就业高校毕业生
        UnemployedGraduate = "unemployed_graduate",
        /// 登记失业人员
        RegisteredUnemployed = "registered_unemployed",
        /// 就业困难人员
        EmploymentDifficulty = "employment_difficulty",
        /// 企业职工
        EnterpriseEmployee = "enterprise_employee",
    }
}

impl TargetGroup {
    /// The groups whose enrolment asserts that the person is out of work
    /// and available for it — what a retiree or a full-time student is not.
    pub fn claims_unemployed(self) -> bool {
        matches!(
            self,
            Self::UnemployedGraduate | Self::RegisteredUnemployed | Self::EmploymentDifficulty
        )
    }
}

vocabulary! {
    /// An institution's rating for a statistical year (绩效评价等级), best first.
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
    pub enum Rating: "rating_unknown" {
        A = "A",
        B = "B",
        C = "C",
        /// Puts the institution under review in the registry.
        D = "D",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_as_it_is_spelt() {
        for g in TargetGroup::ALL {
            assert_eq!(g.as_str().parse::<TargetGroup>(), Ok(g));
            let json = serde_json::to_string(&g).expect("a group");
            assert_eq!(json, format!("\"{}\"", g.as_str()));
        }
        for r in Rating::ALL {
            assert_eq!(r.as_str().parse::<Rating>(), Ok(r));
            let json = serde_json::to_string(&r).expect("a rating");
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        let refused = "retiree".parse::<TargetGroup>().expect_err("not a group");
        assert_eq!(refused.code, "target_group_unknown");
        assert_eq!(
            refused.message,
            "\"retiree\" is not one of rural_migrant_worker, unemployed_graduate, \
             registered_unemployed, employment_difficulty, enterprise_employee"
        );
        assert_eq!(
            "E".parse::<Rating>().map_err(|e| e.code),
            Err("rating_unknown")
        );
    }

    #[test]
    fn only_the_out_of_work_groups_claim_unemployment() {
        assert!(TargetGroup::RegisteredUnemployed.claims_unemployed());
        assert!(!TargetGroup::EnterpriseEmployee.claims_unemployed());
        assert!(!TargetGroup::RuralMigrantWorker.claims_unemployed());
    }
}
