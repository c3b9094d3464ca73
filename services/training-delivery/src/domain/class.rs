//! Class filing (开班备案) and real-name enrolment (实名制), policy item 3.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use ids::FieldError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use contracts::delivery::{ClassStatus, FundingRoute};
use contracts::registry::InstitutionStatus;

ids::vocabulary! {
    /// An institution's standing for filing, as delivery keeps it: the
    /// registry's status, except that an approved institution rated D and
    /// not yet reviewed stands under review (it may not file new classes).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Standing: "standing_unknown" {
        Approved = "approved",
        UnderReview = "under_review",
        Suspended = "suspended",
        Removed = "removed",
    }
}
pub use ids::TargetGroup;

/// A granted occupation × level with its validity, as the registry says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Granted {
    pub occupation_code: String,
    pub skill_level: String,
    pub valid_from: chrono::NaiveDate,
    pub valid_to: chrono::NaiveDate,
}

/// What the read models know that a filing is checked against.
#[derive(Debug, Default)]
pub struct Facts {
    /// The institution: status and granted scope, if the registry announced it.
    pub institution: Option<(Standing, Vec<Granted>)>,
    /// The catalogue of the year lists the occupation × level (published, not withdrawn).
    pub listed_in_catalogue: bool,
    /// Venues by id: (institution, capacity, occupations).
    pub venues: HashMap<Uuid, (Uuid, i32, Vec<String>)>,
    /// Teachers by id: (institution, may teach [(occupation, level)]).
    pub teachers: HashMap<Uuid, (Uuid, Vec<(String, String)>)>,
}

#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_id: Uuid,
    pub teacher_id: Uuid,
}

/// A filing, as far as the rules look at it.
pub struct Filing<'a> {
    pub institution_id: Uuid,
    pub occupation_code: &'a str,
    pub skill_level: &'a str,
    pub year: i32,
    pub capacity: i32,
    pub sessions: &'a [Session],
}

/// Every reason a filing is refused (empty: it may be filed).
pub fn check_filing(f: &Filing<'_>, facts: &Facts, now: DateTime<Utc>) -> Vec<FieldError> {
    let mut out = Vec::new();
    check_institution(f, facts, &mut out);
    if !facts.listed_in_catalogue {
        out.push(FieldError::new(
            "occupation_code",
            "not_in_catalogue",
            "the catalogue of that year does not list this occupation and level",
        ));
    }
    if !(1..=500).contains(&f.capacity) {
        out.push(FieldError::new(
            "capacity",
            "capacity_range",
            "1 to 500 trainees",
        ));
    }
    if f.sessions.is_empty() {
        out.push(FieldError::new(
            "sessions",
            "list_empty",
            "a class has at least one session",
        ));
    }
    for (i, s) in f.sessions.iter().enumerate() {
        check_session(f, facts, now, i, s, &mut out);
    }
    out
}

/// The institution may file, and for this occupation and level that year.
fn check_institution(f: &Filing<'_>, facts: &Facts, out: &mut Vec<FieldError>) {
    match &facts.institution {
        None => out.push(FieldError::new(
            "institution_id",
            "institution_unknown",
            "the registry has not approved this institution",
        )),
        Some((Standing::UnderReview, _)) => out.push(FieldError::new(
            "institution_id",
            "institution_under_review",
            "the institution was rated D and may not file new classes until the bureau has reviewed it",
        )),
        Some((status @ (Standing::Suspended | Standing::Removed), _)) => out.push(FieldError::new(
            "institution_id",
            "institution_not_approved",
            format!("the institution is {status} and cannot file classes"),
        )),
        Some((_, scope)) => {
            let covered = scope.iter().any(|g| {
                g.occupation_code == f.occupation_code
                    && g.skill_level == f.skill_level
                    && covers_year(g, f.year)
            });
            if !covered {
                out.push(FieldError::new(
                    "occupation_code",
                    "outside_scope",
                    "the institution is not approved for this occupation and level in that year",
                ));
            }
        }
    }
}

