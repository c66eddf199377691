//! WebSocket messages read back out of one direction of copied or captured bytes.
//!
//! A tap or a packet capture sees a WebSocket connection as bytes: an HTTP/1.1 upgrade head,
//! then frames. [`WsStreamReader`] follows one direction: it reads the head (and, for what the
//! client receives, checks for `101`), then uses tungstenite's frame-header parser, unmasks
//! payloads (what a client sends is masked) and joins fragments, yielding each binary message:
//! one Turms frame body. It does no I/O and needs no runtime: bytes go in, items come out.

use std::io::Cursor;

use bytes::{Buf, Bytes, BytesMut};
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

use crate::role::RoleKind;

/// The longest HTTP head accepted before the frames begin.
pub const MAX_HEAD: usize = 16 * 1024;

/// The longest control-frame payload RFC 6455 allows.
const MAX_CONTROL_PAYLOAD: u64 = 125;

/// Something read from one direction of a WebSocket connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WsItem {
    /// The HTTP head is over; its first line (request line or status line).
    Head(String),
    /// A whole binary message: one Turms frame body.
    Binary(Bytes),
    /// A whole text message, which Turms ignores; its length.
    Text(usize),
    /// A close frame, with its code and reason if it had them.
    Close(Option<(u16, String)>),
}

/// Why a direction of a WebSocket connection cannot be followed any further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WsStreamError {
    /// No end of the HTTP head within [`MAX_HEAD`] bytes.
    #[error("HTTP head longer than {MAX_HEAD} bytes")]
    HeadTooLarge,
    /// The server answered the upgrade with another status than `101`; its status line.
    #[error("upgrade refused: {0}")]
    UpgradeRefused(String),
    /// A frame header tungstenite refuses.
    #[error("WebSocket protocol error: {0}")]
    Protocol(String),
    /// A frame with a reserved bit set.
    #[error("frame with reserved bits set (an extension such as compression is in use)")]
    ReservedBits,
    /// A message longer than the receiving end accepts, refused on its frame header.
    #[error("message of {len} bytes exceeds max {max}")]
    MessageTooLarge {
        /// The message length so far, with the frame that makes it too long.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// A continuation frame with no message to continue.
    #[error("continuation frame without a message to continue")]
    UnexpectedContinuation,
    /// A new data frame while a fragmented message is unfinished.
    #[error("new data frame while a fragmented message is unfinished")]
    InterleavedMessage,
    /// A fragmented control frame, or one over 125 bytes.
    #[error("fragmented or oversize control frame")]
    BadControlFrame,
}

impl WsStreamError {
    /// A stable snake_case identifier of the variant.
    pub fn kind_name(&self) -> &'static str {
        match self {
            WsStreamError::HeadTooLarge => "http_head_too_large",
            WsStreamError::UpgradeRefused(_) => "upgrade_refused",
            WsStreamError::Protocol(_) => "websocket_protocol",
            WsStreamError::ReservedBits => "reserved_bits",
            WsStreamError::MessageTooLarge { .. } => "message_too_large",
            WsStreamError::UnexpectedContinuation => "unexpected_continuation",
            WsStreamError::InterleavedMessage => "interleaved_message",
            WsStreamError::BadControlFrame => "bad_control_frame",
        }
    }
}

#[derive(Debug)]
enum Phase {
    Head,
    Frames,
}

/// A message whose frames have not all arrived.
#[derive(Debug)]
struct Partial {
    binary: bool,
    payload: BytesMut,
}

/// Parses one direction of a WebSocket connection from its bytes, as they were copied or
/// captured.
///
/// The direction is named by the end that receives it: [`RoleKind::Gateway`] follows what the
/// client sends (the upgrade request, then masked frames), [`RoleKind::Client`] what the
/// gateway sends (the `101` answer, then unmasked frames). Memory is bounded by the largest
/// message the receiving end accepts, checked on each frame header before its payload is
/// buffered, plus [`MAX_HEAD`] for the HTTP head.
///
/// ```
/// use turms_wire::role::RoleKind;
/// use turms_wire::transport::{WsItem, WsStreamReader};
///
/// let mut reader = WsStreamReader::new(RoleKind::Client, 1024);
/// reader.extend(b"HTTP/1.1 101 Switching Protocols\r\n\r\n\x82\x02\x20\x01");
/// assert_eq!(reader.next_item(), Some(Ok(WsItem::Head("HTTP/1.1 101 Switching Protocols".into()))));
/// assert_eq!(reader.next_item(), Some(Ok(WsItem::Binary(bytes::Bytes::from_static(b"\x20\x01")))));
/// assert_eq!(reader.next_item(), None);
/// ```
#[derive(Debug)]
pub struct WsStreamReader {
    receiver: RoleKind,
    max_message: usize,
    phase: Phase,
    buf: BytesMut,
    partial: Option<Partial>,
    failed: bool,
}

impl WsStreamReader {
    /// Follows the direction `receiver` receives, refusing messages over `max_message` bytes.
    pub fn new(receiver: RoleKind, max_message: usize) -> WsStreamReader {
        WsStreamReader {
            receiver,
            max_message,
            phase: Phase::Head,
            buf: BytesMut::new(),
            partial: None,
            failed: false,
        }
    }

