//! The bureau's decisions on an institution (审核) and its sanctions
//! (policy item 15): approve with a scope, reject, change the scope,
//! suspend, reinstate, remove. Each locks the institution, checks the
//! lifecycle (`domain::institution::transition`), records the change and
//! announces it, in one transaction.

use chrono::{NaiveDate, Utc};
use contracts::registry::{
    INSTITUTION_APPROVED, INSTITUTION_REINSTATED, INSTITUTION_REMOVED, INSTITUTION_SCOPE_CHANGED,
    INSTITUTION_SUSPENDED,
};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::SkillLevel;
use platform::auth::Principal;
use uuid::Uuid;

use super::institutions::may_see;
use super::Error;
use crate::domain::institution::ScopeKind;
use crate::domain::institution::{
    adds_to_scope, transition, Action, SanctionReason, SelectionMethod, Status,
};
use crate::events;
use crate::store::decisions;
use crate::store::institutions::{self, Full, ScopeRow};

/// One occupation × level granted, with its validity (checked: not reversed).
pub struct Grant {
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// What a decision changes besides the status.
enum Change {
    Approve {
        method: SelectionMethod,
        reason: String,
        grants: Vec<ScopeRow>,
    },
    Reject {
        reason: String,
    },
    Scope {
        grants: Vec<ScopeRow>,
        reason: String,
    },
    Sanction {
        action: &'static str,
        reason_kind: Option<SanctionReason>,
        detail: String,
    },
}

/// The granted scope as rows, in order, each occupation × level once (the
/// first given wins).
fn granted(id: Uuid, items: &[Grant]) -> Vec<ScopeRow> {
    let mut rows: Vec<ScopeRow> = items
        .iter()
        .map(|g| ScopeRow {
            institution_id: id,
            kind: ScopeKind::Granted.as_str().into(),
            occupation_code: g.occupation_code.clone(),
            skill_level: g.skill_level.to_string(),
            valid_from: Some(g.valid_from),
            valid_to: Some(g.valid_to),
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.occupation_code, &a.skill_level).cmp(&(&b.occupation_code, &b.skill_level))
    });
    rows.dedup_by(|a, b| a.occupation_code == b.occupation_code && a.skill_level == b.skill_level);
    rows
}

/// Approves a pending application with how it was selected, why, and the
/// scope granted (occupations × levels × validity).
#[tracing::instrument(skip_all, fields(institution_id = %id))]
pub async fn approve(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    method: SelectionMethod,
    reason: String,
    scope: &[Grant],
) -> Result<Full, Error> {
    let change = Change::Approve {
        method,
        reason,
        grants: granted(id, scope),
    };
    decide(conn, who, id, Action::Approve, change).await
}

/// Rejects a pending application, with the reason.
#[tracing::instrument(skip_all, fields(institution_id = %id))]
pub async fn reject(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    reason: String,
) -> Result<Full, Error> {
    decide(conn, who, id, Action::Reject, Change::Reject { reason }).await
}

/// Replaces the granted scope; an institution under review may narrow it only.
#[tracing::instrument(skip_all, fields(institution_id = %id))]
pub async fn change_scope(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    scope: &[Grant],
    reason: String,
) -> Result<Full, Error> {
    let change = Change::Scope {
        grants: granted(id, scope),
        reason,
    };
    decide(conn, who, id, Action::ChangeScope, change).await
}

/// Suspends a listed institution: it files no classes until reinstated.
#[tracing::instrument(skip_all, fields(institution_id = %id))]
pub async fn suspend(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    reason: SanctionReason,
    detail: String,
) -> Result<Full, Error> {
    let change = Change::Sanction {
        action: "suspended",
        reason_kind: Some(reason),
        detail,
    };
    decide(conn, who, id, Action::Suspend, change).await
}

