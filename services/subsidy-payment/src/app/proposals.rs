//! Dual control (双人复核): proposals, and the second officer's decision
//! that applies them (`domain::dual_control` has the rules).
//!
//! A proposal's effect is tried when it is made, inside a transaction that
//! is then rolled back: the proposer hears at once if it cannot apply, and
//! the approver is shown exactly what it will do (the batch's lines, the
//! result file's outcome). On approval it runs again, for real, in the
//! transaction that records the decision; a payout release or bank result
//! that would now do something else than was shown is refused as stale.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ed25519_dalek::VerifyingKey;
use ids::{CityCode, PiiCipher};
use platform::auth::Principal;
use platform::ApiError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{budgets, payouts, rules};
use crate::api::{BankAccountView, NewBatch, NewRules, ProposalView};
use crate::app::claims::Engine;
use crate::domain::dual_control::{self, Open, ProposalKind, ProposalStatus, Refusal};
use crate::domain::file_signature;
use crate::store::proposals::{self as stored, AccountChange, NewProposal, ProposalRow};
use crate::store::{self, StoreError};

/// What a proposal will do once approved.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// The account number itself is sealed beside the payload.
    BankAccount {
        payee: String,
        account_masked: String,
        account_name: String,
    },
    BudgetAllocation(budgets::Change),
    BudgetReduction(budgets::Change),
    Rules(NewRules),
    PayoutRelease(NewBatch),
    /// The bank's file and its detached signature, checked again on
    /// approval.
    BankResult {
        batch_no: String,
        file: String,
        signature: String,
    },
}

impl Payload {
    pub fn kind(&self) -> ProposalKind {
        match self {
            Self::BankAccount { .. } => ProposalKind::BankAccount,
            Self::BudgetAllocation(_) => ProposalKind::BudgetAllocation,
            Self::BudgetReduction(_) => ProposalKind::BudgetReduction,
            Self::Rules(_) => ProposalKind::Rules,
            Self::PayoutRelease(_) => ProposalKind::PayoutRelease,
            Self::BankResult { .. } => ProposalKind::BankResult,
        }
    }

    /// What it changes; one open proposal per subject.
    fn subject(&self, city: CityCode) -> String {
        match self {
            Self::BankAccount { payee, .. } => payee.clone(),
            Self::BudgetAllocation(c) | Self::BudgetReduction(c) => {
                format!("{}:{city}:{}", c.fund.as_str(), c.year)
            }
            Self::Rules(_) => "rules".to_owned(),
            Self::PayoutRelease(b) => b.batch_no.clone(),
            Self::BankResult { batch_no, .. } => batch_no.clone(),
        }
    }

    /// What the approver reads of the request (the file itself is left out).
    fn request(&self) -> serde_json::Value {
        match self {
            Self::BankResult {
                batch_no,
                file,
                signature,
            } => serde_json::json!({
                "batch_no": batch_no,
                "lines": file.lines().count().saturating_sub(1),
                "signature": signature,
            }),
            other => serde_json::to_value(other).unwrap_or_default(),
        }
    }
}

/// What proposing, previewing and applying need.
pub struct Deps<'a> {
    pub pool: &'a db::DbPool,
    pub cipher: &'a PiiCipher,
    pub city: CityCode,
    /// The configuration's rules; the version in force is read inside each
    /// effect's transaction.
    pub engine: &'a Engine,
    /// The bank's keys, by key id, that result files must be signed with.
    pub bank_keys: &'a BTreeMap<String, VerifyingKey>,
    /// How long a proposal waits for a second officer.
    pub ttl: Duration,
    pub cache: &'a platform::public::PublicCache,
}

/// Refuses a bank file whose signature is not one of the bank's.
pub fn check_bank_signature(
    keys: &BTreeMap<String, VerifyingKey>,
    signature: Option<&str>,
    file: &str,
) -> Result<String, ApiError> {
    file_signature::verify(keys, signature, file.as_bytes()).map_err(|p| {
        let detail = match &p {
            file_signature::SignatureProblem::Missing => format!(
                "the bank's file must come with its signature in the {} header",
                file_signature::HEADER
            ),
            file_signature::SignatureProblem::Malformed => {
                "the signature is not keyId=\"…\", algorithm=\"ed25519\", signature=\"…\""
                    .to_owned()
            }
            file_signature::SignatureProblem::UnknownKey(id) => {
                format!("no bank key {id:?} is configured")
            }
            file_signature::SignatureProblem::Invalid => {
                "the signature does not verify: the file was altered or signed by another key"
                    .to_owned()
            }
        };
        ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            p.code(),
            detail,
        )
    })
}

