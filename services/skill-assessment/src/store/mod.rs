//! Persistence of the skill_assessment schema.

pub mod schema;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Int4, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::body::{AssessmentKind, BodyFacts, ScopeItem};
use crate::domain::scoring::PassRule;
use schema::{
    bodies, body_actions, body_scopes, body_signing_keys, candidates, certificates, completions,
    exceptional_certifications, leading_talents, pass_rules, sessions, staff,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bodies)]
pub struct BodyRow {
    pub id: Uuid,
    pub city: String,
    pub credit_code: String,
    pub name: String,
    pub kind: String,
    pub lead_enterprise: bool,
    pub code: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub status: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
}

/// One of a body's credential signing keys (the seed sealed).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = body_signing_keys)]
pub struct SigningKeyRow {
    pub body_id: Uuid,
    pub key_no: i32,
    pub public_key: Vec<u8>,
    pub seed_sealed: Vec<u8>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    pub id: Uuid,
    pub body_id: Uuid,
    pub role: String,
    pub name: String,
    pub credential_no: String,
    pub registered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub body_id: Uuid,
    pub assessment_kind: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub exam_date: NaiveDate,
    pub venue: String,
    pub assessor_ids: Vec<Uuid>,
    pub supervisor_id: Uuid,
    pub scheduled_by: String,
    pub scheduled_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = candidates)]
pub struct CandidateRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub citizen_masked: String,
    pub name: String,
    pub route: String,
    pub enrolment_id: Option<Uuid>,
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    pub experience_years: Option<i16>,
    pub registered_at: DateTime<Utc>,
    pub theory_score: Option<i16>,
    pub practical_score: Option<i16>,
    pub passed: Option<bool>,
    pub result_id: Option<Uuid>,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificates)]
pub struct CertificateRow {
    pub id: Uuid,
    pub certificate_no: String,
    pub body_id: Uuid,
    pub candidate_id: Option<Uuid>,
    pub exceptional_id: Option<Uuid>,
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub holder_name: String,
    pub assessment_kind: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub route: String,
    pub issued_on: NaiveDate,
    pub statistical_year: i32,
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    pub status_index: i64,
    pub status: String,
    pub revoked_reason: Option<String>,
    pub revoked_on: Option<NaiveDate>,
    pub revoked_by: Option<String>,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = exceptional_certifications)]
pub struct ExceptionalRow {
    pub id: Uuid,
    pub body_id: Uuid,
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub citizen_masked: String,
    pub name: String,
    pub assessment_kind: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub grounds: String,
    pub justification: String,
    pub status: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = leading_talents)]
pub struct TalentRow {
    pub id: Uuid,
    pub selection_year: i32,
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub citizen_masked: String,
    pub name: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub employer_credit_code: String,
    pub plan: serde_json::Value,
    pub selected_by: String,
    pub selected_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = completions)]
pub struct CompletionRow {
    pub enrolment_id: Uuid,
    pub person_id: String,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub occupation_code: String,
    pub skill_level: String,
    pub completed_on: NaiveDate,
}

