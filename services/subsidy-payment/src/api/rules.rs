//! The city's subsidy rules and fraud weights as versioned data: an
//! officer proposes a new version (with the reason), a second officer
//! approves it, every version is kept, and each decision reads the one in
//! force.

use actix_web::{get, put, HttpResponse};
use platform::auth::{Principal, Role};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;

use super::proposals::propose_once;
use super::{NewRules, ProposalView, RulesView, State};
use crate::app::proposals::Payload;
use crate::store::rules::{self, RuleVersionRow};
use platform::idempotency::IdempotencyKey;

fn readers(who: &Principal, state: &State) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    Ok(())
}

impl From<RuleVersionRow> for RulesView {
    fn from(r: RuleVersionRow) -> Self {
        Self {
            version: r.version,
            rules: r.rules,
            fraud: r.fraud,
            reason: Some(r.reason),
            set_by: Some(r.set_by),
            approved_by: r.approved_by,
            set_at: Some(r.set_at),
        }
    }
}

/// Read the subsidy rules and fraud weights in force
///
/// Bureau officers and auditors of the city. The newest version officers
/// set and a second officer approved, or, until the first, the
/// configuration's (version 0, without reason or people). Every decision
/// reads the version in force, so all replicas switch at once.
#[utoipa::path(
    tag = "rules",
    operation_id = "getCurrentRules",
    responses((status = 200, description = "The rules in force", body = RulesView)),
    security(("bearer" = []))
)]
#[get("/v1/rules")]
pub async fn current(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    readers(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let engine = state.engine.current(&mut conn).await?;
    let out = match rules::version(&mut conn, engine.version).await? {
        Some(r) => RulesView::from(r),
        None => RulesView {
            version: 0,
            rules: serde_json::to_value(&engine.rules).map_err(ApiError::internal)?,
            fraud: serde_json::to_value(&engine.fraud).map_err(ApiError::internal)?,
            reason: None,
            set_by: None,
            approved_by: None,
            set_at: None,
        },
    };
    Ok(HttpResponse::Ok().json(out))
}

/// List every version of the rules officers set, newest first
///
/// Bureau officers and auditors of the city. Each version with its rules,
/// fraud weights, reason, proposer and approver; none is changed or
/// deleted. The configuration's defaults (version 0) are not listed.
#[utoipa::path(
    tag = "rules",
    operation_id = "listRuleVersions",
    responses((status = 200, description = "Every version set, newest first", body = Vec<RulesView>)),
    security(("bearer" = []))
)]
#[get("/v1/rules/versions")]
pub async fn versions(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    readers(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let rows = rules::all(&mut conn).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(RulesView::from).collect::<Vec<_>>()))
}

/// Propose a new version of the subsidy rules and fraud weights
///
/// A bureau officer of the city proposes amounts, attendance threshold,
/// fund order, cost sharing and fraud weights, with the reason (the policy
/// document). It takes effect when a second officer approves it
/// (`POST /v1/proposals/{id}/approve`). `based_on` must name the version in
/// force, when proposed and again when approved, so two officers' changes
/// cannot silently overwrite each other. Refusals: `stale_rules_version`,
/// `proposal_pending` (409); `rules_invalid`, `score_range`,
/// `reason_required` (422). With an `Idempotency-Key`, a retry answers
/// with the first proposal.
#[utoipa::path(
    tag = "rules",
    operation_id = "setRules",
    request_body = NewRules,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; waits for a second officer", body = ProposalView),
        (status = 409, description = "Refused: stale_rules_version (another version was set meanwhile), proposal_pending (a rules proposal is already waiting), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (rules_invalid, score_range, reason_required), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/v1/rules")]
pub async fn set(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewRules>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let mut v = Validator::new();
    for problem in body.rules.problems() {
        v.ensure(false, "rules", "rules_invalid", problem);
    }
    v.ensure(
        (1..=100).contains(&body.fraud.review_from),
        "fraud.review_from",
        "score_range",
        "the review threshold is a risk score from 1 to 100",
    );
    v.ensure(
        body.fraud.weights.values().all(|w| *w <= 100),
        "fraud.weights",
        "score_range",
        "each weight is from 0 to 100",
    );
    v.ensure(
        !body.reason.trim().is_empty() && body.reason.chars().count() <= 1000,
        "reason",
        "reason_required",
        "the reason (e.g. the policy document) in 1 to 1000 characters",
    );
    v.finish(())?;
    propose_once(
        &state,
        &who,
        &key,
        "rules",
        &body,
        Payload::Rules(body.clone()),
        None,
    )
    .await
}
