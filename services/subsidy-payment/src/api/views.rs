//! Request and response bodies. Requests deny unknown fields.

use chrono::{DateTime, NaiveDate, Utc};
use contracts::subsidy::ReasonItem;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::money::AmountFen;
use crate::domain::reconciliation::{LineOutcome, ReportLine};
use crate::domain::status::BatchStatus;
use crate::domain::subsidy::FundSource;
use crate::store::reconciliations::ReconciliationRow;
use crate::store::ClaimRow;

/// Money allocated to (预算下达) or taken back from a pot of the city.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"fund": "employment_subsidy", "year": 2026, "amount_fen": 10000000, "memo": "闽人社〔2026〕12号 职业技能提升行动资金下达"})))]
#[serde(deny_unknown_fields)]
pub struct BudgetChange {
    pub fund: FundSource,
    /// The statistical year (1 December – 30 November) the budget is for.
    #[schema(minimum = 2000, maximum = 2100, example = 2026)]
    pub year: i32,
    /// A positive whole number of fen (integer, or a string of digits).
    #[schema(value_type = i64, example = 10000000, minimum = 1)]
    pub amount_fen: AmountFen,
    /// The budget document or reason: 1 to 500 characters, not only spaces.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"\S",
        example = "闽人社〔2026〕12号 职业技能提升行动资金下达"
    )]
    pub memo: String,
}

/// One recorded budget change.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "fund": "employment_subsidy", "year": 2026, "kind": "allocation", "amount_fen": 10000000, "memo": "闽人社〔2026〕12号 职业技能提升行动资金下达", "transaction_id": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d", "changed_by": "fz-officer-017", "approved_by": "fz-officer-023", "changed_at": "2026-03-02T09:15:00Z"})))]
pub struct BudgetChangeView {
    pub id: Uuid,
    pub fund: String,
    pub year: i32,
    /// allocation or reduction
    pub kind: String,
    pub amount_fen: i64,
    pub memo: String,
    pub transaction_id: Uuid,
    /// Who proposed it, and the second officer who approved it.
    pub changed_by: String,
    pub approved_by: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// The state of one pot (fund × city × year), in fen.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[schema(examples(json!({"fund": "employment_subsidy", "year": 2026, "allocated_fen": 10000000, "available_fen": 7150000, "payable_fen": 1200000, "in_bank_fen": 450000, "paid_fen": 1200000, "receivable_fen": 0})))]
pub struct PotView {
    pub fund: String,
    pub year: i32,
    /// Allocated in total, net of reductions (拨入).
    pub allocated_fen: i64,
    /// Not yet committed to a claim (可用预算).
    pub available_fen: i64,
    /// Approved, not yet sent to the bank (应付).
    pub payable_fen: i64,
    /// Sent to the bank, result not yet back (在途).
    pub in_bank_fen: i64,
    /// Paid out (已拨付).
    pub paid_fen: i64,
    /// Recovery ordered, not yet settled (应收追回).
    pub receivable_fen: i64,
}

/// What is owed to one payee, per fund and year.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"payee": "institution:01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f", "fund": "employment_subsidy", "year": 2026, "payable_fen": 450000})))]
pub struct PayableView {
    /// `institution:<id>`, `enterprise:<credit code>` or `person:<person id>`
    pub payee: String,
    pub fund: String,
    pub year: i32,
    pub payable_fen: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"rule": "shared_phone", "weight": 25, "reason": "同一手机号码关联3名学员"})))]
pub struct FindingView {
    pub rule: String,
    pub weight: u32,
    pub reason: String,
}

