//! The attendance chain (过程监督, "every record can be queried and traced"):
//! each record's hash covers the previous record's hash, so changing or
//! deleting a stored record breaks the chain from there on.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A check-in or check-out, as the chain covers it.
#[derive(Debug, Clone)]
pub struct Record {
    pub enrolment_id: Uuid,
    pub session_seq: i32,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub recorded_by: String,
}

/// The first link of a class's chain.
pub fn genesis(class_id: Uuid) -> String {
    hex::encode(Sha256::digest(
        format!("qiancheng-attendance:{class_id}").as_bytes(),
    ))
}

pub fn link(prev: &str, r: &Record) -> String {
    let line = format!(
        "{prev}|{}|{}|{}|{}|{}",
        r.enrolment_id,
        r.session_seq,
        r.kind,
        r.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        r.recorded_by
    );
    hex::encode(Sha256::digest(line.as_bytes()))
}

/// The position of the first record whose stored hashes do not follow from
/// its content and its predecessor, if any.
pub fn first_broken(class_id: Uuid, chain: &[(Record, String, String)]) -> Option<usize> {
    let mut prev = genesis(class_id);
    for (i, (record, stored_prev, stored_hash)) in chain.iter().enumerate() {
        if *stored_prev != prev || link(&prev, record) != *stored_hash {
            return Some(i);
        }
        prev = stored_hash.clone();
    }
    None
}

/// Devices may be offline: a record may come late, never from the future.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);
/// How early before a session one may check in, how late after it check out.
pub const MARGIN: Duration = Duration::minutes(30);

/// Why a record is refused, if it is.
pub fn check_record(
    kind: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    session: Option<(DateTime<Utc>, DateTime<Utc>)>,
    checked_in: bool,
) -> Option<(&'static str, &'static str)> {
    let Some((starts, ends)) = session else {
        return Some(("session_unknown", "the class has no such session"));
    };
    if at > now + CLOCK_SKEW {
        return Some((
            "time_in_future",
            "attendance cannot be recorded ahead of time",
        ));
    }
    if at < starts - MARGIN || at > ends + MARGIN {
        return Some(("outside_session", "the time is not within the session"));
    }
    if kind == "check_out" && !checked_in {
        return Some(("not_checked_in", "check out follows a check in"));
    }
    None
}

/// One session a trainee was checked in and out of.
#[derive(Debug, Clone, Copy)]
pub struct Presence {
    pub session_starts: DateTime<Utc>,
    pub session_ends: DateTime<Utc>,
    pub checked_in: DateTime<Utc>,
    pub checked_out: DateTime<Utc>,
}

/// Hours attended: each session's check-in to check-out, within the session.
pub fn hours(presences: &[Presence]) -> f64 {
    presences
        .iter()
        .map(|p| {
            let from = p.checked_in.max(p.session_starts);
            let to = p.checked_out.min(p.session_ends);
            ((to - from).num_seconds().max(0) as f64) / 3600.0
        })
        .sum()
}

/// Completed (结果考核) when the attended hours reach `threshold_percent`
/// of the planned hours.
pub fn completes(attended: f64, planned: f64, threshold_percent: u8) -> bool {
    planned > 0.0 && attended * 100.0 >= planned * f64::from(threshold_percent) - 1e-9
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 10, h, m, 0)
            .single()
            .expect("instant")
    }

    fn record(kind: &str, t: DateTime<Utc>) -> Record {
        Record {
            enrolment_id: Uuid::nil(),
            session_seq: 1,
            kind: kind.into(),
            at: t,
            recorded_by: "op".into(),
        }
    }

    #[test]
    fn a_changed_record_breaks_the_chain_from_there() {
        let class = Uuid::now_v7();
        let mut chain = Vec::new();
        let mut prev = genesis(class);
        for r in [
            record("check_in", at(1, 0)),
            record("check_out", at(9, 0)),
            record("check_in", at(10, 0)),
        ] {
            let hash = link(&prev, &r);
            chain.push((r, prev.clone(), hash.clone()));
            prev = hash;
        }
        assert_eq!(first_broken(class, &chain), None);
        chain[1].0.at = at(8, 0);
        assert_eq!(first_broken(class, &chain), Some(1));
        chain.remove(1);
        assert_eq!(
            first_broken(class, &chain),
            Some(1),
            "a removed record shows too"
        );
    }

    #[test]
    fn records_must_fit_the_session_and_the_clock() {
        let session = Some((at(1, 0), at(9, 0)));
        assert_eq!(
            check_record("check_in", at(0, 45), at(12, 0), session, false),
            None
        );
        assert_eq!(
            check_record("check_in", at(0, 15), at(12, 0), session, false).map(|r| r.0),
            Some("outside_session")
        );
        assert_eq!(
            check_record("check_in", at(1, 0), at(0, 0), session, false).map(|r| r.0),
            Some("time_in_future")
        );
        assert_eq!(
            check_record("check_out", at(9, 0), at(12, 0), session, false).map(|r| r.0),
            Some("not_checked_in")
        );
        assert_eq!(
            check_record("check_in", at(1, 0), at(12, 0), None, false).map(|r| r.0),
            Some("session_unknown")
        );
    }

    #[test]
    fn completion_needs_the_threshold_share_of_hours() {
        assert!(completes(8.0, 10.0, 80));
        assert!(!completes(7.99, 10.0, 80));
        assert!(completes(10.0, 10.0, 100));
        assert!(
            !completes(0.0, 0.0, 80),
            "a class without hours completes no one"
        );
    }

    #[test]
    fn hours_count_within_the_session() {
        let p = |checked_in, checked_out| Presence {
            session_starts: at(1, 0),
            session_ends: at(9, 0),
            checked_in,
            checked_out,
        };
        let h = hours(&[p(at(0, 40), at(5, 30)), p(at(2, 0), at(1, 0))]);
        assert!((h - 4.5).abs() < 1e-9, "{h}");
    }
}
