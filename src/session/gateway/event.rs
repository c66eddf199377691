//! What the gateway reports as it runs: one [`GatewayEvent`] per session event, each printable
//! as one line.

use std::fmt;
use std::net::SocketAddr;

use crate::proto::DeviceType;
use crate::status::ResponseStatusCode;

use super::registry::Session;
use crate::frame::CloseNotice;
use crate::transport::TransportKind;

/// Something that happened on a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GatewayEvent {
    /// A client connected (for WebSocket: the handshake is done).
    ConnectionOpened {
        /// The connection's number, unique for the gateway's lifetime.
        connection: u64,
        /// Its transport.
        transport: TransportKind,
        /// The client's address.
        peer: SocketAddr,
    },
    /// A login succeeded.
    LoginSucceeded {
        /// The connection's number.
        connection: u64,
        /// The new session.
        session: Session,
    },
    /// A login was refused; the connection stays open.
    LoginFailed {
        /// The connection's number.
        connection: u64,
        /// The user who tried.
        user_id: i64,
        /// Their device type.
        device_type: DeviceType,
        /// The response code sent.
        code: ResponseStatusCode,
    },
    /// A request was refused before reaching any handler (the accept rule, a non-positive id,
    /// a request before login).
    RequestRejected {
        /// The connection's number.
        connection: u64,
        /// The `request_id` of the response (-1 when the request could not be read).
        request_id: i64,
        /// The response code sent.
        code: ResponseStatusCode,
        /// The reason sent, if any.
        reason: Option<String>,
    },
    /// A session ended.
    SessionClosed {
        /// The connection's number.
        connection: u64,
        /// The session's id.
        session_id: i32,
        /// Its user.
        user_id: i64,
        /// Why. When the client went away first, this is `CONNECTION_CLOSED` (300) and was not
        /// sent.
        reason: CloseNotice,
        /// Whether a close notification was sent.
        notified: bool,
    },
    /// A connection ended.
    ConnectionClosed {
        /// The connection's number.
        connection: u64,
        /// How.
        end: ConnectionEnd,
        /// The close notification sent before, if one was (a login timeout sends one without
        /// any session).
        notified: Option<CloseNotice>,
    },
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEnd {
    /// The client closed it (or reset it).
    ByPeer,
    /// The gateway closed it after a close notification, or on shutdown.
    ByGateway,
    /// The gateway closed it because a length prefix or message size broke the framing.
    FramingViolation(String),
    /// Reading or writing failed.
    TransportError(String),
}

impl fmt::Display for ConnectionEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionEnd::ByPeer => f.write_str("by the client"),
            ConnectionEnd::ByGateway => f.write_str("by the gateway"),
            ConnectionEnd::FramingViolation(what) => write!(f, "by the gateway: {what}"),
            ConnectionEnd::TransportError(what) => write!(f, "on a transport error: {what}"),
        }
    }
}

impl fmt::Display for GatewayEvent {
    /// One line, starting with the connection number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GatewayEvent::ConnectionOpened {
                connection,
                transport,
                peer,
            } => write!(f, "conn {connection}: {transport} connection from {peer}"),
            GatewayEvent::LoginSucceeded {
                connection,
                session,
            } => write!(
                f,
                "conn {connection}: login ok: user {} device {} session {}",
                session.user_id,
                session.device_type.as_str_name(),
                session.session_id
            ),
            GatewayEvent::LoginFailed {
                connection,
                user_id,
                device_type,
                code,
            } => write!(
                f,
                "conn {connection}: login failed: user {user_id} device {}: {code}",
                device_type.as_str_name()
            ),
            GatewayEvent::RequestRejected {
                connection,
                request_id,
                code,
                reason,
            } => {
                write!(f, "conn {connection}: request {request_id} refused: {code}")?;
                match reason {
                    Some(reason) => write!(f, " ({reason})"),
                    None => Ok(()),
                }
            }
            GatewayEvent::SessionClosed {
                connection,
                session_id,
                user_id,
                reason,
                notified,
            } => write!(
                f,
                "conn {connection}: session {session_id} of user {user_id} closed: {reason}{}",
                if *notified { "" } else { " (not notified)" }
            ),
            GatewayEvent::ConnectionClosed {
                connection,
                end,
                notified,
            } => {
                write!(f, "conn {connection}: connection closed {end}")?;
                match notified {
                    Some(close) => write!(f, " after close notification {close}"),
                    None => Ok(()),
                }
            }
        }
    }
}