/// A claim and why it was decided as it was.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "kind": "training", "person_id": "9c1e4b7a2d3f5e6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a", "occupation_code": "4-10-01-02", "skill_level": "senior", "statistical_year": 2026, "source_ref": "01937a10-2b3c-7d4e-8f5a-6b7c8d9e0f1a", "institution_id": "01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f", "payee": "institution:01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f", "fund": "employment_subsidy", "standard_fen": 150000, "amount_fen": 150000, "status": "approved", "risk_score": 0, "reasons": [{"code": "completed", "text": "completed the class"}, {"code": "standard", "text": "catalogue standard ¥1500.00"}], "findings": [], "created_at": "2026-04-18T02:30:00Z", "decided_by": null, "decided_at": null, "review_note": null, "paid_on": null})))]
pub struct ClaimView {
    pub id: Uuid,
    /// training (职业培训补贴), employment_reward, apprenticeship, certificate
    pub kind: String,
    pub person_id: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub statistical_year: i32,
    /// The enrolment (training) or other evidence the claim rests on.
    pub source_ref: String,
    pub institution_id: Option<Uuid>,
    pub payee: String,
    pub fund: Option<String>,
    pub standard_fen: i64,
    pub amount_fen: i64,
    /// in_review, approved, refused, rejected, documents_requested,
    /// in_payout, paid, recovered
    pub status: String,
    pub risk_score: i32,
    pub reasons: Vec<ReasonItem>,
    pub findings: Vec<FindingView>,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
    pub paid_on: Option<NaiveDate>,
}

impl From<ClaimRow> for ClaimView {
    fn from(r: ClaimRow) -> Self {
        let findings: Vec<crate::domain::fraud::Finding> =
            serde_json::from_value(r.findings).unwrap_or_default();
        Self {
            id: r.id,
            kind: r.kind,
            person_id: r.person_id,
            occupation_code: r.occupation_code,
            skill_level: r.skill_level,
            statistical_year: r.statistical_year,
            source_ref: r.source_ref,
            institution_id: r.institution_id,
            payee: r.payee,
            fund: r.fund,
            standard_fen: r.standard_fen,
            amount_fen: r.amount_fen,
            status: r.status,
            risk_score: r.risk_score,
            reasons: serde_json::from_value(r.reasons).unwrap_or_default(),
            findings: findings
                .into_iter()
                .map(|f| FindingView {
                    rule: f.rule.code().to_owned(),
                    weight: f.weight,
                    reason: f.reason,
                })
                .collect(),
            created_at: r.created_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            review_note: r.review_note,
            paid_on: r.paid_on,
        }
    }
}

/// An officer's decision on a claim in review (复核).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approve,
    Reject,
    RequestDocuments,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"decision": "request_documents", "note": "请补充2026年养老护理员培训班的考勤记录"})))]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub decision: ReviewDecision,
    /// Required for a rejection or a request for documents.
    pub note: Option<String>,
}

/// Where a payee is paid. The account number is personal data: stored
/// encrypted, answered masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"account_no": "6222 0214 0201 2345 678", "account_name": "福州市职业技能培训中心"})))]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    #[schema(pattern = r"^ *(?:\d *){8,34}$", example = "6222 0214 0201 2345 678")]
    pub account_no: String,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub account_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"payee": "institution:01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f", "account_masked": "***************5678", "account_name": "福州市职业技能培训中心"})))]
pub struct BankAccountView {
    pub payee: String,
    pub account_masked: String,
    pub account_name: String,
}

/// A payout batch (拨付批次) to create from the approved claims of a fund.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"batch_no": "FZ-2026-07", "fund": "employment_subsidy"})))]
#[serde(deny_unknown_fields)]
pub struct NewBatch {
    /// 1–24 of `A–Z a–z 0–9 -`; part of every bank reference.
    #[schema(pattern = r"^[A-Za-z0-9-]{1,24}$", example = "FZ-2026-07")]
    pub batch_no: String,
    pub fund: FundSource,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"reference": "FZ-2026-07-0001", "payee": "institution:01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f", "account_masked": "***************5678", "amount_fen": 450000, "claim_ids": ["0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60"]})))]
