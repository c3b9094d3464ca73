//! Keys this process signs tokens with itself: local development's
//! `dev-token`, tests, and the provincial aggregator's client credentials.
//! Production services never sign; they verify against the identity
//! provider's published keys.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use sha2::{Digest, Sha256};

use super::{Audience, Claims, Role};

/// An Ed25519 signing key with its key id (the RFC 7638 thumbprint).
pub struct Signer {
    key: SigningKey,
    public: [u8; 32],
    kid: String,
}

/// What a new token says.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub sub: &'a str,
    pub role: Role,
    pub city: Option<&'a str>,
    pub org: Option<&'a str>,
    /// Space-separated OAuth2 scopes.
    pub scope: Option<&'a str>,
    pub ttl_secs: i64,
}

impl Signer {
    /// A new random key.
    pub fn generate() -> Self {
        Self::from_key(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// Reads a PKCS#8 PEM Ed25519 private key.
    pub fn from_pem_file(path: &Path) -> anyhow::Result<Self> {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("reading the signing key {}", path.display()))?;
        let key = SigningKey::from_pkcs8_pem(&pem)
            .map_err(|e| anyhow::anyhow!("{} is not a PKCS#8 Ed25519 key: {e}", path.display()))?;
        Ok(Self::from_key(key))
    }

    fn from_key(key: SigningKey) -> Self {
        let public = key.verifying_key().to_bytes();
        Self {
            key,
            kid: ed25519_key_id(&public),
            public,
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a one-key JWKS document.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [{
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.public),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }]})
    }

    /// Signs whatever claims are given (tests build odd ones on purpose);
    /// refused when the claims do not serialise.
    pub fn sign(&self, claims: &impl serde::Serialize) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        let der = self
            .key
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("encoding the signing key: {e}"))?;
        Ok(encode(
            &header,
            claims,
            &EncodingKey::from_ed_der(der.as_bytes()),
        )?)
    }

    /// Signs a token valid from now for `ttl_secs`.
    pub fn mint(&self, t: &NewToken<'_>) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        self.sign(&Claims {
            sub: t.sub.to_owned(),
            role: t.role,
            city: t.city.map(str::to_owned),
            org: t.org.map(str::to_owned),
            scope: t.scope.map(str::to_owned),
            act: None,
            iss: t.issuer.to_owned(),
            aud: Audience(vec![t.audience.to_owned()]),
            exp: now + t.ttl_secs,
            iat: now,
            nbf: Some(now),
            jti: Some(uuid::Uuid::now_v7().to_string()),
        })
    }

    /// Writes `signing-key.pem` (mode 0600) and `jwks.json` into `dir` unless
    /// the key is there already; returns the two paths.
    pub fn ensure_files(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
        let key_path = dir.join("signing-key.pem");
        let jwks_path = dir.join("jwks.json");
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let signer = if key_path.exists() {
            Self::from_pem_file(&key_path)?
        } else {
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            let pem = key
                .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
                .map_err(|e| anyhow::anyhow!("encoding the key: {e}"))?;
            write_private(&key_path, pem.as_bytes())?;
            Self::from_key(key)
        };
        std::fs::write(&jwks_path, serde_json::to_vec_pretty(&signer.jwks())?)
            .with_context(|| format!("writing {}", jwks_path.display()))?;
        Ok((key_path, jwks_path))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// The key id of an Ed25519 public key: its RFC 7638 thumbprint (SHA-256
/// over the key's required JWK members in lexical order).
pub fn ed25519_key_id(public: &[u8; 32]) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(public)
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_8037_example_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of the example public key.
        let public: [u8; 32] = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .expect("base64")
            .try_into()
            .expect("32 bytes");
        assert_eq!(
            ed25519_key_id(&public),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn key_files_are_made_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("qc-keys-{}", uuid::Uuid::new_v4()));
        let (key, jwks) = Signer::ensure_files(&dir).expect("made");
        let first = std::fs::read(&key).expect("key");
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&key).expect("meta").permissions().mode() & 0o777,
            0o600
        );
        Signer::ensure_files(&dir).expect("again");
        assert_eq!(std::fs::read(&key).expect("key"), first);
        let set: serde_json::Value =
            serde_json::from_slice(&std::fs::read(jwks).expect("jwks")).expect("json");
        let signer = Signer::from_pem_file(&key).expect("reads");
        assert_eq!(set["keys"][0]["kid"], signer.kid());
        std::fs::remove_dir_all(dir).expect("clean up");
    }
}
