//! The occupation reference list (职业分类, GB/T 6565) that entries are named
//! from, loaded by an operator and searched by anyone.

use diesel_async::AsyncPgConnection;

use super::Error;
use crate::domain::occupations_file::Occupation;
use crate::store::occupations::{self as store, OccupationRow};

/// Loads occupations, renaming those already listed; answers how many were
/// written. `sample` marks the shipped sample list.
#[tracing::instrument(skip_all, fields(count = occupations.len(), sample))]
pub async fn load(
    conn: &mut AsyncPgConnection,
    occupations: &[Occupation],
    sample: bool,
) -> Result<usize, Error> {
    Ok(store::upsert(conn, occupations, sample).await?)
}

/// Occupations whose code starts with `prefix` or whose name contains
/// `text`.
#[tracing::instrument(skip_all)]
pub async fn search(
    conn: &mut AsyncPgConnection,
    prefix: Option<&str>,
    text: Option<&str>,
) -> Result<Vec<OccupationRow>, Error> {
    Ok(store::search(conn, prefix, text).await?)
}
