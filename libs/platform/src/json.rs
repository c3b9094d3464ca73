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
pub const MAX_JSON_BODY: usize = 1 << 20;

/// Reads a body of at most `max` bytes as it arrives, refusing it (413,
/// problem+json) as soon as it grows past that: nothing larger is buffered.
pub async fn read_body(mut payload: Payload, max: usize) -> Result<web::Bytes, ApiError> {
    use futures::StreamExt as _;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("body_unreadable", e.to_string()))?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body exceeds {} KiB", max / 1024),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A UTF-8 text body (e.g. a CSV file) of at most `MAX` bytes.
#[derive(Debug)]
pub struct Text<const MAX: usize>(pub String);

impl<const MAX: usize> FromRequest for Text<MAX> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(_: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let payload = payload.take();
        Box::pin(async move {
            let bytes = read_body(payload, MAX).await?;
            String::from_utf8(bytes.to_vec())
                .map(Text)
                .map_err(|_| ApiError::bad_request("body_not_utf8", "the body is not UTF-8 text"))
        })
    }
}

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
        let payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as application/json",
                ));
            }
            let bytes = read_body(payload, MAX_JSON_BODY).await?;
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

    async fn extract<T: FromRequest>(content_type: &str, body: Vec<u8>) -> Result<T, T::Error> {
        let (req, mut payload) = actix_web::test::TestRequest::post()
            .insert_header(("content-type", content_type))
            .set_payload(body)
            .to_http_parts();
        T::from_request(&req, &mut payload).await
    }

    /// Bodies are held to the stated limits — not to actix's default of
    /// 256 KiB, which refused larger ones as unreadable — and one past its
    /// limit is refused with 413 and `body_too_large`.
    #[tokio::test]
    async fn bodies_up_to_their_limit_are_read_and_larger_ones_are_refused() {
        let json_of = |len: usize| {
            let mut body = b"\"".to_vec();
            body.resize(len - 1, b'a');
            body.push(b'"');
            body
        };
        let read = extract::<Json<String>>("application/json", json_of(MAX_JSON_BODY))
            .await
            .expect("1 MiB of JSON is read");
        assert_eq!(read.0.len(), MAX_JSON_BODY - 2);
        let refused = extract::<Json<String>>("application/json", json_of(MAX_JSON_BODY + 1))
            .await
            .expect_err("past 1 MiB");
        assert_eq!(
            (refused.status, refused.code),
            (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
        );
        let text = extract::<Text<400_000>>("text/csv", vec![b'x'; 400_000])
            .await
            .expect("a text body up to its route's limit is read");
        assert_eq!(text.0.len(), 400_000);
        let refused = extract::<Text<400_000>>("text/csv", vec![b'x'; 400_001])
            .await
            .expect_err("past the route's limit");
        assert_eq!(refused.code, "body_too_large");
        let refused = extract::<Text<16>>("text/csv", vec![0xff; 4])
            .await
            .expect_err("not UTF-8");
        assert_eq!(refused.code, "body_not_utf8");
    }

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
