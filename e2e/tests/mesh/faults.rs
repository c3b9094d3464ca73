//! The fault suite. A stream of 1,000 trainees' evidence — a completion and
//! a certificate each, as delivery and assessment publish them, and a
//! catalogue entry per trainee as the catalogue publishes it — flows through
//! the six services that consume it on the durable local broker while
//! faults happen: subsidy payment decides and approves a claim per trainee
//! (and its relay publishes the claims on to performance evaluation),
//! employment tracking opens a follow-up window, performance evaluation
//! counts completions and certificates, skill assessment keeps the
//! completions candidates register from, the registry and delivery keep the
//! catalogue's entries. Once quiet, the outcome must be exact: every effect
//! applied once, nothing lost, the ledger balanced, every outbox drained,
//! the dead-letter topics holding exactly the poison planted. The figures
//! are printed as a table.

use std::time::{Duration, Instant};

use contracts::delivery::{ENROLMENTS_TOPIC, TRAINEE_COMPLETED};
use contracts::subsidy::CLAIMS_TOPIC;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use e2e::evidence::{self, Evidence, STANDARD};
use e2e::Api;
use futures::future::join_all;
use messaging::{KafkaConfig, OutboxEvent};
use platform::config::RedisConfig;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::json;
use test_support::fixtures::{published_entry, Listed};
use test_support::{eventually, Outage};

use crate::broker::Broker;
use crate::process::{kill, secrets, terminate, Process, Served, PII_KEYS};
use crate::walk::approve;

const TRAINEES: usize = 1_000;
/// Where the figures are written for `make test` to show.
const TABLE: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/fault-suite.txt");
/// How long a fault-free stretch may pass without the work being done.
const QUIET_DEADLINE: Duration = Duration::from_secs(900);
/// How long a consumer may take to apply its next event after a fault ends.
const RESUME_DEADLINE: Duration = Duration::from_secs(120);
/// Public reads a client may make a minute (low, so the suite reaches it).
const PUBLIC_LIMIT: usize = 10;
/// How long Redis stays away.
const REDIS_AWAY: Duration = Duration::from_secs(10);

/// The consuming services, by their place in [`consumers`].
const SUBSIDY: usize = 0;
const EVALUATION: usize = 2;
const DELIVERY: usize = 5;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    /// Each consumer killed with SIGKILL twice mid-stream and restarted.
    Crashes,
    /// The broker killed with SIGKILL mid-stream and restarted.
    Broker,
    /// Every consumer's database connections cut for 15 seconds.
    Database,
    /// Unreadable events and events a bug refuses, planted mid-stream.
    Poison,
    /// Two replicas of subsidy payment consume the same topics.
    Replicas,
    /// Subsidy payment's relay publishes but cannot mark, and is killed so.
    Relay,
    /// Redis away from every service for 10 seconds.
    Redis,
}

impl Fault {
    fn label(self) -> &'static str {
        match self {
            Self::Crashes => "consumers killed (SIGKILL ×2 each)",
            Self::Broker => "broker killed and restarted",
            Self::Database => "database away 15 s",
            Self::Poison => "poison events, then replay",
            Self::Replicas => "two replicas of subsidy",
            Self::Relay => "relay killed before marking",
            Self::Redis => "Redis away 10 s",
        }
    }
}

/// One consuming service: its settings, the forwarders its database and
/// Redis connections pass through, its serving replicas and how its
/// effects are counted.
struct Node {
    process: Process,
    database: Outage,
    cache: Outage,
    counter: db::DbPool,
    replicas: Vec<Served>,
    /// Returns `applied` (rows) and `distinct_` (distinct keys) of the
    /// effects of the stream.
    effects: &'static str,
    /// A public read of the service, if it has one.
    public: Option<String>,
    expected: i64,
    /// Effects a planted bug refuses until it is fixed.
    refused: i64,
}

