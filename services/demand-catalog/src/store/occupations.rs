//! The occupation list (职业分类大典) as loaded from its file.

use chrono::Utc;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use super::schema::occupations;
use crate::domain::occupations_file::Occupation;

/// An occupation of the classification (职业分类大典).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = occupations)]
#[schema(examples(json!({ "code": "4-10-01-05", "name": "养老护理员", "sample": true })))]
pub struct OccupationRow {
    pub code: String,
    pub name: String,
    /// True when the row comes from the shipped sample list.
    pub sample: bool,
}

/// Inserts or renames occupations; returns how many rows were written.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    rows: &[Occupation],
    sample: bool,
) -> QueryResult<usize> {
    let values: Vec<_> = rows
        .iter()
        .map(|o| {
            (
                occupations::code.eq(&o.code),
                occupations::name.eq(&o.name),
                occupations::sample.eq(sample),
                occupations::loaded_at.eq(Utc::now()),
            )
        })
        .collect();
    diesel::insert_into(occupations::table)
        .values(&values)
        .on_conflict(occupations::code)
        .do_update()
        .set((
            occupations::name.eq(excluded(occupations::name)),
            occupations::sample.eq(excluded(occupations::sample)),
            occupations::loaded_at.eq(excluded(occupations::loaded_at)),
        ))
        .execute(conn)
        .await
}

pub async fn name_of(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<String>> {
    occupations::table
        .find(code)
        .select(occupations::name)
        .first(conn)
        .await
        .optional()
}

/// Occupations whose code starts with `prefix` or whose name contains `text`.
pub async fn search(
    conn: &mut AsyncPgConnection,
    prefix: Option<&str>,
    text: Option<&str>,
) -> QueryResult<Vec<OccupationRow>> {
    let mut query = occupations::table
        .select(OccupationRow::as_select())
        .order(occupations::code)
        .into_boxed();
    if let Some(prefix) = prefix {
        query = query.filter(occupations::code.like(format!("{}%", escape_like(prefix))));
    }
    if let Some(text) = text {
        query = query.filter(occupations::name.like(format!("%{}%", escape_like(text))));
    }
    query.limit(500).load(conn).await
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
