//! Real-name enrolment (实名制): the citizen ID and phone are sealed at rest
//! with a keyed hash beside them for lookups, the roster answers them
//! masked, and events carry only the pseudonymous person id.

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use contracts::delivery::{TRAINEE_ENROLLED, TRAINEE_WITHDRAWN};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CitizenId, PersonIdKey, PiiCipher, TargetGroup};
use platform::auth::Principal;
use uuid::Uuid;

use super::classes::{lock_visible, visible};
use super::Error;
use crate::domain::class::{check_enrolment, ClassStatus};
use crate::events;
use crate::store::enrolments::{self, EnrolmentRow};

/// A trainee as checked at the door. Deliberately not `Debug`: it holds
/// the citizen ID and phone in clear.
pub struct Trainee {
    pub citizen: CitizenId,
    /// Trimmed.
    pub name: String,
    /// An 11-digit mobile number.
    pub phone: String,
    pub target_group: TargetGroup,
    /// Training voucher (职业培训券) reference, if the class is paid by voucher.
    pub voucher_ref: Option<String>,
}

/// The keys personal data is sealed and pseudonymised with.
#[derive(Clone, Copy)]
pub struct Keys<'a> {
    pub cipher: &'a PiiCipher,
    pub person_ids: &'a PersonIdKey,
}

/// The roster row of a trainee: personal data sealed, masked and hashed.
fn sealed(keys: Keys<'_>, class_id: Uuid, trainee: &Trainee, enrolled_by: &str) -> EnrolmentRow {
    EnrolmentRow {
        id: Uuid::now_v7(),
        class_id,
        person_id: keys.person_ids.person_id(&trainee.citizen).to_string(),
        citizen_lookup: keys.cipher.lookup_hash(trainee.citizen.expose()),
        citizen_sealed: keys.cipher.seal(trainee.citizen.expose()),
        citizen_masked: trainee.citizen.masked(),
        name: trainee.name.clone(),
        phone_sealed: keys.cipher.seal(&trainee.phone),
        target_group: trainee.target_group.as_str().to_owned(),
        voucher_ref: trainee.voucher_ref.clone(),
        enrolled_by: enrolled_by.to_owned(),
        enrolled_at: Utc::now(),
        outcome: None,
        attended_hours: None,
        withdrawn_at: None,
        withdrawal_reason: None,
    }
}

/// Enrols a trainee in an approved class with room, within `grace` of its
/// start, unless the person is in a class at the same time. Runs in the
/// caller's transaction (the request's idempotency key is recorded in it).
#[tracing::instrument(skip_all, fields(class_id = %class_id, enrolment_id))]
pub async fn enrol(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    keys: Keys<'_>,
    grace: Duration,
    class_id: Uuid,
    trainee: Trainee,
) -> Result<EnrolmentRow, Error> {
    let row = sealed(keys, class_id, &trainee, who.subject());
    tracing::Span::current().record("enrolment_id", tracing::field::display(row.id));
    let class = lock_visible(conn, who, class_id).await?;
    let enrolled = enrolments::enrolled_count(conn, class_id).await?;
    let overlapping =
        enrolments::in_overlapping_class(conn, &row.citizen_lookup, class.starts_at, class.ends_at)
            .await?;
    if let Some((code, message)) = check_enrolment(
        class.status.parse().context("a class's status")?,
        class.starts_at,
        Utc::now(),
        grace,
        enrolled,
        class.capacity,
        overlapping,
    ) {
        return Err(Error::Refused { code, message });
    }
    enrolments::insert(conn, &row).await?;
    let phone_lookup = keys.cipher.lookup_hash(&trainee.phone);
    let facts = events::PersonFacts {
        citizen: &trainee.citizen,
        phone_lookup: &phone_lookup,
    };
    let event = events::enrolment(&class, &row, TRAINEE_ENROLLED, Some(facts))?;
    messaging::enqueue(conn, &[event]).await?;
    Ok(row)
}

/// A page of the roster of a class the caller may see, oldest enrolment
/// first: at most `limit` enrolments after `after`, the previous page's
/// last `(enrolled_at, id)`.
#[tracing::instrument(skip_all, fields(class_id = %class_id))]
pub async fn roster(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    class_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<EnrolmentRow>, Error> {
    let class = visible(conn, who, class_id).await?;
    Ok(enrolments::roster_page(conn, class.id, after, limit).await?)
}

/// A trainee leaves the roster of a class not yet closed, with the reason.
#[tracing::instrument(skip_all, fields(class_id = %class_id, enrolment_id = %enrolment_id))]
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    class_id: Uuid,
    enrolment_id: Uuid,
    reason: String,
) -> Result<EnrolmentRow, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let class = lock_visible(conn, who, class_id).await?;
            if class.status == ClassStatus::Closed.as_str() {
                return Err(Error::ClassClosed);
            }
            let row = enrolments::roster(conn, class_id)
                .await?
                .into_iter()
                .find(|e| e.id == enrolment_id)
                .ok_or(Error::EnrolmentNotFound)?;
            if row.withdrawn_at.is_some() {
                return Err(Error::AlreadyWithdrawn);
            }
            enrolments::withdraw(conn, enrolment_id, &reason).await?;
            let event = events::enrolment(&class, &row, TRAINEE_WITHDRAWN, None)?;
            messaging::enqueue(conn, &[event]).await?;
            enrolments::roster(conn, class_id)
                .await?
                .into_iter()
                .find(|e| e.id == enrolment_id)
                .ok_or(Error::ClassNotFound)
        }
        .scope_boxed()
    })
    .await
}
