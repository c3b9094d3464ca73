//! The city's subsidy rules and fraud weights as versioned data: officers
//! set a new version (with the reason), every version is kept, and each
//! decision reads the one in force.

use actix_web::{get, put, HttpResponse};
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use platform::auth::{Principal, Role};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;

use super::{NewRules, RulesView, State};
use crate::store::schema::rule_versions;

fn readers(who: &Principal, state: &State) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    Ok(())
}

type Row = (
    i32,
    serde_json::Value,
    serde_json::Value,
    String,
    String,
    chrono::DateTime<Utc>,
);

fn view(r: Row) -> RulesView {
    RulesView {
        version: r.0,
        rules: r.1,
        fraud: r.2,
        reason: Some(r.3),
        set_by: Some(r.4),
        set_at: Some(r.5),
    }
}

const COLUMNS: (
    rule_versions::version,
    rule_versions::rules,
    rule_versions::fraud,
    rule_versions::reason,
    rule_versions::set_by,
    rule_versions::set_at,
) = (
    rule_versions::version,
    rule_versions::rules,
    rule_versions::fraud,
    rule_versions::reason,
    rule_versions::set_by,
    rule_versions::set_at,
);

/// The rules in force: the newest version set, or the configuration's
/// (version 0) until one is.
#[utoipa::path(tag = "rules", responses((status = 200, body = RulesView)), security(("bearer" = [])))]
#[get("/v1/rules")]
pub async fn current(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    readers(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let engine = state.engine.current(&mut conn).await?;
    let stored: Option<Row> = rule_versions::table
        .find(engine.version)
        .select(COLUMNS)
        .first(&mut conn)
        .await
        .optional()?;
    let out = match stored {
        Some(r) => view(r),
        None => RulesView {
            version: 0,
            rules: serde_json::to_value(&engine.rules).map_err(ApiError::internal)?,
            fraud: serde_json::to_value(&engine.fraud).map_err(ApiError::internal)?,
            reason: None,
            set_by: None,
            set_at: None,
        },
    };
    Ok(HttpResponse::Ok().json(out))
}

/// Every version officers set, newest first.
#[utoipa::path(tag = "rules", responses((status = 200, body = Vec<RulesView>)), security(("bearer" = [])))]
#[get("/v1/rules/versions")]
pub async fn versions(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    readers(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let rows: Vec<Row> = rule_versions::table
        .order(rule_versions::version.desc())
        .select(COLUMNS)
        .load(&mut conn)
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(view).collect::<Vec<_>>()))
}

/// Set a new version of the rules (amounts, fund order, cost sharing) and
/// fraud weights. `based_on` must name the version in force, so two
/// officers' changes cannot silently overwrite each other.
#[utoipa::path(
    tag = "rules",
    request_body = NewRules,
    responses(
        (status = 200, body = RulesView),
        (status = 409, description = "Another version was set meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/v1/rules")]
pub async fn set(
    state: State,
    who: Principal,
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
        !body.reason.trim().is_empty() && body.reason.len() <= 1000,
        "reason",
        "reason_required",
        "the reason (e.g. the policy document) in at most 1000 bytes",
    );
    v.finish(|| ())?;
    let mut conn = state.pool.get().await?;
    let in_force = state.engine.current(&mut conn).await?.version;
    let stale = || {
        ApiError::conflict(
            "stale_rules_version",
            format!("version {in_force} is in force; read it and base the change on it"),
        )
    };
    if body.based_on != in_force {
        return Err(stale());
    }
    let row: Row = (
        in_force + 1,
        serde_json::to_value(&body.rules).map_err(ApiError::internal)?,
        serde_json::to_value(&body.fraud).map_err(ApiError::internal)?,
        body.reason.trim().to_owned(),
        who.subject().to_owned(),
        Utc::now(),
    );
    diesel::insert_into(rule_versions::table)
        .values((
            rule_versions::version.eq(row.0),
            rule_versions::rules.eq(&row.1),
            rule_versions::fraud.eq(&row.2),
            rule_versions::reason.eq(&row.3),
            rule_versions::set_by.eq(&row.4),
            rule_versions::set_at.eq(row.5),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => stale(),
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok().json(view(row)))
}
