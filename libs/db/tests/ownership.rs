//! One schema per service, an owner that migrates and an application role
//! that serves, enforced by Postgres itself; connections over TLS as
//! configured, never silently in clear.

// Test code outside #[test] functions (harnesses, helpers) fails the
// test the same way: by panicking.
#![allow(clippy::expect_used)]
// A scenario reads top to bottom, as the user would meet it; it may be
// longer than a function of the service.
#![allow(clippy::too_many_lines)]

use db::{DbConfig, SslMode};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use test_support::{db_tls, TestDb};

fn config(db: &TestDb) -> DbConfig {
    db.config(2)
}

async fn connect(db: &TestDb, url: &str) -> AsyncPgConnection {
    config(db)
        .connector()
        .expect("tls")
        .connect(url)
        .await
        .expect("connects")
}

#[tokio::test]
async fn a_service_reaches_its_own_schema_only_and_serves_without_owning_it() {
    let db = TestDb::bare("qc_owner_a").await.expect("database");
    let connector = config(&db).connector().expect("tls");
    for schema in ["qc_owner_a", "qc_owner_b"] {
        let app = db::app_role(schema);
        db::provision(&connector, &db.admin_url(), schema, schema, &app)
            .await
            .expect("provision");
        db::provision(&connector, &db.admin_url(), schema, schema, &app)
            .await
            .expect("provisioning twice is harmless");
        let cfg = DbConfig {
            owner_url: db.url_for(schema),
            ..config(&db)
        };
        let applied = db::migrate(&cfg, db::PLATFORM_MIGRATIONS)
            .await
            .expect("migrate");
        assert_eq!(
            applied,
            [
                "00000000000001",
                "00000000000002",
                "00000000000003",
                "00000000000004",
                "00000000000005"
            ]
        );
    }

    let mut owner = connect(&db, &db.owner_url).await;
    owner
        .batch_execute("CREATE TABLE scratch (id int)")
        .await
        .expect("the owner migrates: its schema is writable to it");
    let mut app = connect(&db, &db.url).await;
    app.batch_execute(
        "INSERT INTO scratch VALUES (1); UPDATE scratch SET id = 2; DELETE FROM scratch",
    )
    .await
    .expect("the application role has data rights on tables made after it was provisioned");
    app.batch_execute("SELECT count(*) FROM outbox")
        .await
        .expect("its own tables, unqualified");
    for (sql, refusal) in [
        ("CREATE TABLE sneaky (id int)", "permission denied"),
        ("ALTER TABLE scratch ADD COLUMN x int", "must be owner"),
        ("DROP TABLE scratch", "must be owner"),
        (
            "SELECT count(*) FROM qc_owner_b.outbox",
            "permission denied",
        ),
        ("CREATE TABLE public.sneaky (id int)", "permission denied"),
    ] {
        let err = app.batch_execute(sql).await.expect_err(sql).to_string();
        assert!(err.contains(refusal), "{sql}: {err}");
    }
    let err = owner
        .batch_execute("SELECT count(*) FROM qc_owner_b.outbox")
        .await
        .expect_err("another service's table");
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[tokio::test]
async fn names_that_could_inject_sql_are_refused() {
    let db = TestDb::bare("qc_owner_c").await.expect("database");
    let err = db::provision(
        &config(&db).connector().expect("tls"),
        &db.admin_url(),
        "x; DROP DATABASE postgres",
        "pw",
        "pw",
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("lower-case"));
}

/// With a CA configured (as `make test` does), the server's certificate is
/// verified: the right CA connects, a CA that did not sign it is refused,
/// and so is a host name the certificate does not carry.
#[tokio::test]
async fn tls_is_verified_against_the_configured_ca() {
    let (mode, ca) = db_tls();
    if mode == SslMode::Disable {
        eprintln!("QC_TEST_PG_CA is not set: the server's TLS is not under test here");
        return;
    }
    let db = TestDb::bare("qc_owner_tls").await.expect("database");
    let admin = db.admin_url();
    let with = |sslmode, ca_file: &str| DbConfig {
        sslmode,
        ca_file: ca_file.to_owned(),
        ..config(&db)
    };
    let mut conn = with(SslMode::VerifyFull, &ca)
        .connector()
        .expect("tls")
        .connect(&admin)
        .await
        .expect("verify-full with the CA");
    conn.batch_execute("SELECT 1").await.expect("answers");
    let stranger = std::env::temp_dir().join(format!("qc-stranger-ca-{}.pem", std::process::id()));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args([
            "-keyout",
            "/dev/null",
            "-days",
            "1",
            "-subj",
            "/CN=stranger",
            "-out",
        ])
        .arg(&stranger)
        .status()
        .expect("openssl");
    assert!(status.success());
    let refused = with(SslMode::VerifyFull, stranger.to_str().expect("path"))
        .connector()
        .expect("tls")
        .connect(&admin)
        .await;
    assert!(
        refused.is_err(),
        "a CA that did not sign the server's certificate"
    );
    std::fs::remove_file(&stranger).expect("clean up");
    // The test server's certificate names `localhost` only (make test sets
    // it up so): the same server by its address is another name.
    assert!(admin.contains("@localhost:"), "{admin}");
    let aliased = admin.replacen("@localhost:", "@127.0.0.1:", 1);
    assert!(with(SslMode::VerifyFull, &ca)
        .connector()
        .expect("tls")
        .connect(&aliased)
        .await
        .is_err());
    with(SslMode::VerifyCa, &ca)
        .connector()
        .expect("tls")
        .connect(&aliased)
        .await
        .expect("verify-ca checks the chain only");
}
