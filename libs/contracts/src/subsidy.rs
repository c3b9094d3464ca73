//! Events of subsidy payment (补贴发放): claims, payments and recoveries.
//! People appear only by `person_id`.

use ids::{CityCode, Fen, PersonId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Open;

ids::vocabulary! {
    /// Why money is recovered (追回).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum RecoveryCause: "recovery_cause_unknown" {
        /// The certificate the claim rests on was revoked.
        CertificateRevoked = "certificate_revoked",
        /// An officer found the claim fraudulent.
        Fraud = "fraud",
        /// The person's dispute (异议) of the claim was upheld.
        DisputeUpheld = "dispute_upheld",
    }
}

ids::vocabulary! {
    /// Where the money comes from (policy item 14). Each source is accounted
    /// separately: money never moves from one to another.
    #[derive(
        Debug,
        Clone,
        Copy,
        PartialEq,
        Eq,
        Hash,
        PartialOrd,
        Ord,
        Serialize,
        Deserialize,
        utoipa::ToSchema,
    )]
    #[serde(rename_all = "snake_case")]
    pub enum FundSource: "fund_unknown" {
        /// 就业补助资金
        EmploymentSubsidy = "employment_subsidy",
        /// 失业保险基金
        UnemploymentInsurance = "unemployment_insurance",
        /// 职业技能提升行动专账资金
        SkillsUpgrading = "skills_upgrading",
    }
}

impl FundSource {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::EmploymentSubsidy => "就业补助资金",
            Self::UnemploymentInsurance => "失业保险基金",
            Self::SkillsUpgrading => "职业技能提升行动专账资金",
        }
    }
}

ids::vocabulary! {
    /// The subsidies this service pays.
    #[derive(
        Debug,
        Clone,
        Copy,
        PartialEq,
        Eq,
        Hash,
        PartialOrd,
        Ord,
        Serialize,
        Deserialize,
        utoipa::ToSchema,
    )]
    #[serde(rename_all = "snake_case")]
    pub enum SubsidyKind: "subsidy_kind_unknown" {
        /// 职业培训补贴: the catalogue standard for a completer with a
        /// certificate, paid to the institution.
        Training = "training",
        /// 培训促进就业奖补: to the institution when a completer is employed
        /// within the follow-up window (item 5).
        EmploymentReward = "employment_reward",
        /// 企业新型学徒制培训补贴: to the enterprise (item 9).
        Apprenticeship = "apprenticeship",
        /// 个人取证补贴 (policy: 个人见证补贴, 技能提升补贴): to the person who
        /// obtained a certificate.
        Certificate = "certificate",
    }
}

impl SubsidyKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Training => "职业培训补贴",
            Self::EmploymentReward => "培训促进就业奖补",
            Self::Apprenticeship => "企业新型学徒制培训补贴",
            Self::Certificate => "个人取证补贴",
        }
    }
}

ids::vocabulary! {
    /// Where a claim stands (申领状态).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ClaimStatus: "claim_status_unknown" {
        /// Not payable; recorded only when the grant was already made.
        Refused = "refused",
        /// Payable, waiting for an officer (the fraud rules' verdict).
        InReview = "in_review",
        /// The officer asked for documents before deciding.
        DocumentsRequested = "documents_requested",
        /// Frozen while a dispute (异议) is resolved.
        Disputed = "disputed",
        /// The money is committed in the ledger, not yet sent.
        Approved = "approved",
        /// In a payout batch at the bank.
        InPayout = "in_payout",
        /// The bank confirmed the transfer.
        Paid = "paid",
        /// An officer (or a revoked certificate) turned it down.
        Rejected = "rejected",
        /// Paid, then ordered back (追回).
        Recovered = "recovered",
    }
}

ids::vocabulary! {
    /// Where one transfer of a payout batch stands at the bank.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PaymentStatus: "payment_status_unknown" {
        /// In a file the bank has, no answer yet.
        Sent = "sent",
        Confirmed = "confirmed",
        Failed = "failed",
    }
}

ids::vocabulary! {
    /// Who receives a payment.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PayeeType: "payee_type_unknown" {
        /// A worker (individual certificate subsidy).
        Person = "person",
        /// A training institution.
        Institution = "institution",
        /// An enterprise (apprenticeships).
        Enterprise = "enterprise",
    }
}

