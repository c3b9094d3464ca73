//! Waiting for what happens asynchronously (an event consumed, a read
//! model caught up): one polling loop for every test.

use std::future::Future;
use std::time::Duration;

/// How often [`eventually`] asks again.
const EVERY: Duration = Duration::from_millis(100);

/// Asks `attempt` every 100 ms until it answers `Ok`, for at most `wait`,
/// and returns that answer; fails the test with the last `Err` (what was
/// still missing) once `wait` has passed.
pub async fn eventually<T, F, Fut>(wait: Duration, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match attempt().await {
            Ok(done) => return done,
            Err(missing) if tokio::time::Instant::now() >= deadline => {
                panic!("still waiting after {wait:?}: {missing}")
            }
            Err(_) => tokio::time::sleep(EVERY).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn answers_as_soon_as_the_attempt_succeeds() {
        let tries = AtomicU32::new(0);
        let got = eventually(Duration::from_secs(5), || async {
            let n = tries.fetch_add(1, Ordering::SeqCst) + 1;
            if n < 3 {
                Err(format!("try {n}"))
            } else {
                Ok(n)
            }
        })
        .await;
        assert_eq!(got, 3);
        assert_eq!(tries.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    #[should_panic(expected = "still waiting after 200ms: never")]
    async fn fails_with_what_was_still_missing() {
        eventually(Duration::from_millis(200), || async {
            Err::<(), _>("never".to_owned())
        })
        .await;
    }
}
