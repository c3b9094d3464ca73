//! High-skill leading talents (高技能领军人才, policy item 11) and the
//! statistics feed of new skilled workers (新增技能人才).

use chrono::Utc;
use contracts::assessment::{LeadingTalentEvent, LEADING_TALENTS_TOPIC, LEADING_TALENT_SELECTED};
use diesel_async::AsyncPgConnection;
use ids::{CitizenId, SkillLevel};
use messaging::OutboxEvent;
use uuid::Uuid;

use super::{Deps, Error};
use crate::domain::statistics::{tally, Tally};
use crate::store::{self, talents::TalentRow};

/// A selected talent to record, its fields checked.
pub struct Selection {
    pub citizen: CitizenId,
    pub selection_year: i32,
    pub name: String,
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    pub employer_credit_code: String,
    /// The five-year cultivation plan, year by year.
    pub plan: serde_json::Value,
}

/// Records a leading talent selected in a year (a person once a year) and
/// announces it.
#[tracing::instrument(skip_all, fields(selection_year = selection.selection_year, talent_id = tracing::field::Empty))]
pub async fn select(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    by: &str,
    selection: Selection,
) -> Result<TalentRow, Error> {
    let citizen = &selection.citizen;
    let person_id = deps.person_ids.person_id(citizen);
    let event = LeadingTalentEvent {
        talent_id: Uuid::now_v7(),
        city: deps.city,
        person_id: person_id.clone(),
        selection_year: selection.selection_year,
        occupation_code: selection
            .occupation_code
            .parse()
            .map_err(|e: ids::InvalidValue| Error::Internal(e.to_string()))?,
        skill_level: selection.skill_level,
    };
    tracing::Span::current().record("talent_id", tracing::field::display(event.talent_id));
    let row = TalentRow {
        id: event.talent_id,
        selection_year: selection.selection_year,
        person_id: person_id.to_string(),
        citizen_sealed: deps.cipher.seal(citizen.expose()),
        citizen_masked: citizen.masked(),
        name: selection.name,
        occupation_code: selection.occupation_code,
        skill_level: selection.skill_level.as_str().to_owned(),
        employer_credit_code: selection.employer_credit_code,
        plan: selection.plan,
        selected_by: by.to_owned(),
        selected_at: Utc::now(),
    };
    if !store::talents::insert(conn, &row).await? {
        return Err(Error::AlreadySelected);
    }
    messaging::enqueue(
        conn,
        &[OutboxEvent::new(
            LEADING_TALENTS_TOPIC,
            LEADING_TALENT_SELECTED,
            row.id.to_string(),
            &event,
        )],
    )
    .await?;
    Ok(row)
}

/// The leading talents selected in a year.
#[tracing::instrument(skip_all, fields(selection_year = year))]
pub async fn list(conn: &mut AsyncPgConnection, year: i32) -> Result<Vec<TalentRow>, Error> {
    Ok(store::talents::of_year(conn, year).await?)
}

/// New skilled workers and the high-skilled share of a statistical year,
/// from the valid certificates issued in it.
#[tracing::instrument(skip_all, fields(statistical_year = year))]
pub async fn statistics(conn: &mut AsyncPgConnection, year: i32) -> Result<Tally, Error> {
    let certified: Vec<(String, SkillLevel)> = store::certificates::certified_in_year(conn, year)
        .await?
        .into_iter()
        .filter_map(|c| Some((c.person_id, c.skill_level.parse().ok()?)))
        .collect();
    Ok(tally(&certified))
}
