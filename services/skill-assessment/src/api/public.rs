//! Public verification (policy item 16): by certificate number and holder
//! name, or by a QR payload; the signed credential; issuers' keys and the
//! revocation list. No token; cached and rate limited. A wrong name and an
//! unknown number get the same answer, so numbers cannot be enumerated.

use actix_web::{get, web, HttpResponse};
use ids::SkillLevel;
use platform::problem::Problem;
use platform::public::{PublicRead, Variant};
use platform::validate::Validator;
use platform::ApiError;
use platform::FieldError;
use serde::Deserialize;

use super::certificates::PUBLIC_NAMESPACE;
use super::{mask_name, AppState, State, Verification};
use crate::app;
use crate::app::verification::{self, CITY_ISSUER};
use crate::domain::certificate_no::CertificateNo;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// The 22-character certificate number (with `holder_name`).
    #[param(pattern = r"^[SY]\d{4}35\d{8}[1-8]\d{6}$")]
    pub number: Option<String>,
    /// The holder's name exactly as on the certificate.
    #[param(min_length = 1, max_length = 50, pattern = r"\S")]
    pub holder_name: Option<String>,
    /// The QR code's payload instead of number and name.
    pub qr: Option<String>,
}

/// Resolves the query to a certificate number (and a name to match, when
/// given): 422 on a malformed query.
fn read_query(state: &AppState, q: &VerifyQuery) -> Result<(String, Option<String>), ApiError> {
    let mut v = Validator::new();
    match (&q.qr, &q.number, &q.holder_name) {
        (Some(qr), None, None) => {
            let number = state.keys.read_qr(qr);
            v.ensure(
                number.is_some(),
                "qr",
                "qr_invalid",
                "not a QR payload of this platform",
            );
            Ok((v.finish(number)?, None))
        }
        (None, Some(number), Some(name)) => {
            let number: Option<CertificateNo> = v.parse("number", number);
            v.text("holder_name", name, 1..=50);
            let number = v.finish(number)?;
            Ok((number.to_string(), Some(name.trim().to_owned())))
        }
        _ => Err(ApiError::validation(vec![FieldError::new(
            "number",
            "query_shape",
            "give number and holder_name, or qr",
        )])),
    }
}

/// The cache variant of a lookup: the number, the name only as its keyed
/// hash; counted against the number's own limit, so one certificate's
/// holder cannot be guessed from many addresses either.
fn lookup(state: &AppState, operation: &str, number: &str, name: Option<&str>) -> Variant {
    let variant = Variant::of(operation).param("number", number).about(number);
    match name {
        Some(name) => variant.hashed(
            "holder",
            &state.cipher.lookup_hash(&format!("holder:{name}")),
        ),
        None => variant,
    }
}

/// Verify a certificate: validity, occupation, level, issue date, body,
/// and the holder's name masked; a revoked certificate says so.
#[utoipa::path(
    tag = "public",
    params(VerifyQuery),
    responses(
        (status = 200, body = Verification),
        (status = 404, description = "No certificate matches", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed number or QR payload", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = platform::problem::TooManyRequests),
    ),
    security(())
)]
#[get("/v1/public/certificates/verify")]
pub async fn verify(
    state: State,
    public: PublicRead,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, ApiError> {
    let (number, name) = read_query(&state, &query)?;
    let variant = lookup(&state, "verify", &number, name.as_deref());
    public
        .respond(PUBLIC_NAMESPACE, variant, || async move {
            let mut conn = state.pool.get().await?;
            let (c, body) = verification::find(&mut conn, &number, name.as_deref()).await?;
            let level: SkillLevel = c
                .skill_level
                .parse()
                .map_err(|_| ApiError::internal("stored level"))?;
            Ok(Verification {
                certificate_no: c.certificate_no,
                status: c.status,
                revoked_on: c.revoked_on,
                holder_name_masked: mask_name(&c.holder_name),
                assessment_kind: c.assessment_kind,
                occupation_code: c.occupation_code,
                skill_level: c.skill_level,
                skill_level_name: level.name_zh().to_owned(),
                issued_on: c.issued_on,
                body_name: body.name,
                body_credit_code: body.credit_code,
            })
        })
        .await
}

/// The certificate as a signed verifiable credential (Open Badges 3.0,
/// `eddsa-jcs-2022`), for its holder: number and name required.
#[utoipa::path(
    tag = "public",
    params(("number" = String, Path, example = "S000135350100263000001", pattern = r"^[SY]\d{4}35\d{8}[1-8]\d{6}$"), ("holder_name" = String, Query, min_length = 1, max_length = 50, pattern = r"\S")),
    responses(
        (status = 200, description = "An OpenBadgeCredential with a DataIntegrityProof", body = Object),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, description = "The issuing body has no signing key yet", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = platform::problem::TooManyRequests),
    ),
    security(())
)]
#[get("/v1/public/certificates/{number}/credential")]
pub async fn signed_credential(
    state: State,
    public: PublicRead,
    number: web::Path<String>,
    query: web::Query<HolderQuery>,
) -> Result<HttpResponse, ApiError> {
    let (number, name) = read_query(
        &state,
        &VerifyQuery {
            number: Some(number.into_inner()),
            holder_name: Some(query.into_inner().holder_name),
            qr: None,
        },
    )?;
    let variant = lookup(&state, "credential", &number, name.as_deref());
    public
        .respond(PUBLIC_NAMESPACE, variant, || async move {
            let mut conn = state.pool.get().await?;
            let deps = state.deps();
            Ok(verification::signed_credential(&mut conn, &deps, &number, name.as_deref()).await?)
        })
        .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HolderQuery {
    pub holder_name: String,
}

/// An issuer's profile with its public keys: a body (by its 4-digit code),
/// every key it has signed with, or `city` for the key that signs the
/// revocation list.
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path, example = "0001")),
    responses((status = 200, description = "The issuer's Profile with every Multikey it has signed with", body = Object), (status = 404, response = platform::problem::NotFound)),
    security(())
)]
#[get("/v1/public/issuers/{code}")]
pub async fn issuer(
    state: State,
    public: PublicRead,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    if code != CITY_ISSUER && (code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit())) {
        return Err(app::Error::IssuerNotFound.into());
    }
    public
        .respond(
            super::certificates::ISSUERS_NAMESPACE,
            Variant::of("issuer").param("code", &code),
            || async move {
                if code == CITY_ISSUER {
                    return Ok(verification::city_issuer(&state.deps()));
                }
                let mut conn = state.pool.get().await?;
                Ok(verification::body_issuer(&mut conn, &state.deps(), &code).await?)
            },
        )
        .await
}

/// The revocation list (Bitstring Status List), signed by the city.
#[utoipa::path(
    tag = "public",
    responses((status = 200, description = "A BitstringStatusListCredential", body = Object)),
    security(())
)]
#[get("/v1/public/credentials/status/revocation")]
pub async fn status_list(state: State, public: PublicRead) -> Result<HttpResponse, ApiError> {
    public
        .respond(
            PUBLIC_NAMESPACE,
            Variant::of("status-list"),
            || async move {
                let mut conn = state.pool.get().await?;
                Ok(verification::status_list(&mut conn, &state.deps()).await?)
            },
        )
        .await
}
