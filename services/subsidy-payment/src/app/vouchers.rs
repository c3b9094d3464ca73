//! Training vouchers (职业培训券): issued by officers to eligible people,
//! redeemed when delivery reports an enrolment that uses one; the rules
//! are the domain's, applied under a per-person lock.

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use ids::{OccupationCode, PersonId};
use uuid::Uuid;

use super::Error;
use crate::domain::subsidy::TargetGroup;
use crate::domain::voucher::{self, Redemption, Scope, State, Voucher, VoucherError};
use crate::store;
use crate::store::vouchers::{self, VoucherRow};

/// The voucher redeemed for an enrolment, if any.
pub async fn backing(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> Result<Option<Voucher>, Error> {
    Ok(vouchers::redeemed_for(conn, enrolment_id)
        .await?
        .map(|r| r.to_domain())
        .transpose()?)
}

/// Redeems the voucher `reference` for an enrolment delivery reported.
/// A reference that is unknown or cannot be used is refused by the rules
/// and changes nothing; the enrolment is then simply not voucher-backed.
#[tracing::instrument(skip_all, fields(enrolment = %r.enrolment_id))]
pub async fn redeem_for_enrolment(
    conn: &mut AsyncPgConnection,
    reference: &str,
    r: &Redemption<'_>,
) -> Result<Result<(), VoucherError>, Error> {
    let Ok(id) = reference.parse::<Uuid>() else {
        return Ok(Err(VoucherError::NotHolder));
    };
    store::advisory_lock(conn, &format!("vouchers:{}", r.person)).await?;
    let Some(row) = vouchers::for_update(conn, id).await? else {
        return Ok(Err(VoucherError::NotHolder));
    };
    let current = row.to_domain()?;
    let again = State::Redeemed {
        enrolment_id: r.enrolment_id,
        on: row.redeemed_on.unwrap_or(r.on),
    };
    if current.state == again {
        return Ok(Ok(()));
    }
    match voucher::redeem(&current, r) {
        Ok(_) => {
            vouchers::mark_redeemed(conn, id, r.enrolment_id, r.on).await?;
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// What an officer asks to issue.
pub struct Issue<'a> {
    pub person_id: &'a str,
    pub group: TargetGroup,
    pub occupation: Option<OccupationCode>,
    pub valid_until: Option<NaiveDate>,
    pub by: &'a str,
}

/// Issues a voucher: at most three months, one unused voucher of a scope
/// per person (the rules refuse anything else, changing nothing).
#[tracing::instrument(skip_all)]
pub async fn issue(conn: &mut AsyncPgConnection, i: Issue<'_>) -> Result<VoucherRow, Error> {
    store::advisory_lock(conn, &format!("vouchers:{}", i.person_id)).await?;
    let held: Vec<Voucher> = vouchers::of_person(conn, i.person_id)
        .await?
        .iter()
        .map(VoucherRow::to_domain)
        .collect::<Result<_, _>>()?;
    let today = ids::business_date(Utc::now());
    let scope = match i.occupation.clone() {
        Some(o) => Scope::Targeted(o),
        None => Scope::General,
    };
    let issued = voucher::issue(
        Uuid::now_v7(),
        PersonId::from_stored(i.person_id),
        Some(i.group),
        scope,
        today,
        i.valid_until,
        &held,
    )
    .map_err(Error::VoucherRefused)?;
    let row = VoucherRow {
        id: issued.id,
        person_id: i.person_id.to_owned(),
        target_group: i.group.as_str().to_owned(),
        occupation_code: i.occupation.map(|o| o.as_str().to_owned()),
        issued_on: issued.issued_on,
        valid_until: issued.valid_until,
        state: vouchers::ISSUED.to_owned(),
        enrolment_id: None,
        redeemed_on: None,
        issued_by: i.by.to_owned(),
        issued_at: Utc::now(),
    };
    vouchers::insert(conn, &row).await?;
    Ok(row)
}

/// A page of a person's vouchers, oldest first, after the (issued_on, id)
/// `after`, `limit` at most.
pub async fn of_person(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Vec<VoucherRow>, Error> {
    Ok(vouchers::page_of_person(conn, person_id, after, limit).await?)
}
