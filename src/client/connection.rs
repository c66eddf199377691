//! The transport under a client: TCP (varint32 framing) or WebSocket (one binary message per
//! frame), behind one reader and one writer of frame bodies.

use std::fmt;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_tungstenite::MaybeTlsStream;
use tokio_util::codec::{FramedRead, FramedWrite};

use super::error::ClientError;
use crate::codec::{ClientCodec, FramingError, Limits, MalformedFrame};
use crate::frame::{ClassifyError, Frame};
use crate::ws::{ClientWs, WsError};

/// Which transport a connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// Plain TCP with varint32 length-prefixed frames (the gateway's port 11510 by default).
    Tcp,
    /// WebSocket, one binary message per frame (port 10510 by default).
    WebSocket,
    /// WebSocket over TLS.
    SecureWebSocket,
}

impl TransportKind {
    /// The URL scheme: `"tcp"`, `"ws"` or `"wss"`.
    pub const fn scheme(self) -> &'static str {
        match self {
            TransportKind::Tcp => "tcp",
            TransportKind::WebSocket => "ws",
            TransportKind::SecureWebSocket => "wss",
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme())
    }
}

/// A gateway address: `tcp://host:port`, `ws://host:port[/path]` or (with the `tls` feature)
/// `wss://host:port[/path]`.
///
/// ```
/// use turms_wire::client::{ServerAddr, TransportKind};
///
/// let addr: ServerAddr = "tcp://127.0.0.1:11510".parse()?;
/// assert_eq!(addr.transport(), TransportKind::Tcp);
/// assert_eq!(addr.host_port(), "127.0.0.1:11510");
/// let addr: ServerAddr = "ws://localhost:10510".parse()?;
/// assert_eq!(addr.transport(), TransportKind::WebSocket);
/// assert!("http://localhost:1".parse::<ServerAddr>().is_err());
/// # Ok::<(), turms_wire::client::ClientError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    transport: TransportKind,
    /// The whole address as given (the WebSocket handshake uses it as its URL).
    url: String,
    /// `host:port`, as given (brackets kept around IPv6 literals).
    host_port: String,
}

impl ServerAddr {
    /// The transport the address names.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// `host:port`.
    pub fn host_port(&self) -> &str {
        &self.host_port
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl std::str::FromStr for ServerAddr {
    type Err = ClientError;

    fn from_str(url: &str) -> Result<Self, ClientError> {
        let invalid = |problem| ClientError::InvalidAddress {
            address: url.to_owned(),
            problem,
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid("expected tcp://, ws:// or wss://"))?;
        let transport = match scheme.to_ascii_lowercase().as_str() {
            "tcp" => TransportKind::Tcp,
            "ws" => TransportKind::WebSocket,
            "wss" if cfg!(feature = "tls") => TransportKind::SecureWebSocket,
            "wss" => return Err(invalid("wss:// needs the `tls` feature")),
            _ => return Err(invalid("expected tcp://, ws:// or wss://")),
        };
        let authority = match transport {
            TransportKind::Tcp if rest.contains('/') => {
                return Err(invalid("a tcp:// address has no path"))
            }
            TransportKind::Tcp => rest,
            _ => rest.split('/').next().unwrap_or_default(),
        };
        let port = match authority.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && !port.contains(']') => port,
            _ => return Err(invalid("expected host:port")),
        };
        port.parse::<u16>()
            .map_err(|_| invalid("the port is not a number from 0 to 65535"))?;
        Ok(ServerAddr {
            transport,
            url: url.to_owned(),
            host_port: authority.to_owned(),
        })
    }
}

/// A failure of the connection under a session: I/O, the TCP framing, or the WebSocket layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The socket failed.
    #[error(transparent)]
    Io(io::Error),
    /// The TCP byte stream broke the varint32 framing (or the socket failed under it).
    #[error(transparent)]
    Framing(FramingError),
    /// The WebSocket connection failed or broke the protocol.
    #[error(transparent)]
    WebSocket(WsError),
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

/// A frame the client received and could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {}-byte frame: {error}", bytes.len())]
pub struct InvalidFrame {
    /// The frame body as received.
    pub bytes: Bytes,
    /// Why it could not be read.
    pub error: InvalidFrameError,
}

/// Why a received frame could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidFrameError {
    /// The envelope is not a valid `TurmsNotification`: the frame could not be classified.
    #[error(transparent)]
    Classify(ClassifyError),
    /// The frame classified, but a payload the client needed (a push's relayed request)
    /// does not decode.
    #[error(transparent)]
    Decode(prost::DecodeError),
}

/// One received frame: classified, or kept raw with the reason it could not be.
pub(crate) type Inbound = Result<Frame, InvalidFrame>;

impl From<MalformedFrame> for InvalidFrame {
    fn from(malformed: MalformedFrame) -> Self {
        InvalidFrame {
            bytes: malformed.bytes,
            error: InvalidFrameError::Classify(malformed.error),
        }
    }
}

type Ws = ClientWs<MaybeTlsStream<TcpStream>>;