/// Claims as they are decided; key = claim id.
pub const CLAIMS_TOPIC: &str = "subsidy.claims.v1";
/// Approved, automatically (low risk) or by an officer.
pub const CLAIM_APPROVED: &str = "qiancheng.subsidy.claim.approved.v1";
/// Sent to the officers' review queue (复核).
pub const CLAIM_QUEUED_FOR_REVIEW: &str = "qiancheng.subsidy.claim.queued_for_review.v1";
/// Not payable under the rules (e.g. already granted); `reasons` say why.
pub const CLAIM_REFUSED: &str = "qiancheng.subsidy.claim.refused.v1";
/// Rejected by an officer after review.
pub const CLAIM_REJECTED: &str = "qiancheng.subsidy.claim.rejected.v1";
/// An officer asked the claimant for documents.
pub const CLAIM_DOCUMENTS_REQUESTED: &str = "qiancheng.subsidy.claim.documents_requested.v1";
/// The person in whose name the claim was made disputes it: frozen.
pub const CLAIM_DISPUTED: &str = "qiancheng.subsidy.claim.disputed.v1";
/// The dispute was dismissed: the claim is back where it was.
pub const CLAIM_DISPUTE_DISMISSED: &str = "qiancheng.subsidy.claim.dispute_dismissed.v1";

/// Payments to payees; key = claim id.
pub const PAYMENTS_TOPIC: &str = "subsidy.payments.v1";
/// Written into a bank file (拨付).
pub const PAYMENT_SENT: &str = "qiancheng.subsidy.payment.sent.v1";
/// The bank confirmed it.
pub const PAYMENT_CONFIRMED: &str = "qiancheng.subsidy.payment.confirmed.v1";
/// The bank refused it; the claim is payable again.
pub const PAYMENT_FAILED: &str = "qiancheng.subsidy.payment.failed.v1";

/// Recovery orders (追回); key = claim id.
pub const RECOVERIES_TOPIC: &str = "subsidy.recoveries.v1";
pub const RECOVERY_ORDERED: &str = "qiancheng.subsidy.recovery.ordered.v1";

/// The codes of subsidy payment's fraud rules, as they appear in a
/// claim's findings and reasons: consumers tell a fraud finding from any
/// other refusal by them.
pub const FRAUD_RULES: [&str; 10] = [
    "retiree_as_unemployed",
    "student_as_unemployed",
    "shared_phone",
    "shared_bank_account",
    "overlapping_classes",
    "attendance_alerts",
    "certificate_revoked",
    "institution_suspended",
    "claim_velocity",
    "pass_rate_spike",
];

/// One reason of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReasonItem {
    pub code: String,
    pub text: String,
}

/// A claim and its decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClaimEvent {
    pub claim_id: Uuid,
    pub city: CityCode,
    /// training, employment_reward, apprenticeship, certificate
    #[schema(value_type = String)]
    pub kind: Open<SubsidyKind>,
    /// The person the subsidy is for (the trainee, apprentice or holder).
    pub person_id: PersonId,
    pub occupation_code: Option<String>,
    pub skill_level: String,
    pub statistical_year: i32,
    /// The institution paid, for the institution's subsidies.
    pub institution_id: Option<Uuid>,
    /// person, institution or enterprise
    #[schema(value_type = String)]
    pub payee_type: Open<PayeeType>,
    /// employment_subsidy, unemployment_insurance, skills_upgrading; absent
    /// when refused.
    #[schema(value_type = Option<String>)]
    pub fund: Option<Open<FundSource>>,
    pub amount_fen: Fen,
    /// approved, in_review, refused, rejected, documents_requested,
    /// disputed, in_payout, paid, recovered
    #[schema(value_type = String)]
    pub status: Open<ClaimStatus>,
    pub risk_score: i32,
    pub reasons: Vec<ReasonItem>,
}

/// A payment of one claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentEvent {
    pub payout_id: Uuid,
    pub claim_id: Uuid,
    pub batch_no: String,
    pub city: CityCode,
    #[schema(value_type = String)]
    pub kind: Open<SubsidyKind>,
    pub person_id: PersonId,
    #[schema(value_type = String)]
    pub fund: Open<FundSource>,
    pub amount_fen: Fen,
    /// sent, confirmed, failed
    #[schema(value_type = String)]
    pub status: Open<PaymentStatus>,
    /// The bank's reason for a failure.
    pub reason: Option<String>,
}

/// A recovery order on a paid claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoveryEvent {
    pub recovery_id: Uuid,
    pub claim_id: Uuid,
    pub city: CityCode,
    #[schema(value_type = String)]
    pub kind: Open<SubsidyKind>,
    pub person_id: PersonId,
    #[schema(value_type = String)]
    pub fund: Open<FundSource>,
    pub amount_fen: Fen,
    /// certificate_revoked, fraud, dispute_upheld
    #[schema(value_type = String)]
    pub cause: Open<RecoveryCause>,
    pub reason: String,
    /// The institution paid, for the institution's subsidies.
    #[serde(default)]
    pub institution_id: Option<Uuid>,
}