    /// Follows a direction whose HTTP head is not part of the bytes given: they start with a
    /// frame (a capture that begins, or resumes after a hole, among the frames).
    pub fn after_head(receiver: RoleKind, max_message: usize) -> WsStreamReader {
        WsStreamReader {
            phase: Phase::Frames,
            ..WsStreamReader::new(receiver, max_message)
        }
    }

    /// Adds bytes that were copied in this direction.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Gives back the room the buffers grew to for messages already handed out.
    pub(crate) fn release_spare(&mut self) {
        super::follow::release_spare(&mut self.buf);
    }

    /// Bytes received but not yet part of a whole frame (or head).
    pub fn buffered(&self) -> usize {
        self.buf.len() + self.partial.as_ref().map_or(0, |p| p.payload.len())
    }

    /// The next item the bytes so far complete. An error ends the direction: nothing follows
    /// it, and what was buffered is released.
    pub fn next_item(&mut self) -> Option<Result<WsItem, WsStreamError>> {
        if self.failed {
            return None;
        }
        let item = self.parse();
        if let Some(Err(_)) = item {
            self.failed = true;
            self.buf = BytesMut::new();
            self.partial = None;
        }
        item
    }

    fn parse(&mut self) -> Option<Result<WsItem, WsStreamError>> {
        if let Phase::Head = self.phase {
            return self.head();
        }
        loop {
            let mut cursor = Cursor::new(&self.buf[..]);
            let (header, len) = match FrameHeader::parse(&mut cursor) {
                Ok(Some(parsed)) => parsed,
                Ok(None) => return None,
                Err(error) => return Some(Err(WsStreamError::Protocol(error.to_string()))),
            };
            let header_len = cursor.position() as usize;
            if header.rsv1 || header.rsv2 || header.rsv3 {
                return Some(Err(WsStreamError::ReservedBits));
            }
            let control = matches!(header.opcode, OpCode::Control(_));
            if control && (!header.is_final || len > MAX_CONTROL_PAYLOAD) {
                return Some(Err(WsStreamError::BadControlFrame));
            }
            // Checked on the header, before waiting for (or buffering) the payload.
            let so_far = self.partial.as_ref().map_or(0, |p| p.payload.len() as u64);
            if so_far.saturating_add(len) > self.max_message as u64 {
                return Some(Err(WsStreamError::MessageTooLarge {
                    len: so_far.saturating_add(len),
                    max: self.max_message,
                }));
            }
            let len = len as usize;
            if self.buf.len() - header_len < len {
                return None;
            }
            self.buf.advance(header_len);
            let mut payload = self.buf.split_to(len);
            if let Some(mask) = header.mask {
                for (i, byte) in payload.iter_mut().enumerate() {
                    *byte ^= mask[i % 4];
                }
            }
            match header.opcode {
                OpCode::Control(Control::Close) => {
                    let close = (payload.len() >= 2).then(|| {
                        let code = u16::from_be_bytes([payload[0], payload[1]]);
                        (code, String::from_utf8_lossy(&payload[2..]).into_owned())
                    });
                    return Some(Ok(WsItem::Close(close)));
                }
                OpCode::Control(_) => continue, // ping and pong: not Turms traffic
                OpCode::Data(Data::Continue) => {
                    let Some(partial) = &mut self.partial else {
                        return Some(Err(WsStreamError::UnexpectedContinuation));
                    };
                    partial.payload.extend_from_slice(&payload);
                    if header.is_final {
                        let partial = self.partial.take().expect("checked above");
                        return Some(Ok(message(partial.binary, partial.payload)));
                    }
                }
                OpCode::Data(data) => {
                    if self.partial.is_some() {
                        return Some(Err(WsStreamError::InterleavedMessage));
                    }
                    let binary = data == Data::Binary;
                    if header.is_final {
                        return Some(Ok(message(binary, payload)));
                    }
                    self.partial = Some(Partial { binary, payload });
                }
            }
        }
    }

    fn head(&mut self) -> Option<Result<WsItem, WsStreamError>> {
        let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            if self.buf.len() > MAX_HEAD {
                return Some(Err(WsStreamError::HeadTooLarge));
            }
            return None;
        };
        let head = self.buf.split_to(end + 4);
        let first_line = head[..]
            .split(|&b| b == b'\r')
            .next()
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .unwrap_or_default();
        if self.receiver == RoleKind::Client {
            let status = first_line.split(' ').nth(1);
            if status != Some("101") {
                return Some(Err(WsStreamError::UpgradeRefused(first_line)));
            }
        }
        self.phase = Phase::Frames;
        Some(Ok(WsItem::Head(first_line)))
    }
}

fn message(binary: bool, payload: BytesMut) -> WsItem {
    if binary {
        WsItem::Binary(payload.freeze())
    } else {
        WsItem::Text(payload.len())
    }
}

