//! `Idempotency-Key` for creating POSTs. The key's record is written in the
//! same transaction as the effect, so a crash leaves either both or neither:
//! a retry after a crash does the work once, a retry after success replays
//! the first answer. Same key with another body → 422; the same key while the
//! first request is still running → 409.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::scoped_futures::ScopedBoxFuture;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};

use db::schema::idempotency_keys as keys;
use db::ScopedFutureExt;

use crate::ApiError;

pub const HEADER: &str = "Idempotency-Key";
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// The optional `Idempotency-Key` header of a request.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(HEADER) {
            None => Ok(Self(None)),
            Some(v) => match v.to_str() {
                Ok(s)
                    if (1..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(Self(Some(s.to_owned())))
                }
                _ => Err(ApiError::bad_request(
                    "idempotency_key_invalid",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters",
                )),
            },
        };
        ready(parsed)
    }
}

/// What a creating handler answers; stored for replays.
#[derive(Debug, Clone)]
pub struct Created {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub location: Option<String>,
}

impl Created {
    /// The answer, refused (500 `internal`) when its body does not serialise.
    pub fn new(status: StatusCode, body: &impl Serialize) -> Result<Self, ApiError> {
        Ok(Self {
            status,
            body: serde_json::to_value(body).map_err(ApiError::internal)?,
            location: None,
        })
    }

    pub fn at(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    fn response(&self, replayed: bool) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(location) = &self.location {
            res.insert_header((actix_web::http::header::LOCATION, location.as_str()));
        }
        if replayed {
            res.insert_header((REPLAYED_HEADER, "true"));
        }
        res.json(&self.body)
    }
}

/// The transaction-level advisory lock that serialises one key: held while
/// the first request with the key runs.
pub fn lock_id(scope: &str, key: &str) -> i64 {
    let digest: [u8; 32] = Sha256::digest(format!("{scope}\u{0}{key}").as_bytes()).into();
    let [a, b, c, d, e, f, g, h, ..] = digest;
    i64::from_be_bytes([a, b, c, d, e, f, g, h])
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Runs `work` in a transaction, at most once per `(scope, key)`.
/// `scope` names the caller and the route; `request` is the parsed body.
pub async fn once<'a, F>(
    conn: &mut AsyncPgConnection,
    key: &'a IdempotencyKey,
    scope: String,
    request: &impl Serialize,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: for<'c> FnOnce(
            &'c mut AsyncPgConnection,
        ) -> ScopedBoxFuture<'a, 'c, Result<Created, ApiError>>
        + Send
        + 'a,
{
    let hash = hex::encode(Sha256::digest(
        serde_json::to_vec(request).map_err(ApiError::internal)?,
    ));
    let (created, replayed) = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let Some(k) = key.0.as_deref() else {
                    return Ok((work(conn).await?, false));
                };
                let lock_id = lock_id(&scope, k);
                let Locked { locked } =
                    diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
                        .bind::<BigInt, _>(lock_id)
                        .get_result(conn)
                        .await?;
                if !locked {
                    return Err(ApiError::conflict(
                        "idempotency_in_flight",
                        "a request with this Idempotency-Key is still being processed",
                    ));
                }
                let previous: Option<(String, i32, serde_json::Value, Option<String>)> =
                    keys::table
                        .filter(keys::scope.eq(&scope).and(keys::key.eq(k)))
                        .select((
                            keys::request_hash,
                            keys::status_code,
                            keys::response_body,
                            keys::location,
                        ))
                        .first(conn)
                        .await
                        .optional()?;
                if let Some((previous_hash, status, body, location)) = previous {
                    if previous_hash != hash {
                        return Err(ApiError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "idempotency_key_reused",
                            "this Idempotency-Key was used with a different request body",
                        ));
                    }
                    let status = u16::try_from(status)
                        .map_err(ApiError::internal)
                        .and_then(|s| StatusCode::from_u16(s).map_err(ApiError::internal))?;
                    return Ok((
                        Created {
                            status,
                            body,
                            location,
                        },
                        true,
                    ));
                }
                let created = work(conn).await?;
                diesel::insert_into(keys::table)
                    .values((
                        keys::scope.eq(&scope),
                        keys::key.eq(k),
                        keys::request_hash.eq(&hash),
                        keys::status_code.eq(i32::from(created.status.as_u16())),
                        keys::response_body.eq(&created.body),
                        keys::location.eq(created.location.as_deref()),
                    ))
                    .execute(conn)
                    .await?;
                Ok((created, false))
            }
            .scope_boxed()
        })
        .await?;
    Ok(created.response(replayed))
}