/// The `i`th session: in order, not yet started, at a venue and with a
/// teacher of the institution fit for the class.
fn check_session(
    f: &Filing<'_>,
    facts: &Facts,
    now: DateTime<Utc>,
    i: usize,
    s: &Session,
    out: &mut Vec<FieldError>,
) {
    let field = |name: &str| format!("sessions[{i}].{name}");
    if s.starts_at >= s.ends_at {
        out.push(FieldError::new(
            field("ends_at"),
            "session_reversed",
            "a session ends after it starts",
        ));
    }
    if i == 0 && s.starts_at <= now {
        out.push(FieldError::new(
            field("starts_at"),
            "class_started",
            "a class is filed before it starts",
        ));
    }
    let previous = i.checked_sub(1).and_then(|p| f.sessions.get(p));
    if previous.is_some_and(|p| s.starts_at < p.ends_at) {
        out.push(FieldError::new(
            field("starts_at"),
            "sessions_out_of_order",
            "sessions follow each other without overlapping",
        ));
    }
    match facts.venues.get(&s.venue_id) {
        Some((owner, capacity, occupations)) if *owner == f.institution_id => {
            if !occupations.iter().any(|o| o == f.occupation_code) {
                out.push(FieldError::new(
                    field("venue_id"),
                    "venue_not_equipped",
                    "the venue is not equipped for this occupation",
                ));
            }
            if *capacity < f.capacity {
                out.push(FieldError::new(
                    field("venue_id"),
                    "venue_too_small",
                    format!("the venue holds {capacity}"),
                ));
            }
        }
        _ => out.push(FieldError::new(
            field("venue_id"),
            "venue_not_of_institution",
            "not a venue of this institution",
        )),
    }
    match facts.teachers.get(&s.teacher_id) {
        Some((owner, may_teach)) if *owner == f.institution_id => {
            if !may_teach
                .iter()
                .any(|(o, l)| o == f.occupation_code && l == f.skill_level)
            {
                out.push(FieldError::new(
                    field("teacher_id"),
                    "teacher_not_qualified",
                    "the teacher may not teach this occupation and level",
                ));
            }
        }
        _ => out.push(FieldError::new(
            field("teacher_id"),
            "teacher_not_of_institution",
            "not a teacher of this institution",
        )),
    }
}

/// Does a granted validity cover any day of a calendar year?
pub fn covers_year(g: &Granted, year: i32) -> bool {
    use chrono::Datelike;
    g.valid_from.year() <= year && g.valid_to.year() >= year
}

/// What filing takes as an institution's standing (see [`Standing`]).
pub fn filing_standing(status: InstitutionStatus, under_review: bool) -> Standing {
    match status {
        InstitutionStatus::Approved if under_review => Standing::UnderReview,
        InstitutionStatus::Approved => Standing::Approved,
        InstitutionStatus::Suspended => Standing::Suspended,
        InstitutionStatus::Removed => Standing::Removed,
    }
}

