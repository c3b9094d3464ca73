//! Institution scorecards (绩效评价): planned volumes, the versioned
//! formula, scorecards with their inputs and rating history, and the
//! public scorecard.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use platform::pagination::{self, Page};
use uuid::Uuid;

use super::scope::{Scope, Viewer};
use super::Error;
use crate::domain::counting;
use crate::domain::scoring::{Formula, Inputs};
use crate::store::formulas::{self, FormulaRow};
use crate::store::ratings::{self, RatingChangeRow};
use crate::store::scorecards::{self, ScorecardRow};
use crate::store::{dirty, read_models};

/// The public cache namespace of scorecards: dropped whenever a rating or
/// a score may have changed.
pub const PUBLIC_NAMESPACE: &str = "scorecards";

/// A scorecard with its institution's name and the history of its rating.
#[derive(Debug)]
pub struct Scorecard {
    pub row: ScorecardRow,
    pub name: Option<String>,
    /// Changes of the rating in force, oldest first.
    pub history: Vec<RatingChangeRow>,
}

/// `row` with its institution's name and rating history.
pub(crate) async fn with_history(
    conn: &mut AsyncPgConnection,
    row: ScorecardRow,
) -> Result<Scorecard, Error> {
    let history = ratings::changes_of(conn, row.institution_id, row.statistical_year).await?;
    let name = read_models::institution_name(conn, row.institution_id).await?;
    Ok(Scorecard { row, name, history })
}

/// Sets an institution's planned volume for a statistical year (the base
/// of its time-proportional progress) and marks its scorecard.
#[tracing::instrument(skip_all, fields(institution_id = %institution_id, year = year))]
pub async fn set_plan(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    year: i32,
    planned: i64,
    by: &str,
) -> Result<(), Error> {
    Ok(scorecards::set_plan(conn, institution_id, year, planned, by).await?)
}

/// The formula in force.
#[tracing::instrument(skip_all)]
pub async fn current_formula(conn: &mut AsyncPgConnection) -> Result<FormulaRow, Error> {
    Ok(formulas::current(conn).await?)
}

/// Every version of the formula, newest first.
#[tracing::instrument(skip_all)]
pub async fn formula_versions(conn: &mut AsyncPgConnection) -> Result<Vec<FormulaRow>, Error> {
    Ok(formulas::versions(conn).await?)
}

/// Puts a new version of the formula in force and marks every scorecard
/// to compute again with it; inside the caller's transaction.
#[tracing::instrument(skip_all)]
pub async fn new_formula(
    conn: &mut AsyncPgConnection,
    formula: &Formula,
    note: &str,
    by: &str,
) -> Result<FormulaRow, Error> {
    let row = formulas::insert(conn, formula, note, by).await?;
    dirty::mark_all(conn).await?;
    Ok(row)
}

/// A year's scorecards with their institutions' names, in institution
/// order: officers and auditors see all, an institution its own.
#[tracing::instrument(skip_all, fields(year = year))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    year: i32,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<Scorecard>, Error> {
    let scope = Scope::of(conn, viewer).await?;
    let rows = scorecards::list(conn, year, scope.only(), after, limit + 1).await?;
    let page = pagination::page(rows, limit, |r| r.institution_id)?;
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let name = read_models::institution_name(conn, row.institution_id).await?;
        items.push(Scorecard {
            row,
            name,
            history: Vec::new(),
        });
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// One scorecard with its inputs and the history of its rating, if the
/// viewer may see it.
#[tracing::instrument(skip_all, fields(institution_id = %institution_id, year = year))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    institution_id: Uuid,
    year: i32,
) -> Result<Scorecard, Error> {
    if !Scope::of(conn, viewer).await?.may_see(institution_id) {
        return Err(Error::ScorecardNotFound);
    }
    let row = scorecards::find(conn, institution_id, year)
        .await?
        .ok_or(Error::ScorecardNotFound)?;
    with_history(conn, row).await
}

/// What the next computation of a scorecard will use, as of today (or the
/// year's last day), if the viewer may see it.
#[tracing::instrument(skip_all, fields(institution_id = %institution_id, year = year))]
pub async fn live_inputs(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    institution_id: Uuid,
    year: i32,
) -> Result<Inputs, Error> {
    if !Scope::of(conn, viewer).await?.may_see(institution_id) {
        return Err(Error::ScorecardNotFound);
    }
    let today = ids::business_date(Utc::now());
    let as_of = counting::default_as_of(year, today);
    Ok(scorecards::inputs(conn, institution_id, year, as_of, today).await?)
}

/// Every year's scorecard of an institution, latest first, with its name:
/// what the public may read.
#[tracing::instrument(skip_all, fields(institution_id = %institution_id))]
pub async fn public(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
) -> Result<(Vec<ScorecardRow>, Option<String>), Error> {
    let rows = scorecards::of_institution(conn, institution_id).await?;
    if rows.is_empty() {
        return Err(Error::ScorecardNotFound);
    }
    let name = read_models::institution_name(conn, institution_id).await?;
    Ok((rows, name))
}
