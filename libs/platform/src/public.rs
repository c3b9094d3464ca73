//! The anonymous read path: a per-client rate limit and a two-level cache.
//!
//! Cached answers are grouped in namespaces (e.g. one city's catalogue of one
//! year). Redis holds them under the namespace's version; publishing bumps
//! the version, which makes every older answer unreachable at once, and
//! announces the namespace on a pub/sub channel. Each instance keeps a near
//! cache of recent answers in memory (moka: bounded, least-used answers go
//! first), dropped on that announcement (and on its own changes at once);
//! `public.local_ttl_ms` bounds how long a missed announcement could leave
//! one stale.
//!
//! Rate limits count per client and minute in memory and add the counts to
//! Redis every 100 ms, so the limit holds across instances up to what they
//! admit between two flushes, without a Redis round trip per request.

use std::collections::HashMap;
use std::future::{ready, Future, Ready};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use anyhow::Context as _;
use futures::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;

use crate::config::{PublicConfig, RedisConfig};
use crate::ApiError;

const WINDOW_SECS: u64 = 60;
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// The near cache holds at most this many answers.
const MAX_LOCAL_ENTRIES: u64 = 10_000;

const READ_SCRIPT: &str = r"
local v = redis.call('GET', KEYS[1]) or '0'
return {v, redis.call('GET', ARGV[1] .. v .. ':' .. ARGV[2])}
";

#[derive(Default)]
struct Counter {
    window: u64,
    /// Requests of all instances as Redis last said.
    global: u64,
    /// Requests admitted here and not yet added to Redis.
    pending: u64,
}

#[derive(Default)]
struct Local {
    counters: HashMap<String, Counter>,
}

/// Recent answers by `namespace \0 variant`, each kept for `ttl`.
type Near = moka::sync::Cache<String, Bytes>;

fn near_cache(ttl: Duration) -> Near {
    moka::sync::Cache::builder()
        .max_capacity(MAX_LOCAL_ENTRIES)
        .time_to_live(ttl)
        .support_invalidation_closures()
        .build()
}

fn entry_key(namespace: &str, variant: &str) -> String {
    format!("{namespace}\0{variant}")
}

/// Redis as reached so far. A service starts while Redis is away (it
/// answers uncached and limits per instance meanwhile); a background task
/// connects once Redis answers, and the manager reconnects by itself after.
#[derive(Clone, Default)]
struct Reached(Arc<std::sync::RwLock<Option<ConnectionManager>>>);

// The manager is only ever replaced whole, so a lock poisoned by a panic
// elsewhere still holds a whole value.
impl Reached {
    fn get(&self) -> redis::RedisResult<ConnectionManager> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(not_reached)
    }

    fn set(&self, manager: ConnectionManager) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Some(manager);
    }
}

fn not_reached() -> redis::RedisError {
    redis::RedisError::from((redis::ErrorKind::IoError, "Redis not reached yet"))
}

/// Tries again, with capped backoff, until Redis answers or the cache is
/// dropped.
async fn reach(
    reached: Reached,
    client: redis::Client,
    config: ConnectionManagerConfig,
    alive: Weak<Mutex<Local>>,
) {
    let mut pause = Duration::from_millis(500);
    loop {
        tokio::time::sleep(pause).await;
        if alive.strong_count() == 0 {
            return;
        }
        match ConnectionManager::new_with_config(client.clone(), config.clone()).await {
            Ok(manager) => {
                tracing::info!("Redis reached; public answers are cached again");
                reached.set(manager);
                return;
            }
            Err(e) => {
                tracing::debug!(error = %e, "Redis still away");
                pause = (pause * 2).min(Duration::from_secs(10));
            }
        }
    }
}

