//! Assessment bodies (评价机构): filed by the bureau, suspended and
//! reinstated with reasons, given credential signing keys, their assessors
//! (考评员) and supervisors (督导员) registered.

use chrono::{DateTime, NaiveDate, Utc};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use platform::auth::Principal;
use uuid::Uuid;

use super::{may_see, visible, Deps, Error};
use crate::domain::body::{BodyKind, BodyStatus, ScopeItem, StaffRole};
use crate::domain::credential::BodyKey;
use crate::store::{
    self,
    bodies::{ActionRow, BodyFilter, BodyRow},
    signing_keys::SigningKeyRow,
    staff::StaffRow,
};

/// A body with everything its page shows.
pub struct Profile {
    pub body: BodyRow,
    pub scope: Vec<ScopeItem>,
    pub staff: Vec<StaffRow>,
    pub history: Vec<ActionRow>,
    /// Every key it has signed with, the first first.
    pub signing_keys: Vec<SigningKeyRow>,
}

async fn profile(conn: &mut AsyncPgConnection, body: BodyRow) -> Result<Profile, Error> {
    Ok(Profile {
        scope: store::bodies::scope_of(conn, body.id).await?,
        staff: store::staff::of_body(conn, body.id).await?,
        history: store::bodies::actions_of(conn, body.id).await?,
        signing_keys: store::signing_keys::of_body(conn, body.id).await?,
        body,
    })
}

/// A body as the bureau files it (备案), its fields checked.
pub struct Filing {
    pub credit_code: String,
    pub name: String,
    pub kind: BodyKind,
    pub lead_enterprise: bool,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub scope: Vec<ScopeItem>,
}

/// A fresh key for a body, its seed sealed with the service's key.
fn new_signing_key(deps: &Deps<'_>, body_id: Uuid, no: i32, by: &str) -> SigningKeyRow {
    let key = BodyKey {
        no,
        key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
    };
    SigningKeyRow {
        body_id,
        key_no: no,
        public_key: key.key.verifying_key().to_bytes().to_vec(),
        seed_sealed: deps.cipher.seal(&key.seed_text()),
        created_by: by.to_owned(),
        created_at: Utc::now(),
        retired_at: None,
    }
}

/// Files a body with its first signing key; one body per credit code.
#[tracing::instrument(skip_all, fields(body_id = tracing::field::Empty))]
pub async fn file(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    by: &str,
    filing: Filing,
) -> Result<Profile, Error> {
    if store::bodies::by_credit_code(conn, &filing.credit_code)
        .await?
        .is_some()
    {
        return Err(Error::BodyAlreadyFiled);
    }
    let row = BodyRow {
        id: Uuid::now_v7(),
        city: deps.city.to_string(),
        credit_code: filing.credit_code,
        name: filing.name,
        kind: filing.kind.as_str().to_owned(),
        lead_enterprise: filing.lead_enterprise,
        code: store::bodies::next_code(conn).await?,
        valid_from: filing.valid_from,
        valid_until: filing.valid_until,
        status: BodyStatus::Active.as_str().into(),
        filed_by: by.to_owned(),
        filed_at: Utc::now(),
    };
    tracing::Span::current().record("body_id", tracing::field::display(row.id));
    store::bodies::insert(conn, &row, &filing.scope).await?;
    store::signing_keys::replace(conn, &new_signing_key(deps, row.id, 1, by)).await?;
    store::bodies::record_action(conn, row.id, "filed", "filed with the bureau", by).await?;
    profile(conn, row).await
}

/// A body in full, for the bureau and the body itself.
#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    id: Uuid,
) -> Result<Profile, Error> {
    let body = store::bodies::find(conn, id)
        .await?
        .filter(|b| may_see(who, deps.city, b))
        .ok_or(Error::BodyNotFound)?;
    profile(conn, body).await
}

/// What a list of bodies is narrowed to, checked.
#[derive(Debug, Clone, Copy)]
pub struct BodyQuery {
    pub status: Option<BodyStatus>,
    /// After this (filed_at, id).
    pub after: Option<(DateTime<Utc>, Uuid)>,
    /// Rows to read: the page and one more.
    pub limit: i64,
}

