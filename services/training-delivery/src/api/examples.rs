//! One realistic example per request and response body, for the OpenAPI
//! document (`#[schema(examples(...))]`). Built from each other, so the
//! class in an archive is the class as read. Personal data appears masked
//! only, but in a request, which must carry the whole number: there it is
//! GB 11643's own specimen number, no one's.

use serde_json::{json, Value};

const CLASS: &str = "0193c8a4-7d2e-7b10-9c4f-2a6e8d1f3b57";
const INSTITUTION: &str = "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60";
const VENUE: &str = "0193c7f0-51aa-7c3e-8b21-6d4f0e9a2c18";
const TEACHER: &str = "0193c7f0-51ab-7e44-a3d5-91c2b7e6f0d4";
const ENROLMENT: &str = "0193d2b6-0e41-7a9c-b6f3-58e1c4a7d920";
const INSPECTION: &str = "0193e015-3c7a-7f62-8d09-b4a1e6c25f37";
const OPERATOR: &str = "operator-91350100M000100Y43";
const OFFICER: &str = "officer-350100-027";

fn plan() -> Value {
    json!({
        "curriculum": [
            { "topic": "低压电工作业安全技术", "theory_hours": 24, "practice_hours": 40 }
        ],
        "safety_content": "触电急救与电气安全操作规程",
        "materials": ["福建省职业技能培训统编教材《电工（高级）》"]
    })
}

pub fn new_class() -> Value {
    json!({
        "institution_id": INSTITUTION,
        "occupation_code": "6-31-01-03",
        "skill_level": "senior",
        "year": 2027,
        "capacity": 30,
        "funding_route": "voucher",
        "plan": plan(),
        "sessions": [
            { "starts_at": "2027-01-10T01:00:00Z", "ends_at": "2027-01-10T09:00:00Z", "venue_id": VENUE, "teacher_id": TEACHER },
            { "starts_at": "2027-01-11T01:00:00Z", "ends_at": "2027-01-11T09:00:00Z", "venue_id": VENUE, "teacher_id": TEACHER }
        ]
    })
}

/// A class as read, approved by the bureau.
pub fn class() -> Value {
    json!({
        "id": CLASS,
        "institution_id": INSTITUTION,
        "occupation_code": "6-31-01-03",
        "skill_level": "senior",
        "year": 2027,
        "capacity": 30,
        "funding_route": "voucher",
        "plan": plan(),
        "status": "approved",
        "starts_at": "2027-01-10T01:00:00Z",
        "ends_at": "2027-01-11T09:00:00Z",
        "filed_by": OPERATOR,
        "filed_at": "2026-12-20T02:15:31Z",
        "approved_by": OFFICER,
        "approved_at": "2026-12-22T06:40:02Z",
        "sessions": [
            { "seq": 1, "starts_at": "2027-01-10T01:00:00Z", "ends_at": "2027-01-10T09:00:00Z", "venue_id": VENUE, "teacher_id": TEACHER },
            { "seq": 2, "starts_at": "2027-01-11T01:00:00Z", "ends_at": "2027-01-11T09:00:00Z", "venue_id": VENUE, "teacher_id": TEACHER }
        ]
    })
}

/// A class in the bureau's approval queue.
pub fn class_summary() -> Value {
    json!({
        "id": CLASS,
        "institution_id": INSTITUTION,
        "occupation_code": "6-31-01-03",
        "skill_level": "senior",
        "year": 2027,
        "capacity": 30,
        "funding_route": "voucher",
        "status": "filed",
        "starts_at": "2027-01-10T01:00:00Z",
        "ends_at": "2027-01-11T09:00:00Z",
        "filed_at": "2026-12-20T02:15:31Z",
        "approved_at": null,
        "closed_at": null
    })
}

pub fn new_enrolment() -> Value {
    json!({
        "citizen_id": "11010519491231002X",
        "name": "张三",
        "phone": "13800000000",
        "target_group": "registered_unemployed",
        "voucher_ref": "FJ-2027-000123"
    })
}

pub fn enrolment() -> Value {
    json!({
        "id": ENROLMENT,
        "class_id": CLASS,
        "citizen_id": "350102********123X",
        "name": "张三",
        "person_id": "5d1e8f2a9c4b7e60a3f1d8c25b9e4a7f0c6d2e8b1a5f9c3e7d4b0a8f2e6c1d95",
        "target_group": "registered_unemployed",
        "voucher_ref": "FJ-2027-000123",
        "enrolled_at": "2026-12-28T03:05:12Z",
        "outcome": null,
        "withdrawn_at": null,
        "withdrawal_reason": null
    })
}

pub fn withdrawal() -> Value {
    json!({ "reason": "已找到工作，本人申请退出培训" })
}

pub fn new_inspection() -> Value {
    json!({
        "findings": "现场抽查：实到学员28人，与签到记录一致；实训设备齐全，安全警示标识完整。",
        "photo_urls": ["https://files.fz-hrss.example/inspections/2027/01/10-01.jpg"]
    })
}

pub fn inspection() -> Value {
    json!({
        "id": INSPECTION,
        "inspector": OFFICER,
        "at": "2027-01-10T03:20:00Z",
        "findings": "现场抽查：实到学员28人，与签到记录一致；实训设备齐全，安全警示标识完整。",
        "photo_urls": ["https://files.fz-hrss.example/inspections/2027/01/10-01.jpg"]
    })
}

pub fn new_attendance() -> Value {
    json!({
        "enrolment_id": ENROLMENT,
        "session_seq": 1,
        "kind": "check_in",
        "at": "2027-01-10T00:52:08Z"
    })
}

pub fn attendance() -> Value {
    json!({
        "seq": 1,
        "enrolment_id": ENROLMENT,
        "session_seq": 1,
        "kind": "check_in",
        "at": "2027-01-10T00:52:08Z",
        "recorded_by": OPERATOR,
        "prev_hash": "9b1f0c2e7a4d5b8c3e6f1a0d9c8b7e6f5a4d3c2b1e0f9a8d7c6b5e4f3a2d1c0b",
        "hash": "e3a7c91f0b2d4e6a8c1f3b5d7e9a0c2e4f6b8d1a3c5e7f9b0d2a4c6e8f1b3d5a"
    })
}

/// The class file of a class in progress: one inspection, one trainee
/// checked in.
pub fn archive() -> Value {
    let mut trainee = enrolment();
    if let Some(fields) = trainee.as_object_mut() {
        fields.insert("attended_hours".into(), json!(0.0));
    }
    json!({
        "class": class(),
        "inspections": [inspection()],
        "roster": [trainee],
        "attendance": [attendance()],
        "chain": { "intact": true, "broken_at": null }
    })
}