pub struct BatchLineView {
    pub reference: String,
    pub payee: String,
    pub account_masked: String,
    pub amount_fen: i64,
    pub claim_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"claim_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "payee": "enterprise:91350100MA2Y4B7K3H", "reason": "no_bank_details"})))]
pub struct HeldView {
    pub claim_id: Uuid,
    pub payee: String,
    /// no_bank_details, duplicate_key, not_positive, or
    /// settled_by_offset (wholly withheld against a recovery: paid)
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"batch_no": "FZ-2026-07", "fund": "employment_subsidy", "total_fen": 450000, "lines": [{"reference": "FZ-2026-07-0001", "payee": "institution:01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f", "account_masked": "***************5678", "amount_fen": 450000, "claim_ids": ["0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60"]}], "held": [{"claim_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "payee": "enterprise:91350100MA2Y4B7K3H", "reason": "no_bank_details"}]})))]
pub struct BatchView {
    pub batch_no: String,
    pub fund: String,
    pub total_fen: i64,
    pub lines: Vec<BatchLineView>,
    /// Approved claims left out, with why; they stay payable.
    pub held: Vec<HeldView>,
}

/// A released payout batch (拨付批次) and where its payments stand with the
/// bank.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"batch_no": "FZ-2026-07", "fund": "employment_subsidy", "status": "at_bank", "created_by": "fz-officer-017", "approved_by": "fz-officer-023", "created_at": "2026-07-10T02:00:00Z", "lines": 2, "payments": 3, "total_fen": 600000, "confirmed_fen": 450000, "failed_fen": 0, "at_bank_fen": 150000})))]
pub struct PayoutBatchView {
    pub batch_no: String,
    pub fund: String,
    pub status: BatchStatus,
    /// Who proposed its release, and the second officer who approved it.
    pub created_by: String,
    pub approved_by: Option<String>,
    /// When it was released: sent to the bank.
    pub created_at: DateTime<Utc>,
    /// Bank lines (one transfer per payee).
    pub lines: usize,
    /// Claims the lines pay.
    pub payments: usize,
    pub total_fen: i64,
    /// Confirmed paid by the bank's result files so far.
    pub confirmed_fen: i64,
    /// Failed by the bank; the claims are payable again.
    pub failed_fen: i64,
    /// Sent, not yet answered by the bank.
    pub at_bank_fen: i64,
}

/// One line of a bank result file, as reconciled.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"line": 2, "reference": "FZ-2026-07-0001", "outcome": "confirmed", "detail": null})))]
pub struct ResultLineView {
    /// Line number in the file (1 = header).
    pub line: usize,
    pub reference: Option<String>,
    pub outcome: LineOutcome,
    pub detail: Option<String>,
}

/// What a bank result file did, line by line (对账结果).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"reconciliation_id": "01938b22-4c5d-7e6f-a071-8c9d0e1f2a3b", "batch_no": "FZ-2026-07", "confirmed": 1, "failed": 0, "needs_attention": 1, "lines": [{"line": 2, "reference": "FZ-2026-07-0001", "outcome": "confirmed", "detail": null}, {"line": 3, "reference": "FZ-2026-07-0099", "outcome": "unknown_reference", "detail": "not a line of this batch"}], "missing": ["FZ-2026-07-0002"]})))]
pub struct ResultReport {
    /// The reconciliation kept for it (the proposal's id).
    pub reconciliation_id: Uuid,
    pub batch_no: String,
    /// Lines that confirmed their payments.
    pub confirmed: usize,
    /// Lines that failed their payments (the claims are payable again).
    pub failed: usize,
    /// Lines an officer must take up with the bank: unknown references,
    /// duplicates, amount mismatches, unreadable lines, lines paid twice or
    /// contradicting an earlier file.
    pub needs_attention: usize,
    pub lines: Vec<ResultLineView>,
    /// References of the batch the file did not answer; still in flight.
    pub missing: Vec<String>,
}

impl ResultReport {
    pub fn new(row: &ReconciliationRow, report: &[ReportLine]) -> Self {
        let count = |n: i32| usize::try_from(n).unwrap_or_default();
        let (file, missed): (Vec<_>, Vec<_>) = report.iter().partition(|l| l.line.is_some());
        Self {
            reconciliation_id: row.id,
            batch_no: row.batch_no.clone(),
            confirmed: count(row.confirmed),
            failed: count(row.failed),
            needs_attention: count(row.needs_attention),
            lines: file
                .into_iter()
                .map(|l| ResultLineView {
                    line: l.line.unwrap_or_default(),
                    reference: l.reference.clone(),
                    outcome: l.outcome,
                    detail: l.detail.clone(),
                })
                .collect(),
            missing: missed
                .into_iter()
                .filter_map(|l| l.reference.clone())
                .collect(),
        }
    }
}

/// A bank result file applied to a batch, as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "01938b22-4c5d-7e6f-a071-8c9d0e1f2a3b", "batch_no": "FZ-2026-07", "file_sha256": "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", "proposed_by": "fz-officer-017", "approved_by": "fz-officer-023", "reconciled_at": "2026-07-15T06:40:00Z", "confirmed": 1, "failed": 0, "missing": 1, "needs_attention": 1})))]
pub struct ReconciliationSummary {
    pub id: Uuid,
    pub batch_no: String,
    /// SHA-256 of the file, hex: the same file is applied once.
    pub file_sha256: String,
    pub proposed_by: String,
    pub approved_by: String,
    pub reconciled_at: DateTime<Utc>,
    pub confirmed: i32,
    pub failed: i32,
    /// Batch lines the file did not answer.
    pub missing: i32,
    pub needs_attention: i32,
}

impl From<ReconciliationRow> for ReconciliationSummary {
    fn from(r: ReconciliationRow) -> Self {
        Self {
            id: r.id,
            batch_no: r.batch_no,
            file_sha256: r.file_sha256,
            proposed_by: r.proposed_by,
            approved_by: r.approved_by,
            reconciled_at: r.reconciled_at,
            confirmed: r.confirmed,
            failed: r.failed,
            missing: r.missing,
            needs_attention: r.needs_attention,
        }
    }
}

/// A reconciliation with every line.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"summary": {"id": "01938b22-4c5d-7e6f-a071-8c9d0e1f2a3b", "batch_no": "FZ-2026-07", "file_sha256": "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", "proposed_by": "fz-officer-017", "approved_by": "fz-officer-023", "reconciled_at": "2026-07-15T06:40:00Z", "confirmed": 1, "failed": 0, "missing": 1, "needs_attention": 1}, "report": {"reconciliation_id": "01938b22-4c5d-7e6f-a071-8c9d0e1f2a3b", "batch_no": "FZ-2026-07", "confirmed": 1, "failed": 0, "needs_attention": 1, "lines": [{"line": 2, "reference": "FZ-2026-07-0001", "outcome": "confirmed", "detail": null}, {"line": 3, "reference": "FZ-2026-07-0099", "outcome": "unknown_reference", "detail": "not a line of this batch"}], "missing": ["FZ-2026-07-0002"]}})))]
pub struct ReconciliationView {
    pub summary: ReconciliationSummary,
    pub report: ResultReport,
}

/// Fund use per city, fund, month and subsidy kind (no personal data).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"city": "350100", "fund": "employment_subsidy", "month": "2026-07", "kind": "training", "payments": 128, "amount_fen": 19200000})))]
pub struct FundUseRow {
    pub city: String,
    pub fund: String,
    /// `YYYY-MM`, the month of payment.
    pub month: String,
    pub kind: String,
    pub payments: u64,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"rows": [{"city": "350100", "fund": "employment_subsidy", "month": "2026-07", "kind": "training", "payments": 128, "amount_fen": 19200000}], "median_days": 21, "p90_days": 38})))]
