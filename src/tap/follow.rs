//! Following one direction of a tapped connection: frame bodies out of the copied bytes.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

use crate::codec::{Framing, Limits};
use crate::inspect::{ErrorLayer, FrameError};
use crate::role::RoleKind;
use crate::transport::{TransportKind, WsItem, WsStreamError, WsStreamReader};

/// How one direction of a connection is being decoded.
#[derive(Debug)]
pub(super) enum Follow {
    Tcp {
        framing: Framing,
        buf: BytesMut,
    },
    Ws(WsStreamReader),
    /// No longer decoded (an error, a gap, or a refused upgrade).
    Stopped,
}

/// What a chunk of bytes completed, in stream order.
#[derive(Debug)]
pub(super) enum Item {
    /// A frame body (a TCP frame, or a WebSocket binary message).
    Frame(Bytes),
    /// Anything else a WebSocket stream carries (never [`WsItem::Binary`]).
    Ws(WsItem),
}

/// The outcome of feeding a chunk.
#[derive(Debug, Default)]
pub(super) struct Fed {
    /// What the chunk completed, before any failure.
    pub(super) items: Vec<Item>,
    /// The error that stopped the direction, after its items.
    pub(super) failure: Option<FrameError>,
    /// The gateway refused the WebSocket upgrade: what the client sends next is not WebSocket
    /// frames either.
    pub(super) upgrade_refused: bool,
}

impl Follow {
    /// A direction of `transport` received by `receiver`, whose frames may be `max` bytes.
    pub(super) fn new(transport: TransportKind, receiver: RoleKind, max: usize) -> Follow {
        match transport {
            TransportKind::Tcp => Follow::Tcp {
                framing: Framing::new(Limits::new(max, max)),
                buf: BytesMut::new(),
            },
            TransportKind::WebSocket => Follow::Ws(WsStreamReader::new(receiver, max)),
            // Refused by `Tap::bind`: the tap forwards connections.
            TransportKind::Udp => Follow::Stopped,
        }
    }

    pub(super) fn is_stopped(&self) -> bool {
        matches!(self, Follow::Stopped)
    }

    /// Stops decoding: nothing fed afterwards is looked at.
    pub(super) fn stop(&mut self) {
        *self = Follow::Stopped;
    }

    /// Decodes what `bytes` complete. A failure stops the direction.
    pub(super) fn feed(&mut self, bytes: &[u8]) -> Fed {
        let mut fed = Fed::default();
        match self {
            Follow::Stopped => {}
            Follow::Tcp { framing, buf } => {
                buf.extend_from_slice(bytes);
                loop {
                    match framing.decode(buf) {
                        Ok(Some(body)) => fed.items.push(Item::Frame(body)),
                        Ok(None) => break,
                        Err(error) => {
                            fed.failure = Some(FrameError::framing(&error));
                            break;
                        }
                    }
                }
            }
            Follow::Ws(ws) => {
                ws.extend(bytes);
                while let Some(item) = ws.next_item() {
                    match item {
                        Ok(WsItem::Binary(body)) => fed.items.push(Item::Frame(body)),
                        Ok(other) => fed.items.push(Item::Ws(other)),
                        Err(error) => {
                            fed.upgrade_refused = matches!(error, WsStreamError::UpgradeRefused(_));
                            fed.failure = Some(ws_error(&error));
                            break;
                        }
                    }
                }
            }
        }
        if fed.failure.is_some() {
            self.stop();
        }
        fed
    }

    /// The error of a stream that ended inside a frame, as `decode` reports the end of its
    /// input there.
    pub(super) fn finish(&mut self) -> Option<FrameError> {
        match self {
            Follow::Tcp { framing, buf } => framing
                .decode_eof(buf)
                .err()
                .map(|error| FrameError::framing(&error)),
            Follow::Ws(ws) if ws.buffered() > 0 => Some(FrameError {
                layer: ErrorLayer::Framing,
                kind: "truncated_frame",
                detail: format!(
                    "connection closed inside a WebSocket frame ({} bytes pending)",
                    ws.buffered()
                ),
            }),
            _ => None,
        }
    }
}

fn ws_error(error: &WsStreamError) -> FrameError {
    FrameError {
        layer: ErrorLayer::Framing,
        kind: error.kind_name(),
        detail: error.to_string(),
    }
}
