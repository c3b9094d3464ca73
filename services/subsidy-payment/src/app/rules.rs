//! A new version of the rules and fraud weights, applied on a second
//! officer's approval.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use platform::ApiError;

use crate::api::{NewRules, RulesView};
use crate::store::rules::{self, RuleVersionRow};

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
    let row = RuleVersionRow {
        version: in_force + 1,
        rules: serde_json::to_value(&rules.rules).map_err(ApiError::internal)?,
        fraud: serde_json::to_value(&rules.fraud).map_err(ApiError::internal)?,
        reason: rules.reason.trim().to_owned(),
        set_by: proposed_by.to_owned(),
        approved_by: Some(approved_by.to_owned()),
        set_at: Utc::now(),
    };
    if !rules::insert(conn, &row).await? {
        return Err(stale(in_force));
    }
    Ok(RulesView::from(row))
}
