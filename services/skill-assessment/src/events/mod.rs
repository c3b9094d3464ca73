//! What this service publishes, and the read model of delivery's
//! completions that candidates register from.

use std::sync::Arc;

use contracts::assessment::{CERTIFICATES_TOPIC, LEADING_TALENTS_TOPIC, RESULTS_TOPIC};
use contracts::delivery::{CompletionEvent, ENROLMENTS_TOPIC, TRAINEE_COMPLETED};
use diesel_async::AsyncPgConnection;
use messaging::{EventHandler, ReceivedEvent};

use crate::app;

/// Topics this service owns (and creates with its `topics` command).
pub const OWNED_TOPICS: [&str; 3] = [RESULTS_TOPIC, CERTIFICATES_TOPIC, LEADING_TALENTS_TOPIC];

/// Delivery's completions (`app::completions`); other enrolment events are
/// not needed here.
pub struct Completions;

#[messaging::async_trait]
impl EventHandler for Completions {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &ReceivedEvent,
    ) -> anyhow::Result<()> {
        if event.envelope.event_type == TRAINEE_COMPLETED {
            let completion: CompletionEvent = event.payload()?;
            app::completions::record(conn, &completion).await?;
        }
        Ok(())
    }
}

/// The consumers this service runs.
pub fn consumers() -> Vec<runtime::Consumer> {
    vec![(
        "skill-assessment.completions",
        vec![ENROLMENTS_TOPIC],
        Arc::new(Completions),
    )]
}
