//! The outbox relay, the inbox and the dead-letter topic against a real
//! Postgres and a real Kafka-protocol broker.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]
// Counts of a test run: small, so their casts cannot truncate.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use messaging::{
    ConsumerRunner, EventHandler, KafkaConfig, OutboxEvent, ReceivedEvent, Relay, Replay,
};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use tokio::sync::watch;

use db::{DbPool, ScopedFutureExt};
use test_support::{read_topic, TestDb};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("tests/migrations");
const TOPIC: &str = "test.things.v1";
const WAIT: Duration = Duration::from_secs(30);

/// Records each event's body; fails on `{"poison": true}` while the
/// `poison` switch is on, and on `{"conflicts": k}` loses a serialization
/// conflict (a real one, raised by the server) the first `k` times.
struct RecordEffect;

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    failing: bool,
}

#[derive(QueryableByName)]
struct Attempt {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[messaging::async_trait]
impl EventHandler for RecordEffect {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &ReceivedEvent,
    ) -> anyhow::Result<()> {
        if event.data.get("poison") == Some(&serde_json::Value::Bool(true)) {
            let Flag { failing } =
                diesel::sql_query("SELECT failing FROM switches WHERE name = 'poison'")
                    .get_result(conn)
                    .await?;
            anyhow::ensure!(!failing, "poisoned event");
        }
        if let Some(conflicts) = event.data.get("conflicts").and_then(|k| k.as_i64()) {
            let Attempt { n } = diesel::sql_query("SELECT nextval('conflicts') AS n")
                .get_result(conn)
                .await?;
            if n <= conflicts {
                diesel::sql_query(
                    "DO $$ BEGIN RAISE EXCEPTION 'simulated conflict' \
                     USING ERRCODE = 'serialization_failure'; END $$",
                )
                .execute(conn)
                .await?;
            }
        }
        diesel::sql_query("INSERT INTO effects VALUES ($1, $2)")
            .bind::<diesel::sql_types::Uuid, _>(event.envelope.id)
            .bind::<diesel::sql_types::Jsonb, _>(&event.data)
            .execute(conn)
            .await?;
        Ok(())
    }
}

struct Fixture {
    db: TestDb,
    pool: DbPool,
    kafka: KafkaConfig,
}

async fn fixture() -> Fixture {
    fixture_on(test_support::kafka()).await
}

async fn fixture_on(kafka: KafkaConfig) -> Fixture {
    let db = TestDb::new("messaging_test", MIGRATIONS, env!("CARGO_MANIFEST_DIR"))
        .await
        .expect("test database");
    let pool = db::pool(&db.config(4)).expect("pool");
    messaging::ensure_topics(&kafka, &[TOPIC])
        .await
        .expect("topics");
    Fixture { db, pool, kafka }
}

async fn count(pool: &DbPool, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = pool.get().await.expect("conn");
    diesel::sql_query(sql)
        .get_result::<N>(&mut conn)
        .await
        .expect("count")
        .n
}

