//! Social-insurance contribution batches (社保缴费数据比对): the sender's
//! PUT of an NDJSON body, streamed into the use case
//! (`app::contributions`), and the report of a batch sent.

use actix_web::http::{header, StatusCode};
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::REPLAYED_HEADER;
use platform::problem::Problem;
use platform::ApiError;

use super::{BatchReport, ContributionLine, State};
use crate::app::contributions::{self, Batch, Received};

pub const NDJSON: &str = "application/x-ndjson";

fn check_batch_id(id: &str) -> Result<(), ApiError> {
    let ok = (1..=100).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(vec![platform::FieldError {
            field: "batch_id".into(),
            code: "batch_id_format".into(),
            message: "1 to 100 letters, digits, '.', '_' or '-'".into(),
        }]))
    }
}

/// Submit a batch of social-insurance contributions
///
/// The city's social-insurance agency's system (an integrator with the scope
/// `employment:social_insurance`; nobody else, officers included) sends the
/// month's contributions (社保缴费数据) as `application/x-ndjson`, one JSON
/// object per line, under its own batch id. Good lines are taken; every
/// bad line is reported with its number and every problem it has. Taken
/// contributions of completers are matched against their follow-up
/// windows: employment shown within a window is published as
/// `qiancheng.employment.outcome.employed_within_window.v1`, and insured
/// months added as `qiancheng.employment.insured_months.counted.v1`. The
/// batch id makes the request idempotent: a repeat with the same content
/// answers the first report (200, `Idempotent-Replayed: true`); other
/// content under the same id is refused. Refused: 400 `batch_incomplete`,
/// `body_unreadable`; 409 `batch_in_flight`; 413 `batch_too_large`; 415
/// `unsupported_media_type`; 422 `batch_id_format`, `batch_content_differs`.
#[utoipa::path(
    tag = "social-insurance",
    operation_id = "submitSocialInsuranceBatch",
    request_body(content = ContributionLine, content_type = "application/x-ndjson", description = "One contribution per line: {\"citizen_id\", \"employer_credit_code\", \"month\": \"YYYY-MM\"}"),
    params(("batch_id" = String, Path, description = "The sender's id of the batch: 1 to 100 letters, digits, '.', '_' or '-'")),
    responses(
        (status = 201, description = "The batch taken: what it did, and every rejected line", body = BatchReport,
            headers(("Location" = String, description = "Where the batch's report is read"))),
        (status = 200, description = "A repeat of a batch already taken: its first report", body = BatchReport,
            headers(("Location" = String, description = "Where the batch's report is read"))),
        (status = 400, description = "Refused: batch_incomplete (the body ended before it was read whole), body_unreadable", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: batch_in_flight (the same batch is being received by another request; retry to get its report)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Refused: batch_too_large (more lines than a batch may have: 2,000,000 unless the city configures another `batch_max_rows`). The body is read as it arrives, never whole", body = Problem, content_type = "application/problem+json"),
        (status = 415, response = platform::problem::UnsupportedMediaType),
        (status = 422, description = "Refused: batch_id_format, batch_content_differs (the batch id was used for other content)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/v1/social-insurance/batches/{batch_id}")]
pub async fn submit(
    state: State,
    who: Principal,
    batch_id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // The city's social-insurance agency alone: its system's token carries
    // the scope. Nobody else, officers included, can make contributions.
    who.require(&[Role::Integrator])?
        .require_scope(Scope::SocialInsuranceUpload)?;
    let batch_id = batch_id.into_inner();
    check_batch_id(&batch_id)?;
    let ndjson = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with(NDJSON));
    if !ndjson {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the batch as application/x-ndjson",
        ));
    }
    let location = format!("/v1/social-insurance/batches/{batch_id}");
    let batch = Batch {
        submitter: who.subject().to_owned(),
        batch_id,
    };
    let limits = state.batch_limits();
    match contributions::receive(
        &state.pool,
        state.city,
        &state.person_ids,
        limits,
        batch,
        body,
    )
    .await?
    {
        Received::Repeated(report) => Ok(HttpResponse::Ok()
            .insert_header((header::LOCATION, location))
            .insert_header((REPLAYED_HEADER, "true"))
            .json(report)),
        Received::Taken(report) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, location))
            .json(report)),
    }
}

/// Read the report of a submitted contribution batch
///
/// The social-insurance agency's system (an integrator with the scope
/// `employment:social_insurance`) reads the report of a batch it submitted,
/// e.g. after a `batch_in_flight` refusal. Another sender's batch answers
/// 404 `batch_not_found`, as one that does not exist.
#[utoipa::path(
    tag = "social-insurance",
    operation_id = "getSocialInsuranceBatch",
    params(("batch_id" = String, Path, description = "The sender's id of the batch")),
    responses(
        (status = 200, description = "The batch's report, as answered when it was taken", body = BatchReport),
        (status = 404, description = "Refused: batch_not_found (none of the caller's under that id)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/social-insurance/batches/{batch_id}")]
pub async fn get(
    state: State,
    who: Principal,
    batch_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Integrator])?
        .require_scope(Scope::SocialInsuranceUpload)?;
    let batch = Batch {
        submitter: who.subject().to_owned(),
        batch_id: batch_id.into_inner(),
    };
    let mut conn = state.pool.get().await?;
    let report = contributions::report(&mut conn, &batch).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_ids_are_checked() {
        assert!(check_batch_id("si-2027-03.part_1").is_ok());
        assert!(check_batch_id("").is_err());
        assert!(check_batch_id("a/b").is_err());
    }
}
