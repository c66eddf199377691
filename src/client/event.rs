//! What a client reports besides the answers to its calls: pushes, notifications, heartbeat
//! failures, orphan responses, the end of the session and of the connection.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::broadcast;

use crate::frame::{self, CloseNotice, MalformedFrame, RequestKind, ServerFrame};
use crate::proto::TurmsRequest;
use crate::status::{Recommendation, ResponseStatusCode, SessionCloseStatus};
use crate::transport::TransportError;

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
    /// The connection is gone. Always the last event.
    Disconnected,
    /// A frame as it arrived (only with [`ClientBuilder::trace_frames`](super::ClientBuilder::trace_frames)),
    /// before the event it causes.
    FrameReceived(ServerFrame),
    /// A frame body as it was sent (empty for a heartbeat; only with
    /// [`ClientBuilder::trace_frames`](super::ClientBuilder::trace_frames)).
    FrameSent(Bytes),
    /// This receiver fell behind and `missed` events were dropped for it.
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
    /// This client closed it ([`Client::close`](super::Client::close), a logout that got no
    /// answer in time, or every handle dropped).
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
