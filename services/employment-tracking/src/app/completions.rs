//! What other services tell: delivery's completions open follow-up windows
//! (就业跟踪期), the registry's institutions say which institutions an
//! operator's organisation runs.

use chrono::Utc;
use contracts::delivery::CompletionEvent;
use contracts::registry::InstitutionEvent;
use diesel_async::AsyncPgConnection;
use ids::CityCode;

use super::{reassess, Error};
use crate::domain::window::window_end;
use crate::store::{self, completers::CompleterRow};

/// Opens a follow-up window of `window_months` for a completer, then looks
/// at the evidence already known of them (contributions may arrive first)
/// and enqueues what it shows; inside the consumer's transaction. A
/// non-completion opens no window; a completion already known changes
/// nothing.
#[tracing::instrument(skip_all, fields(enrolment_id = %e.enrolment_id, class_id = %e.class_id))]
pub async fn completed(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    window_months: u32,
    e: &CompletionEvent,
) -> Result<(), Error> {
    if !e.completed {
        return Ok(());
    }
    let row = CompleterRow {
        enrolment_id: e.enrolment_id,
        class_id: e.class_id,
        institution_id: e.institution_id,
        person_id: e.person_id.to_string(),
        target_group: e.target_group.as_str().to_owned(),
        occupation_code: e.occupation_code.to_string(),
        skill_level: e.skill_level.to_string(),
        completed_on: e.completed_on,
        statistical_year: e.statistical_year,
        window_months: window_months as i32,
        window_ends_on: window_end(e.completed_on, window_months),
        outcome: None,
        employed_on: None,
        employer_credit_code: None,
        outcome_source: None,
        decided_at: None,
        received_at: Utc::now(),
    };
    if store::completers::insert(conn, &row).await? {
        let events = reassess::reassess(conn, city, &[row.person_id]).await?;
        messaging::enqueue(conn, &events).await?;
    }
    Ok(())
}

/// Keeps the registry's institution (its credit code and name) for the
/// operators' scope.
#[tracing::instrument(skip_all, fields(institution_id = %e.institution_id))]
pub async fn institution_changed(
    conn: &mut AsyncPgConnection,
    e: &InstitutionEvent,
) -> Result<(), Error> {
    Ok(store::institutions::upsert(conn, e).await?)
}
