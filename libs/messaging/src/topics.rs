//! Topic names under the instance's prefix, their dead-letter topics, and
//! creating them.

use anyhow::Context as _;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::KafkaConfig;

/// The dead-letter topic of a topic.
pub fn dlq_topic(topic: &str) -> String {
    format!("{topic}.dlq")
}

/// Creates the given logical topics and their dead-letter topics when
/// missing (the latter kept `kafka.dlq_retention_days`). Topics are
/// declared, never created implicitly by first use.
pub async fn ensure_topics(cfg: &KafkaConfig, logical: &[&str]) -> anyhow::Result<Vec<String>> {
    let admin: AdminClient<DefaultClientContext> = cfg
        .client_config()
        .create()
        .context("creating the admin client")?;
    let names: Vec<String> = logical
        .iter()
        .flat_map(|t| [cfg.topic(t), dlq_topic(&cfg.topic(t))])
        .collect();
    let dlq_retention_ms = (u64::from(cfg.dlq_retention_days) * 86_400_000).to_string();
    let new: Vec<NewTopic<'_>> = names
        .iter()
        .map(|n| {
            let topic = NewTopic::new(
                n,
                cfg.partitions,
                TopicReplication::Fixed(cfg.replication_factor),
            );
            // A dead letter must outlive the incident, whatever the cluster's default.
            if n.ends_with(".dlq") {
                topic.set("retention.ms", &dlq_retention_ms)
            } else {
                topic
            }
        })
        .collect();
    let results = admin
        .create_topics(&new, &AdminOptions::new())
        .await
        .context("asking the broker to create topics")?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => anyhow::bail!("creating topic {topic}: {code}"),
        }
    }
    Ok(names)
}
