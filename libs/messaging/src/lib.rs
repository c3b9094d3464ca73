//! Integration events over Kafka, in the shape DESIGN.md sets: CloudEvents 1.0
//! in binary mode, a transactional outbox with a relay that marks rows sent
//! only after the broker acknowledged them, and a consumer runner that records
//! each event in an inbox in the same transaction as its effect.

mod config;
mod consumer;
mod dead_letters;
mod envelope;
mod metrics;
mod outbox;
mod relay;
mod topics;

pub use async_trait::async_trait;
pub use config::{KafkaConfig, SaslMechanism, SecurityProtocol};
pub use consumer::{is_transient, ConsumerRunner, EventHandler};
pub use dead_letters::{replay_dead_letters, waiting_dead_letters, DeadLetter, Replay};
pub use envelope::{Envelope, ReceivedEvent};
pub use outbox::{enqueue, OutboxEvent};
pub use relay::Relay;
pub use topics::{dlq_topic, ensure_topics};