/// Why an enrolment is refused, if it is.
pub fn check_enrolment(
    status: ClassStatus,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    grace: Duration,
    enrolled: i64,
    capacity: i32,
    in_overlapping_class: bool,
) -> Option<(&'static str, String)> {
    if status != ClassStatus::Approved {
        return Some((
            "class_not_approved",
            "the roster opens when the bureau approves the class".into(),
        ));
    }
    if now > starts_at + grace {
        return Some((
            "enrolment_closed",
            "the class started too long ago to enrol".into(),
        ));
    }
    if enrolled >= i64::from(capacity) {
        return Some(("class_full", format!("the class holds {capacity}")));
    }
    if in_overlapping_class {
        return Some((
            "already_enrolled",
            "the person is enrolled in a class at the same time".into(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0)
            .single()
            .expect("instant")
    }

    fn facts(institution: Uuid, venue: Uuid, teacher: Uuid) -> Facts {
        let scope = vec![Granted {
            occupation_code: "6-31-01-03".into(),
            skill_level: "senior".into(),
            valid_from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            valid_to: chrono::NaiveDate::from_ymd_opt(2027, 12, 31).expect("date"),
        }];
        Facts {
            institution: Some((Standing::Approved, scope)),
            listed_in_catalogue: true,
            venues: [(venue, (institution, 40, vec!["6-31-01-03".to_owned()]))].into(),
            teachers: [(
                teacher,
                (
                    institution,
                    vec![("6-31-01-03".to_owned(), "senior".to_owned())],
                ),
            )]
            .into(),
        }
    }

    #[test]
    fn a_sound_filing_passes_and_a_bad_one_gets_every_reason() {
        let (inst, venue, teacher) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let sessions = [Session {
            starts_at: at(10, 9),
            ends_at: at(10, 17),
            venue_id: venue,
            teacher_id: teacher,
        }];
        let filing = Filing {
            institution_id: inst,
            occupation_code: "6-31-01-03",
            skill_level: "senior",
            year: 2026,
            capacity: 30,
            sessions: &sessions,
        };
        assert!(check_filing(&filing, &facts(inst, venue, teacher), at(1, 0)).is_empty());

        let bad_sessions = [
            Session {
                starts_at: at(10, 9),
                ends_at: at(10, 8),
                venue_id: Uuid::now_v7(),
                teacher_id: teacher,
            },
            Session {
                starts_at: at(10, 7),
                ends_at: at(10, 12),
                venue_id: venue,
                teacher_id: Uuid::now_v7(),
            },
        ];
        let bad = Filing {
            capacity: 50,
            sessions: &bad_sessions,
            ..filing
        };
        let mut f = facts(inst, venue, teacher);
        f.listed_in_catalogue = false;
        let codes: Vec<_> = check_filing(&bad, &f, at(1, 0))
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        let want = [
            ("occupation_code", "not_in_catalogue"),
            ("sessions[0].ends_at", "session_reversed"),
            ("sessions[0].venue_id", "venue_not_of_institution"),
            ("sessions[1].starts_at", "sessions_out_of_order"),
            ("sessions[1].venue_id", "venue_too_small"),
            ("sessions[1].teacher_id", "teacher_not_of_institution"),
        ];
        assert_eq!(codes, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
    }

    #[test]
    fn a_suspended_institution_or_an_unapproved_scope_cannot_file() {
        let (inst, venue, teacher) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let sessions = [Session {
            starts_at: at(10, 9),
            ends_at: at(10, 17),
            venue_id: venue,
            teacher_id: teacher,
        }];
        let filing = Filing {
            institution_id: inst,
            occupation_code: "6-31-01-03",
            skill_level: "senior",
            year: 2026,
            capacity: 30,
            sessions: &sessions,
        };
        let mut f = facts(inst, venue, teacher);
        f.institution = Some((Standing::Suspended, Vec::new()));
        assert_eq!(
            check_filing(&filing, &f, at(1, 0))[0].code,
            "institution_not_approved"
        );
        f.institution = Some((Standing::UnderReview, Vec::new()));
        assert_eq!(
            check_filing(&filing, &f, at(1, 0))[0].code,
            "institution_under_review"
        );
        let later = Filing {
            year: 2028,
            ..filing
        };
        assert_eq!(
            check_filing(&later, &facts(inst, venue, teacher), at(1, 0))[0].code,
            "outside_scope"
        );
    }

    #[test]
    fn only_an_approved_institution_under_review_stands_under_review() {
        use InstitutionStatus::*;
        assert_eq!(filing_standing(Approved, true), Standing::UnderReview);
        assert_eq!(filing_standing(Approved, false), Standing::Approved);
        assert_eq!(filing_standing(Suspended, true), Standing::Suspended);
        assert_eq!(filing_standing(Removed, false), Standing::Removed);
    }

    #[test]
    fn enrolment_rules() {
        let grace = Duration::days(3);
        assert_eq!(
            check_enrolment(
                ClassStatus::Approved,
                at(10, 9),
                at(1, 0),
                grace,
                0,
                30,
                false
            ),
            None
        );
        let code = |r: Option<(&'static str, String)>| r.map(|(c, _)| c);
        assert_eq!(
            code(check_enrolment(
                ClassStatus::Filed,
                at(10, 9),
                at(1, 0),
                grace,
                0,
                30,
                false
            )),
            Some("class_not_approved")
        );
        assert_eq!(
            code(check_enrolment(
                ClassStatus::Approved,
                at(10, 9),
                at(13, 10),
                grace,
                0,
                30,
                false
            )),
            Some("enrolment_closed")
        );
        assert_eq!(
            code(check_enrolment(
                ClassStatus::Approved,
                at(10, 9),
                at(12, 10),
                grace,
                0,
                30,
                false
            )),
            None,
            "within the grace"
        );
        assert_eq!(
            code(check_enrolment(
                ClassStatus::Approved,
                at(10, 9),
                at(1, 0),
                grace,
                30,
                30,
                false
            )),
            Some("class_full")
        );
        assert_eq!(
            code(check_enrolment(
                ClassStatus::Approved,
                at(10, 9),
                at(1, 0),
                grace,
                0,
                30,
                true
            )),
            Some("already_enrolled")
        );
    }
}
