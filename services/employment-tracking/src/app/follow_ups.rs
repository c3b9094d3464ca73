//! Follow-ups of completers (就业跟踪): each completer's window, the
//! milestones social insurance showed and the outcome, as the viewer may
//! see them.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use platform::pagination::{self, Page};
use uuid::Uuid;

use super::scope::{self, Scope, Viewer};
use super::Error;
use crate::store::{
    self,
    completers::{CompleterFilter, CompleterRow},
    milestones::MilestoneRow,
};

/// A completer and the milestones reached.
#[derive(Debug)]
pub struct FollowUp {
    pub completer: CompleterRow,
    pub milestones: Vec<MilestoneRow>,
}

/// Completers' follow-ups, latest completion first: officers and auditors
/// all, an institution's operators its own completers.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    mut filter: CompleterFilter,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Page<FollowUp>, Error> {
    if let Scope::Institutions(ids) = scope::resolve(conn, viewer).await? {
        filter.institutions = Some(ids);
    }
    let rows = store::completers::list(conn, &filter, after, limit + 1).await?;
    let page = pagination::page(rows, limit, |c| (c.completed_on, c.enrolment_id))?;
    let ids: Vec<Uuid> = page.items.iter().map(|c| c.enrolment_id).collect();
    let found = store::milestones::of_enrolments(conn, &ids).await?;
    let items = page
        .items
        .into_iter()
        .map(|completer| {
            let milestones = found
                .iter()
                .filter(|m| m.enrolment_id == completer.enrolment_id)
                .cloned()
                .collect();
            FollowUp {
                completer,
                milestones,
            }
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// One completer's follow-up, by enrolment, if the viewer may see it.
#[tracing::instrument(skip_all, fields(enrolment_id = %enrolment_id))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    enrolment_id: Uuid,
) -> Result<FollowUp, Error> {
    let scope = scope::resolve(conn, viewer).await?;
    let completer = store::completers::find(conn, enrolment_id)
        .await?
        .filter(|c| scope.sees_completer(c))
        .ok_or(Error::FollowUpNotFound)?;
    let milestones = store::milestones::of_enrolments(conn, &[completer.enrolment_id]).await?;
    Ok(FollowUp {
        completer,
        milestones,
    })
}
