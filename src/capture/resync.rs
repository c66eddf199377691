//! Finding a frame boundary again after a hole or an uncaptured start (`--resync`).
//!
//! Bytes after a hole start anywhere inside a frame. Every offset is a candidate boundary; one
//! is believed when [`RESYNC_FRAMES`] frames in a row start there and each decodes completely:
//! a length (or WebSocket header) within the receiving end's limit, then a body that classifies
//! as the receiving end's message. The count weighs false positives against latency:
//!
//! * one frame is too easy to fake: a byte below 0x80 is a plausible length, and short bodies
//!   such as `08 01` classify (a request with `request_id` 1), so a random offset passes a
//!   one-frame test percents of the time;
//! * each further frame must start exactly where the previous one ended and classify again,
//!   which multiplies the chance of a fake by that small figure: three frames make a false
//!   boundary rare even in the bytes of real messages, which are made of length-prefixed
//!   fields;
//! * every frame required is one more frame to wait for before anything is printed, and a
//!   direction that ends sooner is not decoded at all; three frames are usually one request and
//!   its neighbours, a few milliseconds of a busy session.
//!
//! Heartbeats (empty frames) neither count nor may begin a candidate: a zero byte is a whole
//! empty frame, and zero bytes abound inside messages. On WebSocket the first frame must be an
//! unfragmented binary message, masked exactly when the client sent it (RFC 6455); text,
//! ping and pong frames between the counted ones are allowed.
//!
//! The search holds a window of the latest bytes (three of the receiving end's largest frames,
//! at most 1 MiB); candidates older than the window are given up. Each candidate is looked at
//! again only when the bytes it waits for have arrived, so the search costs a few probes per
//! byte.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use bytes::{Buf, Bytes, BytesMut};

use crate::codec::read_length_prefix;
use crate::frame::{ClientFrame, ServerFrame};
use crate::role::RoleKind;
use crate::transport::TransportKind;

/// How many consecutive non-empty frames must decode from a candidate boundary before it is
/// believed.
pub const RESYNC_FRAMES: usize = 3;

/// The most bytes a search holds, whatever the limits.
const MAX_WINDOW: usize = 1 << 20;

/// What a candidate boundary looks like so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    /// [`RESYNC_FRAMES`] frames decode from it.
    Accept,
    /// It is no boundary.
    Reject,
    /// Nothing wrong so far; it needs this many bytes from itself to go on.
    NeedMore(usize),
}

/// A search for a frame boundary in one direction.
#[derive(Debug)]
pub(crate) struct Resync {
    transport: TransportKind,
    receiver: RoleKind,
    max: usize,
    window: usize,
    /// The bytes from offset `base` (offsets count from where the search began).
    buf: BytesMut,
    base: u64,
    /// The first offset not yet probed.
    next_new: u64,
    /// Candidates waiting for bytes: (offset their next probe needs, offset).
    waiting: BinaryHeap<Reverse<(u64, u64)>>,
    /// A scratch buffer for unmasking WebSocket payloads.
    scratch: Vec<u8>,
}

/// A boundary found: the bytes before it are skipped, decoding resumes with `rest`.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) skipped: u64,
    pub(crate) rest: Bytes,
}

impl Resync {
    /// A search in the direction `receiver` receives, whose frames may be `max` bytes.
    pub(crate) fn new(transport: TransportKind, receiver: RoleKind, max: usize) -> Resync {
        Resync {
            transport,
            receiver,
            max,
            window: (RESYNC_FRAMES * max.saturating_add(14)).clamp(4096, MAX_WINDOW),
            buf: BytesMut::new(),
            base: 0,
            next_new: 0,
            waiting: BinaryHeap::new(),
            scratch: Vec::new(),
        }
    }

