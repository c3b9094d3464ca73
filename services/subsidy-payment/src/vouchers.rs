//! Training vouchers (职业培训券) as stored: loaded into the domain's
//! [`Voucher`], checked by its rules, written back.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::voucher::{self, Redemption, Scope, State, Voucher, VoucherError};
use crate::store;
use crate::store::schema::vouchers;

/// A voucher row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = vouchers)]
pub struct VoucherRow {
    pub id: Uuid,
    pub person_id: String,
    pub target_group: String,
    pub occupation_code: Option<String>,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub state: String,
    pub enrolment_id: Option<Uuid>,
    pub redeemed_on: Option<NaiveDate>,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
}

impl VoucherRow {
    pub fn to_domain(&self) -> anyhow::Result<Voucher> {
        Ok(Voucher {
            id: self.id,
            holder: ids::PersonId::from_stored(self.person_id.clone()),
            scope: match &self.occupation_code {
                Some(o) => Scope::Targeted(o.parse()?),
                None => Scope::General,
            },
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            state: match (self.state.as_str(), self.enrolment_id, self.redeemed_on) {
                ("redeemed", Some(enrolment_id), Some(on)) => State::Redeemed { enrolment_id, on },
                ("cancelled", ..) => State::Cancelled,
                _ => State::Issued,
            },
        })
    }
}

pub async fn of_person(
    conn: &mut AsyncPgConnection,
    person_id: &str,
) -> QueryResult<Vec<VoucherRow>> {
    vouchers::table
        .filter(vouchers::person_id.eq(person_id))
        .order((vouchers::issued_on, vouchers::id))
        .select(VoucherRow::as_select())
        .load(conn)
        .await
}

/// The voucher redeemed for an enrolment, if any.
pub async fn backing(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> anyhow::Result<Option<Voucher>> {
    let row: Option<VoucherRow> = vouchers::table
        .filter(vouchers::enrolment_id.eq(enrolment_id))
        .select(VoucherRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(|r| r.to_domain()).transpose()
}

/// Redeems the voucher `reference` for an enrolment delivery reported.
/// A reference that is unknown or cannot be used is refused by the rules
/// and changes nothing; the enrolment is then simply not voucher-backed.
pub async fn redeem_for_enrolment(
    conn: &mut AsyncPgConnection,
    reference: &str,
    r: &Redemption<'_>,
) -> anyhow::Result<Result<(), VoucherError>> {
    let Ok(id) = reference.parse::<Uuid>() else {
        return Ok(Err(VoucherError::NotHolder));
    };
    store::advisory_lock(conn, &format!("vouchers:{}", r.person)).await?;
    let row: Option<VoucherRow> = vouchers::table
        .find(id)
        .select(VoucherRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let Some(row) = row else {
        return Ok(Err(VoucherError::NotHolder));
    };
    let current = row.to_domain()?;
    if current.state
        == (State::Redeemed {
            enrolment_id: r.enrolment_id,
            on: row.redeemed_on.unwrap_or(r.on),
        })
    {
        return Ok(Ok(()));
    }
    match voucher::redeem(&current, r) {
        Ok(_) => {
            diesel::update(vouchers::table.find(id))
                .set((
                    vouchers::state.eq("redeemed"),
                    vouchers::enrolment_id.eq(r.enrolment_id),
                    vouchers::redeemed_on.eq(r.on),
                ))
                .execute(conn)
                .await?;
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(e)),
    }
}