/// The effect of a proposal, inside the caller's transaction.
async fn effect(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    row: &Stored<'_>,
    approved_by: &str,
) -> Result<serde_json::Value, ApiError> {
    let city = deps.city;
    match row.payload {
        Payload::BankAccount {
            payee,
            account_masked,
            account_name,
        } => {
            let sealed = row.sealed.ok_or_else(|| {
                ApiError::internal("a bank-account proposal without its sealed number")
            })?;
            let account_no = deps.cipher.open(sealed).map_err(ApiError::internal)?;
            stored::set_account(
                conn,
                &AccountChange {
                    payee,
                    sealed,
                    lookup: &deps.cipher.lookup_hash(&account_no),
                    masked: account_masked,
                    account_name,
                    proposal_id: row.id,
                    proposed_by: row.proposed_by,
                    proposed_at: row.proposed_at,
                    approved_by,
                },
            )
            .await?;
            json(&BankAccountView {
                payee: payee.clone(),
                account_masked: account_masked.clone(),
                account_name: account_name.clone(),
            })
        }
        Payload::BudgetAllocation(c) | Payload::BudgetReduction(c) => {
            let pot = store::pot(c.fund, city, c.year)?;
            json(&budgets::apply(conn, pot, c, row.proposed_by, approved_by).await?)
        }
        Payload::Rules(r) => {
            let in_force = deps.engine.current(conn).await?.version;
            json(&rules::apply(conn, in_force, r, row.proposed_by, approved_by).await?)
        }
        Payload::PayoutRelease(batch) => json(
            &payouts::release(conn, deps.cipher, city, batch, row.proposed_by, approved_by).await?,
        ),
        Payload::BankResult {
            batch_no,
            file,
            signature,
        } => {
            check_bank_signature(deps.bank_keys, Some(signature), file)?;
            let engine = deps.engine.current(conn).await?;
            json(
                &payouts::import_result(
                    conn,
                    deps.cipher,
                    city,
                    &engine,
                    batch_no,
                    file,
                    row.id,
                    (row.proposed_by, approved_by),
                )
                .await?,
            )
        }
    }
}

/// An effect's view, as the proposal records it.
fn json<T: Serialize>(view: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(view).map_err(ApiError::internal)
}

/// A proposal's parts the effect reads.
struct Stored<'a> {
    id: Uuid,
    payload: &'a Payload,
    sealed: Option<&'a [u8]>,
    proposed_by: &'a str,
    proposed_at: chrono::DateTime<Utc>,
}

/// A transaction's way out that rolls back and still carries a result.
enum RolledBack {
    Kept(serde_json::Value),
    Refused(ApiError),
}

impl From<diesel::result::Error> for RolledBack {
    fn from(e: diesel::result::Error) -> Self {
        Self::Refused(e.into())
    }
}

/// Runs the effect and rolls it back: what approving would do, now.
async fn preview(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    row: &Stored<'_>,
) -> Result<serde_json::Value, ApiError> {
    let tried = conn
        .transaction::<(), RolledBack, _>(|conn| {
            async move {
                let shown = effect(conn, deps, row, "(preview)")
                    .await
                    .map_err(RolledBack::Refused)?;
                Err(RolledBack::Kept(shown))
            }
            .scope_boxed()
        })
        .await;
    match tried {
        Err(RolledBack::Kept(shown)) => Ok(shown),
        Err(RolledBack::Refused(e)) => Err(e),
        Ok(()) => Err(ApiError::internal("a preview committed")),
    }
}

fn view(row: ProposalRow) -> ProposalView {
    let open = Open {
        status: ProposalStatus::parse(&row.status).unwrap_or(ProposalStatus::Failed),
        proposed_by: &row.proposed_by,
        expires_at: row.expires_at,
    };
    let status = dual_control::status_as_of(&open, Utc::now());
    ProposalView {
        id: row.id,
        kind: row.kind,
        subject: row.subject,
        status: status.as_str().to_owned(),
        summary: row.summary,
        proposed_by: row.proposed_by,
        proposed_role: row.proposed_role,
        proposed_org: row.proposed_org,
        proposed_at: row.proposed_at,
        expires_at: row.expires_at,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        note: row.note,
        outcome: row.outcome,
    }
}

