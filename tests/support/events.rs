//! Waiting for one kind of client event in tests.

use std::time::Duration;

use turms_wire::client::{Event, Events};

/// How long a test waits for an event that should come at once.
const WAIT: Duration = Duration::from_secs(5);

/// The next event that `pick` accepts, skipping others; panics if none comes in time.
pub async fn next_matching<T>(events: &mut Events, mut pick: impl FnMut(Event) -> Option<T>) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            let event = events.recv().await.expect("event stream open");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    })
    .await
    .expect("the expected event arrives")
}
