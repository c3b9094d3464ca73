//! Officers' inspections of classes (过程监督): findings, and photos kept
//! elsewhere referenced by URL, on the class file.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use platform::auth::Principal;
use uuid::Uuid;

use super::classes::visible;
use super::Error;
use crate::store::inspections::{self, InspectionRow};

/// Records an officer's inspection of a class they may see. Runs in the
/// caller's transaction (the request's idempotency key is recorded in it).
#[tracing::instrument(skip_all, fields(class_id = %class_id, inspection_id))]
pub async fn inspect(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    class_id: Uuid,
    findings: String,
    photo_urls: Vec<String>,
) -> Result<InspectionRow, Error> {
    visible(conn, who, class_id).await?;
    let row = InspectionRow {
        id: Uuid::now_v7(),
        class_id,
        inspector: who.subject().to_owned(),
        at: Utc::now(),
        findings,
        photo_urls,
    };
    tracing::Span::current().record("inspection_id", tracing::field::display(row.id));
    inspections::insert(conn, &row).await?;
    Ok(row)
}