/// Records a proposal after trying its effect; nothing else changes until
/// a second officer approves it. Runs on `conn`, inside the caller's
/// transaction if there is one.
pub async fn propose(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    payload: Payload,
    sealed: Option<Vec<u8>>,
) -> Result<ProposalView, ApiError> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let row = Stored {
        id,
        payload: &payload,
        sealed: sealed.as_deref(),
        proposed_by: who.subject(),
        proposed_at: now,
    };
    let shown = match &payload {
        // Its history row names the proposal, which does not exist yet:
        // what it will do is plain without trying.
        Payload::BankAccount {
            payee,
            account_masked,
            account_name,
        } => serde_json::json!({
            "payee": payee,
            "account_masked": account_masked,
            "account_name": account_name,
            "previous_masked": stored::account_masked(conn, payee).await?,
        }),
        _ => preview(conn, deps, &row).await?,
    };
    let kind = payload.kind();
    let subject = payload.subject(deps.city);
    let summary = serde_json::json!({ "request": payload.request(), "preview": shown });
    let payload_json = serde_json::to_value(&payload).map_err(ApiError::internal)?;
    let new = NewProposal {
        id,
        kind: kind.as_str(),
        subject: &subject,
        summary: &summary,
        payload: &payload_json,
        sealed: sealed.as_deref(),
        status: ProposalStatus::Pending.as_str(),
        proposed_by: who.subject(),
        proposed_role: who.role().as_str(),
        proposed_org: who.org(),
        proposed_at: now,
        expires_at: now + deps.ttl,
    };
    let inserted = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                stored::expire_stale(conn, kind, new.subject, now).await?;
                Ok(stored::insert(conn, &new).await?)
            }
            .scope_boxed()
        })
        .await?;
    if !inserted {
        return Err(ApiError::conflict(
            "proposal_pending",
            format!("a {} proposal about {subject} is waiting for approval; approve, reject or withdraw it first", kind.as_str()),
        ));
    }
    let row = stored::get(conn, id)
        .await?
        .ok_or_else(|| ApiError::internal("a proposal vanished"))?;
    Ok(view(row))
}

fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::SameOfficer => ApiError::forbidden(
            "same_officer",
            "a second officer must decide: nobody approves or rejects their own proposal",
        ),
        Refusal::NotTheProposer => ApiError::forbidden(
            "not_the_proposer",
            "only the one who proposed it may withdraw a proposal",
        ),
        Refusal::Expired => ApiError::conflict(
            "proposal_expired",
            "the proposal expired before a second officer approved it; propose again",
        ),
        Refusal::NotPending(status) => ApiError::conflict(
            "proposal_decided",
            format!("the proposal is already {}", status.as_str()),
        ),
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("proposal_not_found", "no such proposal")
}

/// How a decision ended inside its transaction.
enum Decided {
    Done(Box<ProposalRow>),
    /// Found expired: recorded so, and refused.
    Expired,
}

