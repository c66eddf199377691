//! The varint32 length-prefixed framing shared by both directions of a TCP connection.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::error::{FramingError, OutboundError};
use crate::role::{Limits, RoleKind, MAX_FRAME_LENGTH};

/// The longest length prefix the gateway reads: five 7-bit groups.
pub const MAX_PREFIX_LEN: usize = 5;

/// How much buffer the decoder asks for ahead of the bytes that actually arrive. A header may
/// claim megabytes; the buffer grows with what is received, never with what is claimed.
const MAX_RESERVE: usize = 64 * 1024;

/// A decoded length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthPrefix {
    /// The body length it declares.
    pub length: usize,
    /// How many bytes the prefix itself took (1–5; non-minimal encodings are accepted).
    pub prefix_len: usize,
}

/// Reads a varint32 length prefix from the start of `buf` without consuming anything.
///
/// `Ok(None)` means the prefix is not complete yet. Unlike `prost::decode_length_delimiter`,
/// which advances its buffer even when it fails half-way, this looks at a borrowed slice, so a
/// header split across reads is simply read again when more bytes arrive.
///
/// Errors as the gateway's decoder does: a prefix longer than 5 bytes, or a value of 2^31 or
/// more (negative as an int32, or wider than 32 bits). Non-minimal encodings (`80 00` for 0) are
/// accepted, as the gateway accepts them.
pub fn read_length_prefix(buf: &[u8]) -> Result<Option<LengthPrefix>, FramingError> {
    let mut value: u64 = 0;
    for (i, &byte) in buf.iter().take(MAX_PREFIX_LEN).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if value > MAX_FRAME_LENGTH as u64 {
                return Err(FramingError::LengthOverflow { declared: value });
            }
            return Ok(Some(LengthPrefix {
                // Lossless: checked against i32::MAX just above.
                length: value as usize,
                prefix_len: i + 1,
            }));
        }
        if i + 1 == MAX_PREFIX_LEN {
            return Err(FramingError::VarintTooLong);
        }
    }
    Ok(None)
}

/// Writes `length` as a minimal varint32 prefix.
pub fn write_length_prefix(length: usize, dst: &mut impl BufMut) {
    prost::encoding::encode_varint(length as u64, dst);
}

/// The shared TCP framing: an unsigned varint32 length, then that many bytes of protobuf.
///
/// As a [`Decoder`] it yields one [`Bytes`] per frame, split off the read buffer without
/// copying; an empty frame is a heartbeat (or its ack). As an [`Encoder`] it prefixes raw
/// bodies. The role's [`Codec`](super::Codec) adds classification and message encoding on top.
///
/// Limits ([`Limits`]) are enforced on the header, before the buffer grows for the body; the
/// buffer is reserved at most 64 KiB ahead of what has arrived. A framing error leaves the
/// decoder failed: every later call repeats the error, since no later frame boundary can be
/// trusted. At end of input, every complete frame is delivered before a truncation error.
#[derive(Debug, Clone)]
pub struct Framing {
    limits: Limits,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Waiting for (the rest of) a length prefix.
    Head,
    /// The prefix has been consumed; waiting for `len` body bytes.
    Body { len: usize },
    /// A framing error occurred; it is repeated on every call.
    Failed(Fault),
}

/// A copyable record of the framing error that ended the stream.
#[derive(Debug, Clone, Copy)]
enum Fault {
    VarintTooLong,
    LengthOverflow(u64),
    FrameTooLarge { len: usize, max: usize },
    TruncatedHeader(usize),
    TruncatedFrame { expected: usize, received: usize },
}

impl From<Fault> for FramingError {
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::VarintTooLong => FramingError::VarintTooLong,
            Fault::LengthOverflow(declared) => FramingError::LengthOverflow { declared },
            Fault::FrameTooLarge { len, max } => FramingError::FrameTooLarge { len, max },
            Fault::TruncatedHeader(received) => FramingError::TruncatedHeader { received },
            Fault::TruncatedFrame { expected, received } => {
                FramingError::TruncatedFrame { expected, received }
            }
        }
    }
}

impl Framing {
    /// Framing with explicit limits.
    pub fn new(limits: Limits) -> Self {
        Framing {
            limits,
            state: State::Head,
        }
    }

    /// Framing with the defaults of one end of the connection.
    pub fn for_role(role: RoleKind) -> Self {
        Self::new(role.limits())
    }

