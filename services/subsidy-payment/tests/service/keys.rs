//! Rotating the personal-data key: what the old key sealed reads after
//! rotation, `rotate-keys` goes on where a limited run stopped, a second
//! run changes nothing, and once the old key is dropped the bank file still
//! carries every account.

use db::reseal::{Pace, Progress};
use diesel::sql_types::{BigInt, Bytea};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use serde_json::json;
use subsidy_payment::SubsidyPayment;

use crate::harness::*;

const OLD: &str = test_support::keys::PII_ENCRYPTION_KEYS;
const NEW: &str = "k2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const SCHOOL_ACCOUNT: &str = "6222020200112233445";
const EMPLOYER_ACCOUNT: &str = "6217000010002345678";

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Sealed values of the service not under `header`.
async fn not_under(app: &App, header: &[u8]) -> i64 {
    let mut conn = app.pool.get().await.expect("conn");
    let mut n = 0;
    for col in <SubsidyPayment as runtime::Service>::SEALED {
        n += diesel::sql_query(format!(
            "SELECT count(*) AS n FROM {t} WHERE {c} IS NOT NULL AND substring({c} FROM 1 FOR {len}) <> $1",
            t = col.table,
            c = col.column,
            len = header.len()
        ))
        .bind::<Bytea, _>(header)
        .get_result::<Count>(&mut conn)
        .await
        .expect("count")
        .n;
    }
    n
}

async fn rotate(cfg: &subsidy_payment::Config, pace: Pace) -> (u64, Vec<String>) {
    let mut seen = Vec::new();
    let mut report = |p: Progress| seen.push(format!("{} {}/{}", p.column, p.resealed, p.to_do));
    let (n, key) = runtime::rotate_keys::<SubsidyPayment>(cfg, pace, &mut report)
        .await
        .expect("rotates")
        .expect("subsidy payment seals bank accounts");
    assert_eq!(key, "k2");
    (n, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_reseals_every_account_once_and_the_new_key_alone_reads_them() {
    let mut app = start_with(|cfg| cfg.service.pii_encryption_keys = OLD.into()).await;
    let (school, _, _) = approved_claim(&app, 71).await;
    // Two accounts under the old key, each also kept in its proposal.
    for (payee, account) in [
        (format!("institution:{}", school.id), SCHOOL_ACCOUNT),
        (format!("enterprise:{}", credit_code(72)), EMPLOYER_ACCOUNT),
    ] {
        let res = app
            .put(
                &format!("/v1/payees/{payee}/bank-account"),
                Some(&officer()),
                &json!({ "account_no": account, "account_name": "收款单位" }),
            )
            .await;
        approved(&app, res).await;
    }
    assert_eq!(not_under(&app, b"qc1:k1:").await, 0);

    // The new key first, the old one to read with, as every pod now runs.
    let mut rotated = app.cfg.clone();
    rotated.service.pii_encryption_keys = format!("{NEW},{OLD}");
    let (n, seen) = rotate(
        &rotated,
        Pace {
            batch: 1,
            limit: Some(1),
        },
    )
    .await;
    assert_eq!(n, 1);
    assert_eq!(
        seen,
        [
            "payee_accounts.account_sealed 0/2",
            "payee_accounts.account_sealed 1/2",
            "payouts.account_sealed 0/0",
            "proposals.sealed 0/2",
        ]
    );
    assert_eq!(not_under(&app, b"qc1:k2:").await, 3);
    let (n, seen) = rotate(
        &rotated,
        Pace {
            batch: 500,
            limit: None,
        },
    )
    .await;
    assert_eq!(
        n, 3,
        "the stopped run is taken up where it stopped: {seen:?}"
    );
    assert_eq!(not_under(&app, b"qc1:k2:").await, 0);
    let (n, _) = rotate(
        &rotated,
        Pace {
            batch: 500,
            limit: None,
        },
    )
    .await;
    assert_eq!(n, 0, "a second run changes nothing");

    // The old key dropped: a pod with the new key alone pays to both.
    app.cfg.service.pii_encryption_keys = NEW.into();
    app.base = app.replica().await;
    let res = app
        .post(
            "/v1/payout-batches",
            Some(&officer()),
            &json!({ "batch_no": "B71", "fund": "employment_subsidy" }),
        )
        .await;
    approved(&app, res).await;
    let file = app
        .get("/v1/payout-batches/B71/file", Some(&officer()))
        .await
        .text()
        .await
        .expect("file");
    assert!(file.contains(SCHOOL_ACCOUNT), "{file}");
    assert_eq!(
        not_under(&app, b"qc1:k2:").await,
        0,
        "the batch sealed with k2"
    );
    app.stop().await;
}