/// Polls `sql` until it counts `want` (or the wait is over) and returns the last count.
async fn wait_for_count(pool: &DbPool, sql: &str, want: i64) -> i64 {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let n = count(pool, sql).await;
        if n == want || tokio::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn enqueue(pool: &DbPool, payload: serde_json::Value) -> OutboxEvent {
    let event = OutboxEvent::new(
        TOPIC,
        "qiancheng.test.thing.happened.v1",
        "thing-1",
        &payload,
    );
    let mut conn = pool.get().await.expect("conn");
    messaging::enqueue(&mut conn, std::slice::from_ref(&event))
        .await
        .expect("enqueue");
    event
}

/// The topic's owner, as the consumer expects it.
const OWNER: &str = "/350100/test";

fn start_consumer(f: &Fixture, name: &str) -> watch::Sender<bool> {
    start_consumer_on(f, f.pool.clone(), name)
}

fn start_consumer_on(f: &Fixture, pool: DbPool, name: &str) -> watch::Sender<bool> {
    start_consumer_with(&f.kafka, pool, name)
}

fn start_consumer_with(kafka: &KafkaConfig, pool: DbPool, name: &str) -> watch::Sender<bool> {
    start_consumer_of(kafka, pool, name, TOPIC)
}

fn start_consumer_of(
    kafka: &KafkaConfig,
    pool: DbPool,
    name: &str,
    topic: &str,
) -> watch::Sender<bool> {
    let topics = [(topic.to_owned(), OWNER.to_owned())].into();
    let runner = ConsumerRunner::new(pool, kafka, name, topics).expect("consumer");
    let (stop, stop_rx) = watch::channel(false);
    tokio::spawn(runner.run(Arc::new(RecordEffect), stop_rx));
    stop
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_killed_before_marking_republishes_and_the_consumer_applies_once() {
    let f = fixture().await;
    let event = enqueue(&f.pool, serde_json::json!({ "n": 1 })).await;
    let relay = Relay::new(f.pool.clone(), &f.kafka, OWNER.into()).expect("relay");

    // The relay publishes, then dies before its transaction commits.
    let mut conn = f.pool.get().await.expect("conn");
    let died = conn
        .transaction::<(), anyhow::Error, _>(|conn| {
            async {
                let published = relay.publish_pending(conn).await?;
                assert_eq!(published, [event.id]);
                anyhow::bail!("killed before mark_sent")
            }
            .scope_boxed()
        })
        .await;
    assert!(died.is_err());
    assert_eq!(
        count(
            &f.pool,
            "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL"
        )
        .await,
        1,
        "still pending"
    );

    // The next round publishes it again and marks it.
    assert_eq!(relay.run_once().await.expect("second round"), 1);
    assert_eq!(
        relay.run_once().await.expect("third round"),
        0,
        "nothing left"
    );

    let topic = f.kafka.topic(TOPIC);
    let records = read_topic(&f.kafka, &topic, 2, WAIT).await.expect("read");
    assert_eq!(records.len(), 2, "the event is on the topic twice");
    for r in &records {
        assert_eq!(r.headers["ce_id"], event.id.to_string());
        assert_eq!(r.headers["ce_specversion"], "1.0");
        assert_eq!(r.headers["ce_type"], "qiancheng.test.thing.happened.v1");
        assert_eq!(r.headers["ce_source"], "/350100/test");
        assert_eq!(r.key.as_deref(), Some("thing-1"));
        assert_eq!(r.payload, serde_json::json!({ "n": 1 }));
    }

    let stop = start_consumer(&f, "dedup-consumer");
    let processed = "SELECT count(*) AS n FROM inbox WHERE consumer = 'dedup-consumer'";
    assert_eq!(wait_for_count(&f.pool, processed, 1).await, 1);
    // A third copy, delivered after the first two were handled, changes nothing either.
    relay_copy(&f.kafka, &records[0]).await;
    assert_eq!(
        wait_for_duplicates("dedup-consumer", 2).await,
        2,
        "both repeats were seen and skipped"
    );
    let stopped = stop.send(true);
    assert!(stopped.is_ok());
    assert_eq!(
        count(&f.pool, "SELECT count(*) AS n FROM effects").await,
        1,
        "one effect for three deliveries"
    );
}

/// The value of the sample of metric `family` with these labels (a
/// counter's or a gauge's), if there is one.
fn sample(family: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let families = prometheus::gather();
    let family = families.iter().find(|f| f.name() == family)?;
    let counter = family.get_field_type() == prometheus::proto::MetricType::COUNTER;
    family
        .get_metric()
        .iter()
        .find(|m| {
            labels.iter().all(|(name, value)| {
                m.get_label()
                    .iter()
                    .any(|l| l.name() == *name && l.value() == *value)
            })
        })
        .map(|m| {
            if counter {
                m.get_counter().get_value()
            } else {
                m.get_gauge().get_value()
            }
        })
}

/// Polls a metric's sample until it equals `want` (or the wait is over)
/// and returns the last value.
async fn wait_for_sample(family: &str, labels: &[(&str, &str)], want: f64) -> Option<f64> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = sample(family, labels);
        if now == Some(want) || tokio::time::Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls the consumer's `duplicate` counter until it reaches `want`.
async fn wait_for_duplicates(consumer: &str, want: u64) -> u64 {
    let labels = [("consumer", consumer), ("outcome", "duplicate")];
    wait_for_sample("qc_events_consumed_total", &labels, want as f64)
        .await
        .unwrap_or_default() as u64
}

/// Produces a byte-identical copy of a record (a broker redelivery).
async fn relay_copy(cfg: &KafkaConfig, record: &test_support::Record) {
    use rdkafka::message::{Header, OwnedHeaders};
    let producer: FutureProducer = cfg.client_config().create().expect("producer");
    let headers = record
        .headers
        .iter()
        .fold(OwnedHeaders::new(), |h, (k, v)| {
            h.insert(Header {
                key: k,
                value: Some(v.as_bytes()),
            })
        });
    let payload = serde_json::to_vec(&record.payload).expect("json");
    let topic = cfg.topic(TOPIC);
    let key = record.key.clone().unwrap_or_default();
    producer
        .send(
            FutureRecord::to(&topic)
                .key(&key)
                .payload(&payload)
                .headers(headers),
            Duration::from_secs(10),
        )
        .await
        .expect("copy produced");
    producer.flush(Duration::from_secs(5)).expect("flush");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_keeps_failing_waits_in_the_dead_letter_topic_until_replayed_once() {
    let f = fixture().await;
    let first = enqueue(&f.pool, serde_json::json!({ "poison": true })).await;
    let healthy = enqueue(&f.pool, serde_json::json!({ "n": 2 })).await;
    let second = enqueue(&f.pool, serde_json::json!({ "poison": true })).await;
    let relay = Relay::new(f.pool.clone(), &f.kafka, OWNER.into()).expect("relay");
    assert_eq!(relay.run_once().await.expect("relay"), 3);

    let stop = start_consumer(&f, "dlq-consumer");
    // The healthy event between the poisoned ones still gets through.
    assert_eq!(
        wait_for_count(&f.pool, "SELECT count(*) AS n FROM effects", 1).await,
        1
    );
    let dead = dead_letters(&f, 2).await;
    assert_eq!(dead.len(), 2);
    let effect_of =
        |id: uuid::Uuid| format!("SELECT count(*) AS n FROM effects WHERE event_id = '{id}'");
    assert_eq!(count(&f.pool, &effect_of(healthy.id)).await, 1);

    // What waits, as an operator lists it.
    let waiting = messaging::waiting_dead_letters(&f.kafka, &f.pool, TOPIC)
        .await
        .expect("list");
    let ids: Vec<_> = waiting.iter().map(|l| l.id).collect();
    assert_eq!(ids, [Some(first.id), Some(second.id)]);
    for letter in &waiting {
        assert_eq!(letter.attempts, f.kafka.max_attempts);
        assert_eq!(letter.consumer.as_deref(), Some("dlq-consumer"));
        assert_eq!(
            letter.event_type.as_deref(),
            Some("qiancheng.test.thing.happened.v1")
        );
        assert!(
            letter.reason.contains("poisoned event"),
            "{}",
            letter.reason
        );
        assert!(letter.at.is_some());
    }

    // The cause is fixed. A dry run moves nothing.
    let mut conn = f.pool.get().await.expect("conn");
    diesel::sql_query("UPDATE switches SET failing = false")
        .execute(&mut conn)
        .await
        .expect("fix");
    let would = replay(&f, Replay::Event(first.id), true).await;
    assert_eq!(would, [Some(first.id)]);
    assert_eq!(dead_letters(&f, 2).await.len(), 2);
    assert_eq!(
        messaging::waiting_dead_letters(&f.kafka, &f.pool, TOPIC)
            .await
            .expect("list")
            .len(),
        2
    );

    // One event by id: it applies, the other still waits.
    assert_eq!(
        replay(&f, Replay::Event(first.id), false).await,
        [Some(first.id)]
    );
    assert_eq!(wait_for_count(&f.pool, &effect_of(first.id), 1).await, 1);
    let waiting = messaging::waiting_dead_letters(&f.kafka, &f.pool, TOPIC)
        .await
        .expect("list");
    assert_eq!(
        waiting.iter().map(|l| l.id).collect::<Vec<_>>(),
        [Some(second.id)]
    );
    assert_eq!(count(&f.pool, &effect_of(second.id)).await, 0);

    // Then the rest; a second replay finds nothing waiting.
    assert_eq!(replay(&f, Replay::All, false).await, [Some(second.id)]);
    assert_eq!(wait_for_count(&f.pool, &effect_of(second.id), 1).await, 1);
    assert_eq!(replay(&f, Replay::All, false).await, []);
    assert_eq!(count(&f.pool, "SELECT count(*) AS n FROM effects").await, 3);
    let stopped = stop.send(true);
    assert!(stopped.is_ok());
}

/// Replays and returns the ids of what moved (or would).
async fn replay(f: &Fixture, which: Replay, dry_run: bool) -> Vec<Option<uuid::Uuid>> {
    messaging::replay_dead_letters(&f.kafka, &f.pool, TOPIC, which, dry_run)
        .await
        .expect("replay")
        .into_iter()
        .map(|letter| letter.id)
        .collect()
}

/// Dead-letter topics keep what waits for `kafka.dlq_retention_days`,
/// whatever the cluster's default; the topics themselves keep its default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letter_topics_are_created_with_the_configured_retention() {
    let f = fixture().await;
    let retention = |topic: String| {
        let kafka = f.kafka.clone();
        async move {
            test_support::topic_retention_ms(&kafka, &topic)
                .await
                .expect("describe")
        }
    };
    let dlq = messaging::dlq_topic(&f.kafka.topic(TOPIC));
    assert_eq!(
        retention(dlq).await,
        Some(i64::from(f.kafka.dlq_retention_days) * 86_400_000)
    );
    assert_ne!(
        retention(f.kafka.topic(TOPIC)).await,
        Some(i64::from(f.kafka.dlq_retention_days) * 86_400_000)
    );
}

/// Reads the dead-letter topic until `at_most + 1` messages came or it has
/// been quiet for a few seconds: what a test planted there, and nothing else.
async fn dead_letters(f: &Fixture, at_most: usize) -> Vec<test_support::Record> {
    let dlq = messaging::dlq_topic(&f.kafka.topic(TOPIC));
    read_topic(&f.kafka, &dlq, at_most + 1, Duration::from_secs(5))
        .await
        .expect("read dlq")
}

/// A serialization conflict says nothing about the event: it is retried
/// past `max_attempts` until it passes, applied once, and never
/// dead-lettered; the poison event behind it still is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_conflict_is_retried_until_it_passes_and_only_poison_is_dead_lettered() {
    let f = fixture().await;
    let conflicts = i64::from(f.kafka.max_attempts) * 3;
    let contested = enqueue(&f.pool, serde_json::json!({ "conflicts": conflicts })).await;
    let poison = enqueue(&f.pool, serde_json::json!({ "poison": true })).await;
    enqueue(&f.pool, serde_json::json!({ "n": 3 })).await;
    let relay = Relay::new(f.pool.clone(), &f.kafka, OWNER.into()).expect("relay");
    assert_eq!(relay.run_once().await.expect("relay"), 3);

    let stop = start_consumer(&f, "conflict-consumer");
    assert_eq!(
        wait_for_count(&f.pool, "SELECT count(*) AS n FROM effects", 2).await,
        2
    );
    let dead = dead_letters(&f, 1).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].headers["ce_id"], poison.id.to_string());
    let effect_of = format!(
        "SELECT count(*) AS n FROM effects WHERE event_id = '{}'",
        contested.id
    );
    assert_eq!(count(&f.pool, &effect_of).await, 1);
    // Every conflict, then the attempt that passed.
    assert_eq!(
        count(&f.pool, "SELECT last_value AS n FROM conflicts").await,
        conflicts + 1
    );
    let stopped = stop.send(true);
    assert!(stopped.is_ok());
}

