//! The `auth` section: whose tokens this instance trusts, and how long.

use serde::{Deserialize, Serialize};

/// An issuer whose signing keys are published as a JWKS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Issuer {
    /// The `iss` its tokens carry, compared whole and case-sensitively.
    pub issuer: String,
    /// Its key set: `https://…` (or `http://` on a loopback address), or
    /// `file:///…` for a local key set. Empty: OIDC discovery at
    /// `<issuer>/.well-known/openid-configuration`.
    pub jwks_url: String,
}

/// The `auth` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// The city's identity provider: every role but `province`. Empty only
    /// on an instance that serves the province alone (the aggregator),
    /// which then trusts `province` and nothing else.
    pub issuer: String,
    /// See [`Issuer::jwks_url`].
    pub jwks_url: String,
    /// The mesh's audience. A token must name it, or this service's own
    /// audience `<audience>/<service name>`.
    pub audience: String,
    /// Clock skew tolerated, in seconds.
    pub leeway_secs: u64,
    /// The longest lifetime (`exp - iat`) accepted, in seconds.
    pub max_token_lifetime_secs: u64,
    /// How long a fetched key set is used before it is fetched again.
    pub jwks_cache_secs: u64,
    /// The least time between two fetches prompted by unknown key ids, so
    /// made-up `kid`s cannot turn the service against its identity provider.
    pub jwks_min_refetch_secs: u64,
    /// CA bundle (PEM) the identity providers' TLS certificates chain to;
    /// empty: the system's roots.
    pub ca_file: String,
    /// The province's issuer (the provincial aggregator's own key): trusted
    /// for the read-only `province` role and nothing else. Unset: none.
    pub province: Option<Issuer>,
    /// Local development only: the PKCS#8 PEM Ed25519 key `dev-token`
    /// signs with. Production configurations never set it, and then
    /// `dev-token` refuses to run.
    pub local_signing_key: String,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            issuer: String::new(),
            jwks_url: String::new(),
            audience: "qiancheng".into(),
            leeway_secs: 30,
            max_token_lifetime_secs: 8 * 3600,
            jwks_cache_secs: 300,
            jwks_min_refetch_secs: 10,
            ca_file: String::new(),
            province: None,
            local_signing_key: String::new(),
        }
    }
}

impl AuthConfig {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.issuer.is_empty() {
            if self.province.is_none() {
                out.push((
                    "issuer",
                    "must name the city identity provider's issuer".into(),
                ));
            }
        } else if let Err(e) = key_source(&self.issuer, &self.jwks_url) {
            out.push(("jwks_url", e));
        }
        if self.audience.is_empty() {
            out.push(("audience", "must not be empty".into()));
        }
        if !(60..=86_400).contains(&self.max_token_lifetime_secs) {
            out.push((
                "max_token_lifetime_secs",
                "must be between 60 and 86400".into(),
            ));
        }
        if self.leeway_secs > 300 {
            out.push(("leeway_secs", "must be at most 300".into()));
        }
        if !(10..=86_400).contains(&self.jwks_cache_secs) {
            out.push(("jwks_cache_secs", "must be between 10 and 86400".into()));
        }
        out.extend(tls::file_problem(&self.ca_file, "ca_file"));
        out.extend(tls::file_problem(
            &self.local_signing_key,
            "local_signing_key",
        ));
        if let Some(province) = &self.province {
            if province.issuer.is_empty() || province.issuer == self.issuer {
                out.push((
                    "province.issuer",
                    "must name the province's issuer, not the city's".into(),
                ));
            }
            if let Err(e) = key_source(&province.issuer, &province.jwks_url) {
                out.push(("province.jwks_url", e));
            }
        }
        out
    }
}

/// Where an issuer's keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeySource {
    Url(String),
    File(std::path::PathBuf),
    Discovery(String),
}

/// An `http://` URL is accepted only on a loopback address: keys fetched in
/// clear over a network could be swapped.
pub(crate) fn key_source(issuer: &str, jwks_url: &str) -> Result<KeySource, String> {
    if let Some(path) = jwks_url.strip_prefix("file://") {
        return Ok(KeySource::File(path.into()));
    }
    if jwks_url.is_empty() {
        return if issuer.starts_with("https://") {
            Ok(KeySource::Discovery(format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            )))
        } else {
            Err("must be set unless the issuer is an https:// URL (OIDC discovery)".into())
        };
    }
    if jwks_url.starts_with("https://") || is_loopback_http(jwks_url) {
        Ok(KeySource::Url(jwks_url.to_owned()))
    } else {
        Err(format!(
            "{jwks_url:?} must be https://, file://, or http:// on a loopback address"
        ))
    }
}

pub(crate) fn is_loopback_http(url: &str) -> bool {
    url.strip_prefix("http://")
        .and_then(|rest| rest.split(['/', '?']).next())
        .is_some_and(|authority| {
            let host = authority
                .rsplit_once(':')
                .map_or(authority, |(host, _)| host);
            matches!(host, "127.0.0.1" | "localhost" | "[::1]")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_sources_must_be_trustworthy() {
        assert_eq!(
            key_source("https://id.fz.example", ""),
            Ok(KeySource::Discovery(
                "https://id.fz.example/.well-known/openid-configuration".into()
            ))
        );
        assert!(key_source("qiancheng", "").is_err());
        assert!(key_source("x", "http://idp.fz.example/jwks").is_err());
        assert!(key_source("x", "http://127.0.0.1:9/jwks").is_ok());
        assert!(key_source("x", "http://localhost:9/jwks").is_ok());
        assert!(key_source("x", "http://127.0.0.1.evil.example/jwks").is_err());
        assert_eq!(
            key_source("x", "file:///run/keys/jwks.json"),
            Ok(KeySource::File("/run/keys/jwks.json".into()))
        );
    }

    #[test]
    fn defaults_alone_name_what_is_missing() {
        let keys: Vec<_> = AuthConfig::default()
            .problems()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["issuer"]);
    }
}
