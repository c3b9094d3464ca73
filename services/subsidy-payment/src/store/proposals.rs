//! Proposals awaiting a second officer, and the bank-account history they
//! leave behind.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{payee_account_history, payee_accounts, proposals};
use crate::domain::dual_control::{ProposalKind, ProposalStatus};

/// A proposal as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposals)]
pub struct ProposalRow {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub summary: serde_json::Value,
    pub payload: serde_json::Value,
    pub sealed: Option<Vec<u8>>,
    pub status: String,
    pub proposed_by: String,
    pub proposed_role: String,
    pub proposed_org: Option<String>,
    pub proposed_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub outcome: Option<serde_json::Value>,
}

/// A new proposal.
#[derive(Debug, Insertable)]
#[diesel(table_name = proposals)]
pub struct NewProposal<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub subject: &'a str,
    pub summary: &'a serde_json::Value,
    pub payload: &'a serde_json::Value,
    pub sealed: Option<&'a [u8]>,
    pub status: &'a str,
    pub proposed_by: &'a str,
    pub proposed_role: &'a str,
    pub proposed_org: Option<&'a str>,
    pub proposed_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Records open proposals of `kind` about `subject` whose time ran out as
/// expired, so a new one may be made.
pub async fn expire_stale(
    conn: &mut AsyncPgConnection,
    kind: ProposalKind,
    subject: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        proposals::table
            .filter(proposals::kind.eq(kind.as_str()))
            .filter(proposals::subject.eq(subject))
            .filter(proposals::status.eq(ProposalStatus::Pending.as_str()))
            .filter(proposals::expires_at.le(now)),
    )
    .set((
        proposals::status.eq(ProposalStatus::Expired.as_str()),
        proposals::decided_at.eq(now),
    ))
    .execute(conn)
    .await
}

/// Inserts a proposal; `false` when one about the same thing is open.
pub async fn insert(conn: &mut AsyncPgConnection, new: &NewProposal<'_>) -> QueryResult<bool> {
    Ok(diesel::insert_into(proposals::table)
        .values(new)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?
        == 1)
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ProposalRow>> {
    proposals::table
        .find(id)
        .select(ProposalRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The proposal, locked until the transaction ends: one decision at a time.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ProposalRow>> {
    proposals::table
        .find(id)
        .select(ProposalRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Records how a proposal ended.
pub async fn decide(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: ProposalStatus,
    by: Option<&str>,
    note: Option<&str>,
    outcome: Option<&serde_json::Value>,
) -> QueryResult<()> {
    diesel::update(proposals::table.find(id))
        .set((
            proposals::status.eq(status.as_str()),
            proposals::decided_by.eq(by),
            proposals::decided_at.eq(Utc::now()),
            proposals::note.eq(note),
            proposals::outcome.eq(outcome),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Which proposals a list shows.
#[derive(Debug, Default)]
pub struct ProposalFilter<'a> {
    pub status: Option<ProposalStatus>,
    pub kind: Option<ProposalKind>,
    /// Only those this subject proposed…
    pub proposed_by: Option<&'a str>,
    /// …acting for this organisation.
    pub proposed_org: Option<&'a str>,
    /// After this `(proposed_at, id)`, oldest first.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Proposals as `f` asks, oldest first, `f.limit` at most.
pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &ProposalFilter<'_>,
) -> QueryResult<Vec<ProposalRow>> {
    let mut q = proposals::table
        .select(ProposalRow::as_select())
        .order((proposals::proposed_at, proposals::id))
        .limit(f.limit)
        .into_boxed();
    match f.status {
        // Open and in time: what a checker can still act on.
        Some(ProposalStatus::Pending) => {
            q = q
                .filter(proposals::status.eq(ProposalStatus::Pending.as_str()))
                .filter(proposals::expires_at.gt(Utc::now()));
        }
        Some(ProposalStatus::Expired) => {
            q = q.filter(
                proposals::status
                    .eq(ProposalStatus::Expired.as_str())
                    .or(proposals::status
                        .eq(ProposalStatus::Pending.as_str())
                        .and(proposals::expires_at.le(Utc::now()))),
            );
        }
        Some(other) => q = q.filter(proposals::status.eq(other.as_str())),
        None => {}
    }
    if let Some(kind) = f.kind {
        q = q.filter(proposals::kind.eq(kind.as_str()));
    }
    if let Some(by) = f.proposed_by {
        q = q.filter(proposals::proposed_by.eq(by));
    }
    if let Some(org) = f.proposed_org {
        q = q.filter(proposals::proposed_org.eq(org));
    }
    if let Some((at, id)) = f.after {
        q = q.filter(
            proposals::proposed_at
                .gt(at)
                .or(proposals::proposed_at.eq(at).and(proposals::id.gt(id))),
        );
    }
    q.load(conn).await
}

/// A payee's account as sealed and masked, if one is set.
pub async fn account_masked(
    conn: &mut AsyncPgConnection,
    payee: &str,
) -> QueryResult<Option<String>> {
    payee_accounts::table
        .find(payee)
        .select(payee_accounts::account_masked)
        .first(conn)
        .await
        .optional()
}

/// What an approved account change writes.
pub struct AccountChange<'a> {
    pub payee: &'a str,
    pub sealed: &'a [u8],
    pub lookup: &'a [u8],
    pub masked: &'a str,
    pub account_name: &'a str,
    pub proposal_id: Uuid,
    pub proposed_by: &'a str,
    pub proposed_at: DateTime<Utc>,
    pub approved_by: &'a str,
}

/// Sets the payee's account and appends the change to its history.
pub async fn set_account(conn: &mut AsyncPgConnection, c: &AccountChange<'_>) -> QueryResult<()> {
    let old = account_masked(conn, c.payee).await?;
    let now = Utc::now();
    let row = (
        payee_accounts::payee.eq(c.payee),
        payee_accounts::account_sealed.eq(c.sealed),
        payee_accounts::account_lookup.eq(c.lookup),
        payee_accounts::account_masked.eq(c.masked),
        payee_accounts::account_name.eq(c.account_name),
        payee_accounts::updated_by.eq(c.proposed_by),
        payee_accounts::updated_at.eq(now),
        payee_accounts::approved_by.eq(c.approved_by),
    );
    diesel::insert_into(payee_accounts::table)
        .values(row)
        .on_conflict(payee_accounts::payee)
        .do_update()
        .set(row)
        .execute(conn)
        .await?;
    diesel::insert_into(payee_account_history::table)
        .values((
            payee_account_history::id.eq(Uuid::now_v7()),
            payee_account_history::payee.eq(c.payee),
            payee_account_history::old_masked.eq(old),
            payee_account_history::new_masked.eq(c.masked),
            payee_account_history::account_name.eq(c.account_name),
            payee_account_history::proposal_id.eq(c.proposal_id),
            payee_account_history::proposed_by.eq(c.proposed_by),
            payee_account_history::proposed_at.eq(c.proposed_at),
            payee_account_history::approved_by.eq(c.approved_by),
            payee_account_history::approved_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// One change of a payee's account.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payee_account_history)]
pub struct AccountHistoryRow {
    pub old_masked: Option<String>,
    pub new_masked: String,
    pub account_name: String,
    pub proposal_id: Uuid,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
}

pub async fn account_history(
    conn: &mut AsyncPgConnection,
    payee: &str,
) -> QueryResult<Vec<AccountHistoryRow>> {
    payee_account_history::table
        .filter(payee_account_history::payee.eq(payee))
        .order((
            payee_account_history::approved_at,
            payee_account_history::id,
        ))
        .select(AccountHistoryRow::as_select())
        .load(conn)
        .await
}
