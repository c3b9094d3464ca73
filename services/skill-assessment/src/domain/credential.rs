//! Signed credentials: each certificate as a W3C Verifiable Credential in
//! the Open Badges 3.0 shape, secured with a Data Integrity proof
//! (`eddsa-jcs-2022`: Ed25519 over SHA-256 of the JSON canonical form), the
//! body as issuer. Revocation is published as a Bitstring Status List.
//! Verifying needs only the document and the issuer's published key.

use std::io::Write as _;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The multicodec prefix of an Ed25519 public key in a Multikey.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// The smallest status list the specification allows (16 KiB), which also
/// hides how many certificates exist.
pub const MIN_STATUS_BITS: usize = 131_072;

/// The city's keys, derived from one instance secret: the status list's
/// signing key and the QR tags'. (Each body signs with keys of its own,
/// generated and stored: see [`BodyKey`].)
#[derive(Clone)]
pub struct KeyRing {
    secret: [u8; 32],
}

impl KeyRing {
    pub fn from_base64(s: &str) -> anyhow::Result<Self> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(s.trim())?;
        let secret: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("the signing secret is 32 bytes"))?;
        Ok(Self { secret })
    }

    fn derive(&self, label: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The key the city signs its revocation list with.
    pub fn status_list_key(&self) -> SigningKey {
        SigningKey::from_bytes(&self.derive("status-list"))
    }

    /// A tag that makes a QR payload unforgeable without exposing the holder.
    pub fn qr_tag(&self, certificate_no: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.derive("qr")).expect("any key length");
        mac.update(certificate_no.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..8])
    }

    /// `QC1.<number>.<tag>`: what the certificate's QR code holds.
    pub fn qr_payload(&self, certificate_no: &str) -> String {
        format!("QC1.{certificate_no}.{}", self.qr_tag(certificate_no))
    }

    /// The certificate number a QR payload vouches for, if genuine.
    pub fn read_qr(&self, payload: &str) -> Option<String> {
        let mut parts = payload.trim().split('.');
        let (Some("QC1"), Some(no), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let expected = self.qr_tag(no);
        // Constant-time enough for a 16-hex tag: compare digests.
        (Sha256::digest(expected.as_bytes()) == Sha256::digest(tag.as_bytes()))
            .then(|| no.to_owned())
    }
}

/// One of a body's signing keys, numbered from 1: the body is the issuer of
/// its certificates' credentials, `<issuer>#key-<n>` the key that signed.
pub struct BodyKey {
    pub no: i32,
    pub key: SigningKey,
}

impl BodyKey {
    /// The seed as text, for sealing at rest.
    pub fn seed_text(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.to_bytes())
    }

    /// Reads back what [`BodyKey::seed_text`] wrote.
    pub fn from_seed_text(no: i32, text: &str) -> Option<Self> {
        let seed = base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?;
        let seed: [u8; 32] = seed.try_into().ok()?;
        Some(Self {
            no,
            key: SigningKey::from_bytes(&seed),
        })
    }
}

/// The id of key `no` in issuer `issuer_id`'s profile.
pub fn method_id(issuer_id: &str, no: i32) -> String {
    format!("{issuer_id}#key-{no}")
}

/// An issuer's profile with its public keys, each by its number. Every key
/// it ever signed with stays in it, so what it signed before a rotation
/// still verifies.
pub fn issuer_profile(id: &str, name: &str, keys: &[(i32, VerifyingKey)]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|(no, key)| {
            json!({
                "id": method_id(id, *no),
                "type": "Multikey",
                "controller": id,
                "publicKeyMultibase": multikey(key),
            })
        })
        .collect();
    let assertion: Vec<String> = keys.iter().map(|(no, _)| method_id(id, *no)).collect();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/security/multikey/v1"],
        "id": id,
        "type": ["Profile"],
        "name": name,
        "verificationMethod": methods,
        "assertionMethod": assertion,
    })
}

/// A public key as a Multikey `publicKeyMultibase` (base58btc).
pub fn multikey(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

pub fn parse_multikey(s: &str) -> Option<VerifyingKey> {
    let bytes = bs58::decode(s.strip_prefix('z')?).into_vec().ok()?;
    let raw: [u8; 32] = bytes.strip_prefix(&ED25519_PUB)?.try_into().ok()?;
    VerifyingKey::from_bytes(&raw).ok()
}

/// JSON Canonicalization Scheme (RFC 8785) for the documents made here:
/// object keys sorted, no whitespace; numbers are integers.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn hash_data(proof_config: &Value, document: &Value) -> Vec<u8> {
    let mut data = Sha256::digest(canonical(proof_config).as_bytes()).to_vec();
    data.extend_from_slice(&Sha256::digest(canonical(document).as_bytes()));
    data
}

