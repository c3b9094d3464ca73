//! A small JSON client for driving the services from outside, as an
//! integrator would: used by the demo seeder, the e2e tests and benches.

pub mod assessment;
pub mod evidence;

use anyhow::Context as _;
use serde_json::Value;

#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    traceparent: Option<String>,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> anyhow::Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token,
            traceparent: None,
            // Idle connections go before the server's keep-alive (5 s) would
            // close them, so none is reused while being closed.
            http: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .context("building the HTTP client")?,
        })
    }

    /// The same client, sending `traceparent` (W3C) with every request: the
    /// services continue the caller's trace.
    pub fn traced(&self, traceparent: &str) -> Self {
        Self {
            traceparent: Some(traceparent.to_owned()),
            ..self.clone()
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(tp) = &self.traceparent {
            req = req.header("traceparent", tp);
        }
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, Value)> {
        let res = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        Ok((
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        ))
    }

    pub async fn put(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let res = self
            .request(reqwest::Method::PUT, path)
            .json(body)
            .send()
            .await
            .with_context(|| format!("PUT {path}"))?;
        Ok((
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        ))
    }

    /// POSTs JSON; `key` becomes the Idempotency-Key, so a rerun is safe.
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        key: Option<&str>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self.request(reqwest::Method::POST, path).json(body);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let res = req.send().await.with_context(|| format!("POST {path}"))?;
        Ok((
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        ))
    }
}

/// A text field of an answer, if it has one: answers are read as an
/// integrator would, without trusting their shape.
pub fn text<'a>(answer: &'a Value, field: &str) -> Option<&'a str> {
    answer.get(field).and_then(Value::as_str)
}
