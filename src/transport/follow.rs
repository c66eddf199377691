//! One direction of a connection read back from its bytes: frame bodies out of what the tap
//! copied or a capture reassembled (TCP: varint32-length frames; WebSocket: the HTTP head, then
//! messages). The tap and the capture decoder share it.

use bytes::{Buf, Bytes, BytesMut};

use super::{TransportKind, WsItem, WsStreamError, WsStreamReader};
use crate::codec::{read_length_prefix, FramingError};
use crate::role::RoleKind;

/// Why a direction read back from its bytes cannot be followed any further: its frame
/// boundaries are lost (every frame before it was complete and was handed out).
///
/// The framing variants read as [`FramingError`]'s, with the same
/// [`kind_name`](StreamError::kind_name)s; `turms-wire decode` prints the same for a stream.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// A TCP length prefix did not end within 5 bytes.
    #[error("varint length prefix longer than 5 bytes")]
    VarintTooLong,
    /// A TCP length prefix declared 2^31 or more.
    #[error("length prefix declares {declared}, which is not a non-negative int32")]
    LengthOverflow {
        /// The value the prefix spelled out.
        declared: u64,
    },
    /// A TCP length prefix declared more than the receiving end accepts.
    #[error("frame length {len} exceeds max {max}")]
    FrameTooLarge {
        /// The declared body length.
        len: usize,
        /// The receiving end's limit.
        max: usize,
    },
    /// The connection ended inside a TCP length prefix.
    #[error("stream ended inside a length prefix after {received} byte(s)")]
    TruncatedHeader {
        /// How many prefix bytes had arrived.
        received: usize,
    },
    /// The connection ended inside a TCP frame body.
    #[error("stream ended inside a frame: {received} of {expected} byte(s) received")]
    TruncatedFrame {
        /// The declared body length.
        expected: usize,
        /// How many body bytes had arrived.
        received: usize,
    },
    /// The WebSocket stream cannot be followed (a refused upgrade, a protocol violation, a
    /// message over the limit).
    #[error(transparent)]
    WebSocket(#[from] WsStreamError),
    /// The connection ended inside a WebSocket frame or fragmented message.
    #[error("connection closed inside a WebSocket frame ({pending} bytes pending)")]
    TruncatedWebSocket {
        /// Bytes received but not part of a whole message.
        pending: usize,
    },
}

impl StreamError {
    /// A stable snake_case identifier: [`FramingError::kind_name`]'s for TCP framing,
    /// [`WsStreamError::kind_name`]'s for WebSocket, `truncated_frame` for a connection that
    /// ended inside a WebSocket frame.
    pub fn kind_name(&self) -> &'static str {
        match self {
            StreamError::VarintTooLong => "varint_too_long",
            StreamError::LengthOverflow { .. } => "length_overflow",
            StreamError::FrameTooLarge { .. } => "frame_too_large",
            StreamError::TruncatedHeader { .. } => "truncated_header",
            StreamError::TruncatedFrame { .. } | StreamError::TruncatedWebSocket { .. } => {
                "truncated_frame"
            }
            StreamError::WebSocket(error) => error.kind_name(),
        }
    }

    fn framing(error: FramingError) -> StreamError {
        match error {
            FramingError::LengthOverflow { declared } => StreamError::LengthOverflow { declared },
            FramingError::FrameTooLarge { len, max } => StreamError::FrameTooLarge { len, max },
            FramingError::TruncatedHeader { received } => StreamError::TruncatedHeader { received },
            FramingError::TruncatedFrame { expected, received } => {
                StreamError::TruncatedFrame { expected, received }
            }
            // `read_length_prefix` fails with the two above or this one only.
            _ => StreamError::VarintTooLong,
        }
    }
}

/// How one direction of a connection is being read.
#[derive(Debug)]
pub(crate) enum Follow {
    /// Varint32-length frames; `buf` holds what follows the last whole frame (a frame
    /// boundary is always at its start).
    Tcp {
        max: usize,
        buf: BytesMut,
    },
    Ws(WsStreamReader),
    /// No longer read (an error, a gap, a refused upgrade, or not Turms at all).
    Stopped,
}

/// What bytes completed, in stream order.
#[derive(Debug)]
pub(crate) enum Item {
    /// A frame body (a TCP frame, or a WebSocket binary message).
    Frame(Bytes),
    /// Anything else a WebSocket stream carries (never [`WsItem::Binary`]).
    Ws(WsItem),
}