/// The database goes away for far longer than `max_attempts` retries take
/// (open connections dropped, new ones refused) while events arrive: the
/// consumer waits (its lag shows how many), then applies every one of them
/// once; nothing is dead-lettered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_dead_letters_nothing_and_every_event_applies_once_after_it() {
    // An outage more than twice as long as librdkafka lets a consumer go
    // without polling before it leaves its group.
    const POLL_INTERVAL_MS: u64 = 6_000;
    let f = fixture().await;
    let outage = test_support::Outage::in_front_of(&test_support::server_address())
        .await
        .expect("forwarder");
    let consumer_pool = db::pool(&f.db.config_via_port(2, outage.port())).expect("pool");
    let impatient = KafkaConfig {
        session_timeout_ms: POLL_INTERVAL_MS as u32,
        librdkafka: [(
            "max.poll.interval.ms".to_owned(),
            POLL_INTERVAL_MS.to_string(),
        )]
        .into(),
        ..f.kafka.clone()
    };
    let stop = start_consumer_with(&impatient, consumer_pool, "outage-consumer");
    let relay = Relay::new(f.pool.clone(), &f.kafka, OWNER.into()).expect("relay");
    enqueue(&f.pool, serde_json::json!({ "n": 0 })).await;
    assert_eq!(relay.run_once().await.expect("relay"), 1);
    assert_eq!(
        wait_for_count(&f.pool, "SELECT count(*) AS n FROM effects", 1).await,
        1
    );

    outage.cut();
    const DURING: i64 = 20;
    // One publication each: Tansu 0.6 reports the high watermark of a
    // batch produced at once as its first offset + 1, so lag is exact
    // only per single-record batch there (Kafka counts every record).
    for n in 1..=DURING {
        enqueue(&f.pool, serde_json::json!({ "n": n })).await;
        assert_eq!(relay.run_once().await.expect("relay"), 1);
    }
    // Longer than max_attempts failures would take at the longest pause,
    // and than the poll interval, twice over.
    tokio::time::sleep(Duration::from_millis(
        (3 * u64::from(f.kafka.max_attempts) * f.kafka.retry_max_ms)
            .max(2 * POLL_INTERVAL_MS + 2_000),
    ))
    .await;
    assert_eq!(count(&f.pool, "SELECT count(*) AS n FROM effects").await, 1);
    // The wait shows as lag: the 20 behind the committed offset.
    let lag = [
        ("consumer", "outage-consumer"),
        ("topic", TOPIC),
        ("partition", "0"),
    ];
    assert_eq!(
        wait_for_sample("qc_consumer_lag", &lag, DURING as f64).await,
        Some(DURING as f64)
    );

    outage.restore();
    assert_eq!(
        wait_for_count(&f.pool, "SELECT count(*) AS n FROM effects", DURING + 1).await,
        DURING + 1
    );
    assert_eq!(dead_letters(&f, 0).await.len(), 0);
    assert_eq!(
        count(
            &f.pool,
            "SELECT count(*) AS n FROM inbox WHERE consumer = 'outage-consumer'"
        )
        .await,
        DURING + 1
    );
    assert_eq!(
        wait_for_sample("qc_consumer_lag", &lag, 0.0).await,
        Some(0.0),
        "caught up"
    );
    // Paused and polling, it kept its partition: no rebalance.
    assert_eq!(
        sample(
            "qc_consumer_assignments_total",
            &[("consumer", "outage-consumer")]
        ),
        Some(1.0)
    );
    let stopped = stop.send(true);
    assert!(stopped.is_ok());
}

