//! Training delivery's completions (结业), kept so that a completer may sit
//! the exam of the class's occupation and level without entry rules.

use contracts::delivery::CompletionEvent;
use diesel_async::AsyncPgConnection;

use super::Error;
use crate::store;

/// Keeps a completion that passed; a repeat changes nothing.
#[tracing::instrument(skip_all, fields(enrolment_id = %completion.enrolment_id, class_id = %completion.class_id))]
pub async fn record(
    conn: &mut AsyncPgConnection,
    completion: &CompletionEvent,
) -> Result<(), Error> {
    if completion.completed {
        store::completions::record(conn, completion).await?;
    }
    Ok(())
}