/// The outcome of feeding bytes.
#[derive(Debug, Default)]
pub(crate) struct Fed {
    /// What the bytes completed, before any failure.
    pub(crate) items: Vec<Item>,
    /// The error that stopped the direction, after its items.
    pub(crate) failure: Option<StreamError>,
    /// The gateway refused the WebSocket upgrade: what the client sends next is not WebSocket
    /// frames either.
    pub(crate) upgrade_refused: bool,
}

impl Follow {
    /// A direction of `transport` received by `receiver`, whose frames may be `max` bytes, from
    /// the connection's first byte.
    pub(crate) fn new(transport: TransportKind, receiver: RoleKind, max: usize) -> Follow {
        match transport {
            TransportKind::Tcp => Follow::Tcp {
                max,
                buf: BytesMut::new(),
            },
            TransportKind::WebSocket => Follow::Ws(WsStreamReader::new(receiver, max)),
            TransportKind::Udp => Follow::Stopped,
        }
    }

    /// The same, from a frame boundary past the WebSocket upgrade (after a resynchronisation).
    #[cfg_attr(not(feature = "capture"), allow(dead_code))]
    pub(crate) fn at_frame(transport: TransportKind, receiver: RoleKind, max: usize) -> Follow {
        match transport {
            TransportKind::WebSocket => Follow::Ws(WsStreamReader::after_head(receiver, max)),
            _ => Follow::new(transport, receiver, max),
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        matches!(self, Follow::Stopped)
    }

    /// Stops reading: nothing fed afterwards is looked at, and what was held is released.
    pub(crate) fn stop(&mut self) {
        *self = Follow::Stopped;
    }

    /// Bytes held that are not yet part of a whole frame (or head).
    #[cfg_attr(not(feature = "capture"), allow(dead_code))]
    pub(crate) fn buffered(&self) -> usize {
        match self {
            Follow::Tcp { buf, .. } => buf.len(),
            Follow::Ws(ws) => ws.buffered(),
            Follow::Stopped => 0,
        }
    }

    /// Reads what `bytes` complete into `fed`. A failure stops the direction.
    ///
    /// TCP frames lying whole in `bytes` are slices of it (no copy); only the start of a frame
    /// that `bytes` does not complete is copied, to wait for the rest.
    pub(crate) fn feed(&mut self, bytes: Bytes, fed: &mut Fed) {
        match self {
            Follow::Stopped => {}
            Follow::Tcp { max, buf } => {
                let max = *max;
                if buf.is_empty() {
                    let mut bytes = bytes;
                    fed.failure = split_frames(&mut bytes, max, &mut fed.items);
                    if fed.failure.is_none() {
                        buf.extend_from_slice(&bytes);
                    }
                } else {
                    buf.extend_from_slice(&bytes);
                    fed.failure = split_frames(buf, max, &mut fed.items);
                    release_spare(buf);
                }
            }
            Follow::Ws(ws) => {
                ws.extend(&bytes);
                while let Some(item) = ws.next_item() {
                    match item {
                        Ok(WsItem::Binary(body)) => fed.items.push(Item::Frame(body)),
                        Ok(other) => fed.items.push(Item::Ws(other)),
                        Err(error) => {
                            fed.upgrade_refused = matches!(error, WsStreamError::UpgradeRefused(_));
                            fed.failure = Some(error.into());
                            break;
                        }
                    }
                }
                ws.release_spare();
            }
        }
        if fed.failure.is_some() {
            self.stop();
        }
    }

    /// The error of a direction that ended inside a frame (as `decode` reports the end of its
    /// input there); the direction is stopped.
    pub(crate) fn finish(&mut self) -> Option<StreamError> {
        let error = match self {
            Follow::Tcp { buf, .. } if !buf.is_empty() => Some(match read_length_prefix(buf) {
                Ok(Some(prefix)) => StreamError::TruncatedFrame {
                    expected: prefix.length,
                    received: buf.len() - prefix.prefix_len,
                },
                _ => StreamError::TruncatedHeader {
                    received: buf.len(),
                },
            }),
            Follow::Ws(ws) if ws.buffered() > 0 => Some(StreamError::TruncatedWebSocket {
                pending: ws.buffered(),
            }),
            _ => None,
        };
        self.stop();
        error
    }
}

/// Gives back the room a buffer grew to for a frame that has been handed out: what a
/// connection holds between frames is what it has not yet handed out, not the largest frame
/// it has seen (thousands of connections each keeping the room of their last large frame add
/// up).
pub(crate) fn release_spare(buf: &mut BytesMut) {
    if buf.is_empty() {
        if buf.capacity() > 0 {
            *buf = BytesMut::new();
        }
    } else if buf.capacity() > 2 * buf.len() + 4096 {
        *buf = BytesMut::from(&buf[..]);
    }
}

/// A buffer frames can be split off the front of: `Bytes` (the bytes just received) or
/// `BytesMut` (what was held).
trait Front: Buf {
    fn bytes(&self) -> &[u8];
    fn split_front(&mut self, at: usize) -> Bytes;
}

impl Front for Bytes {
    fn bytes(&self) -> &[u8] {
        self
    }

