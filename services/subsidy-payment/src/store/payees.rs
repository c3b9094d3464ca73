//! Payees' bank accounts as the fraud rules see them: sealed, compared
//! only through their lookup hashes.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::payee_accounts;

/// How many payees share the bank account of `payee` (itself included);
/// none when it has no account on file.
pub async fn sharing_account_with(
    conn: &mut AsyncPgConnection,
    payee: &str,
) -> QueryResult<Option<i64>> {
    let lookup: Option<Vec<u8>> = payee_accounts::table
        .find(payee)
        .select(payee_accounts::account_lookup)
        .first(conn)
        .await
        .optional()?;
    let Some(lookup) = lookup else {
        return Ok(None);
    };
    payee_accounts::table
        .filter(payee_accounts::account_lookup.eq(lookup))
        .count()
        .get_result(conn)
        .await
        .map(Some)
}

/// A payee's bank account, sealed, with its masked copy for display.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payee_accounts)]
pub struct AccountRow {
    pub payee: String,
    pub account_sealed: Vec<u8>,
    pub account_masked: String,
    pub account_name: String,
}

/// The accounts on file of these payees.
pub async fn accounts_of(
    conn: &mut AsyncPgConnection,
    payees: &[String],
) -> QueryResult<Vec<AccountRow>> {
    payee_accounts::table
        .filter(payee_accounts::payee.eq_any(payees))
        .select(AccountRow::as_select())
        .load(conn)
        .await
}
