//! Read model of the registry: which organisation runs which institution.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::institutions;

pub async fn upsert(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::InstitutionEvent,
) -> QueryResult<()> {
    diesel::insert_into(institutions::table)
        .values((
            institutions::institution_id.eq(e.institution_id),
            institutions::city.eq(e.city.as_str()),
            institutions::credit_code.eq(e.credit_code.as_str()),
            institutions::name.eq(&e.name),
        ))
        .on_conflict(institutions::institution_id)
        .do_update()
        .set((
            institutions::credit_code.eq(e.credit_code.as_str()),
            institutions::name.eq(&e.name),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The institutions an organisation runs.
pub async fn of_org(conn: &mut AsyncPgConnection, org: &str) -> QueryResult<Vec<Uuid>> {
    institutions::table
        .filter(institutions::credit_code.eq(org))
        .select(institutions::institution_id)
        .load(conn)
        .await
}