    /// Framing for the client side of a connection ([`RoleKind::Client`]'s limits).
    pub fn client() -> Self {
        Self::for_role(RoleKind::Client)
    }

    /// Framing for the gateway side of a connection ([`RoleKind::Gateway`]'s limits).
    pub fn gateway() -> Self {
        Self::for_role(RoleKind::Gateway)
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Changes the limits; a frame whose header was already accepted is still read whole.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// True once a framing error has ended the inbound stream.
    pub fn has_failed(&self) -> bool {
        matches!(self.state, State::Failed(_))
    }

    fn fail(&mut self, fault: Fault) -> FramingError {
        self.state = State::Failed(fault);
        fault.into()
    }

    /// Checks `len` against the outbound limit (and refuses an empty body unless
    /// `may_be_empty`), then writes the prefix and lets `write` put exactly `len` body bytes.
    /// Nothing is written when the frame is refused.
    pub(crate) fn write_frame(
        &self,
        len: usize,
        may_be_empty: bool,
        dst: &mut BytesMut,
        write: impl FnOnce(&mut BytesMut),
    ) -> Result<(), FramingError> {
        OutboundError::check(len, self.limits.max_outbound_frame(), may_be_empty)?;
        dst.reserve(prost::encoding::encoded_len_varint(len as u64) + len);
        write_length_prefix(len, dst);
        let before = dst.len();
        write(dst);
        debug_assert_eq!(
            dst.len() - before,
            len,
            "body length differs from its prefix"
        );
        Ok(())
    }
}

impl Default for Framing {
    /// Client-side framing: most users of this crate are clients.
    fn default() -> Self {
        Self::client()
    }
}

/// Why [`Framing::decode_slow`] has no frame to hand out.
#[derive(Debug)]
enum Stop {
    /// The frame is not wholly here yet.
    Wait,
    /// The stream has failed (now or earlier).
    Failed(Fault),
    /// An error that does not end the stream (none of `read_length_prefix`'s today).
    Error(FramingError),
}

impl Framing {
    /// The common case, taken without touching the state: between frames, with a prefix of one
    /// or two bytes (bodies below 16 KiB) within the inbound limit and the whole frame in
    /// `src`. Returns (prefix length, body length); anything else is for
    /// [`decode_slow`](Self::decode_slow), which checks it all again.
    #[inline(always)]
    fn whole_frame(&self, src: &[u8]) -> Option<(usize, usize)> {
        if !matches!(self.state, State::Head) {
            return None;
        }
        let (prefix_len, len) = match *src {
            [first, ..] if first < 0x80 => (1, usize::from(first)),
            [first, second, ..] if second < 0x80 => {
                (2, usize::from(first & 0x7f) | usize::from(second) << 7)
            }
            _ => return None,
        };
        // The limit is checked on the header, as on the slow path: a frame over it (or one not
        // wholly here yet) goes there, which fails it or waits for the rest.
        if len > self.limits.max_inbound_frame() || src.len() - prefix_len < len {
            return None;
        }
        Some((prefix_len, len))
    }

    /// Everything but the common case: longer prefixes, a frame not wholly received, a limit
    /// exceeded, a failed stream. Consumes the prefix once it is read and accepted, and returns
    /// the body length once the whole body is in `src`.
    #[cold]
    #[inline(never)]
    fn decode_slow(&mut self, src: &mut BytesMut) -> Result<usize, Stop> {
        let len = match self.state {
            State::Failed(fault) => {
                // The bytes after a bad prefix cannot be framed; don't let them pile up.
                src.clear();
                return Err(Stop::Failed(fault));
            }
            State::Body { len } => len,
            State::Head => {
                let prefix = match read_length_prefix(src) {
                    Ok(Some(prefix)) => prefix,
                    Ok(None) => return Err(Stop::Wait),
                    Err(FramingError::VarintTooLong) => return Err(self.stop(Fault::VarintTooLong)),
                    Err(FramingError::LengthOverflow { declared }) => {
                        return Err(self.stop(Fault::LengthOverflow(declared)))
                    }
                    Err(other) => return Err(Stop::Error(other)),
                };
                let max = self.limits.max_inbound_frame();
                if prefix.length > max {
                    return Err(self.stop(Fault::FrameTooLarge {
                        len: prefix.length,
                        max,
                    }));
                }
                src.advance(prefix.prefix_len);
                self.state = State::Body { len: prefix.length };
                prefix.length
            }
        };
        if src.len() < len {
            src.reserve((len - src.len()).min(MAX_RESERVE));
            return Err(Stop::Wait);
        }
        self.state = State::Head;
        Ok(len)
    }