fn proof_config(document: &Value, verification_method: &str, created: &str) -> Value {
    json!({
        "@context": document["@context"].clone(),
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    })
}

/// Adds the proof to `document` (which has none).
pub fn sign(
    mut document: Value,
    key: &SigningKey,
    verification_method: &str,
    created: DateTime<Utc>,
) -> Value {
    let created = created.to_rfc3339_opts(SecondsFormat::Secs, true);
    let config = proof_config(&document, verification_method, &created);
    let signature = key.sign(&hash_data(&config, &document));
    let mut proof = config;
    proof.as_object_mut().expect("an object").remove("@context");
    proof["proofValue"] = json!(format!(
        "z{}",
        bs58::encode(signature.to_bytes()).into_string()
    ));
    document["proof"] = proof;
    document
}

/// Why a credential does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unverified {
    NoProof,
    WrongSuite,
    MalformedSignature,
    BadSignature,
}

/// Checks the proof of `secured` with the issuer's public key.
pub fn verify(secured: &Value, key: &VerifyingKey) -> Result<(), Unverified> {
    let mut document = secured.clone();
    let proof = document
        .as_object_mut()
        .and_then(|d| d.remove("proof"))
        .ok_or(Unverified::NoProof)?;
    if proof["type"] != "DataIntegrityProof" || proof["cryptosuite"] != "eddsa-jcs-2022" {
        return Err(Unverified::WrongSuite);
    }
    let value = proof["proofValue"]
        .as_str()
        .and_then(|v| v.strip_prefix('z'))
        .and_then(|v| bs58::decode(v).into_vec().ok())
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or(Unverified::MalformedSignature)?;
    let mut config = proof;
    config
        .as_object_mut()
        .expect("an object")
        .remove("proofValue");
    config["@context"] = document["@context"].clone();
    key.verify(
        &hash_data(&config, &document),
        &Signature::from_bytes(&value),
    )
    .map_err(|_| Unverified::BadSignature)
}

/// What a certificate's credential states.
pub struct CertificateClaims<'a> {
    pub certificate_no: &'a str,
    pub holder_name: &'a str,
    pub issuer_id: &'a str,
    pub issuer_name: &'a str,
    pub assessment_kind: &'a str,
    pub assessment_kind_zh: &'a str,
    pub occupation_code: &'a str,
    pub skill_level: ids::SkillLevel,
    pub issued_on: NaiveDate,
    pub status_index: i64,
    pub status_list_url: &'a str,
}

/// The unsigned Open Badges 3.0 credential of a certificate.
pub fn certificate_credential(c: &CertificateClaims<'_>) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": format!("urn:qiancheng:certificate:{}", c.certificate_no),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("{} {}", c.assessment_kind_zh, c.skill_level.name_zh()),
        "issuer": {
            "id": c.issuer_id,
            "type": ["Profile"],
            "name": c.issuer_name,
        },
        "validFrom": format!("{}T00:00:00+08:00", c.issued_on),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": c.holder_name,
            "achievement": {
                "id": format!("urn:qiancheng:achievement:{}:{}:{}", c.assessment_kind, c.occupation_code, c.skill_level),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": format!("{} {}", c.occupation_code, c.skill_level.name_zh()),
                "criteria": { "narrative": format!("{}: theory and practical examinations passed", c.assessment_kind_zh) },
                "tag": [c.occupation_code, c.skill_level.as_str()],
            },
            "certificateNumber": c.certificate_no,
        },
        "credentialStatus": {
            "id": format!("{}#{}", c.status_list_url, c.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": c.status_index.to_string(),
            "statusListCredential": c.status_list_url,
        },
    })
}