/// The bodies the caller may see, oldest filing first: the city's for the
/// bureau, its own for a body's people.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    query: BodyQuery,
) -> Result<Vec<BodyRow>, Error> {
    let Some(visible) = visible(who, deps.city) else {
        return Ok(Vec::new());
    };
    let filter = BodyFilter {
        visible,
        status: query.status.map(BodyStatus::as_str),
        after: query.after,
        limit: query.limit,
    };
    Ok(store::bodies::list(conn, &filter).await?)
}

/// Suspends an active body: it can then neither schedule, record nor
/// certify.
#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn suspend(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: String,
    by: &str,
) -> Result<Profile, Error> {
    change_status(
        conn,
        id,
        reason,
        by,
        BodyStatus::Active,
        BodyStatus::Suspended,
    )
    .await
}

/// Lifts a suspension.
#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn reinstate(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: String,
    by: &str,
) -> Result<Profile, Error> {
    change_status(
        conn,
        id,
        reason,
        by,
        BodyStatus::Suspended,
        BodyStatus::Active,
    )
    .await
}

async fn change_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: String,
    by: &str,
    from: BodyStatus,
    to: BodyStatus,
) -> Result<Profile, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let row = store::bodies::for_update(conn, id)
                .await?
                .ok_or(Error::BodyNotFound)?;
            if row.status != from.as_str() {
                return Err(Error::BodyStatus(row.status));
            }
            store::bodies::set_status(conn, id, to.as_str(), &reason, by).await?;
            profile(
                conn,
                BodyRow {
                    status: to.as_str().to_owned(),
                    ..row
                },
            )
            .await
        }
        .scope_boxed()
    })
    .await
}

/// A stored key's public half.
pub fn public_half(row: &SigningKeyRow) -> Result<ed25519_dalek::VerifyingKey, Error> {
    ed25519_dalek::VerifyingKey::try_from(row.public_key.as_slice())
        .map_err(|_| Error::Internal("a stored public key".into()))
}

/// A body's new signing key, and the body's code (its issuer id).
pub struct Rotated {
    pub body_code: String,
    pub key: SigningKeyRow,
}

/// Gives a body a new signing key (or its first, for a body filed before
/// keys were kept per body); the old one stays in its profile, so what it
/// signed still verifies.
#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn rotate_signing_key(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    id: Uuid,
    by: &str,
) -> Result<Rotated, Error> {
    let body = store::bodies::for_update(conn, id)
        .await?
        .ok_or(Error::BodyNotFound)?;
    let next = store::signing_keys::of_body(conn, id)
        .await?
        .last()
        .map_or(1, |k| k.key_no + 1);
    let key = new_signing_key(deps, id, next, by);
    store::signing_keys::replace(conn, &key).await?;
    store::bodies::record_action(
        conn,
        id,
        "signing_key_rotated",
        &format!("signing key {next} in force"),
        by,
    )
    .await?;
    Ok(Rotated {
        body_code: body.code,
        key,
    })
}

/// An assessor or supervisor to register, its fields checked.
pub struct NewStaff {
    pub role: StaffRole,
    pub name: String,
    pub credential_no: String,
}

/// Registers an assessor (考评员) or supervisor (督导员) of a body: by the
/// bureau or the body itself; a credential number once per body.
#[tracing::instrument(skip_all, fields(body_id = %body_id))]
pub async fn register_staff(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    body_id: Uuid,
    staff: NewStaff,
) -> Result<StaffRow, Error> {
    let body = store::bodies::find(conn, body_id)
        .await?
        .filter(|b| may_see(who, deps.city, b))
        .ok_or(Error::BodyNotFound)?;
    let row = StaffRow {
        id: Uuid::now_v7(),
        body_id: body.id,
        role: staff.role.as_str().to_owned(),
        name: staff.name,
        credential_no: staff.credential_no,
        registered_at: Utc::now(),
    };
    if !store::staff::insert(conn, &row).await? {
        return Err(Error::StaffAlreadyRegistered);
    }
    Ok(row)
}
