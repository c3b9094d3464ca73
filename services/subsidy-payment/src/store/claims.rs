//! Claims (补贴申领) as stored: one row per claim, its status one of
//! [`ClaimStatus`]'s words.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{claims, institutions};
use super::StoreError;
use crate::domain::status::{self, ClaimStatus};
use crate::domain::subsidy::SubsidyKind;

/// A claim as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = claims)]
pub struct ClaimRow {
    pub id: Uuid,
    pub city: String,
    pub kind: String,
    pub person_id: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub statistical_year: i32,
    pub source_ref: String,
    pub institution_id: Option<Uuid>,
    pub payee: String,
    pub fund: Option<String>,
    pub standard_fen: i64,
    pub amount_fen: i64,
    pub status: String,
    pub risk_score: i32,
    pub reasons: serde_json::Value,
    pub findings: serde_json::Value,
    pub approval_tx: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
    pub paid_on: Option<NaiveDate>,
}

impl ClaimRow {
    /// The stored status; one this version does not know is a corrupt row.
    pub fn status(&self) -> Result<ClaimStatus, StoreError> {
        self.status
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("claim {}: {e}", self.id)))
    }

    pub fn kind(&self) -> Result<SubsidyKind, StoreError> {
        self.kind
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("claim {}: {e}", self.id)))
    }

    pub fn set_status(&mut self, status: ClaimStatus) {
        status.as_str().clone_into(&mut self.status);
    }
}