/// A WebSocket frame as tungstenite writes it (`mask`: as a client sends it), for the tests
/// of what follows WebSocket bytes.
#[cfg(test)]
pub(crate) fn test_frame(
    opcode: impl Into<OpCode>,
    payload: &[u8],
    is_final: bool,
    mask: Option<[u8; 4]>,
) -> Vec<u8> {
    let header = FrameHeader {
        is_final,
        opcode: opcode.into(),
        mask,
        ..FrameHeader::default()
    };
    let mut out = Vec::new();
    tungstenite::protocol::frame::Frame::from_payload(header, Bytes::copy_from_slice(payload))
        .format(&mut out)
        .expect("a frame formats into a Vec");
    out
}

#[cfg(test)]
mod tests {
    use super::test_frame as frame;
    use super::*;

    fn items(decoder: &mut WsStreamReader) -> Vec<Result<WsItem, WsStreamError>> {
        std::iter::from_fn(|| decoder.next_item()).collect()
    }

    #[test]
    fn what_the_gateway_receives_head_masked_fragments_and_control_frames() {
        let mut bytes = b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        let mask = Some([1, 2, 3, 4]);
        bytes.extend(frame(OpCode::Data(Data::Binary), b"\x20\x01", true, mask));
        bytes.extend(frame(OpCode::Data(Data::Binary), b"ab", false, mask));
        bytes.extend(frame(OpCode::Control(Control::Ping), b"p", true, mask));
        bytes.extend(frame(OpCode::Data(Data::Continue), b"cd", true, mask));
        bytes.extend(frame(OpCode::Data(Data::Text), b"hello", true, mask));
        bytes.extend(frame(OpCode::Data(Data::Binary), b"", true, mask));
        bytes.extend(frame(
            OpCode::Control(Control::Close),
            b"\x03\xe8bye",
            true,
            mask,
        ));
        let expected = vec![
            Ok(WsItem::Head("GET /ws HTTP/1.1".into())),
            Ok(WsItem::Binary(Bytes::from_static(b"\x20\x01"))),
            Ok(WsItem::Binary(Bytes::from_static(b"abcd"))),
            Ok(WsItem::Text(5)),
            Ok(WsItem::Binary(Bytes::new())),
            Ok(WsItem::Close(Some((1000, "bye".into())))),
        ];
        // Whole, and one byte at a time.
        let mut whole = WsStreamReader::new(RoleKind::Gateway, 1024);
        whole.extend(&bytes);
        assert_eq!(items(&mut whole), expected);
        let mut trickle = WsStreamReader::new(RoleKind::Gateway, 1024);
        let mut got = Vec::new();
        for byte in &bytes {
            trickle.extend(std::slice::from_ref(byte));
            got.extend(items(&mut trickle));
        }
        assert_eq!(got, expected);
        assert_eq!(trickle.buffered(), 0);
    }

    #[test]
    fn what_the_client_receives_needs_101() {
        let mut refused = WsStreamReader::new(RoleKind::Client, 1024);
        refused.extend(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        assert_eq!(
            items(&mut refused),
            [Err(WsStreamError::UpgradeRefused(
                "HTTP/1.1 400 Bad Request".into()
            ))]
        );
        let mut ok = WsStreamReader::new(RoleKind::Client, 1024);
        ok.extend(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
        ok.extend(&frame(OpCode::Data(Data::Binary), b"\x00", true, None));
        assert_eq!(
            items(&mut ok),
            [
                Ok(WsItem::Head("HTTP/1.1 101 Switching Protocols".into())),
                Ok(WsItem::Binary(Bytes::from_static(b"\x00")))
            ]
        );
    }

    #[test]
    fn limits_and_violations() {
        let head = b"HTTP/1.1 101 OK\r\n\r\n";
        let cases: Vec<(Vec<u8>, &str)> = vec![
            // A header claiming 2^40 bytes: refused before anything is buffered.
            (
                vec![0x82, 0x7f, 0, 0, 1, 0, 0, 0, 0, 0],
                "message_too_large",
            ),
            (
                frame(OpCode::Data(Data::Continue), b"x", true, None),
                "unexpected_continuation",
            ),
            (
                [
                    frame(OpCode::Data(Data::Binary), b"x", false, None),
                    frame(OpCode::Data(Data::Binary), b"y", true, None),
                ]
                .concat(),
                "interleaved_message",
            ),
            (vec![0xc2, 0x00], "reserved_bits"),
            (vec![0x83, 0x00], "websocket_protocol"),
            (
                frame(OpCode::Control(Control::Ping), b"x", false, None),
                "bad_control_frame",
            ),
        ];
        for (bytes, kind) in cases {
            let mut decoder = WsStreamReader::new(RoleKind::Client, 1024);
            decoder.extend(head);
            decoder.extend(&bytes);
            let got = items(&mut decoder);
            assert_eq!(got.len(), 2, "{kind}: {got:?}");
            assert_eq!(got[1].as_ref().unwrap_err().kind_name(), kind);
        }
        let mut endless = WsStreamReader::new(RoleKind::Gateway, 1024);
        endless.extend(&vec![b'a'; MAX_HEAD + 1]);
        assert_eq!(items(&mut endless), [Err(WsStreamError::HeadTooLarge)]);
    }
}