/// Approves a proposal and applies it in the same transaction. When the
/// effect is refused (a reduction the budget no longer covers, a batch
/// that would now pay something else), nothing changes and the proposal is
/// recorded as failed with the reason.
pub async fn approve(
    deps: &Deps<'_>,
    officer: &str,
    id: Uuid,
    note: Option<&str>,
) -> Result<ProposalView, ApiError> {
    let mut conn = deps.pool.get().await?;
    let attempt = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let row = stored::lock(conn, id).await?.ok_or_else(not_found)?;
                let open = open_of(&row)?;
                match dual_control::may_decide(&open, officer, Utc::now()) {
                    Err(Refusal::Expired) => {
                        stored::decide(conn, id, ProposalStatus::Expired, None, None, None).await?;
                        return Ok(Decided::Expired);
                    }
                    other => other.map_err(refusal)?,
                }
                let payload: Payload =
                    serde_json::from_value(row.payload.clone()).map_err(ApiError::internal)?;
                let stored_row = Stored {
                    id,
                    payload: &payload,
                    sealed: row.sealed.as_deref(),
                    proposed_by: &row.proposed_by,
                    proposed_at: row.proposed_at,
                };
                let outcome = effect(conn, deps, &stored_row, officer).await?;
                if matches!(payload.kind(), ProposalKind::PayoutRelease | ProposalKind::BankResult)
                    && row.summary.get("preview") != Some(&outcome)
                {
                    return Err(ApiError::conflict(
                        "proposal_stale",
                        "applied now, this would do something else than the approver was shown; nothing was changed; propose again",
                    ));
                }
                stored::decide(conn, id, ProposalStatus::Applied, Some(officer), note, Some(&outcome))
                    .await?;
                Ok(Decided::Done(Box::new(
                    stored::get(conn, id).await?.ok_or_else(not_found)?,
                )))
            }
            .scope_boxed()
        })
        .await;
    match attempt {
        Ok(Decided::Done(row)) => {
            after_applied(&mut conn, deps, &row).await;
            Ok(view(*row))
        }
        Ok(Decided::Expired) => Err(refusal(Refusal::Expired)),
        Err(e) if e.status.is_client_error() && refused_by_effect(e.code) => {
            record_failure(&mut conn, id, officer, &e).await?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Refusals of the decision itself leave the proposal as it was; any other
/// client error came from the effect.
fn refused_by_effect(code: &str) -> bool {
    !matches!(
        code,
        "proposal_not_found"
            | "same_officer"
            | "not_the_proposer"
            | "proposal_expired"
            | "proposal_decided"
    )
}

async fn record_failure(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    officer: &str,
    e: &ApiError,
) -> Result<(), ApiError> {
    let problem = serde_json::to_value(e.problem()).map_err(ApiError::internal)?;
    let note = format!("{}: {}", e.code, e.detail);
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            if let Some(row) = stored::lock(conn, id).await? {
                if row.status == ProposalStatus::Pending.as_str() {
                    stored::decide(
                        conn,
                        id,
                        ProposalStatus::Failed,
                        Some(officer),
                        Some(&note),
                        Some(&problem),
                    )
                    .await?;
                }
            }
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// What follows an applied proposal outside its transaction.
async fn after_applied(conn: &mut AsyncPgConnection, deps: &Deps<'_>, row: &ProposalRow) {
    if row.kind == ProposalKind::BankResult.as_str() {
        let confirmed = row
            .outcome
            .as_ref()
            .and_then(|o| o.get("confirmed"))
            .and_then(serde_json::Value::as_u64);
        if confirmed.is_some_and(|n| n > 0) {
            deps.cache.invalidate(crate::api::FUND_USE).await;
        }
        return;
    }
    if row.kind != ProposalKind::BudgetAllocation.as_str() {
        return;
    }
    let Some(year) = row
        .payload
        .get("year")
        .and_then(serde_json::Value::as_i64)
        .and_then(|y| i32::try_from(y).ok())
    else {
        return;
    };
    // Deciding claims takes a person's lock before the pots': after the
    // allocation's own transaction, never inside it.
    let engine = match deps.engine.current(conn).await {
        Ok(engine) => engine,
        Err(e) => {
            tracing::warn!(error = %e, "claims waiting for budget stay waiting");
            return;
        }
    };
    let engine = &engine;
    let decided = conn
        .transaction::<_, crate::app::Error, _>(|conn| {
            crate::app::claims::budget_arrived(conn, engine, year).scope_boxed()
        })
        .await;
    if let Err(e) = decided {
        tracing::warn!(
            error = format!("{e:#}"),
            "claims waiting for budget stay waiting"
        );
    }
}

fn open_of(row: &ProposalRow) -> Result<Open<'_>, ApiError> {
    Ok(Open {
        status: ProposalStatus::parse(&row.status)
            .ok_or_else(|| StoreError::Corrupt(format!("proposal status {:?}", row.status)))?,
        proposed_by: &row.proposed_by,
        expires_at: row.expires_at,
    })
}

/// Rejects (a second officer) or withdraws (the proposer) a proposal.
pub async fn close(
    deps: &Deps<'_>,
    who: &str,
    id: Uuid,
    withdraw: bool,
    note: &str,
) -> Result<ProposalView, ApiError> {
    let mut conn = deps.pool.get().await?;
    let decided = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let row = stored::lock(conn, id).await?.ok_or_else(not_found)?;
                let open = open_of(&row)?;
                let now = Utc::now();
                let (check, status) = if withdraw {
                    (
                        dual_control::may_withdraw(&open, who, now),
                        ProposalStatus::Withdrawn,
                    )
                } else {
                    (
                        dual_control::may_decide(&open, who, now),
                        ProposalStatus::Rejected,
                    )
                };
                match check {
                    Err(Refusal::Expired) => {
                        stored::decide(conn, id, ProposalStatus::Expired, None, None, None).await?;
                        return Ok(Decided::Expired);
                    }
                    other => other.map_err(refusal)?,
                }
                stored::decide(conn, id, status, Some(who), Some(note), None).await?;
                Ok(Decided::Done(Box::new(
                    stored::get(conn, id).await?.ok_or_else(not_found)?,
                )))
            }
            .scope_boxed()
        })
        .await?;
    match decided {
        Decided::Done(row) => Ok(view(*row)),
        Decided::Expired => Err(refusal(Refusal::Expired)),
    }
}

pub async fn get(deps: &Deps<'_>, id: Uuid) -> Result<ProposalView, ApiError> {
    let mut conn = deps.pool.get().await?;
    stored::get(&mut conn, id)
        .await?
        .map(view)
        .ok_or_else(not_found)
}

/// Proposals as `filter` asks, oldest first.
pub async fn list(
    deps: &Deps<'_>,
    filter: &stored::ProposalFilter<'_>,
) -> Result<Vec<ProposalView>, ApiError> {
    let mut conn = deps.pool.get().await?;
    Ok(stored::list(&mut conn, filter)
        .await?
        .into_iter()
        .map(view)
        .collect())
}
