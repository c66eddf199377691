//! One connection carrying one end's frames, over TCP or WebSocket.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::MaybeTlsStream;
use tokio_util::codec::Framed;

use super::addr::ServerAddr;
use super::error::TransportError;
use super::kind::TransportKind;
use super::ws::{WebSocket, WsError};
use crate::codec::{Codec, Limits, Outgoing};
use crate::frame::MalformedFrame;
use crate::role::{self, Role};

/// What a [`Connection`] yields: a classified frame, or a malformed one (the connection goes
/// on), or the failure that ends it.
pub type Received<R> = Result<Result<<R as Role>::Inbound, MalformedFrame>, TransportError>;

/// One connection carrying the frames of the end `R`, over TCP or WebSocket.
///
/// A [`Stream`] of what the end receives (classified; `None` once the peer has closed the
/// connection) and a [`Sink`] of what it may send ([`Outgoing<R>`]): the client, the mock
/// gateway and the tests all talk through it and never see which transport is underneath.
/// Limits are the role's unless given: inbound frames over them end the connection on their
/// header, outbound ones are refused before anything is written.
///
/// ```no_run
/// use futures_util::{SinkExt, StreamExt};
/// use turms_wire::codec::Heartbeat;
/// use turms_wire::frame::ServerFrame;
/// use turms_wire::role::{self, Role};
/// use turms_wire::transport::Connection;
///
/// # async fn run() -> Result<(), turms_wire::transport::TransportError> {
/// let server = "ws://127.0.0.1:10510".parse()?;
/// let timeout = std::time::Duration::from_secs(30);
/// let mut conn = Connection::connect(&server, role::Client::LIMITS, timeout).await?;
/// conn.send(Heartbeat).await?;
/// if let Some(Ok(Ok(ServerFrame::HeartbeatAck))) = conn.next().await {
///     println!("alive over {}", conn.kind());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Connection<R: Role> {
    inner: Inner<R>,
}

#[derive(Debug)]
enum Inner<R: Role> {
    Tcp(Framed<TcpStream, Codec<R>>),
    Ws(Box<WebSocket<R, MaybeTlsStream<TcpStream>>>),
}

impl<R: Role> Connection<R> {
    /// A connection over an open TCP stream, with varint32 framing.
    pub fn tcp(stream: TcpStream, limits: Limits) -> Self {
        Connection {
            inner: Inner::Tcp(Framed::new(stream, Codec::with_limits(limits))),
        }
    }

    /// A connection over an open WebSocket.
    pub fn websocket(ws: WebSocket<R, MaybeTlsStream<TcpStream>>) -> Self {
        Connection {
            inner: Inner::Ws(Box::new(ws)),
        }
    }

    /// Which transport it uses.
    pub fn kind(&self) -> TransportKind {
        match self.inner {
            Inner::Tcp(_) => TransportKind::Tcp,
            Inner::Ws(_) => TransportKind::WebSocket,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        match &self.inner {
            Inner::Tcp(framed) => framed.codec().limits(),
            Inner::Ws(ws) => ws.limits(),
        }
    }

    /// The peer's WebSocket close message, once one has arrived (`Some(None)` for one without
    /// a code); always `None` on TCP.
    pub fn peer_close(&self) -> Option<Option<&CloseFrame>> {
        match &self.inner {
            Inner::Tcp(_) => None,
            Inner::Ws(ws) => ws.peer_close(),
        }
    }

    /// The TCP stream of a TCP connection, to write bytes that are not frames (a test sending a
    /// broken length prefix) or to read what follows a framing violation.
    pub fn tcp_stream_mut(&mut self) -> Option<&mut TcpStream> {
        match &mut self.inner {
            Inner::Tcp(framed) => Some(framed.get_mut()),
            Inner::Ws(_) => None,
        }
    }

    /// Sends one item and flushes it.
    pub async fn send_now<T: Outgoing<R>>(&mut self, item: T) -> Result<(), TransportError> {
        self.send(item).await
    }

    /// Ends the sending direction: a FIN on TCP, a close message (1000, no reason) on
    /// WebSocket, after which the peer's close is awaited by reading on.
    pub async fn shutdown(&mut self) -> Result<(), TransportError> {
        match &mut self.inner {
            Inner::Tcp(framed) => SinkExt::<Bytes>::close(framed).await.map_err(Into::into),
            Inner::Ws(ws) => WebSocket::close(ws, None).await.map_err(Into::into),
        }
    }
}

impl Connection<role::Client> {
    /// Connects to a gateway (`tcp://`, `ws://`, or `wss://` with the `tls` feature), with
    /// Nagle's algorithm off as on the gateway's side, within `timeout` (handshakes included).
    pub async fn connect(
        server: &ServerAddr,
        limits: Limits,
        timeout: Duration,
    ) -> Result<Self, TransportError> {
        let attempt = async {
            match server.transport() {
                TransportKind::Tcp => {
                    let connect_error = |source: io::Error| TransportError::Connect {
                        server: server.to_string(),
                        source,
                    };
                    let tcp = TcpStream::connect(server.host_port())
                        .await
                        .map_err(connect_error)?;
                    // The gateway turns Nagle's algorithm off too; requests are small.
                    tcp.set_nodelay(true).map_err(connect_error)?;
                    Ok(Connection::tcp(tcp, limits))
                }
                TransportKind::WebSocket => {
                    #[cfg(feature = "tls")]
                    if server.is_tls() {
                        // rustls needs a process-wide crypto provider; installing it again is
                        // a harmless no-op (and keeps whatever the application installed).
                        let _ = rustls::crypto::ring::default_provider().install_default();
                    }
                    let ws =
                        WebSocket::connect(server.as_str(), limits)
                            .await
                            .map_err(|source| match source {
                                WsError::Transport(error) => match *error {
                                    tokio_tungstenite::tungstenite::Error::Io(source) => {
                                        TransportError::Connect {
                                            server: server.to_string(),
                                            source,
                                        }
                                    }
                                    other => TransportError::Handshake {
                                        server: server.to_string(),
                                        source: WsError::from(other),
                                    },
                                },
                                other => TransportError::Handshake {
                                    server: server.to_string(),
                                    source: other,
                                },
                            })?;
                    Ok(Connection::websocket(ws))
                }
                // `ServerAddr` parses tcp://, ws:// and wss:// only.
                TransportKind::Udp => Err(TransportError::InvalidAddress {
                    address: server.to_string(),
                    problem: "UDP datagrams are not a connection",
                }),
            }
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::ConnectTimeout {
                server: server.to_string(),
                timeout,
            }),
        }
    }
}

