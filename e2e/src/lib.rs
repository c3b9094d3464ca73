//! A small JSON client for driving the services from outside, as an
//! integrator would: used by the demo seeder, the e2e tests and benches.

pub mod assessment;

use anyhow::Context as _;
use serde_json::Value;

#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http: reqwest::Client::new(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.base));
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