/// The receiving half of a connection.
pub(crate) enum FrameReader {
    Tcp(FramedRead<OwnedReadHalf, ClientCodec>),
    Ws(SplitStream<Ws>),
}

/// The sending half of a connection.
pub(crate) enum FrameWriter {
    Tcp(FramedWrite<OwnedWriteHalf, ClientCodec>),
    Ws(SplitSink<Ws, Bytes>),
}

impl FrameReader {
    /// The next frame; `None` once the peer has closed the connection cleanly.
    pub(crate) async fn next(&mut self) -> Option<Result<Inbound, TransportError>> {
        match self {
            FrameReader::Tcp(framed) => framed.next().await.map(|item| {
                item.map(|frame| frame.map_err(Into::into))
                    .map_err(Into::into)
            }),
            FrameReader::Ws(stream) => stream.next().await.map(|item| {
                item.map(|frame| frame.map_err(Into::into))
                    .map_err(Into::into)
            }),
        }
    }
}

impl FrameWriter {
    /// Queues one frame body (empty = heartbeat) without flushing.
    pub(crate) async fn feed(&mut self, body: Bytes) -> Result<(), TransportError> {
        match self {
            FrameWriter::Tcp(framed) => framed.feed(body).await.map_err(Into::into),
            FrameWriter::Ws(sink) => sink.feed(body).await.map_err(Into::into),
        }
    }

    /// Sends everything queued.
    pub(crate) async fn flush(&mut self) -> Result<(), TransportError> {
        match self {
            FrameWriter::Tcp(framed) => SinkExt::<Bytes>::flush(framed).await.map_err(Into::into),
            FrameWriter::Ws(sink) => sink.flush().await.map_err(Into::into),
        }
    }

    /// Ends the sending direction: a FIN on TCP, a close message (1000) on WebSocket.
    pub(crate) async fn close(&mut self) -> Result<(), TransportError> {
        match self {
            FrameWriter::Tcp(framed) => SinkExt::<Bytes>::close(framed).await.map_err(Into::into),
            FrameWriter::Ws(sink) => sink.close().await.map_err(Into::into),
        }
    }
}

/// Opens a connection to `server` within `timeout`.
pub(crate) async fn connect(
    server: &ServerAddr,
    limits: Limits,
    timeout: Duration,
) -> Result<(FrameReader, FrameWriter), ClientError> {
    let attempt = async {
        match server.transport {
            TransportKind::Tcp => {
                let tcp = TcpStream::connect(server.host_port())
                    .await
                    .map_err(|e| ClientError::connect_io(server.as_str(), e))?;
                // The gateway turns Nagle's algorithm off too; requests are small.
                tcp.set_nodelay(true)
                    .map_err(|e| ClientError::connect_io(server.as_str(), e))?;
                let (read, write) = tcp.into_split();
                Ok((
                    FrameReader::Tcp(FramedRead::new(read, ClientCodec::with_limits(limits))),
                    FrameWriter::Tcp(FramedWrite::new(write, ClientCodec::with_limits(limits))),
                ))
            }
            TransportKind::WebSocket | TransportKind::SecureWebSocket => {
                #[cfg(feature = "tls")]
                if server.transport == TransportKind::SecureWebSocket {
                    // rustls needs a process-wide crypto provider; installing it again is a
                    // harmless no-op (and keeps whatever the application installed).
                    let _ = rustls::crypto::ring::default_provider().install_default();
                }
                let ws = ClientWs::connect(server.as_str(), limits)
                    .await
                    .map_err(|e| ClientError::Connect {
                        server: server.to_string(),
                        source: TransportError::WebSocket(e),
                    })?;
                let (sink, stream) = ws.split();
                Ok((FrameReader::Ws(stream), FrameWriter::Ws(sink)))
            }
        }
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(ClientError::ConnectTimeout {
            server: server.to_string(),
            timeout,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_by_scheme() {
        let tcp: ServerAddr = "tcp://[::1]:11510".parse().unwrap();
        assert_eq!(tcp.transport(), TransportKind::Tcp);
        assert_eq!(tcp.host_port(), "[::1]:11510");
        let ws: ServerAddr = "WS://gateway.example:10510/any/path".parse().unwrap();
        assert_eq!(ws.transport(), TransportKind::WebSocket);
        assert_eq!(ws.host_port(), "gateway.example:10510");
        assert_eq!(ws.to_string(), "WS://gateway.example:10510/any/path");
    }

    #[test]
    fn bad_addresses_are_refused_with_a_local_code() {
        for bad in [
            "127.0.0.1:11510",
            "udp://127.0.0.1:1",
            "tcp://127.0.0.1",
            "tcp://127.0.0.1:70000",
            "tcp://:80",
            "tcp://host:1/path",
            "ws://[::1]",
        ] {
            let error = bad.parse::<ServerAddr>().unwrap_err();
            assert_eq!(error.code().as_i32(), 103, "{bad}: {error}");
        }
        let wss = "wss://example:443".parse::<ServerAddr>();
        assert_eq!(wss.is_ok(), cfg!(feature = "tls"));
    }
}
