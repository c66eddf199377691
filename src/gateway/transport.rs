//! The two transports behind one small interface, so the session logic is written once.

use std::future::Future;
use std::io;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_util::codec::Framed;

use crate::codec::{FramingError, GatewayCodec, MalformedFrame};
use crate::frame::ClientFrame;
use crate::ws::{GatewayWs, WsError};

use super::session::TransportKind;

/// What a transport read.
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

/// One client connection, seen as frames.
pub(crate) trait Transport: Send + 'static {
    /// Which transport this is.
    const KIND: TransportKind;

    /// The next thing that arrived. Cancel-safe: nothing is lost if the future is dropped.
    fn recv(&mut self) -> impl Future<Output = Inbound> + Send;

    /// Writes one frame body (empty: a heartbeat ack) and flushes it.
    fn send(&mut self, body: Bytes) -> impl Future<Output = Result<(), String>> + Send;

    /// Closes the connection from the gateway's side, as the real gateway does.
    fn close(self) -> impl Future<Output = ()> + Send;
}

/// Varint32-framed TCP.
pub(crate) struct Tcp {
    framed: Framed<TcpStream, GatewayCodec>,
    /// The framing broke: the rest of the stream is read raw and discarded, until the client
    /// closes.
    broken: bool,
    scratch: Box<[u8]>,
}

impl Tcp {
    pub fn new(stream: TcpStream, codec: GatewayCodec) -> Self {
        Tcp {
            framed: Framed::new(stream, codec),
            broken: false,
            scratch: Box::default(),
        }
    }
}

impl Transport for Tcp {
    const KIND: TransportKind = TransportKind::Tcp;

    async fn recv(&mut self) -> Inbound {
        if self.broken {
            if self.scratch.is_empty() {
                self.scratch = vec![0; 4096].into_boxed_slice();
            }
            return match self.framed.get_mut().read(&mut self.scratch).await {
                Ok(0) => Inbound::Ended(None),
                Ok(_) => Inbound::Discarded,
                Err(e) => Inbound::Ended(Some(e.to_string())),
            };
        }
        match self.framed.next().await {
            Some(Ok(Ok(frame))) => Inbound::Frame(frame),
            Some(Ok(Err(malformed))) => Inbound::Malformed(malformed),
            Some(Err(FramingError::Io(e))) => Inbound::Ended(peer_error(&e)),
            Some(Err(
                e @ (FramingError::TruncatedHeader { .. } | FramingError::TruncatedFrame { .. }),
            )) => Inbound::Ended(Some(e.to_string())),
            Some(Err(e)) => {
                self.broken = true;
                Inbound::Violation(e.to_string())
            }
            None => Inbound::Ended(None),
        }
    }

    async fn send(&mut self, body: Bytes) -> Result<(), String> {
        self.framed.send(body).await.map_err(|e| e.to_string())
    }

    async fn close(self) {
        // SO_LINGER=0, as the real gateway sets it: closing sends a reset, not a FIN.
        let stream = self.framed.into_inner();
        let _ = stream.set_zero_linger();
        drop(stream);
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

/// WebSocket, one binary message per frame.
pub(crate) struct Ws {
    ws: GatewayWs<TcpStream>,
}

impl Ws {
    pub fn new(ws: GatewayWs<TcpStream>) -> Self {
        Ws { ws }
    }
}

impl Transport for Ws {
    const KIND: TransportKind = TransportKind::WebSocket;

    async fn recv(&mut self) -> Inbound {
        match self.ws.next().await {
            Some(Ok(Ok(frame))) => Inbound::Frame(frame),
            Some(Ok(Err(malformed))) => Inbound::Malformed(malformed),
            Some(Err(e @ WsError::MessageTooLarge { .. })) => Inbound::Violation(e.to_string()),
            Some(Err(WsError::Transport(e))) => Inbound::Ended(match *e {
                tokio_tungstenite::tungstenite::Error::Io(ref io) => peer_error(io),
                tokio_tungstenite::tungstenite::Error::ConnectionClosed
                | tokio_tungstenite::tungstenite::Error::AlreadyClosed => None,
                ref other => Some(other.to_string()),
            }),
            Some(Err(e)) => Inbound::Ended(Some(e.to_string())),
            None => Inbound::Ended(None),
        }
    }

    async fn send(&mut self, body: Bytes) -> Result<(), String> {
        self.ws.send(body).await.map_err(|e| e.to_string())
    }

    async fn close(mut self) {
        // The real gateway's close frame: 1000, no reason. The reason for the close went in
        // the close notification before it.
        let _ = self
            .ws
            .close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }))
            .await;
    }
}
