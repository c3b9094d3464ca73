//! Protection of personal data at rest: AES-256-GCM for the value, an HMAC
//! beside it for equality lookups, and the province-wide pseudonym
//! (`person_id`) that events carry instead of the citizen ID.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::CitizenId;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    #[error("a key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error(
        "keys are `<id>:<base64 key>` separated by commas, the current one first; \
         an id is 1 to 32 letters, digits, `-` or `_`, each id once"
    )]
    BadKeyList,
    #[error("the ciphertext is damaged or was sealed with a key not configured")]
    Open,
}

fn decode_key(b64: &str) -> Result<[u8; 32], PiiError> {
    B64.decode(b64.trim())
        .ok()
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or(PiiError::BadKey)
}

/// What a sealed value starts with: the format, then the id of the key that
/// sealed it. The header is authenticated with the value (the AEAD's
/// associated data), so a value cannot be passed off as another key's.
const FORMAT: &[u8] = b"qc1:";
const NONCE: usize = 12;

fn key_ring(keys: &str) -> Result<Vec<Key>, PiiError> {
    let mut ring: Vec<Key> = Vec::new();
    for entry in keys.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (id, key) = entry.split_once(':').ok_or(PiiError::BadKeyList)?;
        let id_ok = (1..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok || ring.iter().any(|k| k.id == id) {
            return Err(PiiError::BadKeyList);
        }
        ring.push(Key {
            id: id.to_owned(),
            aead: Aes256Gcm::new(&decode_key(key)?.into()),
        });
    }
    if ring.is_empty() {
        return Err(PiiError::BadKeyList);
    }
    Ok(ring)
}

struct Key {
    id: String,
    aead: Aes256Gcm,
}

impl Key {
    fn header(&self) -> Vec<u8> {
        let mut h = FORMAT.to_vec();
        h.extend(self.id.as_bytes());
        h.push(b':');
        h
    }
}

/// Seals personal data of one service with its current key and opens what
/// any of its configured keys sealed, so keys rotate: configure a new
/// current key with the old ones after it, run `rotate-keys`, then drop the
/// old ones. The lookup hash (HMAC) has its own key and does not change
/// with rotation, so lookups keep working throughout.
#[derive(Clone)]
pub struct PiiCipher {
    keys: std::sync::Arc<Vec<Key>>,
    lookup_key: [u8; 32],
}

impl PiiCipher {
    /// `keys` is `<id>:<base64 32-byte key>[,<id>:<key>…]`, the current
    /// key first; `lookup_key` is a base64 32-byte key.
    pub fn from_config(keys: &str, lookup_key: &str) -> Result<Self, PiiError> {
        Ok(Self {
            keys: std::sync::Arc::new(key_ring(keys)?),
            lookup_key: decode_key(lookup_key)?,
        })
    }

    /// Whether `keys` is a valid key list (see [`PiiCipher::from_config`]).
    pub fn check_keys(keys: &str) -> Result<(), PiiError> {
        key_ring(keys).map(drop)
    }

    #[allow(clippy::indexing_slicing, reason = "key_ring refuses an empty list")]
    fn current(&self) -> &Key {
        &self.keys[0]
    }

    /// The id of the key new values are sealed with.
    pub fn current_key_id(&self) -> &str {
        &self.current().id
    }

    /// What every value sealed with the current key starts with.
    pub fn current_header(&self) -> Vec<u8> {
        self.current().header()
    }

    /// The header, a random 96-bit nonce, then the ciphertext and tag.
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let key = self.current();
        let mut nonce = [0u8; NONCE];
        rand::thread_rng().fill_bytes(&mut nonce);
        let mut out = key.header();
        // why: AES-GCM refuses only plaintexts over 64 GiB, far beyond any value sealed here.
        #[allow(clippy::expect_used)]
        let sealed = key
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &out,
                },
            )
            .expect("AES-GCM encryption of a bounded buffer cannot fail");
        out.extend(nonce);
        out.extend(sealed);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, PiiError> {
        let plain = match self.key_of(sealed) {
            Some((key, header_len)) => {
                let (header, rest) = sealed.split_at(header_len);
                if rest.len() < NONCE {
                    return Err(PiiError::Open);
                }
                let (nonce, ciphertext) = rest.split_at(NONCE);
                key.aead
                    .decrypt(
                        Nonce::from_slice(nonce),
                        Payload {
                            msg: ciphertext,
                            aad: header,
                        },
                    )
                    .map_err(|_| PiiError::Open)?
            }
            // Sealed before values carried their key: the tag tells which
            // key it was.
            None => self.open_unlabelled(sealed)?,
        };
        String::from_utf8(plain).map_err(|_| PiiError::Open)
    }

    fn key_of(&self, sealed: &[u8]) -> Option<(&Key, usize)> {
        let rest = sealed.strip_prefix(FORMAT)?;
        let end = rest.iter().take(33).position(|b| *b == b':')?;
        let id = std::str::from_utf8(rest.get(..end)?).ok()?;
        let key = self.keys.iter().find(|k| k.id == id)?;
        Some((key, FORMAT.len() + end + 1))
    }

    fn open_unlabelled(&self, sealed: &[u8]) -> Result<Vec<u8>, PiiError> {
        if sealed.len() < NONCE {
            return Err(PiiError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE);
        self.keys
            .iter()
            .find_map(|k| k.aead.decrypt(Nonce::from_slice(nonce), ciphertext).ok())
            .ok_or(PiiError::Open)
    }

    /// `sealed`, sealed again with the current key; `None` when it already
    /// is (what `rotate-keys` skips).
    pub fn reseal(&self, sealed: &[u8]) -> Result<Option<Vec<u8>>, PiiError> {
        if sealed.starts_with(&self.current_header()) {
            return Ok(None);
        }
        Ok(Some(self.seal(&self.open(sealed)?)))
    }

    /// Deterministic keyed hash for `WHERE lookup = $1` without decrypting.
    pub fn lookup_hash(&self, normalised: &str) -> Vec<u8> {
        hmac(&self.lookup_key, normalised)
    }
}

