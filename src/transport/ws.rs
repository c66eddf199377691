//! The WebSocket transport: one binary message per protobuf body, no length prefix.
//!
//! The gateway puts every notification in its own binary message and reads every request from
//! one; an empty binary message is the heartbeat (and its ack). Text messages are dropped
//! without a word, as the gateway drops them; pings and pongs are answered by tungstenite and
//! never reach the caller (they do not keep a Turms session alive either).
//!
//! [`WsTransport`] adapts a tokio-tungstenite [`WebSocketStream`] to that model: a
//! [`Stream`] of message bodies and a [`Sink`] of bodies, with the same [`Limits`] as the TCP
//! codecs. [`WebSocket`] adds, for one end ([`Role`]), what that end's TCP
//! [`Codec`](crate::codec::Codec) adds: classified inbound frames (a client's
//! [`ServerFrame`](crate::frame::ServerFrame)s, a gateway's [`ClientFrame`](crate::frame::ClientFrame)s,
//! or a [`MalformedFrame`] that does not end the stream) and what the end may send
//! ([`Outgoing`]). A close message from the peer ends the stream; it stays readable through
//! `peer_close()`. Open connections with [`websocket_config`] (or [`ClientWs::connect`],
//! [`GatewayWs::accept`]) so tungstenite refuses oversize messages on their header, before
//! buffering them.
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use turms_wire::codec::Heartbeat;
//! use turms_wire::frame::ServerFrame;
//! use turms_wire::role::RoleKind;
//! use turms_wire::transport::ws::ClientWs;
//!
//! # async fn run() -> Result<(), turms_wire::transport::ws::WsError> {
//! let mut ws = ClientWs::connect("ws://127.0.0.1:10510", RoleKind::Client.limits()).await?;
//! ws.send(Heartbeat).await?;
//! while let Some(item) = ws.next().await {
//!     match item? {
//!         Ok(ServerFrame::HeartbeatAck) => println!("alive"),
//!         Ok(frame) => println!("{:?}", frame.class()),
//!         Err(malformed) => println!("{malformed}"),
//!     }
//! }
//! println!("closed: {:?}", ws.peer_close());
//! # Ok(())
//! # }
//! ```

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::codec::{Limits, OutboundError, Outgoing};
// The error type needs no runtime; it is defined with the other transport errors.
pub use super::error::WsError;
use crate::frame::MalformedFrame;
use crate::role::{self, Role};