pub struct FundUse {
    pub rows: Vec<FundUseRow>,
    /// Days from claim to payment; absent before the first payment.
    pub median_days: Option<i64>,
    pub p90_days: Option<i64>,
}

/// A claim as the person in whose name it was made sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"claim_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "kind": "training", "occupation_code": "4-10-01-02", "skill_level": "senior", "statistical_year": 2026, "institution_id": "01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f", "amount_fen": 150000, "status": "paid", "created_at": "2026-04-18T02:30:00Z", "paid_on": "2026-07-15"})))]
pub struct ReceiptView {
    pub claim_id: Uuid,
    pub kind: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub statistical_year: i32,
    /// The institution that claimed for the person's training, if any.
    pub institution_id: Option<Uuid>,
    pub amount_fen: i64,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub paid_on: Option<NaiveDate>,
}

impl From<ClaimRow> for ReceiptView {
    fn from(r: ClaimRow) -> Self {
        Self {
            claim_id: r.id,
            kind: r.kind,
            occupation_code: r.occupation_code,
            skill_level: r.skill_level,
            statistical_year: r.statistical_year,
            institution_id: r.institution_id,
            amount_fen: r.amount_fen,
            status: r.status,
            created_at: r.created_at,
            paid_on: r.paid_on,
        }
    }
}