fn hmac(key: &[u8], value: &str) -> Vec<u8> {
    // why: HMAC takes a key of any length (a long one is hashed, a short one padded).
    #[allow(clippy::expect_used)]
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(value.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The province-wide secret behind `person_id`.
#[derive(Clone)]
pub struct PersonIdKey([u8; 32]);

impl PersonIdKey {
    pub fn from_base64(b64: &str) -> Result<Self, PiiError> {
        decode_key(b64).map(Self)
    }

    pub fn person_id(&self, citizen: &CitizenId) -> PersonId {
        PersonId(hex::encode(hmac(&self.0, citizen.expose())))
    }
}

/// A pseudonym for a citizen, equal across services and cities.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct PersonId(String);

impl PersonId {
    /// A pseudonym read back from a service's own store, where it was kept
    /// as text after being derived or received.
    pub fn from_stored(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=";

    fn cipher(keys: &str) -> PiiCipher {
        PiiCipher::from_config(keys, K2).expect("keys")
    }

    #[test]
    fn sealed_data_names_its_key_and_opens_only_with_it() {
        let c = cipher(&format!("k1:{K1}"));
        let sealed = c.seal("11010519491231002X");
        assert!(sealed.starts_with(b"qc1:k1:"));
        assert!(!sealed.windows(8).any(|w| w == b"19491231"));
        assert_eq!(c.open(&sealed).expect("open"), "11010519491231002X");
        assert!(cipher(&format!("k1:{K2}")).open(&sealed).is_err());
        assert!(cipher(&format!("k2:{K2}")).open(&sealed).is_err());
        assert_ne!(c.seal("x"), c.seal("x"), "nonces differ");
    }

    #[test]
    fn the_header_is_authenticated_with_the_value() {
        let c = cipher(&format!("k1:{K1},k2:{K1}"));
        let sealed = c.seal("13912345678");
        // The same key under another id: the header no longer matches.
        let mut relabelled = b"qc1:k2:".to_vec();
        relabelled.extend(&sealed[b"qc1:k1:".len()..]);
        assert!(c.open(&relabelled).is_err());
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(c.open(&flipped).is_err());
    }

    #[test]
    fn after_rotation_old_values_open_and_reseal_once() {
        let old = cipher(&format!("k1:{K1}"));
        let sealed = old.seal("6222020200112233445");
        let rotated = cipher(&format!("k2:{K2}, k1:{K1}"));
        assert_eq!(rotated.current_key_id(), "k2");
        assert_eq!(
            rotated.open(&sealed).expect("old key reads"),
            "6222020200112233445"
        );
        let resealed = rotated.reseal(&sealed).expect("reseal").expect("changed");
        assert!(resealed.starts_with(b"qc1:k2:"));
        assert_eq!(rotated.reseal(&resealed).expect("reseal"), None);
        // Once every value is resealed the old key can go.
        let only_new = cipher(&format!("k2:{K2}"));
        assert_eq!(
            only_new.open(&resealed).expect("open"),
            "6222020200112233445"
        );
        assert!(only_new.open(&sealed).is_err());
    }

    #[test]
    fn values_sealed_before_keys_had_ids_still_open() {
        let c = cipher(&format!("k2:{K2},k1:{K1}"));
        let key = Aes256Gcm::new(&decode_key(K1).expect("key").into());
        let nonce = [7u8; NONCE];
        let mut unlabelled = nonce.to_vec();
        unlabelled.extend(
            key.encrypt(Nonce::from_slice(&nonce), b"x".as_ref())
                .expect("seal"),
        );
        assert_eq!(c.open(&unlabelled).expect("open"), "x");
        assert!(c
            .reseal(&unlabelled)
            .expect("reseal")
            .expect("changed")
            .starts_with(b"qc1:k2:"));
    }

    #[test]
    fn key_lists_are_checked() {
        for bad in [
            "",
            K1,
            "k1:short",
            &format!("k1:{K1},k1:{K2}"),
            &format!("bad id:{K1}"),
            &format!(":{K1}"),
        ] {
            assert!(PiiCipher::from_config(bad, K2).is_err(), "{bad}");
        }
    }

    #[test]
    fn lookup_hash_is_deterministic_and_keyed() {
        let a = PiiCipher::from_config(&format!("k1:{K1}"), K2).expect("keys");
        let b = PiiCipher::from_config(&format!("k1:{K1}"), K1).expect("keys");
        let rotated = PiiCipher::from_config(&format!("k2:{K1},k1:{K2}"), K2).expect("keys");
        assert_eq!(a.lookup_hash("v"), a.lookup_hash("v"));
        assert_ne!(a.lookup_hash("v"), b.lookup_hash("v"));
        assert_eq!(
            a.lookup_hash("v"),
            rotated.lookup_hash("v"),
            "rotation keeps lookups"
        );
    }

    #[test]
    fn person_id_is_stable_and_hides_the_number() {
        let key = PersonIdKey::from_base64(K1).expect("key");
        let id: CitizenId = "11010519491231002X".parse().expect("valid");
        let p = key.person_id(&id);
        assert_eq!(p, key.person_id(&id));
        assert_eq!(p.as_str().len(), 64);
        assert!(!p.as_str().contains("1949"));
    }

    #[test]
    fn refuses_short_keys() {
        assert!(PersonIdKey::from_base64("c2hvcnQ=").is_err());
    }
}
