//! Waiting in tests: generous deadlines, so that a slow, busy machine never fails a test that
//! would pass, while a test that hangs still fails instead of stalling the suite.
//!
//! The one deadline wrapper is [`deadline`] ([`within`] for a step, [`bounded`] for a whole
//! test); tests that block a thread on a child process or a socket use [`SAFETY_NET`] and
//! [`recv`]. A test that checks that something does *not* happen within a short time uses
//! `tokio::time::timeout` itself: that is a measurement, not a deadline.

use std::future::Future;
use std::panic::Location;
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// How long a test waits for something that should happen at once.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long a whole loopback test may take.
pub const WHOLE_TEST: Duration = Duration::from_secs(60);

/// How long one blocking step of a test (a socket read, a line from a child process) may take:
/// a safety net so that a broken binary fails the test instead of hanging it, not a measure of
/// speed.
pub const SAFETY_NET: Duration = Duration::from_secs(60);

/// `future`'s output, or a panic naming `what` and the caller when it takes longer than `limit`.
#[track_caller]
pub fn deadline<F: Future>(
    limit: Duration,
    what: &'static str,
    future: F,
) -> impl Future<Output = F::Output> {
    let caller = Location::caller();
    async move {
        match tokio::time::timeout(limit, future).await {
            Ok(output) => output,
            Err(_) => panic!("{caller}: {what} did not happen within {limit:?}"),
        }
    }
}

/// [`deadline`] with [`WAIT`]: for one step that should happen at once.
#[track_caller]
pub fn within<F: Future>(what: &'static str, future: F) -> impl Future<Output = F::Output> {
    deadline(WAIT, what, future)
}

/// [`deadline`] with [`WHOLE_TEST`]: for a whole test.
#[track_caller]
pub fn bounded<F: Future<Output = ()>>(test: F) -> impl Future<Output = ()> {
    deadline(WHOLE_TEST, "the test", test)
}

/// The next item from a channel fed by another thread, or a panic naming `what` and the caller
/// when none comes within [`SAFETY_NET`] (or the sending side is gone).
#[track_caller]
pub fn recv<T>(channel: &Receiver<T>, what: &str) -> T {
    match channel.recv_timeout(SAFETY_NET) {
        Ok(item) => item,
        Err(error) => panic!("{}: {what}: {error}", Location::caller()),
    }
}

/// The first item from `next` that `pick` accepts, skipping the others; panics when the source
/// ends or nothing is accepted within [`WAIT`].
///
/// ```text
/// let push = next_matching(async || events.recv().await, |event| match event {
///     Event::Push(push) => Some(push),
///     _ => None,
/// })
/// .await;
/// ```
pub async fn next_matching<E, T>(
    mut next: impl AsyncFnMut() -> Option<E>,
    mut pick: impl FnMut(E) -> Option<T>,
) -> T {
    within("the expected event", async {
        loop {
            let item = next().await.expect("the event source is open");
            if let Some(found) = pick(item) {
                return found;
            }
        }
    })
    .await
}