#[derive(diesel::QueryableByName)]
struct Effects {
    #[diesel(sql_type = BigInt)]
    applied: i64,
    #[diesel(sql_type = BigInt)]
    distinct_: i64,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl Node {
    async fn new(
        name: &'static str,
        kafka: &KafkaConfig,
        extra: Vec<(&'static str, String)>,
        effects: &'static str,
        expected: i64,
    ) -> Self {
        let redis = test_support::redis();
        let (target, via) = redis_via(&redis.url);
        let cache = Outage::in_front_of(&target).await.expect("forwarder");
        let redis = RedisConfig {
            url: via(cache.port()),
            ..redis
        };
        let mut settings = vec![
            ("KAFKA__PARTITIONS", kafka.partitions.to_string()),
            // The test's own ceiling; production waits up to 30 s between tries.
            ("KAFKA__RETRY_MAX_MS", "2000".to_owned()),
            // Every cached answer comes from Redis, and the test, behind
            // this host as a proxy, names its clients.
            ("PUBLIC__LOCAL_TTL_MS", "0".to_owned()),
            ("PUBLIC__RATE_LIMIT_PER_MINUTE", PUBLIC_LIMIT.to_string()),
            (
                "PUBLIC__RATE_LIMIT_PER_RECORD_PER_MINUTE",
                "1000".to_owned(),
            ),
            ("PUBLIC__TRUSTED_PROXIES", "127.0.0.1/32".to_owned()),
        ];
        settings.extend(extra);
        let mut process = Process::new(name, kafka, &redis, &settings).await;
        process.set_up();
        let database = Outage::in_front_of(&test_support::server_address())
            .await
            .expect("forwarder");
        process.set(
            "DATABASE__URL",
            test_support::via_port(&process.db.url, database.port()),
        );
        let counter = db::pool(&process.db.config(1)).expect("pool");
        let mut node = Self {
            process,
            database,
            cache,
            counter,
            replicas: Vec::new(),
            effects,
            public: None,
            expected,
            refused: 0,
        };
        node.start_replica().await;
        node
    }

    /// Another replica, a stable member of its consumer groups.
    async fn start_replica(&mut self) {
        let n = self.replicas.len();
        self.replicas.push(self.process.serve_replica(n).await);
    }

    /// SIGKILL, then the same replica again.
    async fn crash_and_restart(&mut self) {
        self.kill_first();
        self.restart_first().await;
    }

    /// The first replica killed with SIGKILL.
    fn kill_first(&mut self) {
        kill(self.replicas.remove(0));
    }

    /// The first replica started again, under the same name.
    async fn restart_first(&mut self) {
        self.replicas.insert(0, self.process.serve_replica(0).await);
    }

    fn with_public(mut self, path: String) -> Self {
        self.public = Some(path);
        self
    }

    async fn effects(&self) -> Effects {
        let mut conn = self.counter.get().await.expect("connection");
        diesel::sql_query(self.effects)
            .get_result(&mut conn)
            .await
            .expect("effects")
    }

    async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.counter.get().await.expect("connection");
        let c: Count = diesel::sql_query(sql)
            .get_result(&mut conn)
            .await
            .expect("count");
        c.n
    }

    async fn applied(&self) -> i64 {
        self.effects().await.applied
    }

    /// Waits until `fraction` of the expected effects are applied.
    async fn reached(&self, fraction: f64) {
        let goal = (self.expected as f64 * fraction) as i64;
        eventually(QUIET_DEADLINE, || async {
            match self.applied().await {
                applied if applied >= goal => Ok(()),
                applied => Err(format!(
                    "{} to reach {goal}, at {applied}",
                    self.process.name
                )),
            }
        })
        .await;
    }

    /// How long until the next effect after `before` applied (none when
    /// everything already was).
    async fn resumed_after(&self, before: i64, since: Instant) -> Duration {
        if before >= self.expected - self.refused {
            return Duration::ZERO;
        }
        while self.applied().await <= before {
            assert!(
                since.elapsed() < RESUME_DEADLINE,
                "{} applied nothing for {RESUME_DEADLINE:?} after the fault ended",
                self.process.name
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        since.elapsed()
    }

    async fn stop(self) {
        for served in self.replicas {
            let (status, logs) = terminate(served).await;
            assert!(status.success(), "graceful exit: {status:?}\n{logs}");
        }
    }
}

/// The six consumers of the stream, their effects counted by key.
async fn consumers(
    kafka: &KafkaConfig,
    bank: &std::path::Path,
    year: i32,
    institution: uuid::Uuid,
) -> Vec<Node> {
    let n = TRAINEES as i64;
    // The catalogue's entries: the stream's and the reference one.
    let entries =
        "SELECT count(*) AS applied, count(DISTINCT entry_id) AS distinct_ FROM catalogue_entries";
    vec![
        Node::new(
            "subsidy-payment",
            kafka,
            secrets("subsidy-payment", bank),
            "SELECT count(*) AS applied, count(DISTINCT person_id) AS distinct_ FROM claims",
            n,
        )
        .await
        .with_public("/v1/public/fund-use".to_owned()),
        Node::new(
            "employment-tracking",
            kafka,
            secrets("employment-tracking", bank),
            "SELECT count(*) AS applied, count(DISTINCT enrolment_id) AS distinct_ FROM completers",
            n,
        )
        .await,
        Node::new(
            "performance-evaluation",
            kafka,
            Vec::new(),
            "SELECT (SELECT count(*) FROM completions) + (SELECT count(*) FROM certificates) AS applied, \
             (SELECT count(DISTINCT enrolment_id) FROM completions) \
             + (SELECT count(DISTINCT certificate_id) FROM certificates) AS distinct_",
            2 * n,
        )
        .await
        .with_public(format!("/v1/public/scorecards/{institution}")),
        Node::new(
            "skill-assessment",
            kafka,
            secrets("skill-assessment", bank),
            "SELECT count(*) AS applied, count(DISTINCT enrolment_id) AS distinct_ FROM completions",
            n,
        )
        .await,
        Node::new("institution-registry", kafka, Vec::new(), entries, n + 1)
            .await
            .with_public(format!("/v1/public/directory/{}/{year}", evidence::CITY)),
        // Delivery also owns the completions' topic: its `dlq-replay` moves them.
        Node::new(
            "training-delivery",
            kafka,
            secrets("training-delivery", bank),
            entries,
            n + 1,
        )
        .await,
    ]
}

/// One catalogue entry per trainee, each of an occupation of its own, as
/// the catalogue publishes them while the year goes on.
fn entries(year: ids::StatisticalYear) -> Vec<OutboxEvent> {
    let catalogue_id = uuid::Uuid::now_v7();
    (0..TRAINEES)
        .map(|i| {
            published_entry(
                evidence::CITY.parse().expect("city"),
                year,
                catalogue_id,
                Listed {
                    occupation: format!("6-{:02}-{:02}-99", i / 100, i % 100)
                        .parse()
                        .expect("occupation"),
                    name: &format!("目录职业 {i}"),
                    level: ids::SkillLevel::Junior,
                    subsidy: ids::Fen::new(STANDARD),
                },
            )
        })
        .collect()
}

/// The address behind a Redis URL, and the same URL through a forwarder's
/// port.
fn redis_via(url: &str) -> (String, impl Fn(u16) -> String) {
    let (scheme, rest) = url.split_once("://").expect("a Redis URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (credentials, address) = match authority.rsplit_once('@') {
        Some((c, a)) => (format!("{c}@"), a.to_owned()),
        None => (String::new(), authority.to_owned()),
    };
    let host = address
        .rsplit_once(':')
        .map_or(address.as_str(), |(h, _)| h)
        .to_owned();
    let (scheme, path) = (scheme.to_owned(), path.to_owned());
    (address, move |port| {
        format!("{scheme}://{credentials}{host}:{port}/{path}")
    })
}

/// What one scenario printed.
struct Figures {
    fault: Fault,
    events_in: usize,
    expected: i64,
    applied: i64,
    duplicates: i64,
    lost: i64,
    dead_lettered: i64,
    recovery: Duration,
}

/// Messages in a topic (every partition's high watermark: nothing is
/// deleted while a test runs).
async fn messages_in(kafka: &KafkaConfig, topic: String) -> i64 {
    let cfg = kafka.clone();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = cfg
            .client_config()
            .set(
                "group.id",
                format!("counter-{}", test_support::unique_tag()),
            )
            .create()
            .expect("consumer");
        let timeout = Duration::from_secs(10);
        let metadata = consumer
            .fetch_metadata(Some(&topic), timeout)
            .expect("metadata");
        metadata.topics()[0]
            .partitions()
            .iter()
            .map(|p| {
                let (low, high) = consumer
                    .fetch_watermarks(&topic, p.id(), timeout)
                    .expect("watermarks");
                high - low
            })
            .sum()
    })
    .await
    .expect("join")
}

/// A completion whose payload no version can read, from its owner.
async fn unreadable(kafka: &KafkaConfig) -> uuid::Uuid {
    let producer: FutureProducer = kafka.producer_client().create().expect("producer");
    let envelope = messaging::Envelope {
        id: uuid::Uuid::now_v7(),
        event_type: TRAINEE_COMPLETED.to_owned(),
        source: format!("/{}/training-delivery", evidence::CITY),
        subject: None,
        time: chrono::Utc::now(),
    };
    let topic = kafka.topic(ENROLMENTS_TOPIC);
    producer
        .send(
            FutureRecord::to(&topic)
                .key("poison")
                .payload(&b"\x00not json"[..])
                .headers(envelope.headers(&Default::default())),
            Duration::from_secs(30),
        )
        .await
        .map_err(|(e, _)| e)
        .expect("published");
    envelope.id
}

/// A bug in performance evaluation, as a trigger refusing the completions
/// of `persons`: deterministic, so dead-lettered after the attempts.
async fn plant_bug(node: &Node, persons: &[String]) {
    let list = persons
        .iter()
        .map(|p| format!("'{p}'"))
        .collect::<Vec<_>>()
        .join(", ");
    admin_sql(
        node,
        &format!(
            "CREATE FUNCTION performance_evaluation.planted_bug() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.person_id IN ({list}) THEN RAISE EXCEPTION 'a bug planted by the fault suite'; END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER planted_bug BEFORE INSERT ON performance_evaluation.completions
               FOR EACH ROW EXECUTE FUNCTION performance_evaluation.planted_bug();"
        ),
    )
    .await;
}

async fn admin_sql(node: &Node, sql: &str) {
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};
    let mut conn = diesel_async::AsyncPgConnection::establish(&node.process.db.admin_url())
        .await
        .expect("admin connection");
    conn.batch_execute(sql).await.expect("admin sql");
}