/// Lifts a suspension.
#[tracing::instrument(skip_all, fields(institution_id = %id))]
pub async fn reinstate(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    detail: String,
) -> Result<Full, Error> {
    let change = Change::Sanction {
        action: "reinstated",
        reason_kind: None,
        detail,
    };
    decide(conn, who, id, Action::Reinstate, change).await
}

/// Removes an institution from the directory for good.
#[tracing::instrument(skip_all, fields(institution_id = %id))]
pub async fn remove(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    reason: SanctionReason,
    detail: String,
) -> Result<Full, Error> {
    let change = Change::Sanction {
        action: "removed",
        reason_kind: Some(reason),
        detail,
    };
    decide(conn, who, id, Action::Remove, change).await
}

/// The shared path of every decision, in its own transaction.
async fn decide(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    action: Action,
    change: Change,
) -> Result<Full, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move { apply_decision(conn, who, id, action, change).await }.scope_boxed()
    })
    .await
}

/// Lock, check the transition, change, record, announce.
async fn apply_decision(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    action: Action,
    change: Change,
) -> Result<Full, Error> {
    let mut row = institutions::lock(conn, id)
        .await?
        .filter(|r| may_see(who, r))
        .ok_or(Error::InstitutionNotFound)?;
    let status = Status::parse(&row.status).ok_or_else(|| anyhow::anyhow!("bad status"))?;
    let next = transition(status, action, row.high_skill_base)
        .map_err(|(code, message)| Error::Transition { code, message })?;
    let now = Utc::now();
    row.status = next.as_str().to_owned();
    row.updated_at = now;
    let (event_type, reason) = match change {
        Change::Approve {
            method,
            reason,
            grants,
        } => {
            row.selection_method = Some(method.as_str().to_owned());
            row.decision_reason = Some(reason);
            row.decided_by = Some(who.subject().to_owned());
            row.decided_at = Some(now);
            decisions::grant(conn, id, &grants).await?;
            (Some(INSTITUTION_APPROVED), None)
        }
        Change::Reject { reason } => {
            row.decision_reason = Some(reason);
            row.decided_by = Some(who.subject().to_owned());
            row.decided_at = Some(now);
            (None, None)
        }
        Change::Scope { grants, reason } => {
            if row.under_review
                && adds_to_scope(
                    &pairs(&institutions::scope_of(conn, id).await?),
                    &pairs(&grants),
                )
            {
                return Err(Error::UnderReview);
            }
            decisions::grant(conn, id, &grants).await?;
            (Some(INSTITUTION_SCOPE_CHANGED), Some(reason))
        }
        Change::Sanction {
            action,
            reason_kind,
            detail,
        } => {
            let reason_kind = reason_kind.map(SanctionReason::as_str);
            decisions::record_sanction(conn, id, action, reason_kind, &detail, who.subject())
                .await?;
            let reason = match reason_kind {
                Some(kind) => format!("{kind}: {detail}"),
                None => detail,
            };
            (Some(sanction_event(action)), Some(reason))
        }
    };
    decisions::save(conn, &row).await?;
    let full = institutions::full(conn, id)
        .await?
        .ok_or(Error::InstitutionNotFound)?;
    if let Some(event_type) = event_type {
        let mut batch = vec![events::institution(&full, event_type, reason)?];
        if event_type == INSTITUTION_APPROVED {
            batch.extend(events::staff_and_venues(&full)?);
        }
        messaging::enqueue(conn, &batch).await?;
    }
    Ok(full)
}

/// The granted occupation × level pairs of scope rows.
fn pairs(rows: &[ScopeRow]) -> Vec<(String, String)> {
    rows.iter()
        .filter(|s| s.kind == ScopeKind::Granted.as_str())
        .map(|s| (s.occupation_code.clone(), s.skill_level.clone()))
        .collect()
}

fn sanction_event(action: &str) -> &'static str {
    match action {
        "suspended" => INSTITUTION_SUSPENDED,
        "reinstated" => INSTITUTION_REINSTATED,
        _ => INSTITUTION_REMOVED,
    }
}
