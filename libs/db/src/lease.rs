//! One replica at a time: a periodic job's turn, held as a
//! transaction-level advisory lock on a connection of its own for as long
//! as the job runs, and released when it ends — or when the holder dies
//! and its connection drops. Another replica that asks meanwhile skips its
//! turn instead of waiting.

use std::future::Future;

use anyhow::Context as _;
use diesel::sql_types::{BigInt, Bool};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, RunQueryDsl};

use crate::{DbPool, ScopedFutureExt};

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Bool)]
    taken: bool,
}

/// The advisory lock of a job: FNV-1a of its name, stable across releases
/// and replicas.
pub fn lock_id(job: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in b"qiancheng.job:".iter().chain(job.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_be_bytes(hash.to_be_bytes())
}

/// Runs `work` unless another replica is running `job` now: `Some` with
/// its result, or `None` when the turn was taken. `work` uses connections
/// of its own; the turn's connection only holds the lock.
pub async fn exclusively<T, F>(pool: &DbPool, job: &str, work: F) -> anyhow::Result<Option<T>>
where
    T: Send,
    F: Future<Output = anyhow::Result<T>> + Send,
{
    let mut conn = pool.get().await.context("the turn's connection")?;
    let id = lock_id(job);
    conn.transaction::<_, anyhow::Error, _>(|conn| {
        async move {
            let Taken { taken } =
                diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS taken")
                    .bind::<BigInt, _>(id)
                    .get_result(conn)
                    .await?;
            if !taken {
                return Ok(None);
            }
            Ok(Some(work.await?))
        }
        .scope_boxed()
    })
    .await
}