/// tungstenite settings that enforce `limits.max_inbound_frame()` on every frame header and
/// message, before the payload is buffered. Pass it to tokio-tungstenite's `*_with_config`
/// connect and accept functions.
pub fn websocket_config(limits: Limits) -> WebSocketConfig {
    let max = limits.max_inbound_frame();
    WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

/// A WebSocket connection seen as Turms frames: a [`Stream`] of inbound bodies (empty = heartbeat)
/// and a [`Sink`] of outbound bodies.
///
/// Inbound messages over the limit end the stream with [`WsError::MessageTooLarge`] (tungstenite
/// refuses them early when the connection was opened with [`websocket_config`]; otherwise this
/// adapter checks each message). Outbound bodies over the limit are refused with
/// [`WsError::Outbound`]. After an error, or once the peer's close message has arrived
/// and the closing handshake is over, the stream yields `None`. (A client's handshake is over
/// when the server drops the connection: on the server side, drop the adapter once its stream
/// has ended.)
#[derive(Debug)]
pub struct WsTransport<S> {
    inner: WebSocketStream<S>,
    limits: Limits,
    peer_close: Option<Option<CloseFrame>>,
    ended: bool,
}

impl<S> WsTransport<S> {
    /// Wraps an open WebSocket (client or server side).
    pub fn new(inner: WebSocketStream<S>, limits: Limits) -> Self {
        WsTransport {
            inner,
            limits,
            peer_close: None,
            ended: false,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The peer's close message, once one has arrived: `Some(None)` for a close without a
    /// code. The real gateway closes with 1000 and no reason, after the close notification
    /// that says why.
    pub fn peer_close(&self) -> Option<Option<&CloseFrame>> {
        self.peer_close.as_ref().map(Option::as_ref)
    }

    /// The WebSocket underneath.
    pub fn get_ref(&self) -> &WebSocketStream<S> {
        &self.inner
    }

    /// The WebSocket underneath, mutably (sending through it bypasses the outbound limit).
    pub fn get_mut(&mut self) -> &mut WebSocketStream<S> {
        &mut self.inner
    }

    /// Gives the WebSocket back.
    pub fn into_inner(self) -> WebSocketStream<S> {
        self.inner
    }

    /// Refuses a body over the outbound limit, or an empty one unless `may_be_empty`.
    fn check_outbound(&self, len: usize, may_be_empty: bool) -> Result<(), WsError> {
        Ok(OutboundError::check(
            len,
            self.limits.max_outbound_frame(),
            may_be_empty,
        )?)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsTransport<S> {
    /// Starts the closing handshake with `frame` and flushes it.
    pub async fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), WsError> {
        match self.inner.close(frame).await {
            Ok(()) | Err(tungstenite::Error::ConnectionClosed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WsTransport<S> {
    type Item = Result<Bytes, WsError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.ended {
                return Poll::Ready(None);
            }
            let message = match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                Some(Ok(message)) => message,
                None => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
                Some(Err(error)) => {
                    this.ended = true;
                    if this.peer_close.is_some() {
                        // The peer said goodbye; how the socket went down after that (the
                        // gateway resets it) is not news.
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Err(error.into())));
                }
            };
            match message {
                Message::Binary(body) => {
                    let max = this.limits.max_inbound_frame();
                    if body.len() > max {
                        this.ended = true;
                        return Poll::Ready(Some(Err(WsError::MessageTooLarge {
                            len: body.len(),
                            max,
                        })));
                    }
                    return Poll::Ready(Some(Ok(body)));
                }
                // Keep polling: tungstenite sends the reply to the close while it reads.
                Message::Close(frame) => this.peer_close = Some(frame),
                Message::Text(_) | Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Bytes> for WsTransport<S> {
    type Error = WsError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.get_mut().inner)
            .poll_ready(cx)
            .map_err(Into::into)
    }

    fn start_send(self: Pin<&mut Self>, body: Bytes) -> Result<(), WsError> {
        let this = self.get_mut();
        this.check_outbound(body.len(), true)?;
        Pin::new(&mut this.inner)
            .start_send(Message::Binary(body))
            .map_err(Into::into)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.get_mut().inner)
            .poll_flush(cx)
            .map_err(Into::into)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.get_mut().inner)
            .poll_close(cx)
            .map_err(Into::into)
    }
}

/// One end of a WebSocket connection, for the role `R`: a [`Stream`] of classified frames
/// ([`Role::Inbound`]) and a [`Sink`] for what this end may send ([`Outgoing<R>`]).
///
/// The same items come out of it as out of the role's TCP [`Codec`](crate::codec::Codec), so
/// code above it need not know which transport it holds; requests are written with
/// `request_id` first and the kind right after it, as the gateway requires.
#[derive(Debug)]
pub struct WebSocket<R: Role, S> {
    transport: WsTransport<S>,
    role: PhantomData<R>,
}

/// The client end of a WebSocket connection.
pub type ClientWs<S> = WebSocket<role::Client, S>;

/// The gateway end of a WebSocket connection.
pub type GatewayWs<S> = WebSocket<role::Gateway, S>;

impl<R: Role, S> WebSocket<R, S> {
    /// Wraps an open WebSocket with the role's defaults ([`Role::LIMITS`]).
    pub fn new(inner: WebSocketStream<S>) -> Self {
        Self::with_limits(inner, R::LIMITS)
    }

    /// Wraps an open WebSocket with explicit limits. Open it with [`websocket_config`] of the
    /// same limits so oversize messages are refused early.
    pub fn with_limits(inner: WebSocketStream<S>, limits: Limits) -> Self {
        WebSocket {
            transport: WsTransport::new(inner, limits),
            role: PhantomData,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.transport.limits()
    }

    /// The peer's close message, once one has arrived (`Some(None)` for a close without a
    /// code).
    pub fn peer_close(&self) -> Option<Option<&CloseFrame>> {
        self.transport.peer_close()
    }

    /// The unclassified transport underneath.
    pub fn transport(&mut self) -> &mut WsTransport<S> {
        &mut self.transport
    }

    /// Gives the unclassified transport back.
    pub fn into_transport(self) -> WsTransport<S> {
        self.transport
    }
}

impl<R: Role, S: AsyncRead + AsyncWrite + Unpin> WebSocket<R, S> {
    /// Starts the closing handshake with `frame` and flushes it.
    pub async fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), WsError> {
        self.transport.close(frame).await
    }
}

impl<R: Role, S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<R, S> {
    type Item = Result<Result<R::Inbound, MalformedFrame>, WsError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.get_mut().transport)
            .poll_next(cx)
            .map(|item| item.map(|body| body.map(R::classify)))
    }
}

impl<R: Role, S: AsyncRead + AsyncWrite + Unpin, T: Outgoing<R>> Sink<T> for WebSocket<R, S> {
    type Error = WsError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.get_mut().transport).poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), WsError> {
        let transport = &mut self.get_mut().transport;
        transport.check_outbound(item.body_len(), T::MAY_BE_EMPTY)?;
        Pin::new(transport).start_send(item.into_body())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.get_mut().transport).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.get_mut().transport).poll_close(cx)
    }
}

impl ClientWs<MaybeTlsStream<TcpStream>> {
    /// Connects to a gateway (`ws://host:port`; the gateway ignores the path) with tungstenite
    /// enforcing `limits` on what arrives, and Nagle's algorithm off as on the gateway's side.
    pub async fn connect<Q>(request: Q, limits: Limits) -> Result<Self, WsError>
    where
        Q: IntoClientRequest + Unpin,
    {
        let (ws, _response) = tokio_tungstenite::connect_async_with_config(
            request,
            Some(websocket_config(limits)),
            true,
        )
        .await?;
        Ok(Self::with_limits(ws, limits))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> GatewayWs<S> {
    /// Performs the server handshake on an accepted connection, with tungstenite enforcing
    /// `limits` on what arrives. Like the real gateway, any path is accepted.
    pub async fn accept(stream: S, limits: Limits) -> Result<Self, WsError> {
        let ws =
            tokio_tungstenite::accept_async_with_config(stream, Some(websocket_config(limits)))
                .await?;
        Ok(Self::with_limits(ws, limits))
    }
}