pub async fn claim(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ClaimRow>> {
    claims::table
        .find(id)
        .select(ClaimRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The claim, locked for a change of status.
pub async fn claim_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ClaimRow>> {
    claims::table
        .find(id)
        .select(ClaimRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Claims of `ids`, locked in the order payout batches lock them.
pub async fn claims_for_update(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<ClaimRow>> {
    claims::table
        .filter(claims::id.eq_any(ids))
        .order((claims::created_at, claims::id))
        .select(ClaimRow::as_select())
        .for_update()
        .load(conn)
        .await
}

/// The claim of `kind` resting on the evidence `source_ref`, if any.
pub async fn by_source(
    conn: &mut AsyncPgConnection,
    kind: SubsidyKind,
    source_ref: &str,
) -> QueryResult<Option<ClaimRow>> {
    claims::table
        .filter(claims::kind.eq(kind.as_str()))
        .filter(claims::source_ref.eq(source_ref))
        .select(ClaimRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Whether a claim of `kind` already rests on `source_ref`.
pub async fn claimed(
    conn: &mut AsyncPgConnection,
    kind: SubsidyKind,
    source_ref: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        claims::table.filter(
            claims::kind
                .eq(kind.as_str())
                .and(claims::source_ref.eq(source_ref)),
        ),
    ))
    .get_result(conn)
    .await
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &ClaimRow) -> QueryResult<()> {
    diesel::insert_into(claims::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Which claims a list shows: the city's, narrowed by who asks and by
/// the query.
#[derive(Debug, Default)]
pub struct ClaimFilter {
    pub city: String,
    /// Only this payee's (an enterprise's own).
    pub payee: Option<String>,
    /// Only claims of the institution with this credit code.
    pub institution_credit_code: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub person_id: Option<String>,
    /// After this (created_at, id), oldest first.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(conn: &mut AsyncPgConnection, f: &ClaimFilter) -> QueryResult<Vec<ClaimRow>> {
    let mut q = claims::table.filter(claims::city.eq(&f.city)).into_boxed();
    if let Some(payee) = &f.payee {
        q = q.filter(claims::payee.eq(payee));
    }
    if let Some(org) = &f.institution_credit_code {
        let own = institutions::table
            .filter(institutions::credit_code.eq(org))
            .select(institutions::institution_id.nullable());
        q = q.filter(claims::institution_id.eq_any(own));
    }
    if let Some(s) = &f.status {
        q = q.filter(claims::status.eq(s));
    }
    if let Some(k) = &f.kind {
        q = q.filter(claims::kind.eq(k));
    }
    if let Some(p) = &f.person_id {
        q = q.filter(claims::person_id.eq(p));
    }
    if let Some((at, id)) = f.after {
        q = q.filter(
            claims::created_at
                .gt(at)
                .or(claims::created_at.eq(at).and(claims::id.gt(id))),
        );
    }
    q.order((claims::created_at, claims::id))
        .limit(f.limit)
        .select(ClaimRow::as_select())
        .load(conn)
        .await
}

/// A person's claims in a city (their receipts), oldest first, after the
/// (created_at, id) `after`, `limit` at most.
pub async fn of_person(
    conn: &mut AsyncPgConnection,
    city: &str,
    person_id: &str,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ClaimRow>> {
    let mut q = claims::table
        .filter(claims::person_id.eq(person_id))
        .filter(claims::city.eq(city))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            claims::created_at
                .gt(at)
                .or(claims::created_at.eq(at).and(claims::id.gt(id))),
        );
    }
    q.order((claims::created_at, claims::id))
        .limit(limit)
        .select(ClaimRow::as_select())
        .load(conn)
        .await
}

/// The grant a claim holds: kind, occupation, level and year.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = claims)]
pub struct GrantRow {
    pub kind: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub statistical_year: i32,
}

/// Grants the person's live claims hold, but the one resting on `besides`.
pub async fn grants_of(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    besides: Option<&str>,
) -> QueryResult<Vec<GrantRow>> {
    let mut q = claims::table
        .filter(claims::person_id.eq(person_id))
        .filter(claims::status.ne_all(status::WITHOUT_GRANT.map(ClaimStatus::as_str)))
        .into_boxed();
    if let Some(source) = besides {
        q = q.filter(claims::source_ref.ne(source));
    }
    q.select(GrantRow::as_select()).load(conn).await
}

/// Claims made to `payee` in `(from, to]`.
pub async fn made_to_between(
    conn: &mut AsyncPgConnection,
    payee: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<i64> {
    claims::table
        .filter(claims::payee.eq(payee))
        .filter(claims::created_at.gt(from).and(claims::created_at.le(to)))
        .count()
        .get_result(conn)
        .await
}

/// Evidence already claimed: (kind, source_ref) of a year's claims.
pub async fn sources_in_year(
    conn: &mut AsyncPgConnection,
    year: i32,
) -> QueryResult<Vec<(String, String)>> {
    claims::table
        .filter(claims::statistical_year.eq(year))
        .select((claims::kind, claims::source_ref))
        .load(conn)
        .await
}

/// Evidence already claimed by a kind of claim, whatever the year.
pub async fn sources_of_kind(
    conn: &mut AsyncPgConnection,
    kind: SubsidyKind,
) -> QueryResult<Vec<String>> {
    claims::table
        .filter(claims::kind.eq(kind.as_str()))
        .select(claims::source_ref)
        .load(conn)
        .await
}

/// Training and certificate claims resting on a person's certificates of
/// one occupation and level, locked in the order payout batches lock them.
pub async fn resting_on_certificate_for_update(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    occupation: &str,
    level: &str,
) -> QueryResult<Vec<ClaimRow>> {
    claims::table
        .filter(
            claims::person_id
                .eq(person_id)
                .and(claims::occupation_code.eq(occupation))
                .and(claims::skill_level.eq(level))
                .and(claims::kind.eq_any([
                    SubsidyKind::Training.as_str(),
                    SubsidyKind::Certificate.as_str(),
                ])),
        )
        .order((claims::created_at, claims::id))
        .select(ClaimRow::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Approved claims of a fund in a city, oldest first, locked for a batch.
pub async fn approved_for_update(
    conn: &mut AsyncPgConnection,
    city: &str,
    fund: &str,
) -> QueryResult<Vec<ClaimRow>> {
    claims::table
        .filter(claims::city.eq(city))
        .filter(claims::status.eq(ClaimStatus::Approved.as_str()))
        .filter(claims::fund.eq(fund))
        .order((claims::created_at, claims::id))
        .select(ClaimRow::as_select())
        .for_update()
        .load(conn)
        .await
}

pub async fn set_approval_tx(conn: &mut AsyncPgConnection, id: Uuid, tx: Uuid) -> QueryResult<()> {
    diesel::update(claims::table.find(id))
        .set(claims::approval_tx.eq(tx))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: ClaimStatus,
) -> QueryResult<()> {
    diesel::update(claims::table.find(id))
        .set(claims::status.eq(status.as_str()))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Paid on `on` (confirmed by the bank), or back to approved after a
/// failed transfer (`on` none).
pub async fn set_paid_on(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: ClaimStatus,
    on: Option<NaiveDate>,
) -> QueryResult<()> {
    diesel::update(claims::table.find(id))
        .set((claims::status.eq(status.as_str()), claims::paid_on.eq(on)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Someone's decision on a claim, as it is written.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = claims, treat_none_as_null = true)]
pub struct DecisionChange<'a> {
    pub status: &'a str,
    pub decided_by: &'a str,
    pub decided_at: DateTime<Utc>,
    pub review_note: Option<&'a str>,
}

pub async fn decide(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    change: &DecisionChange<'_>,
) -> QueryResult<()> {
    diesel::update(claims::table.find(id))
        .set(change)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A decision that adds fraud findings and their score.
pub async fn decide_with_findings(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    change: &DecisionChange<'_>,
    findings: serde_json::Value,
    risk_score: i32,
) -> QueryResult<()> {
    diesel::update(claims::table.find(id))
        .set((
            change,
            claims::findings.eq(findings),
            claims::risk_score.eq(risk_score),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
