//! Driving skill assessment as a body's own system would: filing (by the
//! bureau), staff, a session, candidates, results and certificates. Every
//! step is safe to repeat, so the seeder can run again.

use anyhow::{bail, Context as _};
use serde_json::{json, Value};

use crate::{text, Api};

/// A filed body ready to run sessions.
pub struct Body {
    pub id: String,
    pub code: String,
    pub assessor: String,
    pub supervisor: String,
}

/// Files the body (`scope`: occupation, level pairs for skill-level
/// certification) and registers one assessor and one supervisor.
pub async fn prepare_body(
    officer: &Api,
    body: &Api,
    credit_code: &str,
    name: &str,
    kind: &str,
    scope: &[(&str, &str)],
) -> anyhow::Result<Body> {
    let scope: Vec<Value> = scope
        .iter()
        .map(|(occupation, level)| json!({ "assessment_kind": "certification", "occupation_code": occupation, "skill_level": level }))
        .collect();
    let filing = json!({
        "credit_code": credit_code, "name": name, "kind": kind,
        "valid_from": "2025-01-01", "valid_until": "2027-12-31", "scope": scope,
    });
    let (status, filed) = officer
        .post(
            "/v1/assessment-bodies",
            &filing,
            Some(&format!("body-{credit_code}")),
        )
        .await?;
    if status != 201 {
        bail!("filing the body: {status} {filed}");
    }
    let id = text(&filed, "id").context("body id")?.to_owned();
    for (role, no) in [("assessor", "KP-0001"), ("supervisor", "DD-0001")] {
        let staff = json!({ "role": role, "name": "陈考评", "credential_no": no });
        let (status, answer) = body
            .post(&format!("/v1/assessment-bodies/{id}/staff"), &staff, None)
            .await?;
        if status != 201 && text(&answer, "code") != Some("staff_already_registered") {
            bail!("registering staff: {status} {answer}");
        }
    }
    let (_, full) = body.get(&format!("/v1/assessment-bodies/{id}")).await?;
    let pick = |role: &str| -> anyhow::Result<String> {
        full.get("staff")
            .and_then(Value::as_array)
            .and_then(|s| s.iter().find(|x| x["role"] == role))
            .and_then(|x| x["id"].as_str())
            .map(str::to_owned)
            .with_context(|| format!("a {role} of the body"))
    };
    Ok(Body {
        code: text(&full, "code").context("body code")?.to_owned(),
        assessor: pick("assessor")?,
        supervisor: pick("supervisor")?,
        id,
    })
}

/// A session today; returns its id.
pub async fn schedule(
    api: &Api,
    body: &Body,
    occupation: &str,
    level: &str,
    key: &str,
) -> anyhow::Result<String> {
    let session = json!({
        "assessment_kind": "certification", "occupation_code": occupation, "skill_level": level,
        "exam_date": ids::business_date(chrono::Utc::now()), "venue": "福州市职业技能鉴定考场",
        "assessor_ids": [body.assessor], "supervisor_id": body.supervisor,
    });
    let (status, answer) = api.post("/v1/sessions", &session, Some(key)).await?;
    if status != 201 {
        bail!("scheduling a session: {status} {answer}");
    }
    text(&answer, "id").map(str::to_owned).context("session id")
}

/// Registers a candidate (`candidate` as the API takes it), records the
/// scores and, on a pass, issues the certificate. Returns the certificate,
/// or `None` for a fail. Registration retries while the completion it
/// relies on is still on its way from delivery.
pub async fn examine(
    api: &Api,
    session: &str,
    candidate: &Value,
    scores: (i64, i64),
) -> anyhow::Result<Option<Value>> {
    let key = format!("candidate-{session}-{}", candidate["citizen_id"]);
    let mut registered = None;
    for _ in 0..150 {
        let (status, answer) = api
            .post(
                &format!("/v1/sessions/{session}/candidates"),
                candidate,
                Some(&key),
            )
            .await?;
        match status {
            201 => {
                registered = Some(answer);
                break;
            }
            409 if text(&answer, "code") == Some("no_completion") => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await
            }
            _ => bail!("registering a candidate: {status} {answer}"),
        }
    }
    let registered = registered.context("the completion never reached skill assessment")?;
    let id = text(&registered, "id").context("candidate id")?;
    let result = json!({ "theory_score": scores.0, "practical_score": scores.1 });
    let (status, answer) = api
        .put(
            &format!("/v1/sessions/{session}/candidates/{id}/result"),
            &result,
        )
        .await?;
    let passed = match status {
        200 => answer.get("passed") == Some(&Value::Bool(true)),
        409 if text(&answer, "code") == Some("result_recorded") => scores.0 >= 60 && scores.1 >= 60,
        _ => bail!("recording a result: {status} {answer}"),
    };
    if !passed {
        return Ok(None);
    }
    let (status, certificate) = api
        .post(
            &format!("/v1/sessions/{session}/candidates/{id}/certificate"),
            &json!({}),
            Some(&format!("certificate-{id}")),
        )
        .await?;
    if status != 201 {
        bail!("issuing a certificate: {status} {certificate}");
    }
    Ok(Some(certificate))
}