/// A topic only the next test consumes: the dead-letter gauge of its name
/// is that test's alone (the other tests' consumers all report `TOPIC`'s).
const GARBAGE_TOPIC: &str = "test.garbage.v1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_without_an_envelope_is_dead_lettered_at_once_and_counted() {
    let f = fixture().await;
    messaging::ensure_topics(&f.kafka, &[GARBAGE_TOPIC])
        .await
        .expect("topics");
    let stop = start_consumer_of(&f.kafka, f.pool.clone(), "garbage-consumer", GARBAGE_TOPIC);
    let dead_letters = [("topic", GARBAGE_TOPIC)];
    assert_eq!(
        wait_for_sample("qc_dead_letter_messages", &dead_letters, 0.0).await,
        Some(0.0),
        "nothing dead-lettered yet"
    );
    let producer: FutureProducer = f.kafka.producer_client().create().expect("producer");
    let topic = f.kafka.topic(GARBAGE_TOPIC);
    producer
        .send(
            FutureRecord::to(&topic).key("k").payload("not an event"),
            Duration::from_secs(10),
        )
        .await
        .expect("produced");
    let dead = read_topic(&f.kafka, &messaging::dlq_topic(&topic), 1, WAIT)
        .await
        .expect("read dlq");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].headers["x-dlq-attempts"], "0");
    assert!(dead[0].headers["x-dlq-reason"].contains("ce_specversion"));
    assert_eq!(count(&f.pool, "SELECT count(*) AS n FROM effects").await, 0);
    assert_eq!(
        wait_for_sample("qc_dead_letter_messages", &dead_letters, 1.0).await,
        Some(1.0),
        "the dead letter is counted under the topic it came from"
    );
    let stopped = stop.send(true);
    assert!(stopped.is_ok());
}

