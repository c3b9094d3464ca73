//! The AsyncAPI 3.0 document of each service's topics, generated from
//! this crate: a subscriber's contract. Each topic is a channel with its
//! owner, key, ordering, retention and dead-letter topic; each event type a
//! message with the CloudEvents headers it travels with and the JSON Schema
//! of its payload (the same types the services publish and read).

use serde_json::{json, Map, Value};
use utoipa::openapi::{RefOr, Schema};

use crate::{assessment, catalog, delivery, employment, evaluation, registry, subsidy};

/// Collects a payload's schema and those it refers to; answers its name.
type Payload = fn(&mut Vec<(String, RefOr<Schema>)>) -> String;

fn payload<T: utoipa::ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) -> String {
    T::schemas(out);
    let name = T::name().into_owned();
    out.push((name.clone(), T::schema()));
    name
}

/// A topic of the mesh as a subscriber meets it.
pub struct Topic {
    pub name: &'static str,
    /// What the record key is: the events of one key arrive in order.
    pub key: &'static str,
    pub about: &'static str,
    /// The CloudEvents types published on it, each with its payload.
    messages: &'static [(&'static str, Payload)],
}

/// Every topic of the mesh.
pub const TOPICS: [Topic; 20] = [
    Topic {
        name: catalog::CATALOGUES_TOPIC,
        key: "catalogue id",
        about: "A city's yearly guidance catalogue (需求指导目录) published",
        messages: &[
            (catalog::CATALOGUE_PUBLISHED, payload::<catalog::CataloguePublishedEvent>),
        ],
    },
    Topic {
        name: catalog::ENTRIES_TOPIC,
        key: "entry id",
        about: "Entries of published catalogues: published, changed, withdrawn",
        messages: &[
            (catalog::ENTRY_PUBLISHED, payload::<catalog::CatalogueEntryEvent>),
            (catalog::ENTRY_CHANGED, payload::<catalog::CatalogueEntryEvent>),
            (catalog::ENTRY_WITHDRAWN, payload::<catalog::CatalogueEntryEvent>),
        ],
    },
    Topic {
        name: registry::INSTITUTIONS_TOPIC,
        key: "institution id",
        about: "Institutions' standing, scope and rating",
        messages: &[
            (registry::INSTITUTION_APPROVED, payload::<registry::InstitutionEvent>),
            (registry::INSTITUTION_SCOPE_CHANGED, payload::<registry::InstitutionEvent>),
            (registry::INSTITUTION_SUSPENDED, payload::<registry::InstitutionEvent>),
            (registry::INSTITUTION_REINSTATED, payload::<registry::InstitutionEvent>),
            (registry::INSTITUTION_REMOVED, payload::<registry::InstitutionEvent>),
            (registry::INSTITUTION_RATED, payload::<registry::InstitutionEvent>),
            (registry::INSTITUTION_REVIEWED, payload::<registry::InstitutionEvent>),
        ],
    },
    Topic {
        name: registry::TEACHERS_TOPIC,
        key: "institution id",
        about: "Teachers of approved institutions",
        messages: &[
            (registry::TEACHER_REGISTERED, payload::<registry::TeacherEvent>),
        ],
    },
    Topic {
        name: registry::VENUES_TOPIC,
        key: "institution id",
        about: "Venues of approved institutions",
        messages: &[
            (registry::VENUE_REGISTERED, payload::<registry::VenueEvent>),
        ],
    },
    Topic {
        name: registry::BRANDS_TOPIC,
        key: "brand id",
        about: "Training brands (培训品牌)",
        messages: &[
            (registry::BRAND_REGISTERED, payload::<registry::BrandEvent>),
        ],
    },
    Topic {
        name: delivery::CLASSES_TOPIC,
        key: "class id",
        about: "Classes filed, approved, started and closed (开班备案)",
        messages: &[
            (delivery::CLASS_FILED, payload::<delivery::ClassEvent>),
            (delivery::CLASS_APPROVED, payload::<delivery::ClassEvent>),
            (delivery::CLASS_STARTED, payload::<delivery::ClassEvent>),
            (delivery::CLASS_CLOSED, payload::<delivery::ClassEvent>),
        ],
    },
    Topic {
        name: delivery::ENROLMENTS_TOPIC,
        key: "class id",
        about: "Enrolments and withdrawals; enrolled, withdrawn carry an enrolment, completed and not_completed a completion",
        messages: &[
            (delivery::TRAINEE_ENROLLED, payload::<delivery::EnrolmentEvent>),
            (delivery::TRAINEE_WITHDRAWN, payload::<delivery::EnrolmentEvent>),
            (delivery::TRAINEE_COMPLETED, payload::<delivery::CompletionEvent>),
            (delivery::TRAINEE_NOT_COMPLETED, payload::<delivery::CompletionEvent>),
        ],
    },
    Topic {
        name: delivery::ALERTS_TOPIC,
        key: "class id",
        about: "Alerts of process supervision: a teacher or venue double-booked",
        messages: &[
            (delivery::CONFLICT_DETECTED, payload::<delivery::ConflictAlert>),
        ],
    },
    Topic {
        name: assessment::RESULTS_TOPIC,
        key: "session id",
        about: "Exam results per candidate",
        messages: &[
            (assessment::RESULT_RECORDED, payload::<assessment::ResultEvent>),
        ],
    },
    Topic {
        name: assessment::CERTIFICATES_TOPIC,
        key: "certificate number",
        about: "Certificates issued and revoked",
        messages: &[
            (assessment::CERTIFICATE_ISSUED, payload::<assessment::CertificateEvent>),
            (assessment::CERTIFICATE_REVOKED, payload::<assessment::CertificateEvent>),
        ],
    },
    Topic {
        name: assessment::LEADING_TALENTS_TOPIC,
        key: "talent id",
        about: "High-skill leading talents (高技能领军人才) as selected",
        messages: &[
            (assessment::LEADING_TALENT_SELECTED, payload::<assessment::LeadingTalentEvent>),
        ],
    },
    Topic {
        name: employment::RECORDS_TOPIC,
        key: "person id",
        about: "Employment records as reported",
        messages: &[
            (employment::RECORD_ADDED, payload::<employment::EmploymentRecordEvent>),
        ],
    },
    Topic {
        name: employment::OUTCOMES_TOPIC,
        key: "enrolment id",
        about: "Follow-up outcomes: employed within the window after completion, or not at its end",
        messages: &[
            (employment::EMPLOYED_WITHIN_WINDOW, payload::<employment::OutcomeEvent>),
            (employment::NOT_EMPLOYED_AT_WINDOW_END, payload::<employment::OutcomeEvent>),
        ],
    },
    Topic {
        name: employment::APPRENTICESHIPS_TOPIC,
        key: "apprenticeship id",
        about: "New-style apprenticeships (新型学徒制) recognised",
        messages: &[
            (employment::APPRENTICESHIP_RECOGNISED, payload::<employment::ApprenticeshipEvent>),
        ],
    },
    Topic {
        name: employment::INSURANCE_TOPIC,
        key: "person id",
        about: "Insured months counted from the social-insurance agency's contributions",
        messages: &[
            (employment::INSURED_MONTHS_COUNTED, payload::<employment::InsuredMonthsEvent>),
        ],
    },
    Topic {
        name: subsidy::CLAIMS_TOPIC,
        key: "claim id",
        about: "Claims as they are decided",
        messages: &[
            (subsidy::CLAIM_APPROVED, payload::<subsidy::ClaimEvent>),
            (subsidy::CLAIM_QUEUED_FOR_REVIEW, payload::<subsidy::ClaimEvent>),
            (subsidy::CLAIM_REFUSED, payload::<subsidy::ClaimEvent>),
            (subsidy::CLAIM_REJECTED, payload::<subsidy::ClaimEvent>),
            (subsidy::CLAIM_DOCUMENTS_REQUESTED, payload::<subsidy::ClaimEvent>),
            (subsidy::CLAIM_DISPUTED, payload::<subsidy::ClaimEvent>),
            (subsidy::CLAIM_DISPUTE_DISMISSED, payload::<subsidy::ClaimEvent>),
        ],
    },
    Topic {
        name: subsidy::PAYMENTS_TOPIC,
        key: "claim id",
        about: "Payments to payees: sent to the bank, confirmed, failed",
        messages: &[
            (subsidy::PAYMENT_SENT, payload::<subsidy::PaymentEvent>),
            (subsidy::PAYMENT_CONFIRMED, payload::<subsidy::PaymentEvent>),
            (subsidy::PAYMENT_FAILED, payload::<subsidy::PaymentEvent>),
        ],
    },
    Topic {
        name: subsidy::RECOVERIES_TOPIC,
        key: "claim id",
        about: "Recovery orders (追回)",
        messages: &[
            (subsidy::RECOVERY_ORDERED, payload::<subsidy::RecoveryEvent>),
        ],
    },
    Topic {
        name: evaluation::RATINGS_TOPIC,
        key: "institution id",
        about: "Institutions' ratings as they change",
        messages: &[
            (evaluation::RATING_CHANGED, payload::<evaluation::RatingEvent>),
        ],
    },
];

