//! What a client reports besides the answers to its calls: pushes, notifications, heartbeat
//! failures, orphan responses, the end of the session and of the connection.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::broadcast;

use super::connection::{InvalidFrame, TransportError};
use crate::frame::{self, Frame, RequestKind};
use crate::proto::TurmsRequest;
use crate::status::{Recommendation, ResponseStatusCode, SessionCloseStatus};

/// One thing that happened on a connection, in the order it happened.
///
/// Events come out of [`Events`]. The session's end is always reported as
/// [`SessionClosed`](Event::SessionClosed) (once), followed by
/// [`Disconnected`](Event::Disconnected) (once, last); when the server closed the session,
/// `SessionClosed` carries its status, code and reason, and nothing the socket does afterwards
/// replaces it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// The server told this connection its session id and node id (after a login).
    SessionInfo(Session),
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
    /// A frame that could not be read. The connection goes on (the framing was intact).
    InvalidFrame(InvalidFrame),
    /// The session ended: the server's close notification, the connection dropping, or a
    /// local close. Reported once, before [`Disconnected`](Event::Disconnected).
    SessionClosed(CloseInfo),
    /// The connection failed. Reported before the [`SessionClosed`](Event::SessionClosed)
    /// it causes, and never after a close notification.
    TransportError(Arc<TransportError>),
    /// The connection is gone. Always the last event.
    Disconnected,
    /// A frame as it arrived (only with [`ClientBuilder::trace_frames`](super::ClientBuilder::trace_frames)),
    /// before the event it causes.
    FrameReceived(Frame),
    /// A frame body as it was sent (empty for a heartbeat; only with
    /// [`ClientBuilder::trace_frames`](super::ClientBuilder::trace_frames)).
    FrameSent(Bytes),
    /// This receiver fell behind and `missed` events were dropped for it.
    Lagged {
        /// How many events this receiver missed.
        missed: u64,
    },
}

/// The session id and gateway node id the server assigns at login.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// The session id: the decimal string of a positive int32 (`None` if the gateway does not
    /// send session info, which it may be configured not to).
    pub session_id: Option<String>,
    /// The gateway node's id.
    pub server_id: Option<String>,
}

impl Session {
    /// The session id as the number it spells (the UDP heartbeat needs it), if it is one.
    pub fn session_id_number(&self) -> Option<i32> {
        self.session_id.as_deref()?.parse().ok()
    }

    pub(crate) fn from_frame(info: &frame::SessionInfo) -> Session {
        Session {
            session_id: info.session_id().map(str::to_owned),
            server_id: info.server_id().map(str::to_owned),
        }
    }
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
    /// This client closed it ([`Client::close`](super::Client::close), a logout that got no
    /// answer in time, or every handle dropped).
    Local,
}

/// Why and how a session ended: the official clients' `SessionCloseInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// The close status: the server's, or `300 CONNECTION_CLOSED` when the connection ended
    /// without one.
    pub status: SessionCloseStatus,
    /// The business code of the failure behind the close, if the server gave one.
    pub code: Option<ResponseStatusCode>,
    /// The server's reason, if any (server errors hide it by default).
    pub reason: Option<String>,
    /// Where the close came from.
    pub origin: CloseOrigin,
}

impl CloseInfo {
    /// The close the server announced.
    pub(crate) fn from_server(closed: &frame::Closed) -> CloseInfo {
        CloseInfo {
            status: closed.status(),
            code: closed.code(),
            reason: closed
                .reason()
                .map(|reason| reason.map(str::to_owned).unwrap_or_else(|_| lossy(closed))),
            origin: CloseOrigin::Server,
        }
    }

    /// A close with no notification from the server.
    pub(crate) fn connection_closed(origin: CloseOrigin) -> CloseInfo {
        CloseInfo {
            status: SessionCloseStatus::CONNECTION_CLOSED,
            code: None,
            reason: None,
            origin,
        }
    }

    /// `true` if the server announced this close.
    pub fn is_from_server(&self) -> bool {
        self.origin == CloseOrigin::Server
    }

    /// What to do next, in this crate's reading of the status (the client never reconnects
    /// by itself).
    pub fn recommendation(&self) -> Option<Recommendation> {
        self.status.recommendation()
    }
}

fn lossy(closed: &frame::Closed) -> String {
    String::from_utf8_lossy(closed.envelope().reason_bytes().unwrap_or_default()).into_owned()
}

impl fmt::Display for CloseInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(code) = self.code {
            write!(f, ", code {code}")?;
        }
        if let Some(reason) = &self.reason {
            write!(f, ", reason {reason:?}")?;
        }
        match self.origin {
            CloseOrigin::Server => Ok(()),
            CloseOrigin::Transport => f.write_str(" (connection dropped)"),
            CloseOrigin::Local => f.write_str(" (closed locally)"),
        }
    }
}

/// A receiver of a client's [`Event`]s.
///
/// Bounded: a receiver that falls more than the configured capacity behind loses the oldest
/// events and is told how many with [`Event::Lagged`], so a peer flooding the connection can
/// neither stall the client nor make it buffer without limit. After
/// [`Event::Disconnected`], [`recv`](Events::recv) returns `None`.
#[derive(Debug)]
pub struct Events {
    receiver: broadcast::Receiver<Event>,
}

impl Events {
    pub(crate) fn new(receiver: broadcast::Receiver<Event>) -> Events {
        Events { receiver }
    }

    /// The next event, waiting for it; `None` once the connection is gone and every event has
    /// been received.
    pub async fn recv(&mut self) -> Option<Event> {
        match self.receiver.recv().await {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(missed)) => Some(Event::Lagged { missed }),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next event if one is ready, without waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        match self.receiver.try_recv() {
            Ok(event) => Some(event),
            Err(broadcast::error::TryRecvError::Lagged(missed)) => Some(Event::Lagged { missed }),
            Err(_) => None,
        }
    }
}