/// Any pod that reaches the broker could publish to a topic it does not
/// own: such an event (another service's source, or another city's) is
/// applied by nobody and waits in the dead-letter topic with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_from_anyone_but_the_topics_owner_is_dead_lettered_unapplied() {
    let f = fixture().await;
    let forged = OutboxEvent::new(
        TOPIC,
        "qiancheng.test.thing.happened.v1",
        "thing-1",
        &serde_json::json!({ "n": 1 }),
    );
    let genuine = enqueue(&f.pool, serde_json::json!({ "n": 2 })).await;
    for source in ["/350100/intruder", "/350200/test"] {
        test_support::publish_as(&f.kafka, source, std::slice::from_ref(&forged))
            .await
            .expect("published");
    }
    let relay = Relay::new(f.pool.clone(), &f.kafka, OWNER.into()).expect("relay");
    assert_eq!(relay.run_once().await.expect("relay"), 1);
    let stop = start_consumer(&f, "owner-consumer");
    let dlq = messaging::dlq_topic(&f.kafka.topic(TOPIC));
    let dead = read_topic(&f.kafka, &dlq, 2, WAIT).await.expect("read dlq");
    assert_eq!(dead.len(), 2);
    for (record, source) in dead.iter().zip(["/350100/intruder", "/350200/test"]) {
        assert_eq!(record.headers["ce_source"], source);
        assert_eq!(record.headers["x-dlq-attempts"], "0");
        assert!(
            record.headers["x-dlq-reason"]
                .contains("is not \"/350100/test\", the owner of test.things.v1"),
            "{:?}",
            record.headers
        );
    }
    assert_eq!(
        wait_for_count(&f.pool, "SELECT count(*) AS n FROM effects", 1).await,
        1
    );
    let effect_of = format!(
        "SELECT count(*) AS n FROM effects WHERE event_id = '{}'",
        genuine.id
    );
    assert_eq!(count(&f.pool, &effect_of).await, 1);
    let stopped = stop.send(true);
    assert!(stopped.is_ok());
}

