//! Training vouchers (职业培训券) as stored, read back into the domain's
//! [`Voucher`].

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::vouchers;
use super::StoreError;
use crate::domain::voucher::{Scope, State, Voucher};

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

/// The stored words of a voucher's state.
pub const ISSUED: &str = "issued";
const REDEEMED: &str = "redeemed";
const CANCELLED: &str = "cancelled";

impl VoucherRow {
    /// The voucher as the rules see it; a state the row cannot support (an
    /// unknown word, a redemption without its enrolment) is a corrupt row.
    pub fn to_domain(&self) -> Result<Voucher, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("voucher {}: {what}", self.id));
        Ok(Voucher {
            id: self.id,
            holder: ids::PersonId::from_stored(self.person_id.clone()),
            scope: match &self.occupation_code {
                Some(o) => Scope::Targeted(o.parse().map_err(|e| corrupt(format!("{e}")))?),
                None => Scope::General,
            },
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            state: match (self.state.as_str(), self.enrolment_id, self.redeemed_on) {
                (ISSUED, ..) => State::Issued,
                (REDEEMED, Some(enrolment_id), Some(on)) => State::Redeemed { enrolment_id, on },
                (CANCELLED, ..) => State::Cancelled,
                (other, ..) => return Err(corrupt(format!("state {other:?}"))),
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

/// A person's vouchers oldest first, after the (issued_on, id) `after`,
/// `limit` at most: a page of their list.
pub async fn page_of_person(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<VoucherRow>> {
    let mut q = vouchers::table
        .filter(vouchers::person_id.eq(person_id))
        .into_boxed();
    if let Some((on, id)) = after {
        q = q.filter(
            vouchers::issued_on
                .gt(on)
                .or(vouchers::issued_on.eq(on).and(vouchers::id.gt(id))),
        );
    }
    q.order((vouchers::issued_on, vouchers::id))
        .limit(limit)
        .select(VoucherRow::as_select())
        .load(conn)
        .await
}

/// The voucher redeemed for an enrolment, if any.
pub async fn redeemed_for(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<Option<VoucherRow>> {
    vouchers::table
        .filter(vouchers::enrolment_id.eq(enrolment_id))
        .select(VoucherRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The voucher, locked for its redemption.
pub async fn for_update(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<VoucherRow>> {
    vouchers::table
        .find(id)
        .select(VoucherRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_redeemed(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    enrolment_id: Uuid,
    on: NaiveDate,
) -> QueryResult<()> {
    diesel::update(vouchers::table.find(id))
        .set((
            vouchers::state.eq(REDEEMED),
            vouchers::enrolment_id.eq(enrolment_id),
            vouchers::redeemed_on.eq(on),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &VoucherRow) -> QueryResult<()> {
    diesel::insert_into(vouchers::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}
