//! Fraud findings against an institution (骗取补贴), from subsidy payment's
//! decisions. One finding per claim however many events speak of it (a
//! claim rejected and later recovered is one finding).

use contracts::subsidy::{ReasonItem, RecoveryCause, CLAIM_REFUSED, CLAIM_REJECTED};
use contracts::Open;

/// Whether a claim decision is a finding: an officer's rejection after
/// review, or a refusal citing a fraud rule. Queued claims are suspicions,
/// not findings.
pub fn claim_is_finding(event_type: &str, reasons: &[ReasonItem]) -> bool {
    match event_type {
        CLAIM_REJECTED => true,
        CLAIM_REFUSED => reasons
            .iter()
            .any(|r| contracts::subsidy::FRAUD_RULES.contains(&r.code.as_str())),
        _ => false,
    }
}

/// Whether a recovery is a finding: recovered for fraud or because the
/// certificate it paid for was revoked; a dispute upheld by the person is
/// the claimant's matter, not necessarily the institution's.
/// A cause this version does not know is not counted against anyone.
pub fn recovery_is_finding(cause: &Open<RecoveryCause>) -> bool {
    matches!(
        cause,
        Open::Known(RecoveryCause::Fraud | RecoveryCause::CertificateRevoked)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::subsidy::{CLAIM_APPROVED, CLAIM_QUEUED_FOR_REVIEW};

    fn reason(code: &str) -> ReasonItem {
        ReasonItem {
            code: code.into(),
            text: code.into(),
        }
    }

    #[test]
    fn rejections_and_fraud_refusals_are_findings() {
        assert!(claim_is_finding(CLAIM_REJECTED, &[]));
        assert!(claim_is_finding(
            CLAIM_REFUSED,
            &[reason("already_granted"), reason("shared_bank_account")]
        ));
        assert!(!claim_is_finding(
            CLAIM_REFUSED,
            &[reason("already_granted")]
        ));
        assert!(!claim_is_finding(
            CLAIM_QUEUED_FOR_REVIEW,
            &[reason("shared_phone")]
        ));
        assert!(!claim_is_finding(CLAIM_APPROVED, &[]));
    }

    #[test]
    fn recoveries_for_fraud_or_revoked_certificates_are_findings() {
        let finding = |cause: &str| recovery_is_finding(&Open::from(cause));
        assert!(finding("fraud"));
        assert!(finding("certificate_revoked"));
        assert!(!finding("dispute_upheld"));
        assert!(!finding("a_cause_added_later"));
    }
}
