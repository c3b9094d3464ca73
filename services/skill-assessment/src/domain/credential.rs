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

    // why: HMAC takes a key of any length; `new_from_slice` never refuses one.
    #[allow(clippy::expect_used)]
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
    // why: HMAC takes a key of any length; `new_from_slice` never refuses one.
    #[allow(clippy::expect_used)]
    pub fn qr_tag(&self, certificate_no: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.derive("qr")).expect("any key length");
        mac.update(certificate_no.as_bytes());
        let first8: Vec<u8> = mac.finalize().into_bytes().into_iter().take(8).collect();
        hex::encode(first8)
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

/// JSON Canonicalization Scheme (RFC 8785), what `eddsa-jcs-2022` hashes:
/// no whitespace; object keys sorted by their UTF-16 code units (§3.2.3);
/// strings escaped as serde_json escapes them, which is §3.2.2.2's rule
/// (`\b \t \n \f \r \" \\`, other controls `\u00xx` in lower case,
/// everything else as is); numbers as ECMAScript writes a double (§3.2.2.3).
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
        Value::Number(n) => write_number(n, out),
        Value::Null | Value::Bool(_) | Value::String(_) => out.push_str(&v.to_string()),
    }
}

/// RFC 8785 §3.2.2.3: every number is an IEEE 754 double, written as
/// ECMAScript's Number::toString writes it (`1.0` is `1`, `1e30` is
/// `1e+30`, `-0` is `0`). Integers are doubles too: beyond 2^53 they are
/// rounded as a JavaScript verifier reads them.
fn write_number(n: &serde_json::Number, out: &mut String) {
    // Some for every number a `Value` holds (no `arbitrary_precision`), and
    // finite: a `Value` cannot hold NaN or an infinity.
    match n.as_f64() {
        Some(double) => out.push_str(ryu_js::Buffer::new().format(double)),
        None => out.push_str(&n.to_string()),
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

/// Adds the proof to `document` (which has none). A document that is not a
/// JSON object has nowhere to hold one: it comes back as it was, and
/// [`verify`] refuses it.
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
    if let Some(fields) = proof.as_object_mut() {
        fields.remove("@context");
        fields.insert(
            "proofValue".to_owned(),
            json!(format!(
                "z{}",
                bs58::encode(signature.to_bytes()).into_string()
            )),
        );
    }
    if let Some(fields) = document.as_object_mut() {
        fields.insert("proof".to_owned(), proof);
    }
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
    let Value::Object(mut config) = proof else {
        return Err(Unverified::WrongSuite);
    };
    let field = |name: &str| config.get(name).and_then(Value::as_str);
    if field("type") != Some("DataIntegrityProof") || field("cryptosuite") != Some("eddsa-jcs-2022")
    {
        return Err(Unverified::WrongSuite);
    }
    let value = config
        .remove("proofValue")
        .as_ref()
        .and_then(Value::as_str)
        .and_then(|v| v.strip_prefix('z'))
        .and_then(|v| bs58::decode(v).into_vec().ok())
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or(Unverified::MalformedSignature)?;
    let context = document.get("@context").cloned().unwrap_or(Value::Null);
    config.insert("@context".to_owned(), context);
    key.verify(
        &hash_data(&Value::Object(config), &document),
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
// why: the encoder writes to a `Vec`, which cannot fail.
#[allow(clippy::expect_used)]
pub fn encode_status_list(revoked: &[i64], highest_index: i64) -> String {
    // Sized to cover every revoked index too: a stale `highest_index` must
    // never leave a revocation out, which would publish it as valid.
    let highest = revoked.iter().copied().fold(highest_index, i64::max);
    let bits = MIN_STATUS_BITS.max(usize::try_from(highest + 1).unwrap_or(0).div_ceil(8) * 8);
    let mut bytes = vec![0u8; bits / 8];
    for &i in revoked {
        if let Ok(i) = usize::try_from(i) {
            if let Some(byte) = bytes.get_mut(i / 8) {
                *byte |= 0x80 >> (i % 8);
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

    /// RFC 8785 Appendix B, each double given by its bits, then the
    /// cases the ECMAScript algorithm is easiest to get wrong on.
    #[test]
    fn numbers_are_written_as_ecmascript_writes_a_double() {
        let appendix_b: [(u64, &str); 24] = [
            (0x0000_0000_0000_0000, "0"),
            (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"),
            (0x7fef_ffff_ffff_ffff, "1.7976931348623157e+308"),
            (0xffef_ffff_ffff_ffff, "-1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"),
            (0xc340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44b5_2d02_c7e1_4af5, "9.999999999999997e+22"),
            (0x44b5_2d02_c7e1_4af6, "1e+23"),
            (0x44b5_2d02_c7e1_4af7, "1.0000000000000001e+23"),
            (0x444b_1ae4_d6e2_ef4e, "999999999999999700000"),
            (0x444b_1ae4_d6e2_ef4f, "999999999999999900000"),
            (0x444b_1ae4_d6e2_ef50, "1e+21"),
            (0x3eb0_c6f7_a0b5_ed8c, "9.999999999999997e-7"),
            (0x3eb0_c6f7_a0b5_ed8d, "0.000001"),
            (0x41b3_de43_5555_5553, "333333333.3333332"),
            (0x41b3_de43_5555_5554, "333333333.33333325"),
            (0x41b3_de43_5555_5555, "333333333.3333333"),
            (0x41b3_de43_5555_5556, "333333333.3333334"),
            (0x41b3_de43_5555_5557, "333333333.33333343"),
            (0xbecb_f647_612f_3696, "-0.0000033333333333333333"),
            (0x4314_3ff3_c1cb_0959, "1424953923781206.2"),
        ];
        for (bits, expected) in appendix_b {
            let v = json!(f64::from_bits(bits));
            assert_eq!(canonical(&v), expected, "{bits:016x}");
        }
        let cases = [
            (json!(1.0), "1"),
            (json!(-0.0), "0"),
            (json!(1e30), "1e+30"),
            (json!(4.50), "4.5"),
            (json!(0.002), "0.002"),
            (json!(0.000001), "0.000001"),
            (json!(1e-7), "1e-7"),
            (json!(1e20), "100000000000000000000"),
            (json!(1e21), "1e+21"),
            (json!(-1.5e-9), "-1.5e-9"),
            (json!(333_333_333.333_333_3), "333333333.3333333"),
            (json!(0), "0"),
            (json!(-42), "-42"),
            (json!(9_007_199_254_740_992_u64), "9007199254740992"),
            (json!(9_007_199_254_740_993_u64), "9007199254740992"),
            (json!(u64::MAX), "18446744073709552000"),
            (json!(i64::MIN), "-9223372036854776000"),
        ];
        for (v, expected) in cases {
            assert_eq!(canonical(&v), expected, "{v}");
        }
        let parsed: Value =
            serde_json::from_str("[295147905179352830000, 1E30, 4.50, 2e-3]").unwrap();
        assert_eq!(
            canonical(&parsed),
            "[295147905179352830000,1e+30,4.5,0.002]"
        );
    }

    /// RFC 8785 §3.2.2's example: numbers, escapes and literals together.
    #[test]
    fn the_rfc_example_canonicalises_exactly() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        let mut v: Value = serde_json::from_str(input).unwrap();
        // serde_json without `float_roundtrip` reads this 17-digit number one
        // unit in the last place low (0x41b3de4355555554): a parsing matter,
        // not canonicalisation. Put in the double the text denotes.
        v["numbers"][0] = json!(f64::from_bits(0x41b3_de43_5555_5555));
        assert_eq!(
            canonical(&v),
            "{\"literals\":[null,true,false],\
             \"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
             \"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        );
    }

    /// RFC 8785 §3.2.3's example: keys sort by UTF-16 code units, so the
    /// emoji (a surrogate pair, 0xD83D…) comes before U+FB33, unlike in
    /// code point or UTF-8 order.
    #[test]
    fn keys_sort_by_utf16_code_units() {
        let v = json!({
            "\u{20ac}": "Euro Sign",
            "\r": "Carriage Return",
            "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\u{1f600}": "Emoji: Grinning Face",
            "\u{80}": "Control",
            "\u{f6}": "Latin Small Letter O With Diaeresis",
        });
        assert_eq!(
            canonical(&v),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
             \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
             \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
    }

    /// RFC 8785 §3.2.2.2: the five short escapes, `\u00xx` (lower-case hex)
    /// for the other controls, `"` and `\` escaped, and nothing else: not
    /// `/`, DEL, U+2028 or anything beyond ASCII. Keys the same as values.
    #[test]
    fn strings_are_escaped_as_rfc8785_says() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        assert_eq!(
            canonical(&json!(controls)),
            r#""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#
        );
        let others = "\"\\/\u{7f}\u{2028}\u{fffd}é林😀 ";
        let mut object = serde_json::Map::new();
        object.insert(others.to_owned(), json!(others));
        assert_eq!(
            canonical(&Value::Object(object)),
            "{\"\\\"\\\\/\u{7f}\u{2028}\u{fffd}é林😀 \":\"\\\"\\\\/\u{7f}\u{2028}\u{fffd}é林😀 \"}"
        );
    }

    /// A credential carrying floats signs and verifies, and the signature is
    /// over the RFC 8785 text any JCS library produces (written out here),
    /// so a verifier with another implementation accepts it.
    #[test]
    fn a_credential_with_floats_verifies_against_the_rfc8785_text() {
        let key = key(3);
        let document = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "credentialSubject": { "score": 87.50, "ratio": 1.0, "tiny": 1e-7, "big": 1e30, "n": 7 },
        });
        let created: DateTime<Utc> = "2026-03-02T00:00:00Z".parse().unwrap();
        let signed = sign(document, &key, "issuer#key-1", created);
        assert_eq!(verify(&signed, &key.verifying_key()), Ok(()));

        let document_jcs = r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"credentialSubject":{"big":1e+30,"n":7,"ratio":1,"score":87.5,"tiny":1e-7},"type":["VerifiableCredential"]}"#;
        let config_jcs = r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"created":"2026-03-02T00:00:00Z","cryptosuite":"eddsa-jcs-2022","proofPurpose":"assertionMethod","type":"DataIntegrityProof","verificationMethod":"issuer#key-1"}"#;
        let mut unsigned = signed.clone();
        unsigned.as_object_mut().unwrap().remove("proof");
        assert_eq!(canonical(&unsigned), document_jcs);
        let mut data = Sha256::digest(config_jcs).to_vec();
        data.extend_from_slice(&Sha256::digest(document_jcs));
        let proof_value = signed["proof"]["proofValue"].as_str().unwrap();
        let bytes = bs58::decode(proof_value.strip_prefix('z').unwrap())
            .into_vec()
            .unwrap();
        let signature = Signature::from_bytes(&<[u8; 64]>::try_from(bytes).unwrap());
        assert!(key.verifying_key().verify(&data, &signature).is_ok());

        // As a verifier receives it: JSON text, parsed again.
        let received: Value = serde_json::from_str(&signed.to_string()).unwrap();
        assert_eq!(verify(&received, &key.verifying_key()), Ok(()));
        let mut changed = received;
        changed["credentialSubject"]["score"] = json!(87.51);
        assert_eq!(
            verify(&changed, &key.verifying_key()),
            Err(Unverified::BadSignature)
        );
    }

    fn numbers_in(v: &Value) -> usize {
        match v {
            Value::Number(_) => 1,
            Value::Array(items) => items.iter().map(numbers_in).sum(),
            Value::Object(map) => map.values().map(numbers_in).sum(),
            Value::Null | Value::Bool(_) | Value::String(_) => 0,
        }
    }

    /// The documents signed here hold no numbers at all (the status index
    /// is a string), so the number rule never changed what they hash to.
    #[test]
    fn the_signed_documents_carry_no_numbers() {
        let key = key(1);
        let certificate = sign(credential(), &key, "issuer#key-1", Utc::now());
        let status = sign(
            status_list_credential(
                "https://example/v1/public/credentials/status/revocation",
                "https://example/v1/public/issuers/city",
                encode_status_list(&[7], 7),
            ),
            &key,
            "issuer#key-1",
            Utc::now(),
        );
        let profile = issuer_profile("issuer", "评价机构", &[(1, key.verifying_key())]);
        assert_eq!(numbers_in(&certificate), 0);
        assert_eq!(numbers_in(&status), 0);
        assert_eq!(numbers_in(&profile), 0);
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
        // A highest index behind the revocations still lists them all.
        let stale = encode_status_list(&[9, 300_000], 131_071);
        assert_eq!(status_bit(&stale, 9), Some(true));
        assert_eq!(status_bit(&stale, 300_000), Some(true));
        assert_eq!(status_bit(&stale, 299_999), Some(false));
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
