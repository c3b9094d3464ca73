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
    pub kind: String,
    /// The person the subsidy is for (the trainee, apprentice or holder).
    pub person_id: PersonId,
    pub occupation_code: Option<String>,
    pub skill_level: String,
    pub statistical_year: i32,
    /// The institution paid, for the institution's subsidies.
    pub institution_id: Option<Uuid>,
    /// person, institution or enterprise
    pub payee_type: String,
    /// employment_subsidy, unemployment_insurance, skills_upgrading; absent
    /// when refused.
    pub fund: Option<String>,
    pub amount_fen: Fen,
    /// approved, in_review, refused, rejected, documents_requested,
    /// disputed, paid
    pub status: String,
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
    pub kind: String,
    pub person_id: PersonId,
    pub fund: String,
    pub amount_fen: Fen,
    /// sent, confirmed, failed
    pub status: String,
    /// The bank's reason for a failure.
    pub reason: Option<String>,
}

/// A recovery order on a paid claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoveryEvent {
    pub recovery_id: Uuid,
    pub claim_id: Uuid,
    pub city: CityCode,
    pub kind: String,
    pub person_id: PersonId,
    pub fund: String,
    pub amount_fen: Fen,
    /// certificate_revoked, fraud, dispute_upheld
    #[schema(value_type = String)]
    pub cause: Open<RecoveryCause>,
    pub reason: String,
    /// The institution paid, for the institution's subsidies.
    #[serde(default)]
    pub institution_id: Option<Uuid>,
}
