//! The CloudEvents envelope every event travels in, as Kafka headers, and
//! an event as a consumer receives it.

use chrono::{DateTime, Utc};
use rdkafka::message::{Header, Headers, OwnedHeaders};
use uuid::Uuid;

/// CloudEvents 1.0 attributes carried as Kafka headers (binary mode).
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub id: Uuid,
    pub event_type: String,
    /// `/<city>/<service>`
    pub source: String,
    pub subject: Option<String>,
    pub time: DateTime<Utc>,
}

pub(crate) const TRACEPARENT: &str = "traceparent";
pub(crate) const TRACESTATE: &str = "tracestate";

impl Envelope {
    /// The Kafka headers of this envelope, with the trace context in `trace`.
    pub fn headers(&self, trace: &std::collections::HashMap<String, String>) -> OwnedHeaders {
        let time = self
            .time
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let id = self.id.to_string();
        let mut pairs: Vec<(&str, &str)> = vec![
            ("ce_specversion", "1.0"),
            ("ce_id", &id),
            ("ce_type", &self.event_type),
            ("ce_source", &self.source),
            ("ce_time", &time),
            ("content-type", "application/json"),
        ];
        if let Some(subject) = &self.subject {
            pairs.push(("ce_subject", subject));
        }
        for key in [TRACEPARENT, TRACESTATE] {
            if let Some(v) = trace.get(key) {
                pairs.push((key, v));
            }
        }
        pairs
            .into_iter()
            .fold(OwnedHeaders::new(), |h, (key, value)| {
                h.insert(Header {
                    key,
                    value: Some(value.as_bytes()),
                })
            })
    }

    /// Reads the envelope back; `Err` names what is missing or malformed.
    pub(crate) fn from_headers<H: Headers>(headers: Option<&H>) -> Result<Self, String> {
        let get = |name: &str| header(headers, name);
        let required = |name: &str| get(name).ok_or_else(|| format!("header {name} is missing"));
        if required("ce_specversion")? != "1.0" {
            return Err("ce_specversion is not 1.0".into());
        }
        Ok(Self {
            id: required("ce_id")?
                .parse()
                .map_err(|_| "ce_id is not a UUID".to_owned())?,
            event_type: required("ce_type")?,
            source: required("ce_source")?,
            subject: get("ce_subject"),
            time: DateTime::parse_from_rfc3339(&required("ce_time")?)
                .map_err(|_| "ce_time is not RFC 3339".to_owned())?
                .with_timezone(&Utc),
        })
    }
}

pub(crate) fn header<H: Headers>(headers: Option<&H>, name: &str) -> Option<String> {
    headers?
        .iter()
        .find(|h| h.key == name)
        .and_then(|h| h.value)
        .and_then(|v| std::str::from_utf8(v).ok())
        .map(str::to_owned)
}

/// An event as a consumer sees it.
#[derive(Debug, Clone)]
pub struct ReceivedEvent {
    pub envelope: Envelope,
    /// The logical topic (without prefix).
    pub topic: String,
    pub key: Option<String>,
    pub data: serde_json::Value,
}

impl ReceivedEvent {
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip() {
        let env = Envelope {
            id: Uuid::now_v7(),
            event_type: "qiancheng.catalog.catalogue.published.v1".into(),
            source: "/350100/demand-catalog".into(),
            subject: Some("c-1".into()),
            time: Utc::now(),
        };
        let mut trace = std::collections::HashMap::new();
        trace.insert(
            "traceparent".to_owned(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
        );
        let headers = env.headers(&trace);
        let back = Envelope::from_headers(Some(&headers)).expect("round trip");
        assert_eq!(back.id, env.id);
        assert_eq!(back.subject, env.subject);
        assert_eq!(back.time.timestamp_micros(), env.time.timestamp_micros());
        assert!(header(Some(&headers), "traceparent").is_some());
    }

    #[test]
    fn missing_attributes_are_named() {
        let headers = OwnedHeaders::new().insert(Header {
            key: "ce_specversion",
            value: Some("1.0"),
        });
        assert_eq!(
            Envelope::from_headers(Some(&headers)).expect_err("no id"),
            "header ce_id is missing"
        );
    }
}
