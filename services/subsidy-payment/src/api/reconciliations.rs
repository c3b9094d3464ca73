//! Bank reconciliations (银行对账): every applied result file with what
//! became of each line, listed, read and exported for the officers and
//! auditors of the city.

use actix_web::{get, web, HttpResponse};
use platform::auth::{Principal, Role};
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{ReconciliationSummary, ReconciliationView, ResultReport, State};
use crate::domain::reconciliation;
use crate::store::reconciliations::{self as stored, Filter};

/// Which reconciliations to list, newest first.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReconciliationQuery {
    /// Only this batch's.
    pub batch_no: Option<String>,
    /// Only those with (true) or without (false) lines needing attention.
    pub needs_attention: Option<bool>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

fn reader(who: &Principal, state: &State) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    Ok(())
}

/// List the city's bank reconciliations, newest first
///
/// Bank reconciliations (银行对账), for bureau officers and auditors of the
/// city: one per bank result file applied, with its figures: lines confirmed, failed, batch lines the
/// file missed, and lines needing attention (unknown references,
/// duplicates, amount mismatches, unreadable lines, paid twice,
/// contradicting an earlier file). `needs_attention=true` is the officers'
/// work queue of lines to take up with the bank; `batch_no` narrows to one
/// batch. Newest first by when the file was proposed (the id is the
/// proposal's, time-ordered). Cursor-paginated: pass the previous page's
/// `next_cursor` as `cursor`. Refusals: `cursor_invalid`, `limit_range`
/// (422).
#[utoipa::path(
    tag = "payouts",
    operation_id = "listBankReconciliations",
    params(ReconciliationQuery),
    responses((status = 200, description = "A page of reconciliations, newest first", body = Page<ReconciliationSummary>)),
    security(("bearer" = []))
)]
#[get("/v1/bank-reconciliations")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<ReconciliationQuery>,
) -> Result<HttpResponse, ApiError> {
    reader(&who, &state)?;
    let limit = pagination::limit(query.limit)?;
    let before: Option<Uuid> = pagination::decode_cursor(query.cursor.as_deref())?;
    let filter = Filter {
        batch_no: query.batch_no.as_deref(),
        needs_attention: query.needs_attention,
        before,
    };
    let mut conn = state.pool.get().await?;
    let rows = stored::list(&mut conn, state.city, &filter, limit).await?;
    let page = pagination::page(rows, limit, |r| r.id).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(ReconciliationSummary::from)
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

async fn load(
    state: &State,
    id: Uuid,
) -> Result<(stored::ReconciliationRow, Vec<reconciliation::ReportLine>), ApiError> {
    let mut conn = state.pool.get().await?;
    stored::get(&mut conn, state.city, id)
        .await?
        .ok_or_else(|| ApiError::not_found("reconciliation_not_found", "no such reconciliation"))
}

/// Read one bank reconciliation, line by line
///
/// Bureau officers and auditors of the city. The figures, every line of
/// the file with its outcome and detail, and every batch line the file did
/// not answer (still at the bank). Refusals: `reconciliation_not_found`
/// (404, also for another city's).
#[utoipa::path(
    tag = "payouts",
    operation_id = "getBankReconciliation",
    params(("id" = Uuid, Path, description = "The reconciliation (the proposal that imported the file)")),
    responses(
        (status = 200, description = "The reconciliation with every line", body = ReconciliationView),
        (status = 404, description = "Refused: reconciliation_not_found", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/bank-reconciliations/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    reader(&who, &state)?;
    let (row, report) = load(&state, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ReconciliationView {
        report: ResultReport::new(&row, &report),
        summary: row.into(),
    }))
}

/// Export one bank reconciliation as CSV
///
/// Bureau officers and auditors of the city. `line,reference,outcome,
/// detail` (UTF-8, CRLF), as an attachment; batch lines the file missed
/// have no line number. Every field is safe to open in a spreadsheet (no
/// formula injection). Refusals: `reconciliation_not_found` (404).
#[utoipa::path(
    tag = "payouts",
    operation_id = "exportBankReconciliation",
    params(("id" = Uuid, Path, description = "The reconciliation (the proposal that imported the file)")),
    responses(
        (status = 200, description = "The reconciliation as CSV: line,reference,outcome,detail", body = String, content_type = "text/csv",
            example = json!("line,reference,outcome,detail\r\n2,FZ-2026-07-0001,confirmed,\r\n,FZ-2026-07-0002,missing,\r\n")),
        (status = 404, description = "Refused: reconciliation_not_found", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/bank-reconciliations/{id}/export")]
pub async fn export(
    state: State,
    who: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    reader(&who, &state)?;
    let id = path.into_inner();
    let (row, report) = load(&state, id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"reconciliation-{}-{id}.csv\"",
                row.batch_no
            ),
        ))
        .body(reconciliation::export(&report)))
}
