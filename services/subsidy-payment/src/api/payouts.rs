//! Payees' bank accounts, payout batches (拨付批次) with their signed bank
//! files, the bank's signed result file, and the public disclosure of fund
//! use. Changing an account, releasing a batch and importing a result are
//! proposals a second officer approves (`app::proposals`).

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use ids::Fen;
use platform::auth::{Principal, Role, Scope};
use platform::json::{Json, Text};
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::public::{PublicRead, Variant};
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;

use super::proposals::propose_once;
use super::{
    AccountChangeView, BankAccount, FundUse, FundUseRow, NewBatch, PayoutBatchView, ProposalView,
    State,
};
use crate::app::claims::payee_of;
use crate::app::payouts::{batches as load_batches, load_batch};
use crate::app::proposals::{check_bank_signature, Payload};
use crate::domain::bank_file;
use crate::domain::disclosure::{self, PaidClaim};
use crate::domain::file_signature;
use crate::domain::payout;
use crate::domain::status::BatchStatus;
use crate::domain::subsidy::{Payee, SubsidyKind};
use crate::store::payouts;
use crate::store::payouts::BatchFilter;
use crate::store::{self, proposals as stored};
use platform::idempotency::IdempotencyKey;

/// The largest bank result file: about 200,000 lines, far above a city's
/// batch.
const MAX_BANK_RESULT: usize = 16 << 20;

/// The cache namespace of the public disclosure, dropped on payment.
pub(crate) const FUND_USE: &str = "fund-use";

fn mask(account_no: &str) -> String {
    let n = account_no.chars().count();
    let tail: String = account_no.chars().skip(n.saturating_sub(4)).collect();
    format!("{}{tail}", "*".repeat(n.saturating_sub(4)))
}

fn payee_path(path: &str) -> Result<Payee, ApiError> {
    payee_of(path).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "payee_invalid",
            "the payee is institution:<id>, enterprise:<credit code> or person:<person id>",
        )
    })
}

