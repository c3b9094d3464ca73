//! Exam sessions (考试场次): scheduled by a body within its scope,
//! candidates registered (completers of a class, or direct applicants under
//! the entry rules), results recorded under the occupation's pass rule.

use chrono::{NaiveDate, Utc};
use contracts::assessment::{ResultEvent, RESULTS_TOPIC, RESULT_RECORDED};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CitizenId, FieldError, OccupationCode, SkillLevel};
use messaging::OutboxEvent;
use platform::auth::Principal;
use uuid::Uuid;

use super::{acts_for, may_see, visible as visible_to, Deps, Error};
use crate::domain::body::{may_assess, AssessmentKind, ScopeItem};
use crate::domain::entry::{may_apply_directly, CandidateRoute, Evidence};
use crate::domain::scoring::PassRule;
use crate::store::{
    self,
    bodies::BodyRow,
    candidates::CandidateRow,
    sessions::{SessionFilter, SessionRow},
};

/// A session with its candidates.
pub struct Session {
    pub session: SessionRow,
    pub candidates: Vec<CandidateRow>,
}

async fn with_candidates(
    conn: &mut AsyncPgConnection,
    session: SessionRow,
) -> Result<Session, Error> {
    Ok(Session {
        candidates: store::candidates::of_session(conn, session.id).await?,
        session,
    })
}

/// The body the caller acts for.
async fn own_body(conn: &mut AsyncPgConnection, who: &Principal) -> Result<BodyRow, Error> {
    let org = who.org().unwrap_or_default();
    store::bodies::by_credit_code(conn, org)
        .await?
        .ok_or(Error::NotABody)
}

/// The session and its body, if the caller may see them.
async fn visible(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    id: Uuid,
) -> Result<(SessionRow, BodyRow), Error> {
    let session = store::sessions::find(conn, id)
        .await?
        .ok_or(Error::SessionNotFound)?;
    let body = store::bodies::find(conn, session.body_id)
        .await?
        .filter(|b| may_see(who, deps.city, b))
        .ok_or(Error::SessionNotFound)?;
    Ok((session, body))
}

/// What a stored session is about, as the body's scope names it.
pub(super) fn scope_item(s: &SessionRow) -> Result<ScopeItem, Error> {
    Ok(ScopeItem {
        assessment_kind: s
            .assessment_kind
            .parse::<AssessmentKind>()
            .ok()
            .ok_or_else(|| Error::stored("assessment kind"))?,
        occupation_code: s.occupation_code.clone(),
        skill_level: s.skill_level.parse().map_err(|_| Error::stored("level"))?,
    })
}

/// Sets the pass rule of an occupation and level.
#[tracing::instrument(skip_all, fields(occupation_code, skill_level = %skill_level))]
pub async fn set_pass_rule(
    conn: &mut AsyncPgConnection,
    occupation_code: &str,
    skill_level: SkillLevel,
    rule: PassRule,
    by: &str,
) -> Result<PassRule, Error> {
    store::pass_rules::set(conn, occupation_code, skill_level.as_str(), rule, by).await?;
    Ok(rule)
}

/// A session to schedule, its fields checked.
pub struct NewSession {
    pub item: ScopeItem,
    pub exam_date: NaiveDate,
    pub venue: String,
    pub assessor_ids: Vec<Uuid>,
    pub supervisor_id: Uuid,
}

