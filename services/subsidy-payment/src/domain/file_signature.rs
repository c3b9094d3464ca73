//! Detached signatures of the files exchanged with the bank: Ed25519 over
//! the file's exact bytes, carried beside the file in one header,
//!
//! `X-Signature: keyId="<key id>", algorithm="ed25519", signature="<base64>"`
//!
//! The city signs the payment files it exports with its own key; a result
//! file is accepted only with a valid signature by one of the bank's keys
//! the city configured. A file changed after signing, signed by another
//! key, or unsigned is refused before anything is read from it.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// The header that carries the signature.
pub const HEADER: &str = "X-Signature";

/// Why a file's signature is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureProblem {
    Missing,
    /// Not `keyId="…", algorithm="ed25519", signature="…"`.
    Malformed,
    /// Signed by a key the city did not configure.
    UnknownKey(String),
    /// The signature does not verify: another file, or another key.
    Invalid,
}

impl SignatureProblem {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "signature_missing",
            Self::Malformed => "signature_malformed",
            Self::UnknownKey(_) => "signature_key_unknown",
            Self::Invalid => "signature_invalid",
        }
    }
}

/// The header value signing `body` with `key`, named `key_id`.
pub fn sign(key: &SigningKey, key_id: &str, body: &[u8]) -> String {
    let signature = key.sign(body);
    format!(
        r#"keyId="{key_id}", algorithm="ed25519", signature="{}""#,
        STANDARD.encode(signature.to_bytes())
    )
}

fn parse(header: &str) -> Result<(String, Signature), SignatureProblem> {
    let mut fields = BTreeMap::new();
    for part in header.split(',') {
        let (name, value) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureProblem::Malformed)?;
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or(SignatureProblem::Malformed)?;
        if fields.insert(name, value).is_some() {
            return Err(SignatureProblem::Malformed);
        }
    }
    if fields.len() != 3 || fields.get("algorithm") != Some(&"ed25519") {
        return Err(SignatureProblem::Malformed);
    }
    let key_id = fields.get("keyId").ok_or(SignatureProblem::Malformed)?;
    let bytes = fields
        .get("signature")
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or(SignatureProblem::Malformed)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| SignatureProblem::Malformed)?;
    Ok(((*key_id).to_owned(), signature))
}

/// Checks `body` against the header, with the keys named by id; returns the
/// id of the key that signed it.
pub fn verify(
    keys: &BTreeMap<String, VerifyingKey>,
    header: Option<&str>,
    body: &[u8],
) -> Result<String, SignatureProblem> {
    let (key_id, signature) = parse(header.ok_or(SignatureProblem::Missing)?)?;
    let key = keys
        .get(&key_id)
        .ok_or_else(|| SignatureProblem::UnknownKey(key_id.clone()))?;
    key.verify_strict(body, &signature)
        .map_err(|_| SignatureProblem::Invalid)?;
    Ok(key_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_signed_file_verifies_and_any_change_or_other_key_is_refused() {
        let bank = key(7);
        let keys = BTreeMap::from([("bank-2026".to_owned(), bank.verifying_key())]);
        let file = b"reference,status,amount,reason\r\nB1-0001,success,1800.00,\r\n";
        let header = sign(&bank, "bank-2026", file);
        assert_eq!(verify(&keys, Some(&header), file), Ok("bank-2026".into()));

        let altered = b"reference,status,amount,reason\r\nB1-0001,success,18000.00,\r\n";
        let forged = sign(&key(8), "bank-2026", file);
        let stranger = sign(&key(8), "bank-2025", file);
        for (header, body, problem) in [
            (None, &file[..], SignatureProblem::Missing),
            (
                Some(header.as_str()),
                &altered[..],
                SignatureProblem::Invalid,
            ),
            (Some(forged.as_str()), &file[..], SignatureProblem::Invalid),
            (
                Some(stranger.as_str()),
                &file[..],
                SignatureProblem::UnknownKey("bank-2025".into()),
            ),
            (Some("ed25519 abc"), &file[..], SignatureProblem::Malformed),
            (
                Some(r#"keyId="bank-2026", algorithm="rsa", signature="AA==""#),
                &file[..],
                SignatureProblem::Malformed,
            ),
            (
                Some(r#"keyId="bank-2026", algorithm="ed25519", signature="AA==""#),
                &file[..],
                SignatureProblem::Malformed,
            ),
        ] {
            assert_eq!(verify(&keys, header, body), Err(problem), "{header:?}");
        }
    }
}
