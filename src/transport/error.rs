//! Every way a connection can fail: its address, connecting, the handshake, and the frames
//! once it is open.

use std::io;
use std::time::Duration;

use tungstenite::error::CapacityError;

use crate::codec::{FramingError, OutboundError};

/// A failure of a connection: before it is open (address, connect, timeout, WebSocket
/// handshake) or while it carries frames (I/O, TCP framing, WebSocket protocol).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The server address could not be understood.
    #[error("invalid server address {address:?}: {problem}")]
    InvalidAddress {
        /// The address as given.
        address: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The connection could not be made (refused, unreachable, name not resolved).
    #[error("cannot connect to {server}: {source}")]
    Connect {
        /// The address being connected to.
        server: String,
        /// What went wrong.
        #[source]
        source: io::Error,
    },
    /// No connection (and handshake) within the connect timeout.
    #[error("no connection to {server} within {timeout:?}")]
    ConnectTimeout {
        /// The address being connected to.
        server: String,
        /// The connect timeout.
        timeout: Duration,
    },
    /// The WebSocket handshake (or the TLS one under it) failed.
    #[error("WebSocket handshake with {server} failed: {source}")]
    Handshake {
        /// The address (or peer) of the handshake.
        server: String,
        /// What went wrong.
        #[source]
        source: WsError,
    },
    /// The socket failed.
    #[error(transparent)]
    Io(io::Error),
    /// The TCP byte stream broke the varint32 framing, or a frame was refused before it was
    /// sent.
    #[error(transparent)]
    Framing(FramingError),
    /// The WebSocket connection failed or broke the protocol, or a message was refused before
    /// it was sent.
    #[error(transparent)]
    WebSocket(WsError),
}

impl TransportError {
    /// `true` for failures before the connection was open (address, connect, timeout,
    /// handshake).
    pub fn is_connect_failure(&self) -> bool {
        matches!(
            self,
            TransportError::InvalidAddress { .. }
                | TransportError::Connect { .. }
                | TransportError::ConnectTimeout { .. }
                | TransportError::Handshake { .. }
        )
    }
}

impl From<FramingError> for TransportError {
    fn from(error: FramingError) -> Self {
        match error {
            FramingError::Io(io) => TransportError::Io(io),
            other => TransportError::Framing(other),
        }
    }
}

impl From<WsError> for TransportError {
    fn from(error: WsError) -> Self {
        TransportError::WebSocket(error)
    }
}

/// What can go wrong on a WebSocket connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WsError {
    /// The peer sent a message larger than the inbound limit. The stream ends.
    #[error("inbound message of {len} bytes exceeds max {max}")]
    MessageTooLarge {
        /// The message size (as far as it was read, when tungstenite refused it early).
        len: usize,
        /// The inbound limit.
        max: usize,
    },
    /// A message was refused before anything was sent (too large, or empty).
    #[error(transparent)]
    Outbound(#[from] OutboundError),
    /// The WebSocket layer or the connection under it failed.
    #[error(transparent)]
    Transport(Box<tungstenite::Error>),
}

impl From<tungstenite::Error> for WsError {
    fn from(error: tungstenite::Error) -> Self {
        match error {
            tungstenite::Error::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
                WsError::MessageTooLarge {
                    len: size,
                    max: max_size,
                }
            }
            other => WsError::Transport(Box::new(other)),
        }
    }
}