/// How long a dead letter is kept by default (`kafka.dlq_retention_days`).
const DLQ_RETENTION_DAYS: u64 = 30;
const BINDING_VERSION: &str = "0.5.0";

/// `qiancheng.delivery.class.filed.v1` → `deliveryClassFiled`.
fn message_id(event_type: &str) -> String {
    let core = event_type
        .trim_start_matches("qiancheng.")
        .trim_end_matches(".v1");
    let mut id = String::new();
    let mut upper = false;
    for c in core.chars() {
        if c == '.' || c == '_' {
            upper = true;
        } else if upper {
            id.extend(c.to_uppercase());
            upper = false;
        } else {
            id.push(c);
        }
    }
    id
}

/// `delivery.classes.v1` → `deliveryClasses`.
fn channel_id(topic: &str) -> String {
    message_id(topic)
}

/// One topic's channel, its dead-letter channel, the operation that
/// publishes it and its messages, added to the document's maps.
fn describe(topic: &Topic, owner: &str, parts: &mut Parts) {
    let Parts {
        schemas,
        channels,
        operations,
        messages,
    } = parts;
    let channel = channel_id(topic.name);
    let mut channel_messages = Map::new();
    for (event_type, payload) in topic.messages {
        let payload = payload(schemas);
        let id = message_id(event_type);
        messages.insert(
            id.clone(),
            json!({
                "name": event_type,
                "title": id,
                "summary": format!("`ce_type` {event_type} on {}", topic.name),
                "contentType": "application/json",
                "headers": { "$ref": "#/components/schemas/CloudEventsHeaders" },
                "payload": { "$ref": format!("#/components/schemas/{payload}") },
                "bindings": { "kafka": {
                    "key": { "type": "string", "description": topic.key },
                    "bindingVersion": BINDING_VERSION
                } }
            }),
        );
        channel_messages.insert(
            id.clone(),
            json!({ "$ref": format!("#/components/messages/{id}") }),
        );
    }
    let dlq = format!("{}.dlq", topic.name);
    channels.insert(
        channel.clone(),
        json!({
            "address": topic.name,
            "title": topic.name,
            "summary": topic.about,
            "description": format!(
                "Owner: {owner}, the only publisher (`ce_source` `/<city>/{owner}`). \
                 Key: the {}; the events of one key are in order (one partition), \
                 there is no order between keys. Delivery is at least once: \
                 de-duplicate on `ce_id`. A record a consumer cannot apply goes to \
                 `{dlq}` with the reason in the `x-dlq-reason` header. Retention: \
                 the platform's topic setting (the charts' topic values).",
                topic.key
            ),
            "messages": Value::Object(channel_messages),
            "bindings": { "kafka": {
                "topic": topic.name,
                "bindingVersion": BINDING_VERSION
            } }
        }),
    );
    channels.insert(
        format!("{channel}Dlq"),
        json!({
            "address": dlq,
            "title": dlq,
            "summary": format!("Dead letters of {}", topic.name),
            "description": format!(
                "Records of {} a consumer could not apply, byte for byte with their \
                 headers and `x-dlq-reason`; kept {DLQ_RETENTION_DAYS} days by default \
                 (`kafka.dlq_retention_days`) whatever the cluster's default, and \
                 replayed with `dlq-replay`.",
                topic.name
            ),
            "bindings": { "kafka": {
                "topic": dlq,
                "topicConfiguration": {
                    "retention.ms": DLQ_RETENTION_DAYS * 86_400_000,
                    "cleanup.policy": ["delete"]
                },
                "bindingVersion": BINDING_VERSION
            } }
        }),
    );
    let channel_ref = format!("#/channels/{channel}");
    operations.insert(
        format!("publish{}", capitalised(&channel)),
        json!({
            "action": "send",
            "title": format!("Publish {}", topic.name),
            "summary": format!("{owner} publishes {}", topic.name),
            "channel": { "$ref": channel_ref },
            "messages": topic.messages.iter().map(|(t, _)| json!({
                "$ref": format!("{channel_ref}/messages/{}", message_id(t))
            })).collect::<Vec<_>>()
        }),
    );
}

