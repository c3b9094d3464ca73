//! Collects every bad field of a request before answering, so a client
//! fixes all of them in one round. No IO: the pure rules of `domain/`
//! report through [`FieldError`] too, and the HTTP side turns [`Invalid`]
//! into its problem answer.

use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::Serialize;

use crate::InvalidValue;

/// One bad field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `entries[2].subsidy_fen`.
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// Every bad field of a request, at least one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} field(s) invalid", .errors.len())]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

/// What a [`Validator`] parsed: an option per field, present exactly when
/// its check passed, alone or in a tuple. [`Validator::finish`] opens them
/// without `expect`.
pub trait Checked {
    type Value;
    fn into_value(self) -> Option<Self::Value>;
}

impl Checked for () {
    type Value = ();
    fn into_value(self) -> Option<()> {
        Some(())
    }
}

impl<A> Checked for Option<A> {
    type Value = A;
    fn into_value(self) -> Option<A> {
        self
    }
}

macro_rules! checked_tuple {
    ($($name:ident),+) => {
        impl<$($name),+> Checked for ($(Option<$name>,)+) {
            type Value = ($($name,)+);
            #[allow(non_snake_case)]
            fn into_value(self) -> Option<Self::Value> {
                let ($($name,)+) = self;
                Some(($($name?,)+))
            }
        }
    };
}
checked_tuple!(A, B);
checked_tuple!(A, B, C);
checked_tuple!(A, B, C, D);

#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `raw` as `T`, recording a failure under `field`.
    pub fn parse<T>(&mut self, field: impl Into<String>, raw: &str) -> Option<T>
    where
        T: FromStr<Err = InvalidValue>,
    {
        self.check(field, raw.parse())
    }

    /// Keeps an already computed result, recording a failure under `field`.
    pub fn check<T>(
        &mut self,
        field: impl Into<String>,
        result: Result<T, InvalidValue>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError::new(field, e.code, e.message));
                None
            }
        }
    }

    /// Records a failed rule.
    pub fn ensure(
        &mut self,
        ok: bool,
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        if !ok {
            self.errors.push(FieldError::new(field, code, message));
        }
    }

    /// Records free text whose length, surrounding spaces aside, is outside
    /// `chars` characters (`text_length`): blank text is never taken.
    pub fn text(&mut self, field: impl Into<String>, value: &str, chars: RangeInclusive<usize>) {
        if !chars.contains(&value.trim().chars().count()) {
            let message = format!("{} to {} characters", chars.start(), chars.end());
            self.errors
                .push(FieldError::new(field, "text_length", message));
        }
    }

    /// Adds errors found elsewhere (a domain rule).
    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        self.errors.extend(errors);
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The checked values when nothing failed, every bad field otherwise.
    /// A value missing though nothing was recorded (a check forgotten) is
    /// refused as invalid too, never a panic.
    pub fn finish<C: Checked>(self, checked: C) -> Result<C::Value, Invalid> {
        if !self.errors.is_empty() {
            return Err(Invalid {
                errors: self.errors,
            });
        }
        checked.into_value().ok_or_else(|| Invalid {
            errors: vec![FieldError::new(
                "",
                "validation_failed",
                "a value of the request could not be read",
            )],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CreditCode, OccupationCode};

    #[test]
    fn reports_every_bad_field() {
        let mut v = Validator::new();
        let code: Option<OccupationCode> = v.parse("occupation_code", "4-10");
        let org: Option<CreditCode> = v.parse("org", "91350100M000100Y43");
        v.ensure(false, "headcount", "headcount_range", "must be positive");
        assert!(code.is_none() && org.is_some());
        let err = v.finish((code, org)).expect_err("two errors");
        let fields: Vec<_> = err
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("occupation_code", "occupation_code_format"),
                ("headcount", "headcount_range")
            ]
        );
    }

    #[test]
    fn text_is_counted_in_characters_without_its_surrounding_spaces() {
        let mut v = Validator::new();
        v.text("name", "  张三  ", 1..=2);
        v.text("reason", "   ", 1..=500);
        v.text("justification", "太短", 20..=4000);
        let err = v.finish(()).expect_err("two refused");
        let refused: Vec<_> = err
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            refused,
            [
                ("reason", "text_length", "1 to 500 characters"),
                ("justification", "text_length", "20 to 4000 characters")
            ]
        );
    }

    #[test]
    fn the_checked_values_come_out_only_when_every_check_passed() {
        let mut v = Validator::new();
        let code: Option<OccupationCode> = v.parse("occupation_code", "4-01-02-01");
        let org: Option<CreditCode> = v.parse("org", "91350100M000100Y43");
        let (code, org) = v.finish((code, org)).expect("both valid");
        assert_eq!(
            (code.as_str(), org.as_str()),
            ("4-01-02-01", "91350100M000100Y43")
        );

        let forgotten: Option<OccupationCode> = None;
        let err = Validator::new()
            .finish(forgotten)
            .expect_err("a value nobody checked is not taken as valid");
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].code, "validation_failed");
    }
}