/// The bitstring (first index = most significant bit of the first byte),
/// gzip-compressed, base64url, multibase `u`.
pub fn encode_status_list(revoked: &[i64], highest_index: i64) -> String {
    let bits = MIN_STATUS_BITS.max(usize::try_from(highest_index + 1).unwrap_or(0).div_ceil(8) * 8);
    let mut bytes = vec![0u8; bits / 8];
    for &i in revoked {
        if let Ok(i) = usize::try_from(i) {
            if i < bits {
                bytes[i / 8] |= 0x80 >> (i % 8);
            }
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).expect("writing to memory");
    format!(
        "u{}",
        URL_SAFE_NO_PAD.encode(gz.finish().expect("writing to memory"))
    )
}

/// Reads one bit of an encoded list: what a verifier does.
pub fn status_bit(encoded: &str, index: i64) -> Option<bool> {
    use std::io::Read as _;
    let compressed = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u')?).ok()?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_end(&mut bytes)
        .ok()?;
    let i = usize::try_from(index).ok()?;
    Some(bytes.get(i / 8)? & (0x80 >> (i % 8)) != 0)
}

/// The status list as a credential the city signs.
pub fn status_list_credential(url: &str, issuer_id: &str, encoded: String) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap()
    }

    fn credential() -> Value {
        certificate_credential(&CertificateClaims {
            certificate_no: "S000135350100263000001",
            holder_name: "林晓明",
            issuer_id: "https://example/v1/public/issuers/0001",
            issuer_name: "福州市职业技能鉴定中心",
            assessment_kind: "certification",
            assessment_kind_zh: "职业技能等级证书",
            occupation_code: "6-31-01-03",
            skill_level: ids::SkillLevel::Senior,
            issued_on: "2026-03-02".parse().unwrap(),
            status_index: 7,
            status_list_url: "https://example/v1/public/credentials/status/revocation",
        })
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_signed_credential_verifies_with_the_published_key() {
        let key = key(1);
        let signed = sign(credential(), &key, "issuer#key-1", Utc::now());
        let published = parse_multikey(&multikey(&key.verifying_key())).unwrap();
        assert_eq!(verify(&signed, &published), Ok(()));
    }

    #[test]
    fn a_changed_credential_or_another_key_fails() {
        let key = key(1);
        let signed = sign(credential(), &key, "issuer#key-1", Utc::now());
        let mut changed = signed.clone();
        changed["credentialSubject"]["name"] = json!("林晓明 ");
        assert_eq!(
            verify(&changed, &key.verifying_key()),
            Err(Unverified::BadSignature)
        );
        let other = self::key(2).verifying_key();
        assert_eq!(verify(&signed, &other), Err(Unverified::BadSignature));
    }

    #[test]
    fn a_seed_reads_back_and_the_profile_keeps_every_key() {
        let body = BodyKey { no: 2, key: key(7) };
        let back = BodyKey::from_seed_text(2, &body.seed_text()).unwrap();
        assert_eq!(back.key.to_bytes(), body.key.to_bytes());
        assert!(BodyKey::from_seed_text(1, "c2hvcnQ=").is_none());
        let profile = issuer_profile(
            "https://a.example/v1/public/issuers/0001",
            "评价机构",
            &[(1, key(1).verifying_key()), (2, key(7).verifying_key())],
        );
        assert_eq!(
            profile["assertionMethod"],
            json!([
                "https://a.example/v1/public/issuers/0001#key-1",
                "https://a.example/v1/public/issuers/0001#key-2"
            ])
        );
        let second = parse_multikey(
            profile["verificationMethod"][1]["publicKeyMultibase"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(second, key(7).verifying_key());
    }

    #[test]
    fn canonical_form_sorts_keys_at_every_depth() {
        let v = json!({"b": 1, "a": {"d": [true, null], "c": "é"}});
        assert_eq!(canonical(&v), r#"{"a":{"c":"é","d":[true,null]},"b":1}"#);
    }

    #[test]
    fn status_list_bits_round_trip() {
        let list = encode_status_list(&[0, 9, 131_071], 131_071);
        assert_eq!(status_bit(&list, 0), Some(true));
        assert_eq!(status_bit(&list, 1), Some(false));
        assert_eq!(status_bit(&list, 9), Some(true));
        assert_eq!(status_bit(&list, 131_071), Some(true));
        let grown = encode_status_list(&[200_000], 200_000);
        assert_eq!(status_bit(&grown, 200_000), Some(true));
    }

    #[test]
    fn qr_payloads_cannot_be_forged() {
        let ring = ring();
        let payload = ring.qr_payload("S000135350100263000001");
        assert_eq!(
            ring.read_qr(&payload).as_deref(),
            Some("S000135350100263000001")
        );
        assert_eq!(
            ring.read_qr("QC1.S000135350100263000002.0000000000000000"),
            None
        );
        assert_eq!(ring.read_qr("garbage"), None);
    }
}
