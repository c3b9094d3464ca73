//! Public verification (证书查询, policy item 16): a certificate found by
//! number and holder name, its signed credential, the issuers' keys and the
//! signed revocation list. A wrong name and an unknown number get the same
//! answer, so numbers cannot be enumerated.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::bodies::public_half;
use super::{Deps, Error};
use crate::domain::body::AssessmentKind;
use crate::domain::credential::{self, BodyKey, CertificateClaims};
use crate::store::{self, bodies::BodyRow, certificates::CertificateRow};

/// The label of the city's own key (the revocation list's issuer).
pub const CITY_ISSUER: &str = "city";

/// The certificate `number` and its body, if `name` (when given) is its
/// holder's. An unknown number and a wrong name take the same work and get
/// the same answer: one lookup by number, one comparison of digests.
#[tracing::instrument(skip_all, fields(certificate_no = number))]
pub async fn find(
    conn: &mut AsyncPgConnection,
    number: &str,
    name: Option<&str>,
) -> Result<(CertificateRow, BodyRow), Error> {
    let cert = store::certificates::find(conn, number).await?;
    let holder = cert.as_ref().map_or("", |c| c.holder_name.as_str());
    let named = name.is_none_or(|n| Sha256::digest(n) == Sha256::digest(holder));
    let cert = cert.filter(|_| named).ok_or(Error::NoCertificateMatches)?;
    let body = store::bodies::find(conn, cert.body_id)
        .await?
        .ok_or_else(|| Error::Internal("certificate without its body".into()))?;
    Ok((cert, body))
}

/// The key the body signs with now, if it has one.
async fn signing_key(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    body_id: uuid::Uuid,
) -> Result<Option<BodyKey>, Error> {
    let Some(row) = store::signing_keys::current(conn, body_id).await? else {
        return Ok(None);
    };
    let seed = deps
        .cipher
        .open(&row.seed_sealed)
        .map_err(|e| Error::Internal(e.to_string()))?;
    BodyKey::from_seed_text(row.key_no, &seed)
        .map(Some)
        .ok_or_else(|| Error::Internal("a stored signing key".into()))
}

/// The certificate as a verifiable credential (Open Badges 3.0), signed
/// with its body's current key (`eddsa-jcs-2022`), for its holder.
#[tracing::instrument(skip_all, fields(certificate_no = number))]
pub async fn signed_credential(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    number: &str,
    name: Option<&str>,
) -> Result<Value, Error> {
    let (c, body) = find(conn, number, name).await?;
    let key = signing_key(conn, deps, body.id)
        .await?
        .ok_or(Error::IssuerKeyMissing)?;
    let kind = c
        .assessment_kind
        .parse::<AssessmentKind>()
        .map_err(|_| Error::stored("kind"))?;
    let issuer_id = deps.issuer_id(&body.code);
    let unsigned = credential::certificate_credential(&CertificateClaims {
        certificate_no: &c.certificate_no,
        holder_name: &c.holder_name,
        issuer_id: &issuer_id,
        issuer_name: &body.name,
        assessment_kind: kind.as_str(),
        assessment_kind_zh: kind.name_zh(),
        occupation_code: &c.occupation_code,
        skill_level: c.skill_level.parse().map_err(|_| Error::stored("level"))?,
        issued_on: c.issued_on,
        status_index: c.status_index,
        status_list_url: &deps.status_list_url(),
    });
    Ok(credential::sign(
        unsigned,
        &key.key,
        &credential::method_id(&issuer_id, key.no),
        c.issued_at,
    ))
}

/// The city's issuer profile: the key that signs the revocation list.
pub fn city_issuer(deps: &Deps<'_>) -> Value {
    let name = format!("Qiancheng skill assessment, city {}", deps.city);
    credential::issuer_profile(
        &deps.issuer_id(CITY_ISSUER),
        &name,
        &[(1, deps.keys.status_list_key().verifying_key())],
    )
}

/// A body's issuer profile (by its 4-digit code) with every key it has
/// signed with.
#[tracing::instrument(skip_all, fields(body_code = code))]
pub async fn body_issuer(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    code: &str,
) -> Result<Value, Error> {
    let body = store::bodies::by_code(conn, code)
        .await?
        .ok_or(Error::IssuerNotFound)?;
    let keys = store::signing_keys::of_body(conn, body.id)
        .await?
        .into_iter()
        .map(|k| public_half(&k).map(|public| (k.key_no, public)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(credential::issuer_profile(
        &deps.issuer_id(code),
        &body.name,
        &keys,
    ))
}

/// The revocation list (Bitstring Status List), signed by the city.
#[tracing::instrument(skip_all)]
pub async fn status_list(conn: &mut AsyncPgConnection, deps: &Deps<'_>) -> Result<Value, Error> {
    let list = store::certificates::status_list(conn).await?;
    let issuer_id = deps.issuer_id(CITY_ISSUER);
    let unsigned = credential::status_list_credential(
        &deps.status_list_url(),
        &issuer_id,
        credential::encode_status_list(&list.revoked, list.highest),
    );
    Ok(credential::sign(
        unsigned,
        &deps.keys.status_list_key(),
        &format!("{issuer_id}#key-1"),
        Utc::now(),
    ))
}
