//! Integration events: topic names, CloudEvents types and payloads. These
//! are the only types services share; each service keeps its own models.
//! A payload changes only by adding optional fields or words to an open
//! vocabulary ([`Open`]); anything else is a new `.vN` type on a new topic.

pub mod assessment;
pub mod asyncapi;
pub mod catalog;
pub mod delivery;
pub mod employment;
pub mod evaluation;
mod event;
mod open;
pub mod registry;
pub mod subsidy;

pub use event::{Event, ReadError};
pub use open::{Open, Word};

/// The service that owns a topic, the only one that publishes to it: its
/// events carry the CloudEvents `source` `/<city>/<owner>`, and consumers
/// refuse (dead-letter) anything else on that topic.
pub fn owner_of(topic: &str) -> Option<&'static str> {
    Some(match topic.split('.').next()? {
        "catalog" => "demand-catalog",
        "registry" => "institution-registry",
        "delivery" => "training-delivery",
        "assessment" => "skill-assessment",
        "employment" => "employment-tracking",
        "subsidy" => "subsidy-payment",
        "evaluation" => "performance-evaluation",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_topic_has_its_owner() {
        for (topic, owner) in [
            (crate::catalog::ENTRIES_TOPIC, "demand-catalog"),
            (crate::registry::BRANDS_TOPIC, "institution-registry"),
            (crate::delivery::ENROLMENTS_TOPIC, "training-delivery"),
            (crate::assessment::LEADING_TALENTS_TOPIC, "skill-assessment"),
            (
                crate::employment::APPRENTICESHIPS_TOPIC,
                "employment-tracking",
            ),
            (crate::subsidy::RECOVERIES_TOPIC, "subsidy-payment"),
            (crate::evaluation::RATINGS_TOPIC, "performance-evaluation"),
        ] {
            assert_eq!(super::owner_of(topic), Some(owner), "{topic}");
        }
        assert_eq!(super::owner_of("payments.v1"), None);
    }
}
