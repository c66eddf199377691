//! What the mock gateway makes of a connection's items: the real gateway's reading of a client
//! that breaks the framing, on top of the one [`Connection`] type.

use std::io;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite;

use crate::codec::FramingError;
use crate::frame::{ClientFrame, MalformedFrame};
use crate::role::Gateway;
use crate::transport::ws::WsError;
use crate::transport::{Connection, TransportError, TransportKind};

/// What a connection read.
pub(crate) enum Inbound {
    /// A classified frame.
    Frame(ClientFrame),
    /// A frame whose body could not be classified (the stream goes on).
    Malformed(MalformedFrame),
    /// The length prefix (TCP) or message size (WebSocket) broke the framing; nothing more can
    /// be read as frames.
    Violation(String),
    /// Bytes after a framing violation, read and thrown away.
    Discarded,
    /// The client closed the connection (`None`) or reading failed.
    Ended(Option<String>),
}

/// One client connection, as the gateway reads it.
pub(crate) struct Link {
    connection: Connection<Gateway>,
    /// The framing broke: the rest of a TCP stream is read raw and discarded, until the client
    /// closes.
    broken: bool,
    scratch: Box<[u8]>,
}

impl Link {
    pub(crate) fn new(connection: Connection<Gateway>) -> Link {
        Link {
            connection,
            broken: false,
            scratch: Box::default(),
        }
    }

    /// Which transport it uses.
    pub(crate) fn kind(&self) -> TransportKind {
        self.connection.kind()
    }

    /// The next thing that arrived. Cancel-safe: nothing is lost if the future is dropped.
    pub(crate) async fn recv(&mut self) -> Inbound {
        if self.broken {
            let Some(stream) = self.connection.tcp_stream_mut() else {
                return Inbound::Ended(None);
            };
            if self.scratch.is_empty() {
                self.scratch = vec![0; 4096].into_boxed_slice();
            }
            return match stream.read(&mut self.scratch).await {
                Ok(0) => Inbound::Ended(None),
                Ok(_) => Inbound::Discarded,
                Err(e) => Inbound::Ended(Some(e.to_string())),
            };
        }
        match self.connection.next().await {
            Some(Ok(Ok(frame))) => Inbound::Frame(frame),
            Some(Ok(Err(malformed))) => Inbound::Malformed(malformed),
            Some(Err(error)) => self.failed(error),
            None => Inbound::Ended(None),
        }
    }

    fn failed(&mut self, error: TransportError) -> Inbound {
        let inbound = reading_of(error);
        // Only a TCP stream goes on after a violation, as bytes that are no longer frames.
        self.broken = matches!(inbound, Inbound::Violation(_))
            && self.connection.kind() == TransportKind::Tcp;
        inbound
    }

    /// Writes one frame body (empty: a heartbeat ack) and flushes it.
    pub(crate) async fn send(&mut self, body: Bytes) -> Result<(), String> {
        self.connection.send(body).await.map_err(|e| e.to_string())
    }

    /// Closes the connection from the gateway's side, as the real gateway does.
    pub(crate) async fn close(self) {
        self.connection.close_as_gateway().await;
    }
}

/// What the gateway makes of a failure of the connection: a length prefix or a message size
/// over the limit is a framing violation, the peer going away mid-frame or resetting is the
/// end, anything else a transport error.
fn reading_of(error: TransportError) -> Inbound {
    match error {
        TransportError::Io(e) => Inbound::Ended(peer_error(&e)),
        TransportError::Framing(
            e @ (FramingError::TruncatedHeader { .. } | FramingError::TruncatedFrame { .. }),
        ) => Inbound::Ended(Some(e.to_string())),
        TransportError::Framing(e) => Inbound::Violation(e.to_string()),
        TransportError::WebSocket(e @ WsError::MessageTooLarge { .. }) => {
            Inbound::Violation(e.to_string())
        }
        TransportError::WebSocket(WsError::Transport(e)) => Inbound::Ended(match *e {
            tungstenite::Error::Io(ref io) => peer_error(io),
            tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => None,
            ref other => Some(other.to_string()),
        }),
        other => Inbound::Ended(Some(other.to_string())),
    }
}

/// A connection reset or abort reads as the client going away, not as an error worth naming.
fn peer_error(error: &io::Error) -> Option<String> {
    match error.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => None,
        _ => Some(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(error: TransportError) -> Option<String> {
        match reading_of(error) {
            Inbound::Violation(what) => Some(what),
            _ => None,
        }
    }

    fn ended(error: TransportError) -> Option<Option<String>> {
        match reading_of(error) {
            Inbound::Ended(error) => Some(error),
            _ => None,
        }
    }

    #[test]
    fn oversize_websocket_messages_and_bad_length_prefixes_are_framing_violations() {
        let oversize = WsError::MessageTooLarge { len: 65, max: 64 };
        assert_eq!(
            violation(TransportError::WebSocket(oversize)).as_deref(),
            Some("inbound message of 65 bytes exceeds max 64")
        );
        for error in [
            FramingError::FrameTooLarge {
                len: 16385,
                max: 16384,
            },
            FramingError::LengthOverflow { declared: 1 << 31 },
            FramingError::VarintTooLong,
        ] {
            let what = error.to_string();
            assert_eq!(violation(TransportError::Framing(error)), Some(what));
        }
    }

    #[test]
    fn a_client_going_away_ends_the_connection_without_an_error() {
        for kind in [io::ErrorKind::ConnectionReset, io::ErrorKind::UnexpectedEof] {
            let reset = TransportError::Io(io::Error::from(kind));
            assert_eq!(ended(reset), Some(None));
        }
        let closed = WsError::Transport(Box::new(tungstenite::Error::ConnectionClosed));
        assert_eq!(ended(TransportError::WebSocket(closed)), Some(None));
        // Cut off mid-frame, or a socket error worth naming: the end, with what happened.
        let cut = FramingError::TruncatedFrame {
            expected: 9,
            received: 3,
        };
        let what = cut.to_string();
        assert_eq!(ended(TransportError::Framing(cut)), Some(Some(what)));
        let denied = TransportError::Io(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(matches!(ended(denied), Some(Some(_))));
    }
}