/// Propose the bank account a payee is paid into
///
/// A bureau officer of the city for any payee; an institution (operator,
/// or integrator with scope `subsidy:payees`) for itself; an enterprise for
/// itself. The account number (8 to 34 digits, spaces ignored) is stored
/// encrypted and only ever answered masked. Nothing changes yet: the
/// answer is a pending proposal (`202`) that takes effect when a bureau
/// officer other than the proposer approves it
/// (`POST /v1/proposals/{id}/approve`); every change is kept with both
/// people and the old and new numbers masked. Refusals: `out_of_scope`
/// (403, another's account); `proposal_pending` (409, a change of this
/// payee's account already waits); `payee_invalid`, `account_no_invalid`,
/// `account_name_invalid` (422). With an `Idempotency-Key`, a retry
/// answers with the first proposal.
#[utoipa::path(
    tag = "payouts",
    operation_id = "setPayeeBankAccount",
    request_body = BankAccount,
    params(("payee" = String, Path, description = "`institution:<id>`, `enterprise:<credit code>` or `person:<person id>`"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; waits for a second officer", body = ProposalView),
        (status = 403, description = "Refused: out_of_scope (the payee is neither the caller nor of an officer's city), forbidden_role", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: proposal_pending (a change of this payee's account is already waiting), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: payee_invalid, validation_failed (account_no_invalid, account_name_invalid), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/v1/payees/{payee}/bank-account")]
pub async fn bank_account(
    state: State,
    who: Principal,
    path: web::Path<String>,
    key: IdempotencyKey,
    Json(body): Json<BankAccount>,
) -> Result<HttpResponse, ApiError> {
    let payee = payee_path(&path)?;
    let account_no: String = body.account_no.chars().filter(|c| *c != ' ').collect();
    let mut v = platform::validate::Validator::new();
    v.ensure(
        (8..=34).contains(&account_no.len()) && account_no.bytes().all(|b| b.is_ascii_digit()),
        "account_no",
        "account_no_invalid",
        "8 to 34 digits",
    );
    v.ensure(
        !body.account_name.trim().is_empty() && body.account_name.chars().count() <= 100,
        "account_name",
        "account_name_invalid",
        "the account holder's name, 1 to 100 characters",
    );
    v.finish(())?;
    who.require_scope(Scope::SubsidyPayees)?;
    let mut conn = state.pool.get().await?;
    let allowed = match (who.role(), &payee) {
        (Role::BureauOfficer, _) => who.require_city(state.city).is_ok(),
        (Role::InstitutionOperator | Role::Integrator, Payee::Institution(id)) => {
            store::credit_code_of(&mut conn, *id).await?.as_deref() == who.org()
                && who.org().is_some()
        }
        (Role::Enterprise | Role::Integrator, Payee::Enterprise(code)) => {
            who.org() == Some(code.as_str())
        }
        _ => false,
    };
    if !allowed {
        return Err(ApiError::forbidden(
            "out_of_scope",
            "a payee's account is set by an officer or the payee itself",
        ));
    }
    drop(conn);
    let payload = Payload::BankAccount {
        payee: payee.to_string(),
        account_masked: mask(&account_no),
        account_name: body.account_name.trim().to_owned(),
    };
    let sealed = state.cipher.seal(&account_no);
    let route = format!("bank-account:{payee}");
    let request = (&account_no, body.account_name.trim());
    propose_once(&state, &who, &key, &route, &request, payload, Some(sealed)).await
}

/// List every bank account a payee was given, oldest first
///
/// Bureau officers and auditors of the city. Each applied change with who
/// proposed and who approved it and when, the old and new account numbers
/// masked (never in clear). Refusals: `payee_invalid` (422).
#[utoipa::path(
    tag = "payouts",
    operation_id = "getPayeeBankAccountHistory",
    params(("payee" = String, Path, description = "`institution:<id>`, `enterprise:<credit code>` or `person:<person id>`")),
    responses(
        (status = 200, description = "The payee's account changes, oldest first", body = Vec<AccountChangeView>),
        (status = 422, description = "Refused: payee_invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/payees/{payee}/bank-account/history")]
pub async fn account_history(
    state: State,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let payee = payee_path(&path)?;
    let mut conn = state.pool.get().await?;
    let rows = stored::account_history(&mut conn, &payee.to_string()).await?;
    let out: Vec<AccountChangeView> = rows
        .into_iter()
        .map(|r| AccountChangeView {
            old_masked: r.old_masked,
            new_masked: r.new_masked,
            account_name: r.account_name,
            proposal_id: r.proposal_id,
            proposed_by: r.proposed_by,
            proposed_at: r.proposed_at,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BatchQuery {
    /// Only batches with a payment still awaiting the bank's answer
    /// (`at_bank`), or only those the bank answered in full (`settled`).
    #[param(inline, value_type = Option<BatchStatus>)]
    pub status: Option<String>,
    /// Only batches released on or after this day (Asia/Shanghai).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Only batches released on or before this day (Asia/Shanghai).
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The instant a business day (Asia/Shanghai) begins.
fn day_begins(day: NaiveDate) -> Option<DateTime<Utc>> {
    ids::BUSINESS_TZ
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// List the city's released payout batches, newest first
///
/// Bureau officers and auditors of the city. Each payout batch (拨付批次)
/// released by a second officer's approval, with what its payments add up
/// to by the bank's answers so far: confirmed, failed and still at the
/// bank, and its `status` (`at_bank` while any payment awaits the bank's
/// answer, then `settled`). `status=at_bank` is the queue of batches whose
/// result file is awaited; `from` and `to` narrow to the days (Asia/
/// Shanghai, inclusive) it was released. Newest first, cursor-paginated:
/// pass the previous page's `next_cursor` as `cursor`; `limit` is 1 to 500
/// (default 50). Proposed batches not yet approved are proposals
/// (`GET /v1/proposals?kind=payout_release`). Refusals (422):
/// `batch_status_unknown` on `status`, `date_invalid` on `from` or `to`,
/// `date_range` (`to` before `from`), `cursor_invalid`, `limit_range`.
#[utoipa::path(
    tag = "payouts",
    operation_id = "listPayoutBatches",
    params(BatchQuery),
    responses(
        (status = 200, description = "A page of batches, newest first", body = Page<PayoutBatchView>),
        (status = 422, description = "Refused: validation_failed (batch_status_unknown, date_invalid, date_range), cursor_invalid, limit_range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/payout-batches")]
pub async fn batches(
    state: State,
    who: Principal,
    query: web::Query<BatchQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let mut v = Validator::new();
    let status: Option<Option<BatchStatus>> = query.status.as_deref().map(|s| v.parse("status", s));
    let mut day = |field: &'static str, raw: Option<&str>| {
        let parsed = raw.map(|d| d.parse::<NaiveDate>().ok());
        v.ensure(
            !matches!(parsed, Some(None)),
            field,
            "date_invalid",
            "a date, YYYY-MM-DD",
        );
        parsed.flatten()
    };
    let from = day("from", query.from.as_deref());
    let to = day("to", query.to.as_deref());
    v.ensure(
        !matches!((from, to), (Some(f), Some(t)) if t < f),
        "to",
        "date_range",
        "`to` is on or after `from`",
    );
    v.finish(())?;
    let limit = pagination::limit(query.limit)?;
    let before: Option<(DateTime<Utc>, String)> =
        pagination::decode_cursor(query.cursor.as_deref())?;
    let bound = |d: Option<NaiveDate>| {
        d.map(|d| day_begins(d).ok_or_else(|| ApiError::internal("a day without a beginning")))
            .transpose()
    };
    let filter = BatchFilter {
        at_bank: status.flatten().map(|s| s == BatchStatus::AtBank),
        from: bound(from)?,
        until: bound(to.and_then(|t| t.succ_opt()))?,
        before,
        limit: limit + 1,
    };
    let mut conn = state.pool.get().await?;
    let rows = load_batches(&mut conn, state.city, &filter).await?;
    let page = pagination::page(rows, limit, |(b, _)| (b.created_at, b.batch_no.clone()))
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(|(b, figures)| PayoutBatchView {
                status: figures.status(),
                batch_no: b.batch_no,
                fund: b.fund,
                created_by: b.created_by,
                approved_by: b.approved_by,
                created_at: b.created_at,
                lines: figures.lines,
                payments: figures.payments,
                total_fen: figures.total_fen,
                confirmed_fen: figures.confirmed_fen,
                failed_fen: figures.failed_fen,
                at_bank_fen: figures.at_bank_fen,
            })
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

fn officer(who: &Principal, state: &State) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    Ok(())
}

/// Propose releasing a payout batch of a fund's approved claims
///
/// A bureau officer of the city proposes a payout batch (拨付批次) of every
/// approved claim of the fund: one bank line per payee, recoveries the
/// payee owes withheld (抵扣). The proposal's `summary.preview` shows the
/// batch as it would be made (lines, amounts, claims held back and why);
/// a second officer's approval (`POST /v1/proposals/{id}/approve`) makes
/// it, provided it would still be the same (otherwise `proposal_stale`),
/// moves the money to bank clearing in the ledger and publishes a `sent`
/// payment per claim on `subsidy.payments.v1`. Refusals: `batch_no_taken`,
/// `proposal_pending` (409); `batch_no_invalid`, `nothing_to_pay` (422).
/// With an `Idempotency-Key`, a retry answers with the first proposal.
#[utoipa::path(
    tag = "payouts",
    operation_id = "createPayoutBatch",
    request_body = NewBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; the batch as it would be made is in `summary.preview`", body = ProposalView),
        (status = 409, description = "Refused: batch_no_taken, proposal_pending (a release of this batch is already waiting), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (batch_no_invalid), nothing_to_pay (every approved claim held back, each in `errors`), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/payout-batches")]
pub async fn create_batch(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewBatch>,
) -> Result<HttpResponse, ApiError> {
    officer(&who, &state)?;
    if !payout::valid_batch_no(&body.batch_no) {
        return Err(ApiError::validation(vec![platform::FieldError {
            field: "batch_no".into(),
            code: "batch_no_invalid".into(),
            message: "1 to 24 of A–Z a–z 0–9 -".into(),
        }]));
    }
    let payload = Payload::PayoutRelease(body.clone());
    propose_once(&state, &who, &key, "payout-release", &body, payload, None).await
}

/// Download a released batch's signed payment file for the bank
///
/// Bureau officers of the city. The CSV (`payee_account,payee_name,amount,
/// reference`, amounts in yuan) is signed with the city's key: the
/// detached signature is in the `X-Signature` header (`keyId`,
/// `algorithm="ed25519"`, `signature` over the exact bytes of the body).
/// It holds account numbers in clear, so every download is recorded with
/// who downloaded it. Refusals: `batch_not_found` (404, no such batch of
/// the city).
#[utoipa::path(
    tag = "payouts",
    operation_id = "downloadPayoutFile",
    params(("batch_no" = String, Path, description = "The batch number given when it was proposed")),
    responses(
        (status = 200, description = "The payment file: payee_account,payee_name,amount,reference", body = String, content_type = "text/csv",
            headers(("X-Signature" = String, description = "keyId=\"…\", algorithm=\"ed25519\", signature=\"…\" (base64)")),
            example = json!("payee_account,payee_name,amount,reference\r\n6222021402012345678,福州市职业技能培训中心,4500.00,FZ-2026-07-0001\r\n")),
        (status = 404, description = "Refused: batch_not_found", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/payout-batches/{batch_no}/file")]
pub async fn file(
    state: State,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    officer(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let (batch, _) = load_batch(&mut conn, &state.cipher, state.city, &path).await?;
    // The file carries account numbers in clear: the read is recorded.
    store::record_pii_read(
        &mut conn,
        who.subject(),
        "bank_file",
        &format!("payout-batch:{}", batch.batch_no),
    )
    .await?;
    let body = bank_file::export(&batch);
    let (key_id, key) = &state.bank.signing;
    let signature = file_signature::sign(key, key_id, body.as_bytes());
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((file_signature::HEADER, signature))
        .body(body))
}

/// Propose importing the bank's signed result file for a batch
///
/// A bureau officer of the city uploads the bank's result file (CSV:
/// `reference,status,amount,reason`), signed by one of the bank's keys in
/// the `X-Signature` header; an unsigned or altered file is refused and
/// changes nothing. The proposal's `summary.preview` shows what each line
/// would do; a second officer's approval applies it: each line confirms or
/// fails its payments in the ledger (published on `subsidy.payments.v1` as
/// `confirmed` or `failed`), unknown references and bad lines are reported
/// and change nothing, and the reconciliation is kept
/// (`GET /v1/bank-reconciliations/{id}`). The same file is never applied
/// twice. The file is refused as soon as more than 16 MiB has arrived.
/// Refusals: `batch_not_found` (404); `proposal_pending`,
/// `bank_result_already_applied` (409); `signature_missing`,
/// `signature_malformed`, `signature_key_unknown`, `signature_invalid`
/// (422); `body_too_large` (413). With an `Idempotency-Key`, a retry
/// answers with the first proposal.
#[utoipa::path(
    tag = "payouts",
    operation_id = "importBankResult",
    request_body(content = String, content_type = "text/csv", description = "The bank's result file, exactly as signed", example = json!("reference,status,amount,reason\r\nFZ-2026-07-0001,success,4500.00,\r\n")),
    params(("batch_no" = String, Path, description = "The batch the file answers"), ("X-Signature" = String, Header, description = "The bank's detached signature: keyId=\"…\", algorithm=\"ed25519\", signature=\"…\""), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; the outcome of each line is in `summary.preview`", body = ProposalView),
        (status = 404, description = "Refused: batch_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: proposal_pending (a result of this batch is already waiting), bank_result_already_applied, idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Refused: body_too_large (the file is larger than 16 MiB)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: signature_missing, signature_malformed, signature_key_unknown, signature_invalid, idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/payout-batches/{batch_no}/result")]
pub async fn result(
    state: State,
    who: Principal,
    req: HttpRequest,
    path: web::Path<String>,
    key: IdempotencyKey,
    Text(text): Text<MAX_BANK_RESULT>,
) -> Result<HttpResponse, ApiError> {
    officer(&who, &state)?;
    let signature = req
        .headers()
        .get(file_signature::HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    check_bank_signature(&state.bank.result_keys, signature.as_deref(), &text)?;
    let batch_no = path.into_inner();
    let route = format!("bank-result:{batch_no}");
    let request = (&text, &signature);
    let payload = Payload::BankResult {
        batch_no,
        file: text.clone(),
        signature: signature.clone().unwrap_or_default(),
    };
    propose_once(&state, &who, &key, &route, &request, payload, None).await
}

/// Read the public disclosure of fund use and payment times
///
/// Public, no token (公示): payments per city, fund source, month of
/// payment and subsidy kind (count and amount in fen), with the median and
/// 90th percentile of days from claim to payment. No personal data.
/// Cached, and dropped on every confirmed payment; rate limited per client
/// (`rate_limited`, 429).
#[utoipa::path(
    tag = "public",
    operation_id = "getFundUse",
    responses(
        (status = 200, description = "Fund use and payment times", body = FundUse),
        (status = 429, response = platform::problem::TooManyRequests),
    )
)]
#[get("/v1/public/fund-use")]
pub async fn fund_use(state: State, public: PublicRead) -> Result<HttpResponse, ApiError> {
    public
        .respond(FUND_USE, Variant::of("fund-use"), || async {
            let mut conn = state.pool.get().await?;
            let mut paid = Vec::new();
            for p in payouts::confirmed(&mut conn).await? {
                let kind: SubsidyKind = p.kind.parse().map_err(ApiError::internal)?;
                paid.push(PaidClaim {
                    city: p.city.parse().map_err(ApiError::internal)?,
                    fund: store::fund_of(p.fund.as_deref().unwrap_or_default())?,
                    kind,
                    amount: Fen::new(p.amount_fen),
                    claimed_on: ids::business_date(p.claimed_at),
                    paid_on: p.paid_on,
                });
            }
            let timeliness = disclosure::timeliness(&paid);
            Ok(FundUse {
                rows: disclosure::fund_use(&paid)
                    .into_iter()
                    .map(|(cell, totals)| FundUseRow {
                        city: cell.city.to_string(),
                        fund: cell.fund.as_str().to_owned(),
                        month: cell.month.to_string(),
                        kind: cell.kind.as_str().to_owned(),
                        payments: totals.payments,
                        amount_fen: totals.amount.get(),
                    })
                    .collect(),
                median_days: timeliness.as_ref().map(|t| t.median_days),
                p90_days: timeliness.map(|t| t.p90_days),
            })
        })
        .await
}
