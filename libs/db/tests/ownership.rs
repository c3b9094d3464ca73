//! One schema and one role per service, enforced by Postgres itself.

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use test_support::TestDb;

#[tokio::test]
async fn a_service_role_reaches_its_own_schema_only() {
    let db = TestDb::bare("qc_owner_a").await.expect("database");
    for role in ["qc_owner_a", "qc_owner_b"] {
        db::provision(&db.admin_url(), role, role, role)
            .await
            .expect("provision");
        db::provision(&db.admin_url(), role, role, role)
            .await
            .expect("provisioning twice is harmless");
        let applied = db::migrate(&db.url_for(role), db::PLATFORM_MIGRATIONS)
            .await
            .expect("migrate");
        assert_eq!(applied, ["00000000000001"]);
    }

    let mut a = AsyncPgConnection::establish(&db.url)
        .await
        .expect("connect as a");
    a.batch_execute("SELECT count(*) FROM outbox")
        .await
        .expect("its own tables, unqualified");
    a.batch_execute("CREATE TABLE scratch (id int)")
        .await
        .expect("its own schema is writable");
    let other = a
        .batch_execute("SELECT count(*) FROM qc_owner_b.outbox")
        .await
        .expect_err("another service's table");
    assert!(other.to_string().contains("permission denied"), "{other}");
    let public = a
        .batch_execute("CREATE TABLE public.sneaky (id int)")
        .await
        .expect_err("the public schema");
    assert!(public.to_string().contains("permission denied"), "{public}");
}

#[tokio::test]
async fn names_that_could_inject_sql_are_refused() {
    let db = TestDb::bare("qc_owner_c").await.expect("database");
    let err = db::provision(&db.admin_url(), "x; DROP DATABASE postgres", "pw", "x")
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("lower-case"));
}
