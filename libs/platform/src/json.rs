//! Request bodies and parameters that fail to parse answer problem+json with
//! the offending field named (unknown fields included: DTOs deny them).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::{ApiError, FieldError};

/// Largest body accepted by [`Json`].
const MAX_BODY: usize = 1 << 20;

/// A JSON body, read with the path of the first bad field.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as application/json",
                ));
            }
            let bytes = body
                .await
                .map_err(|e| ApiError::bad_request("body_unreadable", e.to_string()))?;
            if bytes.len() > MAX_BODY {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the body exceeds 1 MiB",
                ));
            }
            parse_json(&bytes).map(Json)
        })
    }
}

/// Deserialises with the failing field's path in the error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        let code = if message.starts_with("unknown field") {
            "unknown_field"
        } else if message.starts_with("missing field") {
            "missing_field"
        } else if message.starts_with("unknown variant") {
            "unknown_value"
        } else if inner.is_syntax() || inner.is_eof() {
            return ApiError::bad_request("malformed_json", message);
        } else {
            "invalid_value"
        };
        let field = match (code, path.as_str()) {
            // serde reports a missing field at its parent.
            ("missing_field", p) => {
                let name = message.split('`').nth(1).unwrap_or("?");
                if p == "." {
                    name.to_owned()
                } else {
                    format!("{p}.{name}")
                }
            }
            (_, p) => p.to_owned(),
        };
        ApiError::validation(vec![FieldError {
            field,
            code: code.to_owned(),
            message,
        }])
    })
}

/// Problem+json for actix's own `Path` and `Query` extractors.
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|err, _| {
        ApiError::validation(vec![FieldError {
            field: "path".into(),
            code: "invalid_path_parameter".into(),
            message: err.to_string(),
        }])
        .into()
    }))
    .app_data(web::QueryConfig::default().error_handler(|err, _| {
        let message = err.to_string();
        let field = message.split('`').nth(1).unwrap_or("query").to_owned();
        let code = if message.contains("unknown field") {
            "unknown_parameter"
        } else {
            "invalid_query_parameter"
        };
        ApiError::validation(vec![FieldError {
            field,
            code: code.into(),
            message,
        }])
        .into()
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        level: ids::SkillLevel,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        items: Vec<Inner>,
    }

    fn field_of(json: &str) -> (String, String) {
        let err = parse_json::<Outer>(json.as_bytes()).expect_err("invalid");
        let e = &err.errors[0];
        (e.field.clone(), e.code.clone())
    }

    #[test]
    fn names_the_field_of_each_kind_of_error() {
        assert_eq!(
            field_of(r#"{"name":"a","items":[{"level":"senior"},{"level":"guru"}]}"#),
            ("items[1].level".into(), "unknown_value".into())
        );
        assert_eq!(
            field_of(r#"{"name":"a","items":[],"extra":1}"#),
            ("extra".into(), "unknown_field".into())
        );
        assert_eq!(
            field_of(r#"{"items":[]}"#),
            ("name".into(), "missing_field".into())
        );
        assert_eq!(
            field_of(r#"{"name":5,"items":[]}"#),
            ("name".into(), "invalid_value".into())
        );
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        let err = parse_json::<Outer>(b"{\"name\":").expect_err("eof");
        assert_eq!(err.code, "malformed_json");
    }
}