/// Shared by the handlers of public routes (as app data).
#[derive(Clone)]
pub struct PublicCache {
    redis: Reached,
    prefix: String,
    cfg: PublicConfig,
    script: redis::Script,
    local: Arc<Mutex<Local>>,
    near: Near,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl PublicCache {
    /// Connects (or, with Redis away, keeps trying in the background) and
    /// starts the two background tasks (counter flushing and invalidation
    /// listening); they end when the cache is dropped.
    pub async fn connect(redis_cfg: &RedisConfig, cfg: &PublicConfig) -> anyhow::Result<Self> {
        let client = redis_cfg.client()?;
        // One connection attempt per loss, bounded in time: a request that
        // finds Redis away waits at most the timeout, then answers without
        // it (the crate's default retries for minutes, holding every request).
        let timeout = Duration::from_millis(redis_cfg.timeout_ms);
        let manager = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(timeout)
            .set_response_timeout(timeout);
        let redis = Reached::default();
        let cache = Self {
            redis: redis.clone(),
            prefix: redis_cfg.key_prefix.clone(),
            cfg: cfg.clone(),
            script: redis::Script::new(READ_SCRIPT),
            local: Arc::default(),
            // With no local TTL nothing is kept near (`keep_near`).
            near: near_cache(Duration::from_millis(cfg.local_ttl_ms.max(1))),
        };
        match ConnectionManager::new_with_config(client.clone(), manager.clone()).await {
            Ok(connected) => redis.set(connected),
            Err(e) => {
                tracing::warn!(error = %e, "Redis away at start; serving uncached until it answers");
                tokio::spawn(reach(
                    redis,
                    client.clone(),
                    manager,
                    Arc::downgrade(&cache.local),
                ));
            }
        }
        tokio::spawn(flush_counters(
            Arc::downgrade(&cache.local),
            cache.redis.clone(),
            cache.prefix.clone(),
        ));
        tokio::spawn(listen_for_invalidations(
            Arc::downgrade(&cache.local),
            cache.near.clone(),
            client,
            cache.channel(),
        ));
        Ok(cache)
    }

    fn version_key(&self, namespace: &str) -> String {
        format!("{}pc:{namespace}:v", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}pc:invalidations", self.prefix)
    }

    /// Drops every cached answer of `namespace`, here at once and elsewhere
    /// on the announcement. Call after the change committed; if Redis is down
    /// the answers expire with their TTL.
    pub async fn invalidate(&self, namespace: &str) {
        forget(&self.near, namespace);
        let bumped = match self.redis.get() {
            Ok(mut redis) => {
                redis::pipe()
                    .incr(self.version_key(namespace), 1)
                    .ignore()
                    .publish(self.channel(), namespace)
                    .ignore()
                    .query_async::<()>(&mut redis)
                    .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = bumped {
            tracing::warn!(error = %e, namespace, "cache invalidation failed; answers live until their TTL");
        }
    }

    pub async fn ping(&self) -> anyhow::Result<()> {
        let mut redis = self.redis.get().context("Redis not reached yet")?;
        redis::cmd("PING")
            .query_async::<String>(&mut redis)
            .await
            .context("Redis did not answer")?;
        Ok(())
    }

    /// Counts a request of `client`, and about `record` if it names one
    /// (`Err` naming the limit it is over), and in the same look finds a
    /// near-cached answer under `key`.
    fn admit_and_look(
        &self,
        client: &str,
        record: Option<&str>,
        key: &str,
    ) -> Result<Option<Bytes>, u32> {
        let window = now_secs() / WINDOW_SECS;
        let mut local = lock(&self.local);
        let mut counted: Vec<(String, u32)> =
            vec![(format!("c:{client}"), self.cfg.rate_limit_per_minute)];
        if let Some(record) = record {
            counted.push((
                format!("r:{record}"),
                self.cfg.rate_limit_per_record_per_minute,
            ));
        }
        for (name, limit) in &counted {
            let counter = local.counters.entry(name.clone()).or_default();
            if counter.window != window {
                *counter = Counter {
                    window,
                    ..Counter::default()
                };
            }
            if counter.global + counter.pending >= u64::from(*limit) {
                return Err(*limit);
            }
        }
        for (name, _) in &counted {
            if let Some(counter) = local.counters.get_mut(name) {
                counter.pending += 1;
            }
        }
        drop(local);
        Ok(self.near.get(key))
    }

    fn keep_near(&self, key: String, body: Bytes) {
        if self.cfg.local_ttl_ms == 0 {
            return;
        }
        self.near.insert(key, body);
    }
}

/// The local state, even after a panic elsewhere while it was held: that
/// leaves at worst a count or a cached copy off, no reason to stop answering.
fn lock(local: &Mutex<Local>) -> MutexGuard<'_, Local> {
    local.lock().unwrap_or_else(PoisonError::into_inner)
}

fn forget(near: &Near, namespace: &str) {
    let prefix = format!("{namespace}\0");
    if let Err(e) = near.invalidate_entries_if(move |key, _| key.starts_with(&prefix)) {
        // Cannot happen with the cache as built (closures supported); dropping
        // everything is the safe answer anyway.
        tracing::warn!(error = %e, "near cache: dropping every answer");
        near.invalidate_all();
    }
}

/// Adds the counts admitted here to Redis and learns everyone's totals.
async fn flush_counters(local: Weak<Mutex<Local>>, redis: Reached, prefix: String) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tick.tick().await;
        let Some(state) = local.upgrade() else { return };
        let window = now_secs() / WINDOW_SECS;
        let deltas: Vec<(String, u64)> = {
            let mut state = lock(&state);
            state.counters.retain(|_, c| c.window == window);
            state
                .counters
                .iter_mut()
                .filter(|(_, c)| c.pending > 0)
                .map(|(client, c)| (client.clone(), std::mem::take(&mut c.pending)))
                .collect()
        };
        if deltas.is_empty() {
            continue;
        }
        let mut pipe = redis::pipe();
        for (client, delta) in &deltas {
            let key = format!("{prefix}rl:{client}:{window}");
            pipe.incr(&key, *delta)
                .expire(&key, WINDOW_SECS as i64)
                .ignore();
        }
        let shared = match redis.get() {
            Ok(mut redis) => pipe.query_async::<Vec<u64>>(&mut redis).await,
            Err(e) => Err(e),
        };
        match shared {
            Ok(totals) => {
                let mut state = lock(&state);
                for ((client, _), total) in deltas.iter().zip(totals) {
                    if let Some(c) = state
                        .counters
                        .get_mut(client)
                        .filter(|c| c.window == window)
                    {
                        c.global = c.global.max(total);
                    }
                }
            }
            Err(e) => {
                // Keep the counts for the next flush; meanwhile the limit is local.
                tracing::warn!(error = %e, "could not share rate-limit counts");
                let mut state = lock(&state);
                for (client, delta) in deltas {
                    if let Some(c) = state
                        .counters
                        .get_mut(&client)
                        .filter(|c| c.window == window)
                    {
                        c.pending += delta;
                    }
                }
            }
        }
    }
}