/// The document's maps, filled topic by topic.
#[derive(Default)]
struct Parts {
    schemas: Vec<(String, RefOr<Schema>)>,
    channels: Map<String, Value>,
    operations: Map<String, Value>,
    messages: Map<String, Value>,
}

/// The AsyncAPI document of the topics `owner` publishes.
pub fn document(owner: &str, version: &str) -> Value {
    let mut parts = Parts::default();
    for topic in TOPICS
        .iter()
        .filter(|t| crate::owner_of(t.name) == Some(owner))
    {
        describe(topic, owner, &mut parts);
    }
    let Parts {
        schemas,
        channels,
        operations,
        messages,
    } = parts;
    let mut schema_map = Map::new();
    schema_map.insert("CloudEventsHeaders".into(), cloud_events_headers(owner));
    for (name, schema) in schemas {
        schema_map.insert(name, serde_json::to_value(schema).unwrap_or_default());
    }
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": format!("{owner} events"),
            "version": version,
            "description": format!(
                "The topics {owner} owns and publishes, one instance per city. Each record \
                 is a CloudEvents 1.0 event in Kafka binary mode: the attributes are \
                 headers, the value is the JSON payload. Payloads change only by adding \
                 optional fields or words to an open vocabulary; anything else is a new \
                 `.vN` type on a new topic, published beside the old one."
            ),
            "license": { "name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0" }
        },
        "defaultContentType": "application/json",
        "servers": {
            "city": {
                "host": "kafka.{city}.{domain}:9093",
                "protocol": "kafka-secure",
                "description": "The city's Kafka cluster: TLS, SASL/SCRAM-SHA-512 as the Kafka user the platform team gives you",
                "variables": {
                    "city": { "default": "350100", "description": "The instance's administrative division code" },
                    "domain": { "default": "qiancheng.example", "description": "The platform's domain" }
                },
                "security": [{ "$ref": "#/components/securitySchemes/scram" }]
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": schema_map,
            "securitySchemes": {
                "scram": { "type": "scramSha512", "description": "SASL/SCRAM-SHA-512 over TLS" }
            }
        }
    })
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn cloud_events_headers(owner: &str) -> Value {
    json!({
        "type": "object",
        "description": "CloudEvents 1.0 attributes as Kafka headers (binary mode), and the W3C trace context of the request that caused the event",
        "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "content-type"],
        "properties": {
            "ce_specversion": { "type": "string", "const": "1.0" },
            "ce_id": { "type": "string", "format": "uuid", "description": "Unique per event: de-duplicate on it" },
            "ce_type": { "type": "string", "description": "The event type, the message's name" },
            "ce_source": {
                "type": "string",
                "pattern": format!("^/35[0-9]{{4}}/{owner}$"),
                "description": "`/<city>/<owner>`: accept an event only from the topic's owner"
            },
            "ce_time": { "type": "string", "format": "date-time" },
            "ce_subject": { "type": "string" },
            "content-type": { "type": "string", "const": "application/json" },
            "traceparent": { "type": "string" },
            "tracestate": { "type": "string" }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every type documented on a topic is one the mesh reads there: an
    /// empty payload fails as that payload, never as an unknown topic or a
    /// type passed by.
    #[test]
    fn every_documented_event_is_read_by_the_mesh() {
        for topic in &TOPICS {
            for (event_type, _) in topic.messages {
                let read = crate::Event::read(topic.name, event_type, &json!({}));
                assert!(
                    matches!(read, Err(crate::ReadError::Payload { .. })),
                    "{} {event_type}: {read:?}",
                    topic.name
                );
            }
        }
    }

    #[test]
    fn each_owner_documents_its_topics_and_their_dead_letters() {
        let doc = document("training-delivery", "0.1.0");
        let channels = doc["channels"].as_object().map(Map::len);
        assert_eq!(channels, Some(6));
        assert_eq!(
            doc["channels"]["deliveryClassesDlq"]["address"],
            "delivery.classes.v1.dlq"
        );
        assert_eq!(
            doc["operations"]["publishDeliveryClasses"]["messages"]
                .as_array()
                .map(Vec::len),
            Some(4)
        );
        assert_eq!(message_id(delivery::CLASS_FILED), "deliveryClassFiled");
        assert!(doc["components"]["schemas"]["ClassEvent"].is_object());
    }
}
