//! Versions of the city's rules and fraud weights, every one kept.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::rule_versions;

/// A version of the rules as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rule_versions)]
pub struct RuleVersionRow {
    pub version: i32,
    pub rules: serde_json::Value,
    pub fraud: serde_json::Value,
    pub reason: String,
    pub set_by: String,
    pub approved_by: Option<String>,
    pub set_at: DateTime<Utc>,
}

/// The newest version officers set (none: the configuration's).
pub async fn newest(conn: &mut AsyncPgConnection) -> QueryResult<Option<RuleVersionRow>> {
    rule_versions::table
        .order(rule_versions::version.desc())
        .select(RuleVersionRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn version(
    conn: &mut AsyncPgConnection,
    version: i32,
) -> QueryResult<Option<RuleVersionRow>> {
    rule_versions::table
        .find(version)
        .select(RuleVersionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every version, newest first.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<RuleVersionRow>> {
    rule_versions::table
        .order(rule_versions::version.desc())
        .select(RuleVersionRow::as_select())
        .load(conn)
        .await
}

/// Records a version: false (nothing written) when that version number
/// was taken meanwhile.
pub async fn insert(conn: &mut AsyncPgConnection, row: &RuleVersionRow) -> QueryResult<bool> {
    db::inserted(
        diesel::insert_into(rule_versions::table)
            .values(row)
            .execute(conn)
            .await,
    )
}
