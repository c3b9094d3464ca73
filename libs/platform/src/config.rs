//! Configuration: defaults, then a TOML file, then environment variables
//! with the service's prefix (`QC_DEMAND_CATALOG_DATABASE__URL` sets
//! `database.url`). Every section is validated at start-up and a bad value is
//! reported with its full key.

use std::fmt;
use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What a service configuration says about its own validity.
pub trait Validate {
    /// `(key, message)` for every bad value, keys in dotted form.
    fn problems(&self) -> Vec<(String, String)>;
}

/// Prefixes a section's problems with the section name.
pub fn section(name: &str, problems: Vec<(&'static str, String)>) -> Vec<(String, String)> {
    problems
        .into_iter()
        .map(|(k, m)| (format!("{name}.{k}"), m))
        .collect()
}

#[derive(Debug)]
pub struct ConfigError(pub Vec<(String, String)>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for (key, message) in &self.0 {
            writeln!(f, "  {key}: {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The environment prefix of a service: `demand-catalog` → `QC_DEMAND_CATALOG_`.
pub fn env_prefix(service: &str) -> String {
    format!("QC_{}_", service.to_ascii_uppercase().replace('-', "_"))
}

/// Loads and validates a service configuration over `T::default()`.
pub fn load<T>(service: &str, file: Option<&Path>) -> Result<T, ConfigError>
where
    T: Default + Serialize + DeserializeOwned + Validate,
{
    load_over(service, file, T::default())
}

/// Loads and validates a service configuration over the given defaults.
pub fn load_over<T>(service: &str, file: Option<&Path>, defaults: T) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Validate,
{
    let mut figment = Figment::from(Serialized::defaults(defaults));
    if let Some(file) = file {
        if !file.exists() {
            return Err(ConfigError(vec![(
                "--config".into(),
                format!("{} does not exist", file.display()),
            )]));
        }
        figment = figment.merge(Toml::file(file));
    }
    figment = figment.merge(Env::prefixed(&env_prefix(service)).split("__"));
    let cfg: T = figment.extract().map_err(|errors| {
        ConfigError(
            errors
                .into_iter()
                .map(|e| {
                    let key = if e.path.is_empty() {
                        "(root)".to_owned()
                    } else {
                        e.path.join(".")
                    };
                    (key, e.kind.to_string())
                })
                .collect(),
        )
    })?;
    let problems = cfg.problems();
    if problems.is_empty() {
        Ok(cfg)
    } else {
        Err(ConfigError(problems))
    }
}

/// The `http` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub bind: String,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: "0.0.0.0:8080".into(),
            workers: 0,
            shutdown_timeout_secs: 20,
        }
    }
}

impl HttpConfig {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.bind.parse::<std::net::SocketAddr>().is_err() {
            out.push((
                "bind",
                format!("{:?} is not an address like 0.0.0.0:8080", self.bind),
            ));
        }
        if self.shutdown_timeout_secs > 600 {
            out.push(("shutdown_timeout_secs", "must be at most 600".into()));
        }
        out
    }
}

/// The `redis` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// `rediss://USER:PASSWORD@host:port/db` in production (TLS, an ACL
    /// user); `redis://` for local development.
    pub url: String,
    /// Prepended to every key, so instances can share a Redis.
    pub key_prefix: String,
    /// CA bundle (PEM) the server's certificate chains to (`rediss://`);
    /// empty: the system's roots.
    #[serde(default)]
    pub ca_file: String,
    /// How long a connection attempt or an answer may take, in
    /// milliseconds. Redis only caches and counts: past this, a request goes
    /// on without it rather than wait.
    #[serde(default = "redis_timeout_ms")]
    pub timeout_ms: u64,
}

fn redis_timeout_ms() -> u64 {
    500
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: "redis://127.0.0.1:6379".into(),
            key_prefix: String::new(),
            ca_file: String::new(),
            timeout_ms: redis_timeout_ms(),
        }
    }
}

impl RedisConfig {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Err(e) = redis::Client::open(self.url.as_str()) {
            out.push(("url", format!("not a Redis URL: {e}")));
        }
        if !self.ca_file.is_empty() && !self.url.starts_with("rediss://") {
            out.push(("ca_file", "is for TLS: the URL must be rediss://".into()));
        }
        if !(50..=10_000).contains(&self.timeout_ms) {
            out.push(("timeout_ms", "must be between 50 and 10000".into()));
        }
        out.extend(tls::file_problem(&self.ca_file, "ca_file"));
        out
    }

    /// A client for this configuration: TLS with the configured CA for
    /// `rediss://`, which never falls back to plaintext.
    pub fn client(&self) -> anyhow::Result<redis::Client> {
        use anyhow::Context as _;
        if self.ca_file.is_empty() {
            return redis::Client::open(self.url.as_str()).context("redis.url");
        }
        let root_cert = std::fs::read(&self.ca_file)
            .with_context(|| format!("reading the CA bundle {}", self.ca_file))?;
        redis::Client::build_with_tls(
            self.url.as_str(),
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(root_cert),
            },
        )
        .context("redis.url with redis.ca_file")
    }
}