pub async fn record_completion(
    conn: &mut AsyncPgConnection,
    e: &contracts::delivery::CompletionEvent,
) -> QueryResult<()> {
    diesel::insert_into(completions::table)
        .values((
            completions::enrolment_id.eq(e.enrolment_id),
            completions::person_id.eq(e.person_id.as_str()),
            completions::class_id.eq(e.class_id),
            completions::institution_id.eq(e.institution_id),
            completions::occupation_code.eq(e.occupation_code.as_str()),
            completions::skill_level.eq(e.skill_level.as_str()),
            completions::completed_on.eq(e.completed_on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// The latest completion of this person in this occupation and level.
pub async fn completion_of(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    occupation_code: &str,
    skill_level: &str,
) -> QueryResult<Option<CompletionRow>> {
    completions::table
        .filter(completions::person_id.eq(person_id))
        .filter(completions::occupation_code.eq(occupation_code))
        .filter(completions::skill_level.eq(skill_level))
        .order(completions::completed_on.desc())
        .select(CompletionRow::as_select())
        .first(conn)
        .await
        .optional()
}

#[derive(QueryableByName)]
struct Next {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// The next 4-digit body code.
pub async fn next_body_code(conn: &mut AsyncPgConnection) -> QueryResult<String> {
    let Next { value } = diesel::sql_query("SELECT nextval('body_code_seq') AS value")
        .get_result(conn)
        .await?;
    Ok(format!("{value:04}"))
}

pub async fn insert_body(
    conn: &mut AsyncPgConnection,
    row: &BodyRow,
    scope: &[ScopeItem],
) -> QueryResult<()> {
    diesel::insert_into(bodies::table)
        .values(row)
        .execute(conn)
        .await?;
    let items: Vec<_> = scope
        .iter()
        .map(|s| {
            (
                body_scopes::body_id.eq(row.id),
                body_scopes::assessment_kind.eq(s.assessment_kind.as_str()),
                body_scopes::occupation_code.eq(s.occupation_code.clone()),
                body_scopes::skill_level.eq(s.skill_level.as_str()),
            )
        })
        .collect();
    diesel::insert_into(body_scopes::table)
        .values(items)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Every key the body has had, the first first.
pub async fn signing_keys(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
) -> QueryResult<Vec<SigningKeyRow>> {
    body_signing_keys::table
        .filter(body_signing_keys::body_id.eq(body_id))
        .order(body_signing_keys::key_no)
        .select(SigningKeyRow::as_select())
        .load(conn)
        .await
}

/// The key the body signs with now.
pub async fn current_signing_key(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
) -> QueryResult<Option<SigningKeyRow>> {
    body_signing_keys::table
        .filter(body_signing_keys::body_id.eq(body_id))
        .filter(body_signing_keys::retired_at.is_null())
        .select(SigningKeyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Retires the body's current key (if any) and makes `row` current; run
/// with the body's row locked.
pub async fn replace_signing_key(
    conn: &mut AsyncPgConnection,
    row: &SigningKeyRow,
) -> QueryResult<()> {
    diesel::update(
        body_signing_keys::table
            .filter(body_signing_keys::body_id.eq(row.body_id))
            .filter(body_signing_keys::retired_at.is_null()),
    )
    .set(body_signing_keys::retired_at.eq(row.created_at))
    .execute(conn)
    .await?;
    diesel::insert_into(body_signing_keys::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn body_by_credit_code(
    conn: &mut AsyncPgConnection,
    credit_code: &str,
) -> QueryResult<Option<BodyRow>> {
    bodies::table
        .filter(bodies::credit_code.eq(credit_code))
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn body_by_code(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Option<BodyRow>> {
    bodies::table
        .filter(bodies::code.eq(code))
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn body(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<BodyRow>> {
    bodies::table
        .find(id)
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks the body's row for the rest of the transaction, so a suspension
/// and an issuance cannot pass each other.
pub async fn body_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<BodyRow>> {
    bodies::table
        .find(id)
        .for_update()
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One occupation × level × kind of a body's filing, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = body_scopes)]
struct ScopeRow {
    assessment_kind: String,
    occupation_code: String,
    skill_level: String,
}

pub async fn scope_of(conn: &mut AsyncPgConnection, body_id: Uuid) -> QueryResult<Vec<ScopeItem>> {
    let rows: Vec<ScopeRow> = body_scopes::table
        .filter(body_scopes::body_id.eq(body_id))
        .order((body_scopes::occupation_code, body_scopes::skill_level))
        .select(ScopeRow::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(ScopeItem {
                assessment_kind: AssessmentKind::parse(&row.assessment_kind)?,
                occupation_code: row.occupation_code,
                skill_level: row.skill_level.parse().ok()?,
            })
        })
        .collect())
}

pub async fn facts_of(conn: &mut AsyncPgConnection, body: &BodyRow) -> QueryResult<BodyFacts> {
    Ok(BodyFacts {
        active: body.status == "active",
        valid_from: body.valid_from,
        valid_until: body.valid_until,
        scope: scope_of(conn, body.id).await?,
    })
}

pub async fn set_body_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    reason: &str,
    by: &str,
) -> QueryResult<()> {
    diesel::update(bodies::table.find(id))
        .set(bodies::status.eq(status))
        .execute(conn)
        .await?;
    record_action(conn, id, status, reason, by).await
}

pub async fn record_action(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    action: &str,
    reason: &str,
    by: &str,
) -> QueryResult<()> {
    diesel::insert_into(body_actions::table)
        .values((
            body_actions::id.eq(Uuid::now_v7()),
            body_actions::body_id.eq(body_id),
            body_actions::action.eq(action),
            body_actions::reason.eq(reason),
            body_actions::acted_by.eq(by),
            body_actions::acted_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// One entry of a body's history.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = body_actions)]
pub struct ActionRow {
    pub action: String,
    pub reason: String,
    pub acted_by: String,
    pub acted_at: DateTime<Utc>,
}

/// The body's history, oldest first.
pub async fn actions_of(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
) -> QueryResult<Vec<ActionRow>> {
    body_actions::table
        .filter(body_actions::body_id.eq(body_id))
        .order(body_actions::acted_at)
        .select(ActionRow::as_select())
        .load(conn)
        .await
}

/// `Ok(false)` when the credential number is already registered with the
/// body.
pub async fn insert_staff(conn: &mut AsyncPgConnection, row: &StaffRow) -> QueryResult<bool> {
    diesel::insert_into(staff::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn staff_of(conn: &mut AsyncPgConnection, body_id: Uuid) -> QueryResult<Vec<StaffRow>> {
    staff::table
        .filter(staff::body_id.eq(body_id))
        .order(staff::registered_at)
        .select(StaffRow::as_select())
        .load(conn)
        .await
}

/// The minimums set for an occupation and level.
#[derive(Debug, Clone, Copy, Queryable, Selectable)]
#[diesel(table_name = pass_rules)]
struct PassRuleRow {
    theory_min: i16,
    practical_min: i16,
}

pub async fn pass_rule(
    conn: &mut AsyncPgConnection,
    occupation_code: &str,
    skill_level: &str,
) -> QueryResult<PassRule> {
    let set: Option<PassRuleRow> = pass_rules::table
        .find((occupation_code, skill_level))
        .select(PassRuleRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let Some(set) = set else {
        return Ok(PassRule::default());
    };
    let points = |n: i16| {
        u8::try_from(n).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
    };
    Ok(PassRule {
        theory_min: points(set.theory_min)?,
        practical_min: points(set.practical_min)?,
    })
}

pub async fn set_pass_rule(
    conn: &mut AsyncPgConnection,
    occupation_code: &str,
    skill_level: &str,
    rule: PassRule,
    by: &str,
) -> QueryResult<()> {
    diesel::insert_into(pass_rules::table)
        .values((
            pass_rules::occupation_code.eq(occupation_code),
            pass_rules::skill_level.eq(skill_level),
            pass_rules::theory_min.eq(i16::from(rule.theory_min)),
            pass_rules::practical_min.eq(i16::from(rule.practical_min)),
            pass_rules::set_by.eq(by),
            pass_rules::set_at.eq(Utc::now()),
        ))
        .on_conflict((pass_rules::occupation_code, pass_rules::skill_level))
        .do_update()
        .set((
            pass_rules::theory_min.eq(i16::from(rule.theory_min)),
            pass_rules::practical_min.eq(i16::from(rule.practical_min)),
            pass_rules::set_by.eq(by),
            pass_rules::set_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_session(conn: &mut AsyncPgConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn session(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// `Ok(false)` when the person is already a candidate of the session.
pub async fn insert_candidate(
    conn: &mut AsyncPgConnection,
    row: &CandidateRow,
) -> QueryResult<bool> {
    diesel::insert_into(candidates::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn candidate(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<CandidateRow>> {
    candidates::table
        .filter(
            candidates::id
                .eq(id)
                .and(candidates::session_id.eq(session_id)),
        )
        .select(CandidateRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn candidates_of(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
) -> QueryResult<Vec<CandidateRow>> {
    candidates::table
        .filter(candidates::session_id.eq(session_id))
        .order(candidates::registered_at)
        .select(CandidateRow::as_select())
        .load(conn)
        .await
}

/// Records a result once: `false` when the candidate already has one.
pub async fn record_result(
    conn: &mut AsyncPgConnection,
    candidate_id: Uuid,
    theory: u8,
    practical: u8,
    passed: bool,
    result_id: Uuid,
    by: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        candidates::table.filter(
            candidates::id
                .eq(candidate_id)
                .and(candidates::result_id.is_null()),
        ),
    )
    .set((
        candidates::theory_score.eq(i16::from(theory)),
        candidates::practical_score.eq(i16::from(practical)),
        candidates::passed.eq(passed),
        candidates::result_id.eq(result_id),
        candidates::recorded_by.eq(by),
        candidates::recorded_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Holds a valid certificate of this occupation and level.
pub async fn holds_certificate(
    conn: &mut AsyncPgConnection,
    person_id: &str,
    occupation_code: &str,
    skill_level: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        certificates::table
            .filter(certificates::person_id.eq(person_id))
            .filter(certificates::occupation_code.eq(occupation_code))
            .filter(certificates::skill_level.eq(skill_level))
            .filter(certificates::status.eq("valid")),
    ))
    .get_result(conn)
    .await
}

#[derive(QueryableByName)]
struct Serial {
    #[diesel(sql_type = Int4)]
    last_serial: i32,
}

/// The next serial of a body's certificates of one year and level.
pub async fn next_serial(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    year2: &str,
    level_digit: &str,
) -> QueryResult<i32> {
    let Serial { last_serial } = diesel::sql_query(
        "INSERT INTO certificate_serials (body_id, year2, level_digit, last_serial)
         VALUES ($1, $2, $3, 1)
         ON CONFLICT (body_id, year2, level_digit)
         DO UPDATE SET last_serial = certificate_serials.last_serial + 1
         RETURNING last_serial",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Text, _>(year2)
    .bind::<Text, _>(level_digit)
    .get_result(conn)
    .await?;
    Ok(last_serial)
}

pub async fn next_status_index(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    let Next { value } =
        diesel::sql_query("SELECT nextval('certificate_status_index_seq') AS value")
            .get_result(conn)
            .await?;
    Ok(value)
}

pub async fn insert_certificate(
    conn: &mut AsyncPgConnection,
    row: &CertificateRow,
) -> QueryResult<()> {
    diesel::insert_into(certificates::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn certificate(
    conn: &mut AsyncPgConnection,
    number: &str,
) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .filter(certificates::certificate_no.eq(number))
        .select(CertificateRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn certificate_for_candidate(
    conn: &mut AsyncPgConnection,
    candidate_id: Uuid,
) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .filter(certificates::candidate_id.eq(candidate_id))
        .select(CertificateRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Revokes a valid certificate: `false` when it was already revoked.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: &str,
    on: NaiveDate,
    by: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        certificates::table.filter(
            certificates::id
                .eq(id)
                .and(certificates::status.eq("valid")),
        ),
    )
    .set((
        certificates::status.eq("revoked"),
        certificates::revoked_reason.eq(reason),
        certificates::revoked_on.eq(on),
        certificates::revoked_by.eq(by),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// What the revocation list is made of.
pub struct StatusList {
    /// The status indices of revoked certificates.
    pub revoked: Vec<i64>,
    /// The highest index in use (0 before the first certificate).
    pub highest: i64,
}

pub async fn status_list(conn: &mut AsyncPgConnection) -> QueryResult<StatusList> {
    let revoked = certificates::table
        .filter(certificates::status.eq("revoked"))
        .select(certificates::status_index)
        .load(conn)
        .await?;
    let highest: Option<i64> = certificates::table
        .select(diesel::dsl::max(certificates::status_index))
        .first(conn)
        .await?;
    Ok(StatusList {
        revoked,
        highest: highest.unwrap_or(0),
    })
}

pub async fn insert_exceptional(
    conn: &mut AsyncPgConnection,
    row: &ExceptionalRow,
) -> QueryResult<()> {
    diesel::insert_into(exceptional_certifications::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn exceptional_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ExceptionalRow>> {
    exceptional_certifications::table
        .find(id)
        .for_update()
        .select(ExceptionalRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn review_exceptional(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    note: &str,
    by: &str,
) -> QueryResult<()> {
    diesel::update(exceptional_certifications::table.find(id))
        .set((
            exceptional_certifications::status.eq(status),
            exceptional_certifications::review_note.eq(note),
            exceptional_certifications::reviewed_by.eq(by),
            exceptional_certifications::reviewed_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// `Ok(false)` when the person is already selected that year.
pub async fn insert_talent(conn: &mut AsyncPgConnection, row: &TalentRow) -> QueryResult<bool> {
    diesel::insert_into(leading_talents::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn talents(conn: &mut AsyncPgConnection, year: i32) -> QueryResult<Vec<TalentRow>> {
    leading_talents::table
        .filter(leading_talents::selection_year.eq(year))
        .order(leading_talents::selected_at)
        .select(TalentRow::as_select())
        .load(conn)
        .await
}

/// Who holds a valid certificate of which level.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct CertifiedRow {
    pub person_id: String,
    pub skill_level: String,
}

/// Valid certificates of a statistical year.
pub async fn certified_in_year(
    conn: &mut AsyncPgConnection,
    year: i32,
) -> QueryResult<Vec<CertifiedRow>> {
    certificates::table
        .filter(certificates::statistical_year.eq(year))
        .filter(certificates::status.eq("valid"))
        .select(CertifiedRow::as_select())
        .load(conn)
        .await
}