    /// Bytes held (at most the window, plus what one call adds).
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Bytes taken so far without finding a boundary.
    pub(crate) fn taken(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Takes more bytes; returns the boundary once one is found (the search is then over).
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Option<Found> {
        self.buf.extend_from_slice(bytes);
        let end = self.taken();
        let mut best: Option<u64> = None;
        while let Some(&Reverse((need, offset))) = self.waiting.peek() {
            if need > end {
                break;
            }
            self.waiting.pop();
            if offset >= self.base && best.is_none_or(|best| offset < best) {
                self.consider(offset, &mut best);
            }
        }
        while self.next_new < end && best.is_none_or(|best| self.next_new < best) {
            let offset = self.next_new;
            self.next_new += 1;
            self.consider(offset, &mut best);
        }
        if let Some(offset) = best {
            let at = (offset - self.base) as usize;
            let rest = self.buf.split_off(at).freeze();
            self.buf = BytesMut::new();
            self.waiting = BinaryHeap::new();
            return Some(Found {
                skipped: offset,
                rest,
            });
        }
        if self.buf.len() > self.window {
            let drop = self.buf.len() - self.window;
            self.buf.advance(drop);
            self.base += drop as u64;
            self.next_new = self.next_new.max(self.base);
        }
        None
    }

    fn consider(&mut self, offset: u64, best: &mut Option<u64>) {
        let at = (offset - self.base) as usize;
        match self.probe(at) {
            Probe::Accept => *best = Some(best.map_or(offset, |best| best.min(offset))),
            Probe::Reject => {}
            Probe::NeedMore(len) => self.waiting.push(Reverse((offset + len as u64, offset))),
        }
    }

    fn probe(&mut self, at: usize) -> Probe {
        let bytes = &self.buf[at..];
        // A candidate's frames must fit in the window: older bytes are dropped.
        let room = self.window;
        match self.transport {
            TransportKind::WebSocket => {
                probe_ws(self.receiver, self.max, room, bytes, &mut self.scratch)
            }
            _ => probe_tcp(self.receiver, self.max, room, bytes),
        }
    }
}

/// Length-prefixed frames from the start of `bytes`.
fn probe_tcp(receiver: RoleKind, max: usize, room: usize, bytes: &[u8]) -> Probe {
    let mut pos = 0;
    let mut counted = 0;
    loop {
        let prefix = match read_length_prefix(&bytes[pos..]) {
            Ok(Some(prefix)) => prefix,
            Ok(None) => return need(bytes.len() + 1, room),
            Err(_) => return Probe::Reject,
        };
        if prefix.length > max || (pos == 0 && prefix.length == 0) {
            return Probe::Reject;
        }
        let body = pos + prefix.prefix_len;
        let end = body + prefix.length;
        if end > bytes.len() {
            return need(end, room);
        }
        if prefix.length > 0 {
            if !classifies(receiver, &bytes[body..end]) {
                return Probe::Reject;
            }
            counted += 1;
            if counted == RESYNC_FRAMES {
                return Probe::Accept;
            }
        }
        pos = end;
    }
}

/// WebSocket frames from the start of `bytes`.
fn probe_ws(
    receiver: RoleKind,
    max: usize,
    room: usize,
    bytes: &[u8],
    scratch: &mut Vec<u8>,
) -> Probe {
    let mut pos = 0;
    let mut counted = 0;
    loop {
        let Some(&[first, second]) = bytes.get(pos..pos + 2) else {
            return need(pos + 2, room);
        };
        let (fin, reserved, opcode) = (first & 0x80 != 0, first & 0x70, first & 0x0f);
        let masked = second & 0x80 != 0;
        // What the gateway receives is masked, what the client receives is not.
        if reserved != 0 || !fin || masked != (receiver == RoleKind::Gateway) {
            return Probe::Reject;
        }
        let control = opcode >= 0x8;
        let binary = opcode == 0x2;
        if !matches!(opcode, 0x1 | 0x2 | 0x9 | 0xa) || (pos == 0 && !binary) {
            // Close frames end a connection; continuations and fragments are not looked for.
            return Probe::Reject;
        }
        let (len, len_bytes) = match second & 0x7f {
            126 => match bytes.get(pos + 2..pos + 4) {
                Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 2),
                None => return need(pos + 4, room),
            },
            127 => match bytes.get(pos + 2..pos + 10) {
                Some(b) => (u64::from_be_bytes(b.try_into().expect("8 bytes")), 8),
                None => return need(pos + 10, room),
            },
            short => (u64::from(short), 0),
        };
        if (control && len > 125) || len > max as u64 {
            return Probe::Reject;
        }
        let mask_at = pos + 2 + len_bytes;
        let payload = mask_at + if masked { 4 } else { 0 };
        let end = payload + len as usize;
        if end > bytes.len() {
            return need(end, room);
        }
        if binary && len == 0 && pos == 0 {
            return Probe::Reject;
        }
        if binary && len > 0 {
            let body = &bytes[payload..end];
            let ok = if masked {
                let mask = &bytes[mask_at..payload];
                scratch.clear();
                scratch.extend(body.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
                classifies(receiver, scratch)
            } else {
                classifies(receiver, body)
            };
            if !ok {
                return Probe::Reject;
            }
            counted += 1;
            if counted == RESYNC_FRAMES {
                return Probe::Accept;
            }
        }
        pos = end;
    }
}

fn need(len: usize, room: usize) -> Probe {
    if len > room {
        Probe::Reject
    } else {
        Probe::NeedMore(len)
    }
}

/// Whether a frame body classifies as the message `receiver` receives. A cheap walk over its
/// top-level fields turns most non-frames away before the body is copied for the classifier.
fn classifies(receiver: RoleKind, body: &[u8]) -> bool {
    if !plausible_message(body) {
        return false;
    }
    let body = Bytes::copy_from_slice(body);
    match receiver {
        RoleKind::Client => ServerFrame::classify(body).is_ok(),
        RoleKind::Gateway => ClientFrame::classify(body).is_ok(),
    }
}

/// Top-level protobuf fields that hang together: keys with a field number and a known wire
/// type, varints that end, lengths within the body. Groups are left to the classifier.
fn plausible_message(mut body: &[u8]) -> bool {
    fn varint(bytes: &mut &[u8], max_len: usize) -> Option<u64> {
        let mut value = 0u64;
        for i in 0..max_len.min(bytes.len()) {
            let byte = bytes[i];
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                *bytes = &bytes[i + 1..];
                return Some(value);
            }
        }
        None
    }
    while !body.is_empty() {
        let Some(key) = varint(&mut body, 5) else {
            return false;
        };
        if key >> 3 == 0 || key >> 3 > u64::from(u32::MAX >> 3) {
            return false;
        }
        let skip = match key & 7 {
            0 => match varint(&mut body, 10) {
                Some(_) => 0,
                None => return false,
            },
            1 => 8,
            2 => match varint(&mut body, 5) {
                Some(len) => len,
                None => return false,
            },
            3 | 4 => return true,
            5 => 4,
            _ => return false,
        };
        if skip > body.len() as u64 {
            return false;
        }
        body = &body[skip as usize..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// request_id n, then a create_message_request (field 4? no: any set field will do).
    fn request(id: u8) -> Vec<u8> {
        // request_id (field 1) = id.
        vec![0x08, id]
    }

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = vec![body.len() as u8];
        out.extend(body);
        out
    }

    #[test]
    fn three_frames_in_a_row_make_a_boundary() {
        let mut stream = vec![0xff, 0xff, 0x7f, 0x05]; // the tail of a frame
        for id in 1..=3 {
            stream.extend(framed(&request(id)));
        }
        let mut resync = Resync::new(TransportKind::Tcp, RoleKind::Gateway, 16 * 1024);
        // Fed a byte at a time, it answers exactly when the third frame is whole.
        for (i, byte) in stream.iter().enumerate() {
            let found = resync.feed(std::slice::from_ref(byte));
            if i + 1 < stream.len() {
                assert!(found.is_none(), "at {i}");
            } else {
                let found = found.expect("a boundary");
                assert_eq!(found.skipped, 4);
                assert_eq!(&found.rest[..], &stream[4..]);
            }
        }
    }

    #[test]
    fn heartbeats_neither_count_nor_begin_a_boundary() {
        let mut stream = vec![0x00, 0x00, 0x00, 0x00];
        stream.extend(framed(&request(1)));
        stream.extend([0x00, 0x00]);
        stream.extend(framed(&request(2)));
        let mut resync = Resync::new(TransportKind::Tcp, RoleKind::Gateway, 16 * 1024);
        assert!(resync.feed(&stream).is_none(), "two frames only");
        let found = resync.feed(&framed(&request(3))).expect("three");
        assert_eq!(found.skipped, 4);
    }

    #[test]
    fn the_window_bounds_what_is_held() {
        let mut resync = Resync::new(TransportKind::Tcp, RoleKind::Gateway, 100);
        let window = resync.window;
        for _ in 0..100 {
            assert!(resync.feed(&[0x7f; 997]).is_none());
            assert!(resync.buffered() <= window);
        }
        assert_eq!(resync.taken(), 99_700);
        // Waiting candidates are bounded too: each waits for bytes within the window.
        assert!(resync.waiting.len() <= window);
    }

    #[test]
    fn websocket_frames_must_be_masked_as_their_sender_masks_them() {
        fn ws(body: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
            let mut out = vec![
                0x82,
                body.len() as u8 | if mask.is_some() { 0x80 } else { 0 },
            ];
            if let Some(mask) = mask {
                out.extend(mask);
                out.extend(body.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
            } else {
                out.extend(body);
            }
            out
        }
        let mut masked = vec![0x12, 0x34];
        let mut plain = masked.clone();
        for id in 1..=3 {
            masked.extend(ws(&request(id), Some([1, 2, 3, id])));
            plain.extend(ws(&request(id), None));
        }
        let mut resync = Resync::new(TransportKind::WebSocket, RoleKind::Gateway, 16 * 1024);
        assert_eq!(
            resync.feed(&masked).expect("masked to the gateway").skipped,
            2
        );
        let mut resync = Resync::new(TransportKind::WebSocket, RoleKind::Gateway, 16 * 1024);
        assert!(
            resync.feed(&plain).is_none(),
            "unmasked frames are not the client's"
        );
    }

    #[test]
    fn the_walk_turns_away_broken_messages() {
        assert!(plausible_message(&[0x08, 0x01, 0x12, 0x01, 0x00]));
        assert!(!plausible_message(&[0x00, 0x01]), "field number 0");
        assert!(!plausible_message(&[0x0f]), "wire type 7");
        assert!(
            !plausible_message(&[0x12, 0x05, 0x00]),
            "length past the end"
        );
        assert!(!plausible_message(&[0x08, 0x80]), "unterminated varint");
    }
}
