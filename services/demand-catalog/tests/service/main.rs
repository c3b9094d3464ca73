//! The demand catalogue over HTTP and Kafka, against a real Postgres, Redis
//! and Kafka-protocol broker.

mod harness;

mod access;
mod api_contract;
mod catalogue_flow;
mod demands;
mod rules;
