//! Officers' inspections (巡查) of classes: findings, and the URLs of
//! photos kept elsewhere.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::inspections)]
pub struct InspectionRow {
    pub id: Uuid,
    pub class_id: Uuid,
    pub inspector: String,
    pub at: DateTime<Utc>,
    pub findings: String,
    pub photo_urls: Vec<String>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &InspectionRow) -> QueryResult<()> {
    diesel::insert_into(schema::inspections::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn of_class(
    conn: &mut AsyncPgConnection,
    class_id: Uuid,
) -> QueryResult<Vec<InspectionRow>> {
    schema::inspections::table
        .filter(schema::inspections::class_id.eq(class_id))
        .order(schema::inspections::at)
        .select(InspectionRow::as_select())
        .load(conn)
        .await
}
