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

/// Submit a batch of social-insurance contributions, one JSON object per
/// line. Good lines are taken; every bad line is reported with its number
/// and problems. A repeat with the same content answers the first report
/// (200, `Idempotent-Replayed`); other content under the same id is 422.
#[utoipa::path(
    tag = "social-insurance",
    request_body(content = ContributionLine, content_type = "application/x-ndjson", description = "One contribution per line: {\"citizen_id\", \"employer_credit_code\", \"month\": \"YYYY-MM\"}"),
    params(("batch_id" = String, Path, description = "The sender's id of the batch: 1 to 100 letters, digits, '.', '_' or '-'")),
    responses(
        (status = 201, body = BatchReport),
        (status = 200, description = "A repeat of a batch already taken: its report", body = BatchReport),
        (status = 409, description = "The same batch is being received", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More lines than a batch may have (`batch_too_large`): 2,000,000 unless the city configures another `batch_max_rows`. The body is read as it arrives, never whole", body = Problem, content_type = "application/problem+json"),
        (status = 415, response = platform::problem::UnsupportedMediaType),
        (status = 422, description = "The batch id was used for other content", body = Problem, content_type = "application/problem+json"),
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

/// The report of a batch the caller submitted.
#[utoipa::path(
    tag = "social-insurance",
    params(("batch_id" = String, Path)),
    responses((status = 200, body = BatchReport), (status = 404, response = platform::problem::NotFound)),
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
