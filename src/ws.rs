//! The WebSocket transport: one binary message per protobuf body, no length prefix.
//!
//! The gateway puts every notification in its own binary message and reads every request from
//! one; an empty binary message is the heartbeat (and its ack). Text messages are dropped
//! without a word, as the gateway drops them; pings and pongs are answered by tungstenite and
//! never reach the caller (they do not keep a Turms session alive either).
//!
//! [`WsTransport`] adapts a tokio-tungstenite [`WebSocketStream`] to that model: a
//! [`Stream`] of message bodies and a [`Sink`] of bodies, with the same [`Limits`] as the TCP
//! codecs. A close message from the peer ends the stream; it stays readable through
//! [`WsTransport::peer_close`]. Open the connection with [`websocket_config`] so tungstenite
//! refuses oversize messages on their header, before buffering them.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

use crate::codec::Limits;

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
    /// An outbound message is larger than the outbound limit; nothing was sent.
    #[error("outbound message of {len} bytes exceeds max {max}")]
    OutboundTooLarge {
        /// The body length that was refused.
        len: usize,
        /// The outbound limit.
        max: usize,
    },
    /// A message encoded to zero bytes, which the peer would read as a heartbeat (or heartbeat
    /// ack); nothing was sent.
    #[error("message encodes to zero bytes, which reads as a heartbeat")]
    EmptyMessage,
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
/// [`WsError::OutboundTooLarge`]. After an error, or once the peer's close message has arrived
/// and the closing handshake is over, the stream yields `None`.
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

    fn check_outbound(&self, len: usize) -> Result<(), WsError> {
        let max = self.limits.max_outbound_frame();
        if len > max {
            return Err(WsError::OutboundTooLarge { len, max });
        }
        Ok(())
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
        this.check_outbound(body.len())?;
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
