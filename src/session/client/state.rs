//! Where a session stands: the public [`SessionState`], and the phase the machine keeps with
//! what each state needs to remember.

use super::call::CallId;
use super::event::CloseInfo;

/// Where a client's session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Connected, not logged in.
    Connected,
    /// A login is waiting for its answer.
    LoggingIn,
    /// Logged in: requests can be sent.
    Open,
    /// A logout is waiting for the server to close the session.
    LoggingOut,
    /// The session is over.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    Connected,
    /// The login `call` is waiting for its response.
    LoggingIn {
        call: CallId,
    },
    Open,
    /// The logout went out with `request_id`; later logouts wait for the same close.
    LoggingOut {
        request_id: i64,
    },
    Closed(CloseInfo),
}

impl Phase {
    pub(crate) fn state(&self) -> SessionState {
        match self {
            Phase::Connected => SessionState::Connected,
            Phase::LoggingIn { .. } => SessionState::LoggingIn,
            Phase::Open => SessionState::Open,
            Phase::LoggingOut { .. } => SessionState::LoggingOut,
            Phase::Closed(_) => SessionState::Closed,
        }
    }
}