/// The `public` section: anonymous reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicConfig {
    /// Requests per client per minute.
    pub rate_limit_per_minute: u32,
    /// Requests per minute about one record (a certificate number), from
    /// all clients together: guessing one certificate's holder from many
    /// addresses is as slow as from one.
    pub rate_limit_per_record_per_minute: u32,
    /// The proxies (CIDRs: the ingress, the load balancer) whose
    /// `X-Forwarded-For` is believed; from anyone else the peer address is
    /// the client. A list, or one comma-separated string.
    #[serde(default, deserialize_with = "networks")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Seconds a cached answer lives (it is also dropped on publish).
    pub cache_ttl_secs: u64,
    /// Milliseconds an instance may answer from memory before asking Redis
    /// again; bounds staleness should an invalidation be missed. 0 = off.
    pub local_ttl_ms: u64,
}

impl Default for PublicConfig {
    fn default() -> Self {
        Self {
            rate_limit_per_minute: 600,
            rate_limit_per_record_per_minute: 30,
            trusted_proxies: Vec::new(),
            cache_ttl_secs: 300,
            local_ttl_ms: 2000,
        }
    }
}

impl PublicConfig {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.rate_limit_per_minute == 0 {
            out.push(("rate_limit_per_minute", "must be at least 1".into()));
        }
        if self.rate_limit_per_record_per_minute == 0 {
            out.push((
                "rate_limit_per_record_per_minute",
                "must be at least 1".into(),
            ));
        }
        if !(1..=86_400).contains(&self.cache_ttl_secs) {
            out.push(("cache_ttl_secs", "must be between 1 and 86400".into()));
        }
        if self.local_ttl_ms > 60_000 {
            out.push(("local_ttl_ms", "must be at most 60000".into()));
        }
        out
    }
}

/// CIDRs as a list or as one comma-separated string (what an environment
/// variable holds).
fn networks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        Text(String),
    }
    let items: Vec<String> = match Raw::deserialize(d)? {
        Raw::List(items) => items,
        Raw::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a CIDR or address")))
        })
        .collect()
}

/// Reads a string that an environment variable may have made look like a
/// number (`QC_…_INSTANCE__CITY=350100`).
pub fn string_like<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Int(i64),
        Float(f64),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::Text(s) => s,
        Raw::Int(n) => n.to_string(),
        Raw::Float(f) => f.to_string(),
    })
}

/// The `instance` section: which city this deployment serves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    #[serde(deserialize_with = "string_like")]
    pub city: String,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        Self {
            city: "350100".into(),
        }
    }
}

impl InstanceConfig {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        match self.city.parse::<ids::CityCode>() {
            Ok(_) => Vec::new(),
            Err(e) => vec![("city", e.message)],
        }
    }

    /// The city, as [`InstanceConfig::problems`] checked it at start-up.
    pub fn city(&self) -> Result<ids::CityCode, ids::InvalidValue> {
        self.city.parse()
    }
}

#[cfg(test)]
// figment::Jail fixes the closure's error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[derive(Debug, Default, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Sample {
        http: HttpConfig,
        instance: InstanceConfig,
    }

    impl Validate for Sample {
        fn problems(&self) -> Vec<(String, String)> {
            let mut p = section("http", self.http.problems());
            p.extend(section("instance", self.instance.problems()));
            p
        }
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("c.toml", "[http]\nbind = \"127.0.0.1:9000\"\nworkers = 3\n")?;
            jail.set_env("QC_SAMPLE_SVC_HTTP__WORKERS", "5");
            let cfg: Sample = load("sample-svc", Some(Path::new("c.toml"))).expect("valid");
            assert_eq!(cfg.http.bind, "127.0.0.1:9000");
            assert_eq!(cfg.http.workers, 5);
            assert_eq!(cfg.instance.city, "350100");
            Ok(())
        });
    }

    #[test]
    fn every_bad_key_is_named() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("QC_SAMPLE_SVC_HTTP__BIND", "nowhere");
            jail.set_env("QC_SAMPLE_SVC_INSTANCE__CITY", "110100");
            let err = load::<Sample>("sample-svc", None).expect_err("invalid");
            let keys: Vec<_> = err.0.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(keys, ["http.bind", "instance.city"]);
            Ok(())
        });
    }

    #[test]
    fn type_errors_name_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("QC_SAMPLE_SVC_HTTP__WORKERS", "many");
            let err = load::<Sample>("sample-svc", None).expect_err("invalid");
            assert_eq!(err.0[0].0, "http.workers");
            Ok(())
        });
    }

    #[test]
    fn redis_needs_tls_for_a_ca_and_a_timeout_that_bounds_a_request() {
        let keys = |cfg: RedisConfig| -> Vec<&'static str> {
            cfg.problems().into_iter().map(|(k, _)| k).collect()
        };
        assert_eq!(keys(RedisConfig::default()), Vec::<&str>::new());
        assert_eq!(
            keys(RedisConfig {
                ca_file: "ca.pem".into(),
                timeout_ms: 0,
                ..RedisConfig::default()
            }),
            // Not TLS, no such file, and a timeout of nothing.
            ["ca_file", "timeout_ms", "ca_file"]
        );
        assert_eq!(
            keys(RedisConfig {
                timeout_ms: 60_000,
                ..RedisConfig::default()
            }),
            ["timeout_ms"]
        );
    }
}
