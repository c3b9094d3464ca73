//! Attendance (过程监督) and the class file (一班一档): check-ins and
//! check-outs chained by hash, the archive that shows whether the chain
//! still holds, and closing a class (结果考核), which decides who completed.

use chrono::{DateTime, Utc};
use contracts::delivery::{CLASS_CLOSED, CLASS_STARTED};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::FieldError;
use platform::auth::Principal;
use uuid::Uuid;

use super::classes::{lock_visible, visible};
use super::Error;
use crate::domain::attendance::{
    check_record, completes, first_broken, genesis, hours, link, Presence, Record,
};
use crate::domain::class::ClassStatus;
use crate::events;
use crate::store::attendance::{self, AttendanceRow, NewAttendanceRow};
use crate::store::classes::{self, ClassRow, Outcome, SessionRow};
use crate::store::enrolments::{self, EnrolmentRow};
use crate::store::inspections::{self, InspectionRow};

/// A check-in or check-out as checked at the door.
pub struct Check {
    pub enrolment_id: Uuid,
    /// 1 for the class's first session.
    pub session_seq: i32,
    /// check_in or check_out
    pub kind: &'static str,
    /// When the trainee checked in or out (a device may send it late).
    pub at: DateTime<Utc>,
}

/// A trainee on the class file, with the hours attended.
pub struct Attendee {
    pub enrolment: EnrolmentRow,
    /// Hours between check-in and check-out, within the sessions.
    pub attended_hours: f64,
}

/// Everything recorded of a class (一班一档).
pub struct ClassFile {
    pub class: ClassRow,
    pub sessions: Vec<SessionRow>,
    pub inspections: Vec<InspectionRow>,
    pub roster: Vec<Attendee>,
    /// The chain, oldest first.
    pub attendance: Vec<AttendanceRow>,
    /// The `seq` of the first record that does not follow from its content
    /// and its predecessor, if any.
    pub broken_at: Option<i64>,
}

/// Hours a trainee attended: check-in to check-out of each session, within it.
fn attended(sessions: &[SessionRow], chain: &[AttendanceRow], enrolment: Uuid) -> f64 {
    let presences: Vec<Presence> = sessions
        .iter()
        .filter_map(|s| {
            let time = |kind: &str| {
                chain
                    .iter()
                    .find(|a| {
                        a.enrolment_id == enrolment && a.session_seq == s.seq && a.kind == kind
                    })
                    .map(|a| a.at)
            };
            Some(Presence {
                session_starts: s.starts_at,
                session_ends: s.ends_at,
                checked_in: time("check_in")?,
                checked_out: time("check_out")?,
            })
        })
        .collect();
    hours(&presences)
}

fn planned(sessions: &[SessionRow]) -> f64 {
    sessions
        .iter()
        .map(|s| (s.ends_at - s.starts_at).num_seconds() as f64 / 3600.0)
        .sum()
}

fn record_of(a: &AttendanceRow) -> Record {
    Record {
        enrolment_id: a.enrolment_id,
        session_seq: a.session_seq,
        kind: a.kind.clone(),
        at: a.at,
        recorded_by: a.recorded_by.clone(),
    }
}

