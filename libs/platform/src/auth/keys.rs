//! An issuer's signing keys, fetched from its JWKS and cached; fetched
//! again when the cache ages out or a token names a key id the cache does
//! not hold (the issuer rotated), at most once per `jwks_min_refetch_secs`.

use std::collections::HashMap;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::{Mutex, RwLock};

use super::config::KeySource;

/// The signature algorithms accepted. HS256 is not among them: a shared
/// secret would let every holder mint tokens.
pub const ACCEPTED: [Algorithm; 3] = [Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256];

/// One usable key of a set.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    pub key: DecodingKey,
    /// The algorithm the key is for: the JWK's `alg`, else its type's.
    pub algorithm: Algorithm,
}

#[derive(Default)]
struct Cached {
    keys: HashMap<String, VerifyingKey>,
    fetched: Option<Instant>,
    attempted: Option<Instant>,
}

/// Why no key could be had.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeyError {
    /// The set (fresh or recently fetched) holds no such key id.
    Unknown,
    /// The set could not be fetched and nothing is cached.
    Unavailable,
}

pub(crate) struct IssuerKeys {
    source: KeySource,
    http: reqwest::Client,
    max_age: Duration,
    min_refetch: Duration,
    cached: RwLock<Cached>,
    fetching: Mutex<()>,
}

impl IssuerKeys {
    pub fn new(
        source: KeySource,
        http: reqwest::Client,
        max_age: Duration,
        min_refetch: Duration,
    ) -> Self {
        Self {
            source,
            http,
            max_age,
            min_refetch,
            cached: RwLock::default(),
            fetching: Mutex::new(()),
        }
    }

    /// The key `kid`, from the cache if it is fresh and holds it.
    pub async fn get(&self, kid: &str) -> Result<VerifyingKey, KeyError> {
        {
            let cached = self.cached.read().await;
            let fresh = cached.fetched.is_some_and(|at| at.elapsed() < self.max_age);
            if let Some(key) = cached.keys.get(kid) {
                if fresh {
                    return Ok(key.clone());
                }
            }
        }
        self.refresh().await;
        let cached = self.cached.read().await;
        match cached.keys.get(kid) {
            Some(key) => Ok(key.clone()),
            None if cached.fetched.is_none() => Err(KeyError::Unavailable),
            None => Err(KeyError::Unknown),
        }
    }

    /// Fetches the set unless another caller just did or is doing so. A
    /// failed fetch keeps the keys already held.
    async fn refresh(&self) {
        let _one_at_a_time = self.fetching.lock().await;
        {
            let cached = self.cached.read().await;
            if cached
                .attempted
                .is_some_and(|at| at.elapsed() < self.min_refetch)
            {
                return;
            }
        }
        let result = self.fetch().await;
        let mut cached = self.cached.write().await;
        cached.attempted = Some(Instant::now());
        match result {
            Ok(keys) => {
                cached.keys = keys;
                cached.fetched = Some(Instant::now());
            }
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "fetching the identity provider's keys failed; keeping the keys held"
                );
            }
        }
    }

    async fn fetch(&self) -> anyhow::Result<HashMap<String, VerifyingKey>> {
        let body = match &self.source {
            KeySource::File(path) => tokio::fs::read(path)
                .await
                .with_context(|| format!("reading {}", path.display()))?,
            KeySource::Url(url) => self.get_bytes(url).await?,
            KeySource::Discovery(url) => {
                let doc: serde_json::Value = serde_json::from_slice(&self.get_bytes(url).await?)
                    .context("the discovery document is not JSON")?;
                let jwks = doc
                    .get("jwks_uri")
                    .and_then(serde_json::Value::as_str)
                    .context("the discovery document names no jwks_uri")?;
                anyhow::ensure!(
                    jwks.starts_with("https://"),
                    "the discovery document's jwks_uri is not https"
                );
                self.get_bytes(jwks).await?
            }
        };
        parse_set(&body)
    }

    async fn get_bytes(&self, url: &str) -> anyhow::Result<Vec<u8>> {
        let res = self
            .http
            .get(url)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        anyhow::ensure!(
            res.status().is_success(),
            "GET {url} answered {}",
            res.status()
        );
        Ok(res.bytes().await.context("reading the answer")?.to_vec())
    }
}

/// The signing keys of a JWKS document. Keys this service cannot use
/// (encryption keys, symmetric keys, unknown types, no `kid`) are skipped
/// rather than spoiling the set.
pub(crate) fn parse_set(body: &[u8]) -> anyhow::Result<HashMap<String, VerifyingKey>> {
    #[derive(serde::Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let raw: RawSet = serde_json::from_slice(body).context("the key set is not a JWKS")?;
    let mut keys = HashMap::new();
    for value in raw.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        if let Some((kid, key)) = usable(&jwk) {
            keys.insert(kid, key);
        }
    }
    Ok(keys)
}

fn usable(jwk: &Jwk) -> Option<(String, VerifyingKey)> {
    let kid = jwk.common.key_id.clone()?;
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    let by_type = match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        AlgorithmParameters::EllipticCurve(_) | AlgorithmParameters::OctetKeyPair(_) => {
            return None
        }
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        // A symmetric key in a public set is a misconfiguration; never use it.
        AlgorithmParameters::OctetKey(_) => return None,
    };
    let algorithm = match jwk.common.key_algorithm {
        None => by_type,
        Some(KeyAlgorithm::ES256) => Algorithm::ES256,
        Some(KeyAlgorithm::EdDSA) => Algorithm::EdDSA,
        Some(KeyAlgorithm::RS256) => Algorithm::RS256,
        Some(_) => return None,
    };
    if algorithm != by_type {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((kid, VerifyingKey { key, algorithm }))
}
