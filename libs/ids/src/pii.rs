//! Protection of personal data at rest: AES-256-GCM for the value, an HMAC
//! beside it for equality lookups, and the province-wide pseudonym
//! (`person_id`) that events carry instead of the citizen ID.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
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
    #[error("the ciphertext is damaged or was sealed with another key")]
    Open,
}

fn decode_key(b64: &str) -> Result<[u8; 32], PiiError> {
    B64.decode(b64.trim())
        .ok()
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or(PiiError::BadKey)
}

/// Seals personal data of one service. Keys come from configuration (secrets).
#[derive(Clone)]
pub struct PiiCipher {
    aead: Aes256Gcm,
    lookup_key: [u8; 32],
}

impl PiiCipher {
    pub fn from_base64(encryption_key: &str, lookup_key: &str) -> Result<Self, PiiError> {
        let key = decode_key(encryption_key)?;
        Ok(Self {
            aead: Aes256Gcm::new(&key.into()),
            lookup_key: decode_key(lookup_key)?,
        })
    }

    /// A random 96-bit nonce followed by the ciphertext and tag.
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        out.extend(
            self.aead
                .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
                .expect("AES-GCM encryption of a bounded buffer cannot fail"),
        );
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, PiiError> {
        if sealed.len() < 12 {
            return Err(PiiError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        let plain = self
            .aead
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| PiiError::Open)?;
        String::from_utf8(plain).map_err(|_| PiiError::Open)
    }

    /// Deterministic keyed hash for `WHERE lookup = $1` without decrypting.
    pub fn lookup_hash(&self, normalised: &str) -> Vec<u8> {
        hmac(&self.lookup_key, normalised)
    }
}

fn hmac(key: &[u8], value: &str) -> Vec<u8> {
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

    #[test]
    fn sealed_data_opens_only_with_its_key() {
        let cipher = PiiCipher::from_base64(K1, K2).expect("keys");
        let sealed = cipher.seal("11010519491231002X");
        assert!(!sealed.windows(8).any(|w| w == b"19491231"));
        assert_eq!(cipher.open(&sealed).expect("open"), "11010519491231002X");
        let other = PiiCipher::from_base64(K2, K1).expect("keys");
        assert!(other.open(&sealed).is_err());
        assert_ne!(cipher.seal("x"), cipher.seal("x"), "nonces differ");
    }

    #[test]
    fn lookup_hash_is_deterministic_and_keyed() {
        let a = PiiCipher::from_base64(K1, K2).expect("keys");
        let b = PiiCipher::from_base64(K1, K1).expect("keys");
        assert_eq!(a.lookup_hash("v"), a.lookup_hash("v"));
        assert_ne!(a.lookup_hash("v"), b.lookup_hash("v"));
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