    fn stop(&mut self, fault: Fault) -> Stop {
        self.state = State::Failed(fault);
        Stop::Failed(fault)
    }
}

impl Decoder for Framing {
    type Item = Bytes;
    type Error = FramingError;

    // Always inlined: the fast path is a few instructions, and a call would return its
    // 40-byte result through memory.
    #[inline(always)]
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        let (prefix_len, len) = match self.whole_frame(src) {
            Some(frame) => frame,
            // The slow path has consumed the prefix already.
            None => match self.decode_slow(src) {
                Ok(len) => (0, len),
                Err(Stop::Wait) => return Ok(None),
                Err(Stop::Failed(fault)) => return Err(fault.into()),
                Err(Stop::Error(error)) => return Err(error),
            },
        };
        // An empty body (a heartbeat, or its ack) shares nothing with the read buffer: the
        // prefix is passed over and the frame is the static empty `Bytes`. A split would cost
        // an atomic reference-count increment, and dropping the frame a decrement.
        if len == 0 {
            src.advance(prefix_len);
            return Ok(Some(Bytes::new()));
        }
        // The prefix goes with the frame and is cut off the frozen `Bytes`, which is a pointer
        // bump; advancing the `BytesMut` past it would cost as much as the split.
        let mut frame = src.split_to(prefix_len + len).freeze();
        frame.advance(prefix_len);
        Ok(Some(frame))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        match self.state {
            State::Head if src.is_empty() => Ok(None),
            State::Head => Err(self.fail(Fault::TruncatedHeader(src.len()))),
            State::Body { len } => Err(self.fail(Fault::TruncatedFrame {
                expected: len,
                received: src.len(),
            })),
            State::Failed(fault) => Err(fault.into()),
        }
    }
}

impl Encoder<&[u8]> for Framing {
    type Error = FramingError;

    fn encode(&mut self, body: &[u8], dst: &mut BytesMut) -> Result<(), FramingError> {
        self.write_frame(body.len(), true, dst, |dst| dst.put_slice(body))
    }
}

impl Encoder<Bytes> for Framing {
    type Error = FramingError;