/// A person's dispute of a claim in their name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"person_id": null, "reason": "本人未参加2026年养老护理员培训班"})))]
#[serde(deny_unknown_fields)]
pub struct NewDispute {
    /// The person disputing; must be the person of the claim. Taken from
    /// the token when a trainee signs in themselves.
    pub person_id: Option<String>,
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", "claim_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "reason": "本人未参加2026年养老护理员培训班", "previous_status": "approved", "filed_by": "trainee-portal", "filed_at": "2026-05-06T01:20:00Z", "resolution": null, "note": null})))]
pub struct DisputeView {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub reason: String,
    /// Where the claim was when it was frozen.
    pub previous_status: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    /// upheld or dismissed; absent while open.
    pub resolution: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"upheld": true, "note": "经核查考勤记录，该学员未参加培训"})))]
#[serde(deny_unknown_fields)]
pub struct DisputeResolution {
    pub upheld: bool,
    pub note: Option<String>,
}

/// A recovery order (追回).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a", "claim_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "payee": "institution:01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f", "cause": "fraud", "reason": "虚报培训人数，骗取补贴", "amount_fen": 150000, "settled_fen": 50000, "status": "open", "ordered_at": "2026-08-03T03:00:00Z"})))]
pub struct RecoveryView {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub payee: String,
    /// certificate_revoked, fraud, dispute_upheld
    pub cause: String,
    pub reason: String,
    pub amount_fen: i64,
    /// Repaid or offset so far.
    pub settled_fen: i64,
    /// open or settled
    pub status: String,
    pub ordered_at: DateTime<Utc>,
}

/// Money paid back on a recovery order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"amount_fen": 150000, "memo": "中国工商银行回单 2026080312345"})))]
#[serde(deny_unknown_fields)]
pub struct Repayment {
    #[schema(value_type = i64, example = 150000)]
    pub amount_fen: AmountFen,
    /// The receipt or bank reference of the repayment.
    pub memo: String,
}

/// A claim filed over the API (补贴申领). It is matched to what the events
/// already computed, computed now, or refused with the reasons.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"kind": "training", "enrolment_id": "01937a10-2b3c-7d4e-8f5a-6b7c8d9e0f1a"})))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NewClaim {
    /// 职业培训补贴, by the institution that trained the person.
    Training { enrolment_id: Uuid },
    /// 培训促进就业奖补, by the institution.
    EmploymentReward { enrolment_id: Uuid },
    /// 企业新型学徒制培训补贴, by the enterprise.
    Apprenticeship { apprenticeship_id: Uuid },
    /// 个人取证补贴, by the person (their own token, or the portal's acting
    /// for them) or an officer at the counter. The insured months are
    /// employment tracking's, from the social-insurance contributions.
    Certificate {
        /// The person, for an officer at the counter; a trainee's token
        /// names them already.
        #[serde(default)]
        person_id: Option<String>,
        certificate_id: Uuid,
    },
}

