//! A new version of the rules and fraud weights, applied on a second
//! officer's approval.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use platform::ApiError;

use crate::api::{NewRules, RulesView};
use crate::store::schema::rule_versions;

fn stale(in_force: i32) -> ApiError {
    ApiError::conflict(
        "stale_rules_version",
        format!("version {in_force} is in force; read it and base the change on it"),
    )
}

/// Records `rules` as the next version, if it is still based on the version
/// in force (`in_force`): two officers' changes never silently overwrite
/// each other.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    in_force: i32,
    rules: &NewRules,
    proposed_by: &str,
    approved_by: &str,
) -> Result<RulesView, ApiError> {
    if rules.based_on != in_force {
        return Err(stale(in_force));
    }
    let view = RulesView {
        version: in_force + 1,
        rules: serde_json::to_value(&rules.rules).map_err(ApiError::internal)?,
        fraud: serde_json::to_value(&rules.fraud).map_err(ApiError::internal)?,
        reason: Some(rules.reason.trim().to_owned()),
        set_by: Some(proposed_by.to_owned()),
        approved_by: Some(approved_by.to_owned()),
        set_at: Some(Utc::now()),
    };
    diesel::insert_into(rule_versions::table)
        .values((
            rule_versions::version.eq(view.version),
            rule_versions::rules.eq(&view.rules),
            rule_versions::fraud.eq(&view.fraud),
            rule_versions::reason.eq(rules.reason.trim()),
            rule_versions::set_by.eq(proposed_by),
            rule_versions::approved_by.eq(approved_by),
            rule_versions::set_at.eq(view.set_at.unwrap_or_else(Utc::now)),
        ))
        .execute(conn)
        .await
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => stale(in_force),
            other => other.into(),
        })?;
    Ok(view)
}
