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

/// Verify a certificate by number and holder name, or by its QR code
///
/// Anyone (no token; cached and rate limited) checks a certificate (证书查询,
/// policy item 16): give `number` with `holder_name` exactly as printed, or the
/// `qr` payload of the printed QR code instead. The answer says whether it is
/// valid or revoked (and since when), the kind, occupation, level and issue
/// date, the issuing body, and the holder's name masked (`林**`). A wrong name
/// and an unknown number get the same 404 `certificate_not_found`, so numbers
/// cannot be enumerated; lookups are also counted against the number itself.
/// Refused: 422 `validation_failed` with `number` (`certificate_no_format`,
/// `query_shape`: give number and holder_name, or qr), `holder_name`
/// (`text_length`), `qr` (`qr_invalid`); 429 `rate_limited`.
#[utoipa::path(
    operation_id = "verifyCertificate",
    tag = "public",
    params(VerifyQuery),
    responses(
        (status = 200, description = "What the public may learn of the certificate", body = Verification),
        (status = 404, description = "`certificate_not_found`: no certificate matches this number and name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `validation_failed` (`certificate_no_format`, `query_shape`, `text_length`, `qr_invalid`)", body = Problem, content_type = "application/problem+json"),
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

/// Fetch a certificate as a signed verifiable credential
///
/// The certificate as an Open Badges 3.0 `OpenBadgeCredential`, signed by the
/// issuing body's current key (`DataIntegrityProof`, `eddsa-jcs-2022`), for its
/// holder to keep and present: number and `holder_name` are both required, and
/// a wrong name answers like an unknown number (404 `certificate_not_found`).
/// Its `credentialStatus` points at the city's revocation list; its
/// `proof.verificationMethod` at the body's issuer profile (`GET
/// /v1/public/issuers/{code}`). No token; cached and rate limited. Refused: 409
/// `issuer_key_missing` (the body has no signing key yet: the bureau issues
/// one); 422 `validation_failed` (`number`: `certificate_no_format`;
/// `holder_name`: `text_length`); 429 `rate_limited`.
#[utoipa::path(
    operation_id = "getSignedCredential",
    tag = "public",
    params(("number" = String, Path, description = "The 22-character national certificate number", example = "S000135350100263000001", pattern = r"^[SY]\d{4}35\d{8}[1-8]\d{6}$"), ("holder_name" = String, Query, description = "The holder's name exactly as on the certificate", min_length = 1, max_length = 50, pattern = r"\S")),
    responses(
        (status = 200, description = "An OpenBadgeCredential with a DataIntegrityProof", body = Object, example = json!({"@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"], "id": "urn:qiancheng:certificate:S000135350100263000001", "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "职业技能等级认定 高级工", "issuer": {"id": "https://assessment.350100.example/v1/public/issuers/0001", "type": ["Profile"], "name": "福州市职业技能培训评价中心"}, "validFrom": "2026-06-22T00:00:00+08:00", "credentialSubject": {"type": ["AchievementSubject"], "name": "林晓明", "achievement": {"id": "urn:qiancheng:achievement:certification:6-31-01-03:senior", "type": ["Achievement"], "achievementType": "Certificate", "name": "6-31-01-03 高级工", "criteria": {"narrative": "职业技能等级认定: theory and practical examinations passed"}, "tag": ["6-31-01-03", "senior"]}, "certificateNumber": "S000135350100263000001"}, "credentialStatus": {"id": "https://assessment.350100.example/v1/public/credentials/status/revocation#17", "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "17", "statusListCredential": "https://assessment.350100.example/v1/public/credentials/status/revocation"}, "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": "2026-06-22T03:12:45Z", "verificationMethod": "https://assessment.350100.example/v1/public/issuers/0001#key-1", "proofPurpose": "assertionMethod", "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKTsGLqnuqQU8evKvJtb"}})),
        (status = 404, description = "`certificate_not_found`: no certificate matches this number and name", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `issuer_key_missing` (the issuing body has no signing key yet)", body = Problem, content_type = "application/problem+json"),
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

/// Fetch an issuer's profile with its public keys
///
/// The issuer profile a credential's verifier resolves: a body's (by its
/// 4-digit code, as in its certificate numbers) with every key it has signed
/// with (`Multikey`, base58btc), so credentials signed before a rotation still
/// verify; or `city` for the key that signs the revocation list. No token;
/// cached and rate limited. Refused: 404 `issuer_not_found`; 429
/// `rate_limited`.
#[utoipa::path(
    operation_id = "getIssuer",
    tag = "public",
    params(("code" = String, Path, description = "A body's 4-digit code, or `city`", example = "0001")),
    responses(
        (status = 200, description = "The issuer's Profile with every Multikey it has signed with", body = Object, example = json!({"@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/security/multikey/v1"], "id": "https://assessment.350100.example/v1/public/issuers/0001", "type": ["Profile"], "name": "福州市职业技能培训评价中心", "verificationMethod": [{"id": "https://assessment.350100.example/v1/public/issuers/0001#key-1", "type": "Multikey", "controller": "https://assessment.350100.example/v1/public/issuers/0001", "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}], "assertionMethod": ["https://assessment.350100.example/v1/public/issuers/0001#key-1"]})),
        (status = 404, description = "`issuer_not_found`", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Fetch the signed revocation list
///
/// The city's revocation list as a `BitstringStatusListCredential` (Bitstring
/// Status List: gzip, base64url, multibase `u`), signed by the city's key
/// (issuer `city`). A credential is revoked when its `statusListIndex` bit is
/// set. No token; cached and rate limited (429 `rate_limited`); the cache is
/// dropped when a certificate is revoked.
#[utoipa::path(
    operation_id = "getRevocationStatusList",
    tag = "public",
    responses((status = 200, description = "A BitstringStatusListCredential", body = Object, example = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "https://assessment.350100.example/v1/public/credentials/status/revocation", "type": ["VerifiableCredential", "BitstringStatusListCredential"], "issuer": "https://assessment.350100.example/v1/public/issuers/city", "credentialSubject": {"id": "https://assessment.350100.example/v1/public/credentials/status/revocation#list", "type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": "uH4sIAAAAAAAA_-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"}, "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": "2026-06-22T03:15:00Z", "verificationMethod": "https://assessment.350100.example/v1/public/issuers/city#key-1", "proofPurpose": "assertionMethod", "proofValue": "z4oey5q2M3XKaxup3tmzN4DRFTLVqpLMweBrSxMY2xHX5XTYVQeVbY8nQAVHMrXFkXJpmEcqdoDwLWxaqA3Q1geV6"}}))),
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