/// A voucher to issue (发放职业培训券).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"person_id": "9c1e4b7a2d3f5e6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a", "target_group": "registered_unemployed", "occupation_code": "4-10-01-02", "valid_until": "2026-06-30"})))]
#[serde(deny_unknown_fields)]
pub struct NewVoucher {
    pub person_id: String,
    /// The key group (重点群体) that makes the person eligible.
    pub target_group: String,
    /// A targeted voucher (定向券) for this occupation; general when absent.
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: Option<String>,
    /// At most three months after issue (the default).
    pub valid_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b", "person_id": "9c1e4b7a2d3f5e6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a", "target_group": "registered_unemployed", "occupation_code": "4-10-01-02", "issued_on": "2026-04-01", "valid_until": "2026-06-30", "state": "issued", "enrolment_id": null, "redeemed_on": null})))]
pub struct VoucherView {
    pub id: Uuid,
    pub person_id: String,
    pub target_group: String,
    pub occupation_code: Option<String>,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
    /// issued, redeemed, cancelled
    pub state: String,
    pub enrolment_id: Option<Uuid>,
    pub redeemed_on: Option<NaiveDate>,
}

impl From<crate::store::vouchers::VoucherRow> for VoucherView {
    fn from(r: crate::store::vouchers::VoucherRow) -> Self {
        Self {
            id: r.id,
            person_id: r.person_id,
            target_group: r.target_group,
            occupation_code: r.occupation_code,
            issued_on: r.issued_on,
            valid_until: r.valid_until,
            state: r.state,
            enrolment_id: r.enrolment_id,
            redeemed_on: r.redeemed_on,
        }
    }
}

/// An officer's recovery order on a paid claim found fraudulent (骗取).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"reason": "虚报培训人数，骗取补贴"})))]
#[serde(deny_unknown_fields)]
pub struct NewRecovery {
    #[schema(min_length = 1, pattern = r"\S")]
    pub reason: String,
}

/// The ledger's running balances checked against its postings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"accounts_checked": 42, "consistent": true, "mismatches": []})))]
pub struct LedgerAudit {
    pub accounts_checked: i64,
    pub consistent: bool,
    pub mismatches: Vec<AuditLine>,
}

/// One account whose running balance differs from its postings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"account_type": "payable", "fund": "employment_subsidy", "year": 2026, "payee": "institution:01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f", "running_fen": 450000, "postings_fen": 300000})))]
pub struct AuditLine {
    pub account_type: String,
    pub fund: String,
    pub year: i32,
    pub payee: Option<String>,
    pub running_fen: i64,
    pub postings_fen: i64,
}

/// A version of the city's subsidy rules and fraud weights.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"version": 3, "rules": {"min_attendance_percent": 80, "employment_reward": 30000, "apprenticeship": 400000, "apprenticeship_min_internship_months": 6, "apprenticeship_min_contract_months": 12, "certificate_by_level": [["junior", 100000], ["intermediate", 150000], ["senior", 200000]], "certificate_min_insured_months": 12, "fund_order": [["training", ["unemployment_insurance", "employment_subsidy", "skills_upgrading"]], ["employment_reward", ["employment_subsidy", "unemployment_insurance"]], ["apprenticeship", ["unemployment_insurance", "skills_upgrading"]], ["certificate", ["unemployment_insurance"]]], "cost_sharing": [{"kind": "training", "group": "enterprise_employee", "share": {"government_bp": 7000, "enterprise_bp": 3000, "individual_bp": 0}}]}, "fraud": {"weights": {"retiree_as_unemployed": 60, "student_as_unemployed": 60, "shared_phone": 25, "shared_bank_account": 40, "overlapping_classes": 50, "attendance_alerts": 20, "certificate_revoked": 100, "institution_suspended": 100, "claim_velocity": 20, "pass_rate_spike": 20}, "retirement_age_male": 60, "retirement_age_female": 55, "review_from": 30}, "reason": "闽人社〔2026〕8号 调整培训补贴标准", "set_by": "fz-officer-017", "approved_by": "fz-officer-023", "set_at": "2026-02-10T08:00:00Z"})))]
pub struct RulesView {
    /// 0: the configuration's, until officers set one.
    pub version: i32,
    /// Amounts, attendance threshold, fund order per subsidy kind, cost
    /// sharing.
    pub rules: serde_json::Value,
    /// Rule weights, thresholds and the review threshold.
    pub fraud: serde_json::Value,
    pub reason: Option<String>,
    /// Who proposed it, and the second officer who approved it.
    pub set_by: Option<String>,
    pub approved_by: Option<String>,
    pub set_at: Option<DateTime<Utc>>,
}

/// A new version of the rules.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"based_on": 2, "rules": {"min_attendance_percent": 80, "employment_reward": 30000, "apprenticeship": 400000, "apprenticeship_min_internship_months": 6, "apprenticeship_min_contract_months": 12, "certificate_by_level": [["junior", 100000], ["intermediate", 150000], ["senior", 200000]], "certificate_min_insured_months": 12, "fund_order": [["training", ["unemployment_insurance", "employment_subsidy", "skills_upgrading"]], ["employment_reward", ["employment_subsidy", "unemployment_insurance"]], ["apprenticeship", ["unemployment_insurance", "skills_upgrading"]], ["certificate", ["unemployment_insurance"]]], "cost_sharing": [{"kind": "training", "group": "enterprise_employee", "share": {"government_bp": 7000, "enterprise_bp": 3000, "individual_bp": 0}}]}, "fraud": {"weights": {"retiree_as_unemployed": 60, "student_as_unemployed": 60, "shared_phone": 25, "shared_bank_account": 40, "overlapping_classes": 50, "attendance_alerts": 20, "certificate_revoked": 100, "institution_suspended": 100, "claim_velocity": 20, "pass_rate_spike": 20}, "retirement_age_male": 60, "retirement_age_female": 55, "review_from": 30}, "reason": "闽人社〔2026〕8号 调整培训补贴标准"})))]
#[serde(deny_unknown_fields)]
pub struct NewRules {
    /// The version in force when the officer read it.
    pub based_on: i32,
    #[schema(value_type = Object)]
    pub rules: crate::domain::entitlement::Rules,
    #[schema(value_type = Object)]
    pub fraud: crate::domain::fraud::FraudConfig,
    /// Why: the policy document or decision.
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub reason: String,
}

/// A change waiting for (or decided by) a second officer (双人复核).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "01938b22-4c5d-7e6f-a071-8c9d0e1f2a3b", "kind": "budget_allocation", "subject": "employment_subsidy:350100:2026", "status": "pending", "summary": {"request": {"fund": "employment_subsidy", "year": 2026, "amount_fen": 10000000, "memo": "闽人社〔2026〕12号 职业技能提升行动资金下达"}, "preview": {"available_fen": 10000000}}, "proposed_by": "fz-officer-017", "proposed_role": "bureau_officer", "proposed_org": null, "proposed_at": "2026-03-02T09:15:00Z", "expires_at": "2026-03-09T09:15:00Z", "decided_by": null, "decided_at": null, "note": null, "outcome": null})))]
pub struct ProposalView {
    pub id: Uuid,
    /// bank_account, budget_allocation, budget_reduction, rules,
    /// payout_release, bank_result
    pub kind: String,
    /// What it changes: the payee, the pot (`fund:city:year`), `rules`,
    /// the batch number.
    pub subject: String,
    /// pending, applied, rejected, withdrawn, expired, failed
    pub status: String,
    /// `request`: what was asked; `preview`: what approving does, as tried
    /// when it was proposed (the batch's lines, the result file's outcome).
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    pub proposed_by: String,
    pub proposed_role: String,
    pub proposed_org: Option<String>,
    pub proposed_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The approver's note, the rejection's reason, or why applying failed.
    pub note: Option<String>,
    /// What applying it did (the budget change, the batch, the report), or
    /// the problem that refused it.
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<serde_json::Value>,
}

/// A second officer's approval.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(examples(json!({"note": "已核对预算文件闽人社〔2026〕12号"})))]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// What the approver checked, at most 500 bytes.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// A rejection (second officer) or withdrawal (the proposer).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(examples(json!({"reason": "金额有误，重新提交"})))]
#[serde(deny_unknown_fields)]
pub struct Closing {
    /// Why, 1 to 500 bytes.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// One change of a payee's bank account.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"old_masked": null, "new_masked": "***************5678", "account_name": "福州市职业技能培训中心", "proposal_id": "01938b22-4c5d-7e6f-a071-8c9d0e1f2a3b", "proposed_by": "fz-officer-017", "proposed_at": "2026-03-01T02:00:00Z", "approved_by": "fz-officer-023", "approved_at": "2026-03-01T03:30:00Z"})))]
pub struct AccountChangeView {
    pub old_masked: Option<String>,
    pub new_masked: String,
    pub account_name: String,
    pub proposal_id: Uuid,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
}