/// Schedules a session of the caller's body: within its filing, by its
/// own assessors (考评员) and supervisor (督导员).
#[tracing::instrument(skip_all, fields(body_id = tracing::field::Empty, session_id = tracing::field::Empty))]
pub async fn schedule(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    new: NewSession,
) -> Result<Session, Error> {
    let owner = own_body(conn, who).await?;
    tracing::Span::current().record("body_id", tracing::field::display(owner.id));
    let facts = store::bodies::facts_of(conn, &owner).await?;
    let reasons = may_assess(&facts, &new.item, new.exam_date);
    if !reasons.is_empty() {
        return Err(Error::refused(reasons));
    }
    let staff = store::staff::of_body(conn, owner.id).await?;
    let has = |id: &Uuid, role: &str| staff.iter().any(|s| s.id == *id && s.role == role);
    let mut problems: Vec<FieldError> = Vec::new();
    for (i, id) in new.assessor_ids.iter().enumerate() {
        if !has(id, "assessor") {
            problems.push(FieldError::new(
                format!("assessor_ids[{i}]"),
                "not_an_assessor",
                "not an assessor (考评员) of this body",
            ));
        }
    }
    if !has(&new.supervisor_id, "supervisor") {
        problems.push(FieldError::new(
            "supervisor_id",
            "not_a_supervisor",
            "not a supervisor (督导员) of this body",
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let row = SessionRow {
        id: Uuid::now_v7(),
        body_id: owner.id,
        assessment_kind: new.item.assessment_kind.as_str().to_owned(),
        occupation_code: new.item.occupation_code,
        skill_level: new.item.skill_level.as_str().to_owned(),
        exam_date: new.exam_date,
        venue: new.venue,
        assessor_ids: new.assessor_ids,
        supervisor_id: new.supervisor_id,
        scheduled_by: who.subject().to_owned(),
        scheduled_at: Utc::now(),
    };
    tracing::Span::current().record("session_id", tracing::field::display(row.id));
    store::sessions::insert(conn, &row).await?;
    with_candidates(conn, row).await
}

/// What a list of sessions is narrowed to, checked.
#[derive(Debug, Clone)]
pub struct SessionQuery {
    pub body_id: Option<Uuid>,
    pub occupation_code: Option<OccupationCode>,
    /// Exam dates from this day on.
    pub from: Option<NaiveDate>,
    /// Exam dates up to this day.
    pub to: Option<NaiveDate>,
    /// After this (exam_date, id).
    pub after: Option<(NaiveDate, Uuid)>,
    /// Rows to read: the page and one more.
    pub limit: i64,
}

/// The sessions the caller may see, by exam date: the city's for the
/// bureau, its own body's for a body's people. Without candidates: those
/// are read one session at a time.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    query: SessionQuery,
) -> Result<Vec<SessionRow>, Error> {
    let Some(visible) = visible_to(who, deps.city) else {
        return Ok(Vec::new());
    };
    let filter = SessionFilter {
        visible,
        body_id: query.body_id,
        occupation_code: query.occupation_code.map(|c| c.to_string()),
        from: query.from,
        to: query.to,
        after: query.after,
        limit: query.limit,
    };
    Ok(store::sessions::list(conn, &filter).await?)
}

/// A session with its candidates, for the bureau and the body.
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    id: Uuid,
) -> Result<Session, Error> {
    let (session, _) = visible(conn, deps, who, id).await?;
    with_candidates(conn, session).await
}

/// A candidate to register, its fields checked.
pub struct NewCandidate {
    pub citizen: CitizenId,
    pub name: String,
    pub route: CandidateRoute,
    /// Years in the occupation: as declared, or 0 for a completer who
    /// declared none.
    pub experience: u8,
    /// Whether the years were declared (stored only then).
    pub declared: bool,
}

/// Where a candidate comes from: the completed class, if any.
#[derive(Default)]
struct Origin {
    enrolment_id: Option<Uuid>,
    class_id: Option<Uuid>,
    institution_id: Option<Uuid>,
}

fn level_below(level: SkillLevel) -> Option<SkillLevel> {
    let i = SkillLevel::ALL.iter().position(|l| *l == level)?;
    i.checked_sub(1)
        .and_then(|j| SkillLevel::ALL.get(j).copied())
}

/// A completer needs the completion on record; a direct applicant the
/// level's entry rules (申报条件).
async fn eligibility(
    conn: &mut AsyncPgConnection,
    session: &SessionRow,
    level: SkillLevel,
    person_id: &str,
    route: CandidateRoute,
    experience: u8,
) -> Result<Origin, Error> {
    match route {
        CandidateRoute::Completion => {
            let done = store::completions::latest(
                conn,
                person_id,
                &session.occupation_code,
                &session.skill_level,
            )
            .await?
            .ok_or(Error::NoCompletion)?;
            Ok(Origin {
                enrolment_id: Some(done.enrolment_id),
                class_id: Some(done.class_id),
                institution_id: Some(done.institution_id),
            })
        }
        CandidateRoute::Direct => {
            let holds_level_below = match level_below(level) {
                Some(below) => {
                    store::certificates::holds(
                        conn,
                        person_id,
                        &session.occupation_code,
                        below.as_str(),
                    )
                    .await?
                }
                None => false,
            };
            let evidence = Evidence {
                experience_years: experience,
                holds_level_below,
            };
            may_apply_directly(level, evidence).map_err(|why| {
                Error::Invalid(vec![FieldError::new("experience_years", "entry_rule", why)])
            })?;
            Ok(Origin::default())
        }
    }
}

/// Registers a candidate of the body's session before the exam: a
/// completer of a class of its occupation and level, or a direct applicant
/// meeting the level's entry rules; a person once per session.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn register(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    session_id: Uuid,
    new: NewCandidate,
) -> Result<CandidateRow, Error> {
    let (session, owner) = visible(conn, deps, who, session_id).await?;
    if !acts_for(who, &owner) {
        return Err(Error::NotTheBody("registers its candidates"));
    }
    if session.exam_date < ids::business_date(Utc::now()) {
        return Err(Error::SessionOver);
    }
    let person_id = deps.person_ids.person_id(&new.citizen).to_string();
    let level: SkillLevel = session
        .skill_level
        .parse()
        .map_err(|_| Error::stored("level"))?;
    let origin = eligibility(conn, &session, level, &person_id, new.route, new.experience).await?;
    let row = CandidateRow {
        id: Uuid::now_v7(),
        session_id: session.id,
        person_id,
        citizen_sealed: deps.cipher.seal(new.citizen.expose()),
        citizen_masked: new.citizen.masked(),
        name: new.name,
        route: new.route.as_str().to_owned(),
        enrolment_id: origin.enrolment_id,
        class_id: origin.class_id,
        institution_id: origin.institution_id,
        experience_years: new.declared.then(|| i16::from(new.experience)),
        registered_at: Utc::now(),
        theory_score: None,
        practical_score: None,
        passed: None,
        result_id: None,
        recorded_by: None,
        recorded_at: None,
    };
    if !store::candidates::insert(conn, &row).await? {
        return Err(Error::AlreadyRegistered);
    }
    Ok(row)
}