/// SCRAM-SHA-512 over TLS, as production runs: the relay publishes and the
/// consumer applies as on the plain broker; a wrong password, a CA that did
/// not sign the broker's certificate, or no TLS at all gets nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_scram_and_tls_events_flow_and_wrong_credentials_get_nowhere() {
    use rdkafka::producer::BaseProducer;
    let f = fixture_on(test_support::kafka_secure("qc-test")).await;
    let event = enqueue(&f.pool, serde_json::json!({ "n": 1 })).await;
    let relay = Relay::new(f.pool.clone(), &f.kafka, OWNER.into()).expect("relay");
    relay
        .ping()
        .await
        .expect("the broker answers over TLS with SCRAM");
    assert_eq!(relay.run_once().await.expect("relay"), 1);
    let stop = start_consumer(&f, "secure-consumer");
    let effect_of = format!(
        "SELECT count(*) AS n FROM effects WHERE event_id = '{}'",
        event.id
    );
    assert_eq!(wait_for_count(&f.pool, &effect_of, 1).await, 1);
    let stopped = stop.send(true);
    assert!(stopped.is_ok());

    for (what, cfg) in [
        (
            "a wrong password",
            KafkaConfig {
                sasl_password: "not-the-password".into(),
                ..f.kafka.clone()
            },
        ),
        (
            "a CA that did not sign the broker's certificate",
            KafkaConfig {
                ca_file: "/etc/ssl/certs/ca-certificates.crt".into(),
                ..f.kafka.clone()
            },
        ),
        (
            "no TLS",
            KafkaConfig {
                security_protocol: messaging::SecurityProtocol::Plaintext,
                ..f.kafka.clone()
            },
        ),
    ] {
        let producer: BaseProducer = cfg.producer_client().create().expect("client");
        let answered = tokio::task::spawn_blocking(move || {
            producer
                .client()
                .fetch_metadata(None, Duration::from_secs(5))
                .is_ok()
        })
        .await
        .expect("join");
        assert!(!answered, "{what} was let in");
    }
}
