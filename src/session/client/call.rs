//! What the machine hands back for each call: its id, and its outcome.

use super::answer::Answer;
use super::error::ClientError;
use super::event::CloseInfo;
use super::login::LoggedIn;

/// One call the machine accepted (a login, a request, a heartbeat or a logout), from the
/// moment it was made until its [`Outcome`]. Ids are never reused by a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub(crate) u64);

/// What a call completed with, by the kind of call.
#[derive(Debug, Clone)]
pub enum Completion {
    /// A [`login`](super::ClientSession::login): the session is open.
    LoggedIn(LoggedIn),
    /// A [`request`](super::ClientSession::request): the server's success answer (1000–1099).
    Answered(Answer),
    /// A [`heartbeat`](super::ClientSession::heartbeat): the server acknowledged it.
    HeartbeatAcked,
    /// A [`logout`](super::ClientSession::logout): how the session ended.
    LoggedOut(CloseInfo),
}

/// The end of one call.
#[derive(Debug)]
pub struct Outcome {
    /// Which call.
    pub call: CallId,
    /// How it ended: always the [`Completion`] of its own kind when it succeeded.
    pub result: Result<Completion, ClientError>,
}
