//! Collects every bad field of a request before answering, so a client
//! fixes all of them in one round.

use std::str::FromStr;

use crate::{ApiError, FieldError};

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
        T: FromStr<Err = ids::InvalidValue>,
    {
        self.check(field, raw.parse())
    }

    /// Keeps an already computed result, recording a failure under `field`.
    pub fn check<T>(
        &mut self,
        field: impl Into<String>,
        result: Result<T, ids::InvalidValue>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError {
                    field: field.into(),
                    code: e.code.to_owned(),
                    message: e.message,
                });
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
            self.errors.push(FieldError {
                field: field.into(),
                code: code.to_owned(),
                message: message.into(),
            });
        }
    }

    /// Adds errors found elsewhere (a domain rule).
    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        self.errors.extend(errors);
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when nothing failed; the value is built only then, so it
    /// may unwrap the options collected above.
    pub fn finish<T>(self, build: impl FnOnce() -> T) -> Result<T, ApiError> {
        if self.errors.is_empty() {
            Ok(build())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ids::{CreditCode, OccupationCode};

    #[test]
    fn reports_every_bad_field() {
        let mut v = Validator::new();
        let code: Option<OccupationCode> = v.parse("occupation_code", "4-10");
        let org: Option<CreditCode> = v.parse("org", "91350100M000100Y43");
        v.ensure(false, "headcount", "headcount_range", "must be positive");
        assert!(code.is_none() && org.is_some());
        let err = v.finish(|| ()).expect_err("two errors");
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
        assert_eq!(err.status.as_u16(), 422);
    }
}