impl Connection<role::Gateway> {
    /// Takes an accepted TCP connection: as is for `Tcp`, after the WebSocket handshake (any
    /// path, as the real gateway) for `WebSocket`. Nagle's algorithm is turned off, as the real
    /// gateway does.
    pub async fn accept(
        stream: TcpStream,
        kind: TransportKind,
        limits: Limits,
    ) -> Result<Self, TransportError> {
        let _ = stream.set_nodelay(true);
        match kind {
            TransportKind::Tcp => Ok(Connection::tcp(stream, limits)),
            TransportKind::WebSocket => {
                let peer = stream
                    .peer_addr()
                    .map_or_else(|_| "a client".to_owned(), |addr| addr.to_string());
                WebSocket::accept(MaybeTlsStream::Plain(stream), limits)
                    .await
                    .map(Connection::websocket)
                    .map_err(|source| TransportError::Handshake {
                        server: peer,
                        source,
                    })
            }
            TransportKind::Udp => Err(TransportError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "UDP datagrams are not a connection",
            ))),
        }
    }

    /// Closes the connection as the real gateway does: a reset on TCP (it sets SO_LINGER=0),
    /// a close message with 1000 and no reason on WebSocket (the reason for the close went in
    /// the close notification before it).
    pub async fn close_as_gateway(self) {
        match self.inner {
            Inner::Tcp(framed) => {
                let stream = framed.into_inner();
                let _ = stream.set_zero_linger();
                drop(stream);
            }
            Inner::Ws(mut ws) => {
                let normal = CloseFrame {
                    code: CloseCode::Normal,
                    reason: "".into(),
                };
                let _ = WebSocket::close(&mut ws, Some(normal)).await;
            }
        }
    }
}

impl<R: Role> Stream for Connection<R> {
    type Item = Received<R>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(framed) => framed
                .poll_next_unpin(cx)
                .map(|item| item.map(|result| result.map_err(Into::into))),
            Inner::Ws(ws) => ws
                .poll_next_unpin(cx)
                .map(|item| item.map(|result| result.map_err(Into::into))),
        }
    }
}

impl<R: Role, T: Outgoing<R>> Sink<T> for Connection<R> {
    type Error = TransportError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(framed) => Sink::<T>::poll_ready(Pin::new(framed), cx).map_err(Into::into),
            Inner::Ws(ws) => Sink::<T>::poll_ready(Pin::new(&mut **ws), cx).map_err(Into::into),
        }
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), TransportError> {
        match &mut self.get_mut().inner {
            Inner::Tcp(framed) => Pin::new(framed).start_send(item).map_err(Into::into),
            Inner::Ws(ws) => Pin::new(&mut **ws).start_send(item).map_err(Into::into),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(framed) => Sink::<T>::poll_flush(Pin::new(framed), cx).map_err(Into::into),
            Inner::Ws(ws) => Sink::<T>::poll_flush(Pin::new(&mut **ws), cx).map_err(Into::into),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(framed) => Sink::<T>::poll_close(Pin::new(framed), cx).map_err(Into::into),
            Inner::Ws(ws) => Sink::<T>::poll_close(Pin::new(&mut **ws), cx).map_err(Into::into),
        }
    }
}