/// Records a check-in or check-out, chained to the class's previous
/// record; the class's first record announces that it started.
#[tracing::instrument(skip_all, fields(class_id = %class_id, enrolment_id = %check.enrolment_id, session = check.session_seq))]
pub async fn record(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    class_id: Uuid,
    check: Check,
) -> Result<AttendanceRow, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            // The class row's lock keeps the chain a single line.
            let class = lock_visible(conn, who, class_id).await?;
            if !enrolments::enrolment_in(conn, class_id, check.enrolment_id).await? {
                return Err(Error::Invalid(vec![FieldError::new(
                    "enrolment_id",
                    "not_enrolled",
                    "not an enrolment of this class",
                )]));
            }
            let session = classes::sessions_of(conn, class_id)
                .await?
                .into_iter()
                .find(|s| s.seq == check.session_seq)
                .map(|s| (s.starts_at, s.ends_at));
            let checked_in =
                attendance::has_record(conn, check.enrolment_id, check.session_seq, "check_in")
                    .await?;
            if let Some((code, message)) =
                check_record(check.kind, check.at, Utc::now(), session, checked_in)
            {
                return Err(Error::Refused {
                    code,
                    message: message.to_owned(),
                });
            }
            let last = attendance::last_hash(conn, class_id).await?;
            let prev = last.clone().unwrap_or_else(|| genesis(class_id));
            let record = Record {
                enrolment_id: check.enrolment_id,
                session_seq: check.session_seq,
                kind: check.kind.to_owned(),
                at: check.at,
                recorded_by: who.subject().to_owned(),
            };
            let hash = link(&prev, &record);
            let new = NewAttendanceRow {
                class_id,
                enrolment_id: record.enrolment_id,
                session_seq: record.session_seq,
                kind: &record.kind,
                at: record.at,
                recorded_by: &record.recorded_by,
                prev_hash: &prev,
                hash: &hash,
            };
            let stored = attendance::append(conn, &new)
                .await?
                .ok_or(Error::AlreadyRecorded)?;
            if last.is_none() {
                messaging::enqueue(conn, &[events::class(&class, CLASS_STARTED)?]).await?;
            }
            Ok(stored)
        }
        .scope_boxed()
    })
    .await
}

/// The class file of a class the caller may see: filing, approval,
/// inspections, the roster with hours attended, the attendance chain and
/// whether it still holds.
#[tracing::instrument(skip_all, fields(class_id = %id))]
pub async fn archive(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<ClassFile, Error> {
    let class = visible(conn, who, id).await?;
    let sessions = classes::sessions_of(conn, class.id).await?;
    let roster = enrolments::roster(conn, class.id).await?;
    let chain = attendance::of_class(conn, class.id).await?;
    let links: Vec<_> = chain
        .iter()
        .map(|a| (record_of(a), a.prev_hash.clone(), a.hash.clone()))
        .collect();
    let broken_at = first_broken(class.id, &links).and_then(|i| chain.get(i).map(|a| a.seq));
    let roster = roster
        .into_iter()
        .map(|e| Attendee {
            attended_hours: attended(&sessions, &chain, e.id),
            enrolment: e,
        })
        .collect();
    let inspections = inspections::of_class(conn, class.id).await?;
    Ok(ClassFile {
        class,
        sessions,
        inspections,
        roster,
        attendance: chain,
        broken_at,
    })
}

/// Closes a class that has ended (结果考核): each trainee on the roster
/// completes when the attended hours reach `threshold_percent` of the
/// planned hours; every result and the closing are announced. Answers the
/// class file as closed.
#[tracing::instrument(skip_all, fields(class_id = %class_id))]
pub async fn close(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    class_id: Uuid,
    threshold_percent: u8,
) -> Result<ClassFile, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move { close_class(conn, who, class_id, threshold_percent).await }.scope_boxed()
    })
    .await?;
    archive(conn, who, class_id).await
}

async fn close_class(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    class_id: Uuid,
    threshold_percent: u8,
) -> Result<(), Error> {
    let class = lock_visible(conn, who, class_id).await?;
    if class.status != ClassStatus::Approved.as_str() {
        return Err(Error::ClassNotOpen {
            status: class.status,
        });
    }
    if Utc::now() < class.ends_at {
        return Err(Error::ClassNotEnded);
    }
    let sessions = classes::sessions_of(conn, class_id).await?;
    let chain = attendance::of_class(conn, class_id).await?;
    let planned = planned(&sessions);
    let mut outcomes = Vec::new();
    let mut batch = Vec::new();
    for e in enrolments::roster(conn, class_id)
        .await?
        .into_iter()
        .filter(|e| e.withdrawn_at.is_none())
    {
        let hours = attended(&sessions, &chain, e.id);
        let completed = completes(hours, planned, threshold_percent);
        batch.push(events::completion(&class, &e, hours, planned, completed)?);
        outcomes.push(Outcome {
            enrolment_id: e.id,
            outcome: if completed {
                "completed"
            } else {
                "not_completed"
            },
            attended_hours: hours,
        });
    }
    classes::close(conn, class_id, &outcomes).await?;
    let closed = classes::find(conn, class_id)
        .await?
        .ok_or(Error::ClassNotFound)?;
    batch.push(events::class(&closed, CLASS_CLOSED)?);
    messaging::enqueue(conn, &batch).await?;
    Ok(())
}
