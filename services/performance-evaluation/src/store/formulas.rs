//! The scoring formula, every version kept; the newest is in force.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::formulas;
use crate::domain::scoring::Formula;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = formulas)]
pub struct FormulaRow {
    pub version: i32,
    pub formula: serde_json::Value,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl FormulaRow {
    pub fn formula(&self) -> anyhow::Result<Formula> {
        Ok(serde_json::from_value(self.formula.clone())?)
    }
}

pub async fn current(conn: &mut AsyncPgConnection) -> QueryResult<FormulaRow> {
    formulas::table
        .order(formulas::version.desc())
        .select(FormulaRow::as_select())
        .first(conn)
        .await
}

pub async fn versions(conn: &mut AsyncPgConnection) -> QueryResult<Vec<FormulaRow>> {
    formulas::table
        .order(formulas::version.desc())
        .select(FormulaRow::as_select())
        .load(conn)
        .await
}

/// Adds the next version; concurrent changes queue on the table lock, so
/// versions never collide.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    formula: &Formula,
    note: &str,
    by: &str,
) -> QueryResult<FormulaRow> {
    diesel::sql_query("LOCK TABLE formulas IN EXCLUSIVE MODE")
        .execute(conn)
        .await?;
    let last: i32 = formulas::table
        .select(diesel::dsl::max(formulas::version))
        .first::<Option<i32>>(conn)
        .await?
        .unwrap_or(0);
    let row = FormulaRow {
        version: last + 1,
        formula: serde_json::to_value(formula)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?,
        note: note.to_owned(),
        created_by: by.to_owned(),
        created_at: Utc::now(),
    };
    diesel::insert_into(formulas::table)
        .values(&row)
        .execute(conn)
        .await?;
    Ok(row)
}