/// One stream of `TRAINEES` trainees' evidence through a fresh mesh while
/// `faults` happen in turn; the exact outcome asserted once quiet.
async fn run(faults: &[Fault]) -> Vec<Figures> {
    let has = |f: Fault| faults.contains(&f);
    let mut broker = Broker::start().await;
    let kafka = KafkaConfig {
        partitions: 3,
        ..broker.kafka()
    };
    messaging::ensure_topics(&kafka, &evidence::TOPICS)
        .await
        .expect("topics");
    let run = u32::try_from(chrono::Utc::now().timestamp() % 1_000_000).expect("small");
    let key = ids::PersonIdKey::from_base64(PII_KEYS[2].1).expect("key");
    let evidence = Evidence::new(run, TRAINEES, &key).expect("evidence");
    let bank = std::env::temp_dir().join(format!("qc-faults-bank-{}", test_support::unique_tag()));
    let mut nodes = consumers(&kafka, &bank, evidence.year.year(), evidence.institution_id).await;
    if has(Fault::Replicas) {
        nodes[SUBSIDY].start_replica().await;
    }

    // The money the claims are approved against, by two officers.
    let subsidy = &nodes[SUBSIDY];
    let officer = Api::new(
        &subsidy.process.replica_base(0),
        Some(token(&subsidy.process, "officer-a")),
    )
    .expect("an HTTP client");
    let checker = Api::new(
        &subsidy.process.replica_base(0),
        Some(token(&subsidy.process, "officer-b")),
    )
    .expect("an HTTP client");
    let (status, proposal) = officer
        .post(
            "/v1/budgets/allocations",
            &json!({ "fund": "employment_subsidy", "year": evidence.year.year(),
                "amount_fen": STANDARD * TRAINEES as i64, "memo": "fault suite" }),
            Some(&format!("faults-{run}")),
        )
        .await
        .expect("allocation");
    assert_eq!(status, 202, "{proposal}");
    approve(&checker, &proposal).await;

    // Three completions a bug refuses, and two events nobody can read.
    let refused: Vec<String> = evidence.trainees[100..103]
        .iter()
        .map(|[completion, _]| {
            completion.payload["person_id"]
                .as_str()
                .expect("person")
                .to_owned()
        })
        .collect();
    let refused_count = if has(Fault::Poison) {
        refused.len() as i64
    } else {
        0
    };
    if has(Fault::Poison) {
        plant_bug(&nodes[EVALUATION], &refused).await;
        nodes[EVALUATION].refused = refused_count;
    }
    // The school and the entry first, then the stream all at once.
    test_support::publish(&kafka, evidence::CITY, &evidence.reference)
        .await
        .expect("reference published");
    let events: Vec<OutboxEvent> = evidence
        .trainees
        .iter()
        .zip(entries(evidence.year))
        .flat_map(|([completion, certificate], entry)| {
            [completion.clone(), certificate.clone(), entry]
        })
        .collect();
    let events_in =
        evidence.reference.len() + events.len() + if has(Fault::Poison) { 2 } else { 0 };
    let publisher = {
        let kafka = kafka.clone();
        tokio::spawn(
            async move { test_support::publish_stream(&kafka, evidence::CITY, &events).await },
        )
    };

    // The faults in turn, each at its point of subsidy payment's progress
    // (the slowest consumer); how long until every consumer with work left
    // applied its next event after each.
    let mut recoveries = Vec::new();
    for fault in faults {
        let recovery = match fault {
            Fault::Crashes => {
                let resumed = join_all(nodes.iter_mut().map(|node| async move {
                    let mut longest = Duration::ZERO;
                    for fraction in [0.2, 0.5] {
                        node.reached(fraction).await;
                        node.crash_and_restart().await;
                        let restarted = Instant::now();
                        let before = node.applied().await;
                        longest = longest.max(node.resumed_after(before, restarted).await);
                    }
                    longest
                }))
                .await;
                resumed.into_iter().max().unwrap_or_default()
            }
            Fault::Relay => {
                let subsidy = &mut nodes[SUBSIDY];
                subsidy.reached(0.45).await;
                relay_dies_before_marking(subsidy, &kafka).await;
                subsidy.kill_first();
                admin_sql(
                    subsidy,
                    "DROP TRIGGER relay_dies ON subsidy_payment.outbox; \
                     DROP FUNCTION subsidy_payment.relay_dies();",
                )
                .await;
                let restarted = Instant::now();
                let before = subsidy.applied().await;
                subsidy.restart_first().await;
                subsidy.resumed_after(before, restarted).await
            }
            Fault::Broker => {
                nodes[SUBSIDY].reached(0.6).await;
                broker.crash();
                tokio::time::sleep(Duration::from_secs(3)).await;
                broker.restart().await;
                resumed(&nodes).await
            }
            Fault::Database => {
                nodes[SUBSIDY].reached(0.75).await;
                for node in &nodes {
                    node.database.cut();
                }
                tokio::time::sleep(Duration::from_secs(15)).await;
                for node in &nodes {
                    node.database.restore();
                }
                resumed(&nodes).await
            }
            Fault::Redis => {
                nodes[SUBSIDY].reached(0.7).await;
                redis_away(&nodes).await.max(resumed(&nodes).await)
            }
            Fault::Poison => {
                nodes[SUBSIDY].reached(0.3).await;
                unreadable(&kafka).await;
                unreadable(&kafka).await;
                Duration::ZERO
            }
            Fault::Replicas => Duration::ZERO,
        };
        recoveries.push((*fault, recovery));
    }
    publisher.await.expect("join").expect("published");

    // Quiet: every effect there (but the refused ones), every outbox sent,
    // every claim subsidy payment published applied by evaluation.
    let deadline = Instant::now() + QUIET_DEADLINE;
    for node in &nodes {
        eventually(left(deadline), || async {
            let applied = node.applied().await;
            let unsent = node
                .count("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
                .await;
            if applied >= node.expected - node.refused && unsent == 0 {
                Ok(())
            } else {
                Err(format!(
                    "{} quiet: {applied} of {} applied, {unsent} unsent",
                    node.process.name,
                    node.expected - node.refused
                ))
            }
        })
        .await;
    }
    let claims_published = claim_events(&nodes[SUBSIDY], "outbox").await;
    assert_eq!(
        claims_published, TRAINEES as i64,
        "one claim event a trainee"
    );
    eventually(left(deadline), || async {
        match claim_events(&nodes[EVALUATION], "inbox").await {
            applied if applied >= claims_published => Ok(()),
            applied => Err(format!(
                "evaluation to apply every claim: {applied} of {claims_published}"
            )),
        }
    })
    .await;

    let delivery = &nodes[DELIVERY].process;
    let dlq = |topic: &str| messaging::dlq_topic(&kafka.topic(topic));
    let dead_lettered = messages_in(&kafka, dlq(ENROLMENTS_TOPIC)).await;
    if has(Fault::Poison) {
        // Each of the four consumers of completions dead-lettered both
        // unreadable events; evaluation the refused completions too.
        assert_eq!(dead_lettered, 4 * 2 + refused_count);
        assert_eq!(waiting(delivery), 11);
        // The bug fixed, the refused completions replayed: applied once.
        admin_sql(
            &nodes[EVALUATION],
            "DROP TRIGGER planted_bug ON performance_evaluation.completions",
        )
        .await;
        for completion in &evidence.trainees[100..103] {
            let moved = delivery.run(&[
                "dlq-replay",
                "--topic",
                ENROLMENTS_TOPIC,
                "--id",
                &completion[0].id.to_string(),
            ]);
            assert_eq!(
                moved.lines().last(),
                Some(format!("1 message(s) moved from {ENROLMENTS_TOPIC}.dlq").as_str())
            );
        }
        let evaluation = &nodes[EVALUATION];
        eventually(left(deadline), || async {
            match evaluation.applied().await {
                applied if applied >= evaluation.expected => Ok(()),
                applied => Err(format!(
                    "the replayed completions applied: {applied} of {}",
                    evaluation.expected
                )),
            }
        })
        .await;
        assert_eq!(waiting(delivery), 8, "only the unreadable wait");
    } else {
        assert_eq!(dead_lettered, 0, "nothing valid is dead-lettered");
    }
    for topic in evidence::TOPICS
        .iter()
        .chain([&CLAIMS_TOPIC])
        .filter(|t| **t != ENROLMENTS_TOPIC)
    {
        assert_eq!(messages_in(&kafka, dlq(topic)).await, 0, "{topic}");
    }

    // Exact outcomes; the claims evaluation applied count among them.
    let claims_applied = claim_events(&nodes[EVALUATION], "inbox").await;
    let (mut expected, mut applied, mut duplicates, mut lost) = (
        claims_published,
        claims_applied,
        0,
        claims_published - claims_applied,
    );
    for node in &nodes {
        let e = node.effects().await;
        expected += node.expected;
        applied += e.applied;
        duplicates += e.applied - e.distinct_;
        lost += node.expected - e.distinct_;
    }
    if has(Fault::Relay) {
        assert!(
            messages_in(&kafka, kafka.topic(CLAIMS_TOPIC)).await > claims_published,
            "claims were published again after the relay died"
        );
    }
    let (status, audit) = officer.get("/v1/ledger/audit").await.expect("audit");
    assert_eq!(status, 200);
    assert_eq!(audit["consistent"], true, "{audit}");
    let (_, pots) = officer
        .get(&format!("/v1/budgets?year={}", evidence.year.year()))
        .await
        .expect("budgets");
    let pot = pots
        .as_array()
        .expect("pots")
        .iter()
        .find(|p| p["fund"] == "employment_subsidy")
        .expect("the pot")
        .clone();
    let allocated = STANDARD * TRAINEES as i64;
    assert_eq!(
        (
            &pot["allocated_fen"],
            &pot["available_fen"],
            &pot["payable_fen"]
        ),
        (&json!(allocated), &json!(0), &json!(allocated)),
        "each trainee's subsidy approved once, the budget spent exactly: {pot}"
    );

    for node in nodes {
        node.stop().await;
    }
    let _ = std::fs::remove_dir_all(&bank);
    recoveries
        .into_iter()
        .map(|(fault, recovery)| Figures {
            fault,
            events_in,
            expected,
            applied,
            duplicates,
            lost,
            dead_lettered,
            recovery,
        })
        .collect()
}

/// Claim events in a service's `table` (subsidy's outbox, evaluation's inbox).
async fn claim_events(node: &Node, table: &str) -> i64 {
    node.count(&format!(
        "SELECT count(*) AS n FROM {table} WHERE topic = '{CLAIMS_TOPIC}'"
    ))
    .await
}

/// Makes subsidy payment's relay fail after publishing, before marking (a
/// trigger refuses the mark), and waits until it has published something
/// it could not mark.
async fn relay_dies_before_marking(subsidy: &Node, kafka: &KafkaConfig) {
    admin_sql(
        subsidy,
        "CREATE FUNCTION subsidy_payment.relay_dies() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'the relay dies before marking'; END $$;
         CREATE TRIGGER relay_dies BEFORE UPDATE OF sent_at ON subsidy_payment.outbox
           FOR EACH ROW WHEN (OLD.sent_at IS NULL AND NEW.sent_at IS NOT NULL)
           EXECUTE FUNCTION subsidy_payment.relay_dies();",
    )
    .await;
    eventually(RESUME_DEADLINE, || async {
        let published = messages_in(kafka, kafka.topic(CLAIMS_TOPIC)).await;
        let marked = subsidy
            .count(&format!(
                "SELECT count(*) AS n FROM outbox WHERE sent_at IS NOT NULL AND topic = '{CLAIMS_TOPIC}'"
            ))
            .await;
        if published > marked {
            Ok(())
        } else {
            Err(format!(
                "the relay to publish a claim it cannot mark: {published} published, {marked} marked"
            ))
        }
    })
    .await;
}

/// Redis away from every service for [`REDIS_AWAY`] while the stream goes
/// on: each public read answers (uncached) up to the per-instance limit,
/// then 429, never 5xx. Returns how long after Redis came back until every
/// public read was answered from Redis again.
async fn redis_away(nodes: &[Node]) -> Duration {
    // The burst must fall within one rate-limit minute.
    let into_minute = chrono::Utc::now().timestamp() % 60;
    if into_minute > 40 {
        tokio::time::sleep(Duration::from_secs((61 - into_minute) as u64)).await;
    }
    for node in nodes {
        node.cache.cut();
    }
    let cut = Instant::now();
    let public: Vec<(&Node, &String)> = nodes
        .iter()
        .filter_map(|n| n.public.as_ref().map(|p| (n, p)))
        .collect();
    let bursts = join_all(public.iter().map(|(node, path)| async move {
        let mut statuses = Vec::new();
        for _ in 0..=PUBLIC_LIMIT {
            statuses.push(public_read(node, path, "203.0.113.7").await.0);
        }
        (node.process.name, statuses)
    }))
    .await;
    let mut limited = vec![200; PUBLIC_LIMIT];
    limited.push(429);
    for (name, statuses) in bursts {
        assert_eq!(statuses, limited, "{name}'s public read without Redis");
    }
    tokio::time::sleep(REDIS_AWAY.saturating_sub(cut.elapsed())).await;
    for node in nodes {
        node.cache.restore();
    }
    let back = Instant::now();
    for (node, path) in public {
        // Another client: the first is at its limit for this minute.
        loop {
            let (status, cache) = public_read(node, path, "203.0.113.8").await;
            assert_eq!(status, 200, "{}", node.process.name);
            if cache == "hit" {
                break;
            }
            assert!(
                back.elapsed() < RESUME_DEADLINE,
                "{}'s cache never refilled",
                node.process.name
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    back.elapsed()
}

/// A public read as `client` (named by the proxy in front), its status and
/// whether Redis answered it (`X-Cache`).
async fn public_read(node: &Node, path: &str, client: &str) -> (u16, String) {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", node.process.replica_base(0)))
        .header("X-Forwarded-For", client)
        .send()
        .await
        .expect("an answer");
    let cache = res
        .headers()
        .get("X-Cache")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (res.status().as_u16(), cache)
}

/// How long after a fault ended until every consumer with work left
/// applied its next event.
async fn resumed(nodes: &[Node]) -> Duration {
    let ended = Instant::now();
    let before = applied(nodes).await;
    let mut longest = Duration::ZERO;
    for (node, before) in nodes.iter().zip(before) {
        longest = longest.max(node.resumed_after(before, ended).await);
    }
    longest
}

/// What is left of the time until `deadline`, for a wait that shares it.
fn left(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// How many dead letters of the completions' topic wait, as its owner lists them.
fn waiting(delivery: &Process) -> usize {
    let listed = delivery.run(&["dlq-replay", "--topic", ENROLMENTS_TOPIC, "--list"]);
    let last = listed.lines().last().unwrap_or_default();
    let suffix = format!(" message(s) wait(s) in {ENROLMENTS_TOPIC}.dlq");
    last.strip_suffix(&suffix)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected listing: {listed}"))
}

async fn applied(nodes: &[Node]) -> Vec<i64> {
    join_all(nodes.iter().map(Node::applied)).await
}

fn token(p: &Process, sub: &str) -> String {
    p.run(&[
        "dev-token",
        "--city",
        evidence::CITY,
        "--role",
        "bureau_officer",
        "--sub",
        sub,
    ])
    .trim()
    .to_owned()
}

/// Two streams of 1,000 trainees: one through crashes of every consumer
/// while subsidy payment runs two replicas, then Redis away; one through
/// poison, a relay killed before marking, a broker crash and a database
/// outage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_trainees_through_every_fault_twice_over() {
    let mut table = run(&[Fault::Replicas, Fault::Crashes, Fault::Redis]).await;
    table.extend(run(&[Fault::Poison, Fault::Relay, Fault::Broker, Fault::Database]).await);
    let mut printed = format!(
        "{:<36} {:>9} {:>9} {:>9} {:>10} {:>5} {:>13} {:>10}\n",
        "fault",
        "events in",
        "expected",
        "applied",
        "duplicates",
        "lost",
        "dead-lettered",
        "recovery s"
    );
    for f in &table {
        printed.push_str(&format!(
            "{:<36} {:>9} {:>9} {:>9} {:>10} {:>5} {:>13} {:>10.1}\n",
            f.fault.label(),
            f.events_in,
            f.expected,
            f.applied,
            f.duplicates,
            f.lost,
            f.dead_lettered,
            f.recovery.as_secs_f64()
        ));
    }
    // `make test` prints it after the run (cargo keeps a passing test's
    // output to itself).
    println!("{printed}");
    std::fs::write(TABLE, &printed).expect("the table written");
    for f in &table {
        assert_eq!(
            (f.applied, f.duplicates, f.lost),
            (f.expected, 0, 0),
            "{}",
            f.fault.label()
        );
    }
}
