//! Payees' bank accounts, payout batches (拨付批次) with their signed bank
//! files, the bank's signed result file, and the public disclosure of fund
//! use. Changing an account, releasing a batch and importing a result are
//! proposals a second officer approves (`app::proposals`).

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use ids::Fen;
use platform::auth::{Principal, Role, Scope};
use platform::json::{Json, Text};
use platform::problem::Problem;
use platform::public::{PublicRead, Variant};
use platform::ApiError;

use super::proposals::propose_once;
use super::{AccountChangeView, BankAccount, FundUse, FundUseRow, NewBatch, ProposalView, State};
use crate::app::claims::payee_of;
use crate::app::payouts::load_batch;
use crate::app::proposals::{check_bank_signature, Payload};
use crate::domain::bank_file;
use crate::domain::disclosure::{self, PaidClaim};
use crate::domain::file_signature;
use crate::domain::payout;
use crate::domain::subsidy::{Payee, SubsidyKind};
use crate::store::payouts;
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

/// Propose where a payee is paid: an officer for any payee of the city, an
/// institution or enterprise for itself. It takes effect when an officer
/// other than the proposer approves it; every change is kept with both
/// people and the old and new numbers masked.
#[utoipa::path(
    tag = "payouts",
    request_body = BankAccount,
    params(("payee" = String, Path, description = "`institution:<id>`, `enterprise:<credit code>` or `person:<person id>`"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; waits for a second officer", body = ProposalView),
        (status = 403, response = platform::problem::Forbidden),
        (status = 409, description = "A change of this payee's account is already waiting (`proposal_pending`), or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
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

/// Every account a payee was given, oldest first: who proposed and who
/// approved each, the old and new numbers masked. Officers and auditors of
/// the city.
#[utoipa::path(
    tag = "payouts",
    params(("payee" = String, Path, description = "`institution:<id>`, `enterprise:<credit code>` or `person:<person id>`")),
    responses(
        (status = 200, body = Vec<AccountChangeView>),
        (status = 403, response = platform::problem::Forbidden),
        (status = 422, response = platform::problem::Unprocessable),
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

fn officer(who: &Principal, state: &State) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    Ok(())
}

/// Propose releasing a payout batch of every approved claim of the fund:
/// one bank line per payee. The proposal shows the batch as it would be
/// made (lines, amounts, claims held back); a second officer's approval
/// makes it, provided it would still be the same.
#[utoipa::path(
    tag = "payouts",
    request_body = NewBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; the batch as it would be made is in `summary.preview`", body = ProposalView),
        (status = 409, description = "The batch number is taken, a release of it is already waiting, or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad batch number, or nothing to pay", body = Problem, content_type = "application/problem+json"),
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

/// The batch's payment file for the bank (CSV, amounts in yuan), signed
/// with the city's key: the detached signature is in the `X-Signature`
/// header (`keyId`, `algorithm="ed25519"`, `signature` over the exact bytes
/// of the body). It holds account numbers in clear, so every download is
/// recorded.
#[utoipa::path(
    tag = "payouts",
    responses(
        (status = 200, description = "payee_account,payee_name,amount,reference", body = String, content_type = "text/csv",
            headers(("X-Signature" = String, description = "keyId=\"…\", algorithm=\"ed25519\", signature=\"…\" (base64)"))),
        (status = 404, response = platform::problem::NotFound),
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

/// Propose importing the bank's result file (`reference,status,amount,
/// reason`), signed by one of the bank's keys in the `X-Signature` header;
/// an unsigned or altered file is refused and changes nothing. The
/// proposal shows what the file would do; a second officer's approval
/// applies it: each line confirms or fails its payments in the ledger,
/// unknown references and bad lines are reported and change nothing. The
/// file is refused as soon as more than 16 MiB has arrived; below that it
/// is held whole, since the bank's signature covers the whole file, and no
/// transaction is open while it arrives.
#[utoipa::path(
    tag = "payouts",
    request_body(content = String, content_type = "text/csv"),
    params(("X-Signature" = String, Header, description = "The bank's detached signature: keyId=\"…\", algorithm=\"ed25519\", signature=\"…\""), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; the outcome of each line is in `summary.preview`", body = ProposalView),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, description = "A result of this batch is already waiting (`proposal_pending`), or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No signature, or one that is malformed, by an unknown key, or does not verify", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than 16 MiB (`body_too_large`)", body = Problem, content_type = "application/problem+json"),
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

/// Fund use per city, fund, month of payment and subsidy kind, with the
/// median and 90th percentile of days from claim to payment. Public, no
/// personal data; cached and dropped on every confirmed payment.
#[utoipa::path(
    tag = "public",
    responses(
        (status = 200, body = FundUse),
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