    fn split_front(&mut self, at: usize) -> Bytes {
        self.split_to(at)
    }
}

impl Front for BytesMut {
    fn bytes(&self) -> &[u8] {
        self
    }

    fn split_front(&mut self, at: usize) -> Bytes {
        self.split_to(at).freeze()
    }
}

/// Splits every whole frame off the front of `buf`, leaving the start of the next one; the
/// limit is checked on each length prefix, before its body is waited for.
fn split_frames(buf: &mut impl Front, max: usize, out: &mut Vec<Item>) -> Option<StreamError> {
    loop {
        let prefix = match read_length_prefix(buf.bytes()) {
            Ok(Some(prefix)) => prefix,
            Ok(None) => return None,
            Err(error) => return Some(StreamError::framing(error)),
        };
        if prefix.length > max {
            return Some(StreamError::FrameTooLarge {
                len: prefix.length,
                max,
            });
        }
        if buf.remaining() < prefix.prefix_len + prefix.length {
            return None;
        }
        buf.advance(prefix.prefix_len);
        out.push(Item::Frame(buf.split_front(prefix.length)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(fed: &Fed) -> Vec<&[u8]> {
        fed.items
            .iter()
            .map(|item| match item {
                Item::Frame(body) => &body[..],
                Item::Ws(other) => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn tcp_frames_whole_in_a_chunk_are_slices_of_it_and_the_rest_waits() {
        let mut follow = Follow::new(TransportKind::Tcp, RoleKind::Client, 100);
        let chunk = Bytes::from_static(b"\x02ab\x00\x03cd");
        let mut fed = Fed::default();
        follow.feed(chunk.clone(), &mut fed);
        assert_eq!(frames(&fed), [&b"ab"[..], b""]);
        let Item::Frame(first) = &fed.items[0] else {
            unreachable!()
        };
        assert_eq!(first.as_ptr(), chunk[1..].as_ptr(), "no copy");
        assert_eq!(follow.buffered(), 3);
        let mut fed = Fed::default();
        follow.feed(Bytes::from_static(b"e\x01"), &mut fed);
        assert_eq!(frames(&fed), [&b"cde"[..]]);
        assert_eq!(
            follow.finish(),
            Some(StreamError::TruncatedFrame {
                expected: 1,
                received: 0
            })
        );
    }

    #[test]
    fn tcp_errors_match_the_framing_codec() {
        let cases: [(&[u8], StreamError); 3] = [
            (b"\x05", StreamError::FrameTooLarge { len: 5, max: 4 }),
            (b"\xff\xff\xff\xff\xff", StreamError::VarintTooLong),
            (
                b"\xff\xff\xff\xff\x0f",
                StreamError::LengthOverflow {
                    declared: u64::from(u32::MAX),
                },
            ),
        ];
        for (bytes, expected) in cases {
            let mut follow = Follow::new(TransportKind::Tcp, RoleKind::Gateway, 4);
            let mut fed = Fed::default();
            follow.feed(Bytes::from_static(b"\x01x"), &mut fed);
            follow.feed(Bytes::from_static(bytes), &mut fed);
            assert_eq!(frames(&fed), [&b"x"[..]]);
            assert_eq!(fed.failure.as_ref(), Some(&expected));
            assert!(follow.is_stopped());
        }
        let mut follow = Follow::new(TransportKind::Tcp, RoleKind::Gateway, 4);
        follow.feed(Bytes::from_static(b"\x80"), &mut Fed::default());
        let error = follow.finish().unwrap();
        assert_eq!(error, StreamError::TruncatedHeader { received: 1 });
        assert_eq!(error.kind_name(), "truncated_header");
        assert_eq!(
            error.to_string(),
            FramingError::TruncatedHeader { received: 1 }.to_string()
        );
    }
}