/// Drops near-cached answers when any instance announces a change. After a
/// lost connection everything near is dropped, since announcements may have
/// been missed.
async fn listen_for_invalidations(
    local: Weak<Mutex<Local>>,
    near: Near,
    client: redis::Client,
    channel: String,
) {
    loop {
        let subscribed = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            redis::RedisResult::Ok(pubsub)
        }
        .await;
        if local.strong_count() == 0 {
            return;
        }
        near.invalidate_all();
        match subscribed {
            Ok(mut pubsub) => {
                let mut messages = pubsub.on_message();
                loop {
                    let next = tokio::time::timeout(Duration::from_secs(1), messages.next()).await;
                    if local.strong_count() == 0 {
                        return;
                    }
                    match next {
                        Ok(Some(msg)) => {
                            if let Ok(namespace) = msg.get_payload::<String>() {
                                forget(&near, &namespace);
                            }
                        }
                        Ok(None) => break,
                        Err(_) => {}
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for cache invalidations; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The client a request comes from: the peer, unless the peer is a trusted
/// proxy; then the nearest address in `X-Forwarded-For` (read from the
/// right, the hops the trusted proxies appended) that is not itself a
/// trusted proxy. What an untrusted sender writes in the header is ignored,
/// so no one picks their own rate-limit bucket.
pub fn client_of(
    peer: std::net::IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or_default().rsplit(',') {
        let Ok(ip) = hop.trim().parse::<std::net::IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// What tells one cached answer of a namespace from another: the operation
/// and its known parameters as the handler parsed and normalised them, never
/// the raw query (whose order, junk and personal data would otherwise make
/// keys). A parameter that is personal data goes in as its keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    key: String,
    /// The record asked about, limited across all clients.
    record: Option<String>,
}

impl Variant {
    pub fn of(operation: &str) -> Self {
        Self {
            key: operation.to_owned(),
            record: None,
        }
    }

    pub fn param(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.key.push_str(&format!("|{name}={value}"));
        self
    }

    /// A parameter that may be absent (absent ones add nothing).
    pub fn maybe(self, name: &str, value: Option<impl std::fmt::Display>) -> Self {
        match value {
            Some(v) => self.param(name, v),
            None => self,
        }
    }

    /// A parameter that is personal data, by its keyed hash.
    pub fn hashed(mut self, name: &str, keyed_hash: &[u8]) -> Self {
        self.key
            .push_str(&format!("|{name}#{}", hex::encode(keyed_hash)));
        self
    }

    /// Counts the request against `record`'s own limit too (see
    /// `public.rate_limit_per_record_per_minute`).
    pub fn about(mut self, record: impl Into<String>) -> Self {
        self.record = Some(record.into());
        self
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
    /// The client a limit counts for (see [`client_of`]).
    fn client(&self) -> String {
        let forwarded = self
            .req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        match self.req.peer_addr() {
            Some(peer) => {
                client_of(peer.ip(), forwarded, &self.cache.cfg.trusted_proxies).to_string()
            }
            None => "unknown".to_owned(),
        }
    }

    /// Answers from the near cache, then Redis, then `compute` (whose JSON
    /// is then cached). Over the client's limit → 429. Without Redis the
    /// read still works, uncached.
    pub async fn respond<F, Fut, T>(
        &self,
        namespace: &str,
        variant: Variant,
        compute: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
        T: serde::Serialize,
    {
        let cache = self.cache.get_ref();
        let Variant {
            key: variant,
            record,
        } = variant;
        let key = entry_key(namespace, &variant);
        match cache.admit_and_look(&self.client(), record.as_deref(), &key) {
            Err(limit) => {
                let mut err = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("at most {limit} requests a minute"),
                );
                err.retry_after = Some(WINDOW_SECS - now_secs() % WINDOW_SECS);
                return Err(err);
            }
            Ok(Some(body)) => return Ok(json_response(body, "hit")),
            Ok(None) => {}
        }
        let body_prefix = format!("{}pc:{namespace}:", cache.prefix);
        let mut reached = cache.redis.get().ok();
        let looked_up: redis::RedisResult<(String, Option<Vec<u8>>)> = match reached.as_mut() {
            Some(redis) => {
                cache
                    .script
                    .key(cache.version_key(namespace))
                    .arg(&body_prefix)
                    .arg(&variant)
                    .invoke_async(redis)
                    .await
            }
            None => Err(not_reached()),
        };
        let version = match looked_up {
            Ok((_, Some(body))) => {
                let body = Bytes::from(body);
                cache.keep_near(key, body.clone());
                return Ok(json_response(body, "hit"));
            }
            Ok((version, None)) => Some(version),
            Err(e) => {
                tracing::warn!(error = %e, "public cache unavailable; answering uncached");
                None
            }
        };
        let body = Bytes::from(serde_json::to_vec(&compute().await?).map_err(ApiError::internal)?);
        if let (Some(version), Some(mut redis)) = (version, reached) {
            // Stored under the version read before computing: if a publish
            // happened meanwhile, this answer is already unreachable.
            let redis_key = format!("{body_prefix}{version}:{variant}");
            match redis
                .set_ex::<_, _, ()>(redis_key, body.as_ref(), cache.cfg.cache_ttl_secs)
                .await
            {
                Ok(()) => cache.keep_near(key, body.clone()),
                Err(e) => tracing::warn!(error = %e, "could not cache a public answer"),
            }
        }
        Ok(json_response(body, "miss"))
    }
}

fn json_response(body: Bytes, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("X-Cache", cache))
        .body(body)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let ingress: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().expect("cidr")];
        let cases = [
            // (peer, X-Forwarded-For, client)
            ("203.0.113.9", Some("198.51.100.1"), "203.0.113.9"),
            ("10.1.2.3", Some("198.51.100.1"), "198.51.100.1"),
            ("10.1.2.3", None, "10.1.2.3"),
            // A client's own forged hops come first; the ingress appended the real one.
            ("10.1.2.3", Some("1.1.1.1, 198.51.100.7"), "198.51.100.7"),
            ("10.1.2.3", Some("198.51.100.7, 10.9.9.9"), "198.51.100.7"),
            ("10.1.2.3", Some("not-an-address"), "10.1.2.3"),
        ];
        for (peer, forwarded, client) in cases {
            assert_eq!(
                client_of(ip(peer), forwarded, &ingress),
                ip(client),
                "{peer} {forwarded:?}"
            );
        }
        assert_eq!(
            client_of(ip("10.1.2.3"), Some("198.51.100.1"), &[]),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn variants_carry_known_parameters_and_only_hashes_of_personal_data() {
        let v = Variant::of("verify")
            .param("number", "S000135350100263000001")
            .hashed("holder", &[0xab, 0xcd])
            .about("S000135350100263000001");
        assert_eq!(v.key, "verify|number=S000135350100263000001|holder#abcd");
        assert_eq!(v.record.as_deref(), Some("S000135350100263000001"));
    }

    #[test]
    fn forgetting_a_namespace_drops_its_answers_and_no_one_elses() {
        let near = near_cache(Duration::from_secs(60));
        let answer = |b: &'static str| Bytes::from_static(b.as_bytes());
        near.insert(entry_key("cat:350100:2026", "all"), answer("this year"));
        near.insert(entry_key("cat:350100:2026", "urgent"), answer("urgent"));
        near.insert(entry_key("cat:350100:2027", "all"), answer("next year"));
        // A namespace whose name merely starts like the forgotten one.
        near.insert(entry_key("cat:350100:20261", "all"), answer("other"));
        forget(&near, "cat:350100:2026");
        assert_eq!(near.get(&entry_key("cat:350100:2026", "all")), None);
        assert_eq!(near.get(&entry_key("cat:350100:2026", "urgent")), None);
        assert_eq!(
            near.get(&entry_key("cat:350100:2027", "all")),
            Some(answer("next year"))
        );
        assert_eq!(
            near.get(&entry_key("cat:350100:20261", "all")),
            Some(answer("other"))
        );
    }

    #[test]
    fn a_near_answer_lives_no_longer_than_its_ttl() {
        let near = near_cache(Duration::from_millis(50));
        near.insert("ns\0v".to_owned(), Bytes::from_static(b"x"));
        assert!(near.get("ns\0v").is_some());
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(near.get("ns\0v"), None);
    }
}
