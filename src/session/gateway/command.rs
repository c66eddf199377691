//! What reaches a connection from outside its own transport, and the commands one connection's
//! machine leaves for another's.

use bytes::Bytes;

use crate::frame::CloseNotice;

/// What a connection is told from outside its own transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Write this notification as it is (a push to the session).
    Push(Bytes),
    /// Close the session with this notice (a kick, or an admin's close).
    Close(CloseNotice),
    /// The gateway is stopping: a session closes with `SERVER_CLOSED` (201), a connection
    /// without one ends without a word.
    Shutdown,
}

/// A [`Command`] for another connection, which only the driver can reach: "kick the session
/// on connection 3", "push these bytes to connection 5".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    /// The connection it is for (its [`GatewaySession::connection_id`](super::GatewaySession::connection_id)).
    pub connection: u64,
    /// What that connection's machine is to handle.
    pub command: Command,
}
