//! Re-sealing personal data under a service's current key (`rotate-keys`):
//! one pass over each sealed column in batches, each batch its own
//! transaction, so a run stopped anywhere loses nothing and the next run
//! takes up what is left. A value already under the current key is never
//! read; a row changed by the service meanwhile is left to the next pass
//! (the update only applies to the value that was read).

use anyhow::Context as _;
use diesel::sql_types::{BigInt, Bytea, Text};
use diesel::{sql_query, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::ScopedFutureExt;

/// A column of a service's own tables holding values sealed with its
/// personal-data keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
}

impl SealedColumn {
    pub const fn new(table: &'static str, column: &'static str) -> Self {
        Self { table, column }
    }
}

impl std::fmt::Display for SealedColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.table, self.column)
    }
}

/// Where a column's pass stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub column: SealedColumn,
    /// Values re-sealed so far in this run.
    pub resealed: u64,
    /// Values not under the current key when the run began.
    pub to_do: u64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Sealed {
    #[diesel(sql_type = Text)]
    tid: String,
    #[diesel(sql_type = Bytea)]
    sealed: Vec<u8>,
}

/// Not under the current key: does not start with its header. The
/// identifiers are the service's own constants, never input.
fn stale(col: &SealedColumn, header: &[u8]) -> String {
    format!(
        "{c} IS NOT NULL AND substring({c} FROM 1 FOR {n}) <> $1",
        c = col.column,
        n = header.len()
    )
}

/// How a run goes: `batch` rows per transaction, and at most `limit`
/// values in all (to spread the work over quiet hours), if set.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub batch: u64,
    pub limit: Option<u64>,
}

/// Re-seals the values of `col` that do not start with `header` (the
/// current key's) with `reseal`, reporting after each batch; returns how
/// many it re-sealed. `budget` is what is left of the run's limit.
pub async fn reseal_column(
    conn: &mut AsyncPgConnection,
    col: SealedColumn,
    header: &[u8],
    pace: Pace,
    budget: &mut Option<u64>,
    reseal: &(dyn Fn(&[u8]) -> anyhow::Result<Vec<u8>> + Sync),
    progress: &mut (dyn FnMut(Progress) + Send),
) -> anyhow::Result<u64> {
    let to_do = sql_query(format!(
        "SELECT count(*) AS n FROM {} WHERE {}",
        col.table,
        stale(&col, header)
    ))
    .bind::<Bytea, _>(header)
    .get_result::<Count>(conn)
    .await
    .with_context(|| format!("counting {col}"))?
    .n;
    let to_do = u64::try_from(to_do).unwrap_or_default();
    let mut done = Progress {
        column: col,
        resealed: 0,
        to_do,
    };
    progress(done);
    // Physical order: one pass, each batch starting where the last ended.
    let mut after = String::from("(0,0)");
    loop {
        let take = budget.map_or(pace.batch, |left| left.min(pace.batch));
        if take == 0 {
            return Ok(done.resealed);
        }
        let rows: Vec<Sealed> = sql_query(format!(
            "SELECT ctid::text AS tid, {c} AS sealed FROM {t} \
             WHERE ctid > $2::tid AND {stale} ORDER BY ctid LIMIT $3",
            c = col.column,
            t = col.table,
            stale = stale(&col, header)
        ))
        .bind::<Bytea, _>(header)
        .bind::<Text, _>(&after)
        .bind::<BigInt, _>(i64::try_from(take).unwrap_or(i64::MAX))
        .load(conn)
        .await
        .with_context(|| format!("reading {col}"))?;
        let Some(last) = rows.last() else {
            return Ok(done.resealed);
        };
        after = last.tid.clone();
        let mut fresh = Vec::with_capacity(rows.len());
        for row in &rows {
            fresh.push(reseal(&row.sealed).with_context(|| format!("opening a value of {col}"))?);
        }
        let update = format!(
            "UPDATE {t} SET {c} = $1 WHERE ctid = $2::tid AND {c} = $3",
            t = col.table,
            c = col.column
        );
        let changed = conn
            .transaction::<_, anyhow::Error, _>(|conn| {
                async move {
                    let mut changed = 0u64;
                    for (row, value) in rows.iter().zip(&fresh) {
                        changed += sql_query(&update)
                            .bind::<Bytea, _>(value)
                            .bind::<Text, _>(&row.tid)
                            .bind::<Bytea, _>(&row.sealed)
                            .execute(conn)
                            .await? as u64;
                    }
                    Ok(changed)
                }
                .scope_boxed()
            })
            .await
            .with_context(|| format!("re-sealing {col}"))?;
        done.resealed += changed;
        if let Some(left) = budget {
            *left = left.saturating_sub(take);
        }
        progress(done);
    }
}