    fn encode(&mut self, body: Bytes, dst: &mut BytesMut) -> Result<(), FramingError> {
        self.encode(&body[..], dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(bytes: &[u8]) -> Result<Option<LengthPrefix>, FramingError> {
        read_length_prefix(bytes)
    }

    #[test]
    fn prefixes_of_every_width() {
        let cases: &[(&[u8], usize)] = &[
            (&[0x00], 0),
            (&[0x7f], 127),
            (&[0x80, 0x01], 128),
            (&[0x80, 0x80, 0x01], 16384),
            (&[0xff, 0xff, 0xff, 0xff, 0x07], MAX_FRAME_LENGTH),
            (&[0x80, 0x00], 0),
            (&[0x85, 0x80, 0x80, 0x80, 0x00], 5),
        ];
        for &(bytes, length) in cases {
            assert_eq!(
                prefix(bytes).unwrap(),
                Some(LengthPrefix {
                    length,
                    prefix_len: bytes.len()
                }),
                "{bytes:02x?}"
            );
        }
    }

    #[test]
    fn incomplete_prefixes_wait() {
        assert_eq!(prefix(&[]).unwrap(), None);
        assert_eq!(prefix(&[0x80]).unwrap(), None);
        assert_eq!(prefix(&[0xff, 0xff, 0xff, 0xff]).unwrap(), None);
    }

    #[test]
    fn bad_prefixes_are_typed() {
        assert!(matches!(
            prefix(&[0x80, 0x80, 0x80, 0x80, 0x80]),
            Err(FramingError::VarintTooLong)
        ));
        assert!(matches!(
            prefix(&[0x80, 0x80, 0x80, 0x80, 0x08]),
            Err(FramingError::LengthOverflow {
                declared: 0x8000_0000
            })
        ));
        assert!(matches!(
            prefix(&[0x80, 0x80, 0x80, 0x80, 0x10]),
            Err(FramingError::LengthOverflow {
                declared: 0x1_0000_0000
            })
        ));
        assert!(matches!(
            prefix(&[0xff, 0xff, 0xff, 0xff, 0x7f]),
            Err(FramingError::LengthOverflow { .. })
        ));
    }

    #[test]
    fn header_over_limit_fails_before_reserving() {
        let mut framing = Framing::new(Limits::new(100, 100));
        let mut src = BytesMut::from(&[0x80, 0x80, 0x80, 0x01][..]);
        let cap = src.capacity();
        assert!(matches!(
            framing.decode(&mut src),
            Err(FramingError::FrameTooLarge {
                len: 2_097_152,
                max: 100
            })
        ));
        assert_eq!(src.capacity(), cap);
        assert!(framing.has_failed());
        // The failure sticks.
        src.extend_from_slice(&[0x00]);
        assert!(matches!(
            framing.decode(&mut src),
            Err(FramingError::FrameTooLarge { .. })
        ));
    }

    #[test]
    fn large_claim_reserves_at_most_64k() {
        let mut framing = Framing::new(Limits::new(1 << 30, 1 << 30));
        let mut src = BytesMut::new();
        write_length_prefix(1 << 30, &mut src);
        assert_eq!(framing.decode(&mut src).unwrap(), None);
        assert!(src.capacity() <= 2 * MAX_RESERVE, "{}", src.capacity());
    }

    #[test]
    fn outbound_limit_writes_nothing() {
        let mut framing = Framing::new(Limits::new(10, 3));
        let mut dst = BytesMut::new();
        assert!(matches!(
            framing.encode(&b"abcd"[..], &mut dst),
            Err(FramingError::Outbound(OutboundError::TooLarge {
                len: 4,
                max: 3
            }))
        ));
        assert!(dst.is_empty());
        framing
            .encode(Bytes::from_static(b"abc"), &mut dst)
            .unwrap();
        framing.encode(Bytes::new(), &mut dst).unwrap();
        assert_eq!(&dst[..], b"\x03abc\x00");
    }

    #[test]
    fn empty_frames_share_nothing_with_the_read_buffer() {
        let mut framing = Framing::client();
        // Heartbeats with a one-byte prefix, a non-minimal two-byte one, and one whose prefix
        // arrives in two reads (the slow path).
        let mut src = BytesMut::with_capacity(64);
        src.extend_from_slice(b"\x00\x02hi\x80\x00\x00\x80");
        let buffer = src.as_ptr_range();
        let outside =
            |frame: &Bytes| !buffer.contains(&frame.as_ptr()) && frame.as_ptr() != buffer.end;
        let mut frames = Vec::new();
        while let Some(frame) = framing.decode(&mut src).unwrap() {
            frames.push(frame);
        }
        assert_eq!(frames, ["", "hi", "", ""]);
        assert!(
            !outside(&frames[1]),
            "a non-empty frame is a slice of the read"
        );
        assert!(
            [&frames[0], &frames[2], &frames[3]]
                .into_iter()
                .all(outside),
            "an empty frame is not split off the read buffer"
        );
        assert_eq!(&src[..], b"\x80");
        src.extend_from_slice(&[0x00, 0x01, b'x']);
        let heartbeat = framing.decode(&mut src).unwrap().unwrap();
        assert_eq!(heartbeat, "");
        assert!(outside(&heartbeat));
        assert_eq!(framing.decode(&mut src).unwrap().unwrap(), "x");
        assert!(src.is_empty());
    }

    #[test]
    fn eof_delivers_frames_then_truncation() {
        let mut framing = Framing::client();
        let mut src = BytesMut::from(&b"\x02hi\x00\x05ab"[..]);
        assert_eq!(framing.decode_eof(&mut src).unwrap().unwrap(), "hi");
        assert_eq!(framing.decode_eof(&mut src).unwrap().unwrap(), "");
        assert!(matches!(
            framing.decode_eof(&mut src),
            Err(FramingError::TruncatedFrame {
                expected: 5,
                received: 2
            })
        ));

        let mut framing = Framing::client();
        let mut src = BytesMut::from(&b"\x00\xff\xff"[..]);
        assert_eq!(framing.decode_eof(&mut src).unwrap().unwrap(), "");
        assert!(matches!(
            framing.decode_eof(&mut src),
            Err(FramingError::TruncatedHeader { received: 2 })
        ));

        let mut framing = Framing::client();
        assert_eq!(framing.decode_eof(&mut BytesMut::new()).unwrap(), None);
    }
}