/// Scores out of 100, checked.
#[derive(Debug, Clone, Copy)]
pub struct Scores {
    pub theory: u8,
    pub practical: u8,
}

/// The result as announced on `assessment.results.v1`.
fn result_event(
    city: ids::CityCode,
    session: &SessionRow,
    candidate: &CandidateRow,
    scores: Scores,
    passed: bool,
    result_id: Uuid,
) -> Result<ResultEvent, Error> {
    Ok(ResultEvent {
        result_id,
        session_id: session.id,
        body_id: session.body_id,
        city,
        person_id: ids::PersonId::from_stored(candidate.person_id.clone()),
        assessment_kind: session
            .assessment_kind
            .parse::<AssessmentKind>()
            .map_err(|_| Error::stored("kind"))?
            .into(),
        occupation_code: session
            .occupation_code
            .parse()
            .map_err(|_| Error::stored("code"))?,
        skill_level: session
            .skill_level
            .parse()
            .map_err(|_| Error::stored("level"))?,
        theory_score: scores.theory,
        practical_score: scores.practical,
        passed,
        assessed_on: session.exam_date,
        statistical_year: ids::StatisticalYear::of(session.exam_date).year(),
        class_id: candidate.class_id,
        institution_id: candidate.institution_id,
    })
}

/// Records a candidate's result once, on or after the exam date, while the
/// body may assess; the pass rule of the occupation and level decides
/// `passed`, and the result is announced.
#[tracing::instrument(skip_all, fields(session_id = %session_id, candidate_id = %candidate_id))]
pub async fn record_result(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    session_id: Uuid,
    candidate_id: Uuid,
    scores: Scores,
) -> Result<CandidateRow, Error> {
    let (session, owner) = visible(conn, deps, who, session_id).await?;
    if !acts_for(who, &owner) {
        return Err(Error::NotTheBody("records its results"));
    }
    let today = ids::business_date(Utc::now());
    if today < session.exam_date {
        return Err(Error::ExamNotHeld);
    }
    let city = deps.city;
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            // Locked, so a suspension and a result cannot pass each other.
            let body = store::bodies::for_update(conn, owner.id)
                .await?
                .ok_or(Error::BodyNotFound)?;
            let facts = store::bodies::facts_of(conn, &body).await?;
            let reasons = may_assess(&facts, &scope_item(&session)?, today);
            if !reasons.is_empty() {
                return Err(Error::refused(reasons));
            }
            let rule =
                store::pass_rules::find(conn, &session.occupation_code, &session.skill_level)
                    .await?;
            let passed = rule.passes(scores.theory, scores.practical);
            let result_id = Uuid::now_v7();
            let candidate = store::candidates::find(conn, session.id, candidate_id)
                .await?
                .ok_or(Error::CandidateNotFound)?;
            let recorded = store::candidates::record_result(
                conn,
                candidate.id,
                scores.theory,
                scores.practical,
                passed,
                result_id,
                who.subject(),
            )
            .await?;
            if !recorded {
                return Err(Error::ResultRecorded);
            }
            let event = result_event(city, &session, &candidate, scores, passed, result_id)?;
            messaging::enqueue(
                conn,
                &[OutboxEvent::new(
                    RESULTS_TOPIC,
                    RESULT_RECORDED,
                    session.id.to_string(),
                    &event,
                )],
            )
            .await?;
            store::candidates::find(conn, session.id, candidate_id)
                .await?
                .ok_or_else(|| Error::Internal("candidate vanished".into()))
        }
        .scope_boxed()
    })
    .await
}
