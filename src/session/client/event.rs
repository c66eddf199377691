//! What a client session reports besides the outcomes of its calls: pushes, notifications,
//! heartbeat failures, orphan responses, the end of the session and of the connection.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use crate::frame::{self, CloseNotice, MalformedFrame, RequestKind, ServerFrame};
use crate::proto::TurmsRequest;
use crate::status::{Recommendation, ResponseStatusCode, SessionCloseStatus};
use crate::transport::TransportError;

/// One thing that happened on a connection, in the order it happened.
///
/// Events come out of [`ClientSession::poll_event`](super::ClientSession::poll_event) (and, for
/// the async client, out of its `Events`). The session's end is always reported as
/// [`SessionClosed`](Event::SessionClosed) (once), followed by
/// [`Disconnected`](Event::Disconnected) (once, last); when the server closed the session,
/// `SessionClosed` carries its status, code and reason, and nothing the socket does afterwards
/// replaces it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// The server told this connection its session id and node id (after a login).
    SessionInfo(frame::SessionInfo),
    /// Another user's request, relayed to us (a message, a friend request, …).
    Push(PushEvent),
    /// A notification that is neither a response, a push, a close nor session info.
    Notification(frame::Notification),
    /// The server acknowledged a heartbeat.
    HeartbeatAck,
    /// The server refused a heartbeat (`request_id = -100`): 2104 when it has no session,
    /// 1201 when it is unavailable.
    HeartbeatFailure {
        /// The server's code, if it sent one.
        code: Option<ResponseStatusCode>,
        /// The server's reason, if any.
        reason: Option<String>,
    },
    /// A response to no request we are waiting for: `request_id = -1` (the gateway could not
    /// parse a request), or a response that came after its request timed out.
    OrphanResponse(frame::Response),
    /// A frame whose envelope could not be read. The connection goes on (the framing was
    /// intact).
    InvalidFrame(MalformedFrame),
    /// A push whose relayed request does not decode (its envelope was fine).
    UndecodablePush {
        /// The push as it arrived.
        frame: frame::Push,
        /// Why its relayed request does not decode.
        error: prost::DecodeError,
    },
    /// The session ended: the server's close notification, the connection dropping, or a
    /// local close. Reported once, before [`Disconnected`](Event::Disconnected).
    SessionClosed(CloseInfo),
    /// The connection failed. Reported before the [`SessionClosed`](Event::SessionClosed)
    /// it causes, and never after a close notification.
    TransportError(Arc<TransportError>),
    /// The connection is gone. Always the last event. Reported by the driver that owns the
    /// connection (the session machine never sees the socket close).
    Disconnected,
    /// A frame as it arrived, before the event it causes. Reported by a driver that traces
    /// frames (the async client's `trace_frames`), never by the machine itself.
    FrameReceived(ServerFrame),
    /// A frame body as it was handed to the connection (empty for a heartbeat). Reported by a
    /// driver that traces frames, never by the machine itself.
    FrameSent(Bytes),
    /// This receiver fell behind and `missed` events were dropped for it (a bounded channel's
    /// report, never the machine's).
    Lagged {
        /// How many events this receiver missed.
        missed: u64,
    },
}

/// A relayed request from another user.
#[derive(Debug, Clone)]
pub struct PushEvent {
    /// The user whose request it is.
    pub requester_id: Option<i64>,
    /// Which request is relayed (`create_message_request` for a message).
    pub kind: Option<RequestKind>,
    /// The relayed request, decoded. Its `request_id` is the sender's and means nothing here.
    pub request: Arc<TurmsRequest>,
    /// The frame as it arrived.
    pub frame: frame::Push,
}

/// Where the end of a session came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseOrigin {
    /// The server's close notification (`close_status` present).
    Server,
    /// The connection ended without a close notification.
    Transport,
    /// This client closed it ([`ClientSession::close`](super::ClientSession::close), a login or
    /// logout that got no answer in time, an abandoned login, or every handle of the async
    /// client dropped).
    Local,
}

/// Why and how a session ended: the official clients' `SessionCloseInfo`, the server's
/// [`CloseNotice`] with where the close came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// The close status, code and reason: the server's, or `300 CONNECTION_CLOSED` alone when
    /// the connection ended without a close notification.
    pub notice: CloseNotice,
    /// Where the close came from.
    pub origin: CloseOrigin,
}

impl CloseInfo {
    /// The close the server announced.
    pub(crate) fn from_server(close: &frame::Close) -> CloseInfo {
        CloseInfo {
            notice: close.notice(),
            origin: CloseOrigin::Server,
        }
    }

    /// A close with no notification from the server.
    pub(crate) fn connection_closed(origin: CloseOrigin) -> CloseInfo {
        CloseInfo {
            notice: CloseNotice::new(SessionCloseStatus::CONNECTION_CLOSED),
            origin,
        }
    }

    /// The close status.
    pub fn status(&self) -> SessionCloseStatus {
        self.notice.status
    }

    /// The business code of the failure behind the close, if the server gave one.
    pub fn code(&self) -> Option<ResponseStatusCode> {
        self.notice.code
    }

    /// The server's reason, if any (server errors hide it by default).
    pub fn reason(&self) -> Option<&str> {
        self.notice.reason.as_deref()
    }

    /// `true` if the server announced this close.
    pub fn is_from_server(&self) -> bool {
        self.origin == CloseOrigin::Server
    }

    /// What to do next, in this crate's reading of the status (the client never reconnects
    /// by itself).
    pub fn recommendation(&self) -> Option<Recommendation> {
        self.notice.status.recommendation()
    }
}

impl fmt::Display for CloseInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.notice)?;
        match self.origin {
            CloseOrigin::Server => Ok(()),
            CloseOrigin::Transport => f.write_str(" (connection dropped)"),
            CloseOrigin::Local => f.write_str(" (closed locally)"),
        }
    }
}
