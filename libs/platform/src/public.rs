//! The anonymous read path: a per-client rate limit and a Redis cache, in one
//! round trip to Redis. Cached answers are grouped in namespaces (e.g. one
//! city's catalogue of one year); publishing bumps the namespace's version,
//! which makes every older answer unreachable at once.

use std::future::{ready, Future, Ready};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use anyhow::Context as _;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;

use crate::config::{PublicConfig, RedisConfig};
use crate::ApiError;

const WINDOW_SECS: u64 = 60;

const READ_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then return {n, '', false} end
local v = redis.call('GET', KEYS[2]) or '0'
return {n, v, redis.call('GET', ARGV[3] .. v .. ':' .. ARGV[4])}
";

/// Shared by the handlers of public routes (as app data).
#[derive(Clone)]
pub struct PublicCache {
    redis: ConnectionManager,
    prefix: String,
    cfg: PublicConfig,
    script: redis::Script,
}

impl PublicCache {
    pub async fn connect(redis_cfg: &RedisConfig, cfg: &PublicConfig) -> anyhow::Result<Self> {
        let client = redis::Client::open(redis_cfg.url.as_str()).context("redis.url")?;
        let redis = ConnectionManager::new(client)
            .await
            .context("connecting to Redis")?;
        Ok(Self {
            redis,
            prefix: redis_cfg.key_prefix.clone(),
            cfg: cfg.clone(),
            script: redis::Script::new(READ_SCRIPT),
        })
    }

    fn version_key(&self, namespace: &str) -> String {
        format!("{}pc:{namespace}:v", self.prefix)
    }

    /// Drops every cached answer of `namespace`. Call after the change
    /// committed; if Redis is down the answers expire with their TTL.
    pub async fn invalidate(&self, namespace: &str) {
        let mut redis = self.redis.clone();
        if let Err(e) = redis
            .incr::<_, _, i64>(self.version_key(namespace), 1)
            .await
        {
            tracing::warn!(error = %e, namespace, "cache invalidation failed; answers live until their TTL");
        }
    }

    pub async fn ping(&self) -> anyhow::Result<()> {
        let mut redis = self.redis.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut redis)
            .await
            .context("Redis did not answer")?;
        Ok(())
    }
}

/// Marks a handler as public (no token) and gives it the rate-limited cache.
pub struct PublicRead {
    req: HttpRequest,
    cache: web::Data<PublicCache>,
}

impl FromRequest for PublicRead {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.app_data::<web::Data<PublicCache>>()
                .cloned()
                .map(|cache| PublicRead {
                    req: req.clone(),
                    cache,
                })
                .ok_or_else(|| ApiError::internal("PublicCache is not registered")),
        )
    }
}

impl PublicRead {
    fn client(&self) -> String {
        let info = self.req.connection_info();
        let addr = info.realip_remote_addr().unwrap_or("unknown");
        addr.parse::<std::net::SocketAddr>()
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|_| addr.to_owned())
    }

    /// Answers from the cache when it can, otherwise from `compute` (whose
    /// JSON is then cached). Over the client's limit → 429. Without Redis
    /// the read still works, uncached and unlimited.
    pub async fn respond<F, Fut, T>(
        &self,
        namespace: &str,
        compute: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
        T: serde::Serialize,
    {
        let cache = self.cache.get_ref();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let rate_key = format!("{}rl:{}:{}", cache.prefix, self.client(), now / WINDOW_SECS);
        let body_prefix = format!("{}pc:{namespace}:", cache.prefix);
        let variant = format!("{}?{}", self.req.path(), self.req.query_string());
        let mut redis = cache.redis.clone();
        let looked_up: redis::RedisResult<(u64, String, Option<Vec<u8>>)> = cache
            .script
            .key(&rate_key)
            .key(cache.version_key(namespace))
            .arg(WINDOW_SECS)
            .arg(cache.cfg.rate_limit_per_minute)
            .arg(&body_prefix)
            .arg(&variant)
            .invoke_async(&mut redis)
            .await;
        let version = match looked_up {
            Ok((count, _, _)) if count > u64::from(cache.cfg.rate_limit_per_minute) => {
                let mut err = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!(
                        "at most {} requests a minute per client",
                        cache.cfg.rate_limit_per_minute
                    ),
                );
                err.retry_after = Some(WINDOW_SECS - now % WINDOW_SECS);
                return Err(err);
            }
            Ok((_, _, Some(body))) => return Ok(json_response(body, "hit")),
            Ok((_, version, None)) => Some(version),
            Err(e) => {
                tracing::warn!(error = %e, "public cache unavailable; answering uncached");
                None
            }
        };
        let body = serde_json::to_vec(&compute().await?).map_err(ApiError::internal)?;
        if let Some(version) = version {
            // Stored under the version read before computing: if a publish
            // happened meanwhile, this answer is already unreachable.
            let key = format!("{body_prefix}{version}:{variant}");
            if let Err(e) = redis
                .set_ex::<_, _, ()>(key, &body, cache.cfg.cache_ttl_secs)
                .await
            {
                tracing::warn!(error = %e, "could not cache a public answer");
            }
        }
        Ok(json_response(body, "miss"))
    }
}

fn json_response(body: Vec<u8>, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("X-Cache", cache))
        .body(body)
}
