//! The envelope scanner: reads the few fields classification needs, wherever they are.
//!
//! It follows prost's decoder rule for rule (`prost::encoding::{decode_varint, decode_key,
//! skip_field}` and the generated `merge_field`s), so that whatever it accepts, a full decode of
//! the envelope accepts too, with the same values:
//!
//! * fields in any order; a singular field repeated: the last one wins; a oneof member
//!   repeated: the last member wins, and the same member twice in a row merges;
//! * unknown fields of every wire type skipped, groups matched and nested at most as deep as
//!   prost's recursion limit (100 nested messages) allows;
//! * varints of at most 10 bytes and 64 bits, keys of at most 32 bits, no field number 0, no
//!   wire type 6 or 7, no end-group key without its start;
//! * a field the schema declares, sent with another wire type than its type has, is an error
//!   (prost refuses it; Google's runtimes keep it as an unknown field instead);
//! * int32 values are the low 32 bits of the varint, int64 values its 64 bits, as prost reads
//!   them.
//!
//! Strictness ends at the envelope. Inside `data` (for its kind and the session ids) and
//! `relayed_request` (for its kind and id) the scanner reads the same way but does not judge:
//! if those bytes are malformed, the values it wanted from them are simply absent, and the full
//! decode, which fails on them, is where the error shows.
//!
//! Nothing is copied: the scanner records values and the byte ranges of `reason`, `data`,
//! `relayed_request`, the session ids and a request's body in the frame.
//!
//! Reading functions fail with the zero-sized [`Bail`], so results travel in registers; the
//! reader keeps the detailed [`ClassifyError`] aside until the scan hands it out.

use core::cell::Cell;

use super::error::{ClassifyError, ClassifyErrorKind as Kind, Message, WireType};
use super::kind::{DataKind, RequestKind};

/// prost's limit on nested messages (`prost::RECURSION_LIMIT`); groups count too.
pub(crate) const RECURSION_LIMIT: u32 = 100;

/// A byte range of the frame. Frames are smaller than 4 GiB, so u32 offsets suffice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    #[inline]
    fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// All of `buf` (shorter than 4 GiB, as every frame is).
    #[inline]
    pub fn whole(buf: &[u8]) -> Span {
        Span::new(0, buf.len())
    }

    /// The range's bytes; `buf` must be the buffer the range was scanned from.
    #[inline]
    pub fn of(self, buf: &[u8]) -> &[u8] {
        // The scanner only records ranges it has checked against the buffer's length.
        buf.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// A failed read; the details are in the [`Fault`] slot of the reader that failed.
#[derive(Debug)]
pub(crate) struct Bail;

type Read<T> = Result<T, Bail>;

/// Where a reader leaves the details of its failure. Kept apart from the reader, and written
/// only by cold functions that get it by reference, so the reader itself never has its address
/// taken and its cursor stays in registers.
type Fault = Cell<Option<ClassifyError>>;

#[cold]
#[inline(never)]
fn fail(fault: &Fault, kind: Kind, at: usize, message: Message) -> Bail {
    fault.set(Some(ClassifyError::new(kind, at, message)));
    Bail
}

/// The error a scan with this slot failed with.
#[cold]
fn fault_into_error(fault: &Fault, message: Message) -> ClassifyError {
    fault
        .get()
        .unwrap_or_else(|| ClassifyError::new(Kind::TruncatedVarint, 0, message))
}

/// A cursor over one message of the frame: `rest` is what is left of it, and `end` is the
/// message's end as a frame offset, so positions and ranges are frame offsets.
#[derive(Clone, Copy)]
struct Reader<'a, 'f> {
    rest: &'a [u8],
    end: usize,
    message: Message,
    fault: &'f Fault,
}

impl<'a, 'f> Reader<'a, 'f> {
    #[inline(always)]
    fn new(buf: &'a [u8], span: Span, message: Message, fault: &'f Fault) -> Reader<'a, 'f> {
        debug_assert!(span.end as usize <= buf.len());
        Reader {
            rest: buf
                .get(span.start as usize..span.end as usize)
                .unwrap_or_default(),
            end: span.end as usize,
            message,
            fault,
        }
    }

    #[inline(always)]
    fn has_remaining(&self) -> bool {
        !self.rest.is_empty()
    }

    /// The frame offset of the next unread byte.
    #[inline(always)]
    fn pos(&self) -> usize {
        self.end - self.rest.len()
    }

    #[inline(always)]
    fn fail(&self, kind: Kind, at: usize) -> Bail {
        fail(self.fault, kind, at, self.message)
    }

    /// A varint, read as `prost::encoding::decode_varint` reads it: at most 10 bytes, and the
    /// tenth may only hold bit 63. (prost's own function would allocate its error.)
    #[inline(always)]
    fn varint(&mut self) -> Read<u64> {
        if let Some((&byte, tail)) = self.rest.split_first() {
            if byte < 0x80 {
                self.rest = tail;
                return Ok(u64::from(byte));
            }
        }
        match long_varint(self.rest) {
            Some((value, len)) => {
                self.rest = &self.rest[len..];
                Ok(value)
            }
            None => Err(self.fail(varint_error(self.rest), self.pos())),
        }
    }

    /// Passes over a varint that [`varint`](Self::varint) would accept, without decoding it.
    #[inline(always)]
    fn skip_varint(&mut self) -> Read<()> {
        match varint_len(self.rest) {
            Some(len) => {
                self.rest = &self.rest[len..];
                Ok(())
            }
            None => Err(self.fail(varint_error(self.rest), self.pos())),
        }
    }

    /// A field key, as `prost::encoding::decode_key` reads it: (field number, wire type).
    #[inline(always)]
    fn key(&mut self) -> Read<(u32, WireType)> {
        let at = self.pos();
        let key = self.varint()?;
        self.split_key(key, at)
    }

    /// Checks a key's value as `decode_key` does: at most 32 bits, wire type 0–5, field ≥ 1.
    #[inline(always)]
    fn split_key(&self, key: u64, at: usize) -> Read<(u32, WireType)> {
        if key > u64::from(u32::MAX) {
            return Err(self.fail(Kind::KeyTooLarge { key }, at));
        }
        let field = (key as u32) >> 3;
        let Some(wire_type) = WireType::from_bits((key & 7) as u8) else {
            let wire_type = (key & 7) as u8;
            return Err(self.fail(Kind::InvalidWireType { wire_type, field }, at));
        };
        if field == 0 {
            return Err(self.fail(Kind::FieldNumberZero, at));
        }
        Ok((field, wire_type))
    }

    /// Refuses a declared field sent with the wrong wire type, as prost's `check_wire_type`.
    #[inline(always)]
    fn expect(&self, field: u32, found: WireType, expected: WireType, at: usize) -> Read<()> {
        if found == expected {
            Ok(())
        } else {
            Err(self.wrong_wire_type(field, found, expected, at))
        }
    }

    #[inline(always)]
    fn wrong_wire_type(&self, field: u32, found: WireType, expected: WireType, at: usize) -> Bail {
        let kind = Kind::WrongWireType {
            field,
            found,
            expected,
        };
        self.fail(kind, at)
    }

    /// A length-delimited value's range; the length must fit in what is left of the message.
    #[inline(always)]
    fn len_span(&mut self, field: u32) -> Read<Span> {
        let at = self.pos();
        let len = self.varint()?;
        if len > self.rest.len() as u64 {
            let available = self.rest.len() as u32;
            let kind = Kind::LengthOverrun {
                field,
                len,
                available,
            };
            return Err(self.fail(kind, at));
        }
        let start = self.pos();
        self.rest = &self.rest[len as usize..];
        Ok(Span::new(start, start + len as usize))
    }

    #[inline(always)]
    fn fixed(&mut self, field: u32, width: u8) -> Read<()> {
        match self.rest.get(usize::from(width)..) {
            Some(tail) => {
                self.rest = tail;
                Ok(())
            }
            None => {
                let available = self.rest.len() as u32;
                let kind = Kind::TruncatedFixed {
                    field,
                    width,
                    available,
                };
                Err(self.fail(kind, self.pos()))
            }
        }
    }

    /// Skips a field the scanner does not need, as `prost::encoding::skip_field` does.
    ///
    /// `budget` is prost's remaining recursion count for the message being read: 100 for the
    /// frame's own fields, one less for each message level below it.
    #[inline(always)]
    fn skip(&mut self, field: u32, wire_type: WireType, at: usize, budget: u32) -> Read<()> {
        match wire_type {
            WireType::Varint => self.varint().map(drop),
            WireType::I64 => self.fixed(field, 8),
            WireType::Len => self.len_span(field).map(drop),
            WireType::I32 => self.fixed(field, 4),
            WireType::StartGroup => {
                // Out of line, given the reader by value so it keeps living in registers.
                self.rest = skip_group(*self, field, at, budget)?;
                Ok(())
            }
            WireType::EndGroup => Err(self.fail(Kind::UnexpectedEndGroup { field }, at)),
        }
    }
}

/// A varint of two or more bytes: (value, length), or `None` where prost fails.
#[inline]
fn long_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    // Two bytes: codes, ids and lengths below 16384.
    if let [first, second, ..] = *bytes {
        if second < 0x80 {
            return Some((u64::from(first & 0x7f) | u64::from(second) << 7, 2));
        }
    }
    // Eight bytes at once when eight are there: find the first byte without the continuation
    // bit, keep the bytes up to it, and pack their 7-bit groups together. Nine- and ten-byte
    // varints (int64 values from 2^56, and every negative one) add their last bytes by hand.
    if let Some(word) = bytes.first_chunk::<8>() {
        let word = u64::from_le_bytes(*word);
        let ends = !word & 0x8080_8080_8080_8080;
        let (len, mask) = if ends != 0 {
            ((ends.trailing_zeros() as usize + 1) / 8, ends ^ (ends - 1))
        } else {
            (8, u64::MAX)
        };
        let mut x = word & mask & 0x7f7f_7f7f_7f7f_7f7f;
        x = (x & 0x007f_007f_007f_007f) | ((x & 0x7f00_7f00_7f00_7f00) >> 1);
        x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x3fff_0000_3fff_0000) >> 2);
        x = (x & 0x0000_0000_0fff_ffff) | ((x & 0x0fff_ffff_0000_0000) >> 4);
        if ends != 0 {
            return Some((x, len));
        }
        return match bytes[8..] {
            [ninth, ..] if ninth < 0x80 => Some((x | u64::from(ninth) << 56, 9)),
            [ninth, tenth, ..] if tenth <= 1 => Some((
                x | u64::from(ninth & 0x7f) << 56 | u64::from(tenth) << 63,
                10,
            )),
            _ => None,
        };
    }
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return (i < 9 || byte <= 1).then_some((value, i + 1));
        }
    }
    None
}

/// The length of the varint `bytes` starts with, where [`long_varint`] (or the one-byte case)
/// would read it: the same bytes accepted, nothing decoded.
#[inline]
fn varint_len(bytes: &[u8]) -> Option<usize> {
    if let Some(word) = bytes.first_chunk::<8>() {
        let ends = !u64::from_le_bytes(*word) & 0x8080_8080_8080_8080;
        if ends != 0 {
            return Some(ends.trailing_zeros() as usize / 8 + 1);
        }
        return match bytes[8..] {
            [ninth, ..] if ninth < 0x80 => Some(9),
            [_, tenth, ..] if tenth <= 1 => Some(10),
            _ => None,
        };
    }
    // Fewer than eight bytes left: the varint ends within them or is cut off.
    bytes.iter().position(|&byte| byte < 0x80).map(|i| i + 1)
}

/// The value of a varint the scanner has already read at frame offset `at` (and so accepted).
#[inline]
pub(crate) fn varint_at(buf: &[u8], at: u32) -> u64 {
    let bytes = buf.get(at as usize..).unwrap_or_default();
    match bytes.split_first() {
        Some((&byte, _)) if byte < 0x80 => u64::from(byte),
        _ => long_varint(bytes).map_or(0, |(value, _)| value),
    }
}

/// Tells a varint cut off by the end of its message from one that is too long.
#[cold]
#[inline(never)]
fn varint_error(rest: &[u8]) -> Kind {
    if rest.len() < 10 && rest.iter().all(|b| b & 0x80 != 0) {
        Kind::TruncatedVarint
    } else {
        Kind::OverlongVarint
    }
}

/// Skips a group and every group nested in it, without recursion; returns what follows.
///
/// prost checks its recursion count before skipping each field, and each open group costs one
/// level: a field inside `depth` open groups needs `budget - depth > 0`.
#[inline(never)]
fn skip_group<'a>(mut r: Reader<'a, '_>, field: u32, at: usize, budget: u32) -> Read<&'a [u8]> {
    // The fields of the open groups, innermost last; `depth` of them are open.
    let budget = budget.min(RECURSION_LIMIT) as usize;
    let mut open = [0u32; RECURSION_LIMIT as usize];
    let mut depth = 0usize;
    let (mut inner, mut wire_type, mut inner_at) = (field, WireType::StartGroup, at);
    loop {
        match wire_type {
            WireType::EndGroup => {
                let open_field = open[depth - 1];
                if inner != open_field {
                    let kind = Kind::MismatchedEndGroup {
                        open: open_field,
                        found: inner,
                    };
                    return Err(r.fail(kind, inner_at));
                }
                depth -= 1;
                if depth == 0 {
                    return Ok(r.rest);
                }
            }
            _ if budget <= depth => return Err(r.fail(Kind::RecursionLimit, inner_at)),
            // depth < budget <= RECURSION_LIMIT keeps the index in bounds.
            WireType::StartGroup => {
                open[depth] = inner;
                depth += 1;
            }
            WireType::Varint => r.varint().map(drop)?,
            WireType::I64 => r.fixed(inner, 8)?,
            WireType::Len => r.len_span(inner).map(drop)?,
            WireType::I32 => r.fixed(inner, 4)?,
        }
        if !r.has_remaining() {
            return Err(r.fail(Kind::UnterminatedGroup { field }, at));
        }
        inner_at = r.pos();
        (inner, wire_type) = r.key()?;
    }
}

// Presence bits of `Envelope::present`.
pub(crate) const REQUEST_ID: u16 = 1;
pub(crate) const CODE: u16 = 1 << 1;
pub(crate) const REASON: u16 = 1 << 2;
pub(crate) const DATA: u16 = 1 << 3;
pub(crate) const REQUESTER_ID: u16 = 1 << 4;
pub(crate) const CLOSE_STATUS: u16 = 1 << 5;
pub(crate) const RELAYED: u16 = 1 << 6;
/// `data` occurs more than once: its value is the merge of all occurrences.
pub(crate) const DATA_REPEATED: u16 = 1 << 10;
/// `relayed_request` occurs more than once.
pub(crate) const RELAYED_REPEATED: u16 = 1 << 11;
/// `data` is malformed (a full decode fails): its kind stays unknown.
pub(crate) const DATA_UNREADABLE: u16 = 1 << 12;
/// `relayed_request` is malformed: its kind stays unknown.
pub(crate) const RELAYED_UNREADABLE: u16 = 1 << 13;

/// What classification learns about a `TurmsNotification`: values and frame ranges.
///
/// Every classified frame carries one, so it holds only what routing a frame needs at once;
/// values read rarely are read again when asked for: the timestamp and the requester id from
/// where they lie (their varints checked by the scan), the session ids and the relayed
/// request's id from `data` or `relayed_request`. The fields are ordered so that it packs into
/// 64 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Envelope {
    pub present: u16,
    /// `data.kind`'s field number (all below 2^16); 0 when `data` has no kind.
    pub data_kind: u16,
    /// `relayed_request.kind`'s field number (all below 2^16); 0 when it has none.
    pub relayed_kind: u16,
    pub code: i32,
    pub close_status: i32,
    pub custom_attributes: u32,
    /// Where the last `timestamp` value starts (a frame offset, never 0: a key comes first); 0
    /// when there is none. Decoded when asked for.
    pub timestamp_at: u32,
    /// Where the last `requester_id` value starts (with `REQUESTER_ID`). Decoded when asked for.
    pub requester_at: u32,
    pub request_id: i64,
    pub reason: Span,
    /// The last `data` occurrence (all of them when `DATA_REPEATED` is set).
    pub data: Span,
    /// The last `relayed_request` occurrence.
    pub relayed: Span,
}

impl Envelope {
    #[inline(always)]
    pub fn has(&self, bit: u16) -> bool {
        self.present & bit != 0
    }
}

/// Scans a non-empty `TurmsNotification` frame into `env` (which starts as the default).
/// Inlined into the classification, so that `env` can live in registers.
#[inline(always)]
pub(crate) fn notification(buf: &[u8], env: &mut Envelope) -> Result<(), ClassifyError> {
    let fault = Fault::new(None);
    let r = Reader::new(buf, Span::new(0, buf.len()), Message::Notification, &fault);
    match notification_fields(r, buf, env) {
        Ok(()) => Ok(()),
        Err(Bail) => Err(fault_into_error(&fault, Message::Notification)),
    }
}

/// The arms of the envelope scan's one jump, by the key's first byte: each field the scan
/// reads, under its key with the wire type its type has; `OTHER` for any other byte. A table
/// rather than a `match` on the byte, whose nine sparse values the compiler splits into two
/// jump tables behind a compare (two branches to predict per key instead of one).
mod arm {
    pub const OTHER: u8 = 0;
    pub const TIMESTAMP: u8 = 1;
    pub const CUSTOM_ATTRIBUTES: u8 = 2;
    pub const REQUEST_ID: u8 = 3;
    pub const CODE: u8 = 4;
    pub const REASON: u8 = 5;
    pub const DATA: u8 = 6;
    pub const REQUESTER_ID: u8 = 7;
    pub const CLOSE_STATUS: u8 = 8;
    pub const RELAYED: u8 = 9;

    pub const OF_KEY: [u8; 256] = {
        let mut arms = [OTHER; 256];
        arms[0x08] = TIMESTAMP; // field 1, varint
        arms[0x12] = CUSTOM_ATTRIBUTES; // field 2, length-delimited
        arms[0x20] = REQUEST_ID; // field 4, varint
        arms[0x28] = CODE; // field 5, varint
        arms[0x32] = REASON; // field 6, length-delimited
        arms[0x3a] = DATA; // field 7, length-delimited
        arms[0x50] = REQUESTER_ID; // field 10, varint
        arms[0x58] = CLOSE_STATUS; // field 11, varint
        arms[0x62] = RELAYED; // field 12, length-delimited
        arms
    };
}

#[inline(always)]
fn notification_fields(mut r: Reader<'_, '_>, buf: &[u8], env: &mut Envelope) -> Read<()> {
    // Servers write the timestamp first: taken before the loop, it costs a compare instead
    // of a jump through the table.
    if let [0x08, tail @ ..] = r.rest {
        r.rest = tail;
        env.timestamp_at = r.pos() as u32;
        r.skip_varint()?;
    }
    while let Some((&byte, tail)) = r.rest.split_first() {
        let at = r.pos();
        let whole = r.rest;
        r.rest = tail;
        // The envelope's fields, matched by their whole key (field number and the wire type
        // their type has), which is one byte: one jump on that byte. Anything else, other
        // keys of one byte and every longer key, is read, checked and skipped below.
        match arm::OF_KEY[usize::from(byte)] {
            arm::TIMESTAMP => {
                // Few callers read the timestamp: its place is kept, and its length checked.
                env.timestamp_at = r.pos() as u32;
                r.skip_varint()?;
            }
            arm::CUSTOM_ATTRIBUTES => {
                r.len_span(2)?;
                env.custom_attributes += 1;
            }
            arm::REQUEST_ID => {
                env.request_id = r.varint()? as i64;
                env.present |= REQUEST_ID;
            }
            arm::CODE => {
                env.code = r.varint()? as i32;
                env.present |= CODE;
            }
            arm::REASON => {
                env.reason = r.len_span(6)?;
                env.present |= REASON;
            }
            arm::DATA => {
                let span = r.len_span(7)?;
                if env.has(DATA) {
                    env.present |= DATA_REPEATED;
                }
                env.present |= DATA;
                env.data = span;
                if !env.has(DATA_UNREADABLE) {
                    let mut scan = DataScan {
                        kind: u32::from(env.data_kind),
                        ..DataScan::default()
                    };
                    match data(buf, span, &mut scan) {
                        Ok(()) => env.data_kind = scan.kind as u16,
                        Err(Bail) => {
                            env.present |= DATA_UNREADABLE;
                            env.data_kind = 0;
                        }
                    }
                }
            }
            arm::REQUESTER_ID => {
                env.requester_at = r.pos() as u32;
                r.skip_varint()?;
                env.present |= REQUESTER_ID;
            }
            arm::CLOSE_STATUS => {
                env.close_status = r.varint()? as i32;
                env.present |= CLOSE_STATUS;
            }
            arm::RELAYED => {
                let span = r.len_span(12)?;
                if env.has(RELAYED) {
                    env.present |= RELAYED_REPEATED;
                }
                env.present |= RELAYED;
                env.relayed = span;
                // A repeated relayed_request merges, so the scan goes on where it stopped.
                if !env.has(RELAYED_UNREADABLE) {
                    // The frame's fault slot serves: a failure in here is not the frame's,
                    // and any later failure of the frame overwrites it.
                    match relayed_kind(buf, span, r.fault, u32::from(env.relayed_kind)) {
                        // Known kinds are below 2^16; unknown fields never become the kind.
                        Ok(kind) => env.relayed_kind = kind as u16,
                        Err(Bail) => {
                            env.present |= RELAYED_UNREADABLE;
                            env.relayed_kind = 0;
                        }
                    }
                }
            }
            _ => {
                let key = if byte < 0x80 {
                    u64::from(byte)
                } else {
                    r.rest = whole;
                    r.varint()?
                };
                let (field, wire_type) = r.split_key(key, at)?;
                let expected = match field {
                    1 | 4 | 5 | 10 | 11 => Some(WireType::Varint),
                    2 | 6 | 7 | 12 => Some(WireType::Len),
                    _ => None,
                };
                match expected {
                    // A declared field, but not with its own wire type.
                    Some(expected) => return Err(r.wrong_wire_type(field, wire_type, expected, at)),
                    None => r.skip(field, wire_type, at, RECURSION_LIMIT)?,
                }
            }
        }
    }
    Ok(())
}

/// What a scan of `data` learns: the kind, and the session ids of a `user_session` kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DataScan {
    /// `data.kind`'s field number; 0 when `data` has no kind.
    pub kind: u32,
    pub session_id: Option<Span>,
    pub server_id: Option<Span>,
}

/// Scans one occurrence of `data`, continuing the oneof state of earlier ones (they merge).
/// Fails where a full decode would fail on what it reads (the session ids' UTF-8 included).
#[inline]
pub(crate) fn data(buf: &[u8], span: Span, scan: &mut DataScan) -> Read<()> {
    let fault = Fault::new(None);
    let mut r = Reader::new(buf, span, Message::Notification, &fault);
    while r.has_remaining() {
        let at = r.pos();
        let (field, wire_type) = r.key()?;
        if !DataKind::from_number(field).is_known() {
            r.skip(field, wire_type, at, RECURSION_LIMIT - 1)?;
            continue;
        }
        if field == DataKind::LONG.number() {
            r.expect(field, wire_type, WireType::Varint, at)?;
            r.varint()?;
        } else {
            r.expect(field, wire_type, WireType::Len, at)?;
            let member = r.len_span(field)?;
            if field == DataKind::USER_SESSION.number() {
                if scan.kind != field {
                    // Another member before this one: the oneof starts a fresh UserSession.
                    scan.session_id = None;
                    scan.server_id = None;
                }
                user_session(buf, member, scan)?;
            }
        }
        scan.kind = field;
    }
    Ok(())
}

/// Scans a `UserSession` for `session_id` (1) and `server_id` (2); merges into what earlier
/// occurrences of the same oneof run left.
#[inline(never)]
fn user_session(buf: &[u8], span: Span, scan: &mut DataScan) -> Read<()> {
    let fault = Fault::new(None);
    let mut r = Reader::new(buf, span, Message::Notification, &fault);
    while r.has_remaining() {
        let at = r.pos();
        let (field, wire_type) = r.key()?;
        match field {
            1 | 2 => {
                r.expect(field, wire_type, WireType::Len, at)?;
                let value = r.len_span(field)?;
                if core::str::from_utf8(value.of(buf)).is_err() {
                    // prost refuses the frame.
                    return Err(Bail);
                }
                if field == 1 {
                    scan.session_id = Some(value);
                } else {
                    scan.server_id = Some(value);
                }
            }
            15 => {
                r.expect(field, wire_type, WireType::Len, at)?;
                r.len_span(field)?;
            }
            _ => r.skip(field, wire_type, at, RECURSION_LIMIT - 2)?,
        }
    }
    Ok(())
}

/// Whether a field was seen: as wide as the fields around it, so that [`RequestScan`] has no
/// padding. The enums a classified request travels in ([`ClientFrame`](super::ClientFrame)
/// and the `Result`s and `Option` around it) keep their tags in its spare values; next to a
/// `bool`, the seven bytes of padding were copied in odd pieces at every move, which stalled
/// the loads that read them back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u32)]
pub(crate) enum Seen {
    #[default]
    No = 0,
    Yes = 1,
}

impl Seen {
    #[inline(always)]
    pub fn then_some<T>(self, value: T) -> Option<T> {
        (self == Seen::Yes).then_some(value)
    }
}

/// What classification learns about a `TurmsRequest`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct RequestScan {
    pub has_request_id: Seen,
    pub request_id: i64,
    /// The last `kind` member's field number; 0 when there is none.
    pub kind: u32,
    /// The last occurrence of that member.
    pub body: Span,
    /// How many times that member occurs in a row (without another member between): more
    /// than one means its value is the merge of all of them.
    pub run: u32,
    /// Where the key of the first occurrence in that run starts.
    pub run_start: u32,
    pub custom_attributes: u32,
}

/// Scans a non-empty `TurmsRequest` frame into `scan` (which starts as the default).
///
/// Inlined with the field loop into the codec, so that `scan` lives in registers: written
/// through memory by a called function, it was read back right away with wider loads than
/// the stores, which the processor cannot forward.
#[inline(always)]
pub(crate) fn request(buf: &[u8], scan: &mut RequestScan) -> Result<(), ClassifyError> {
    let fault = Fault::new(None);
    let r = Reader::new(buf, Span::new(0, buf.len()), Message::Request, &fault);
    match request_fields::<true>(r, RECURSION_LIMIT, scan) {
        Ok(()) => Ok(()),
        Err(Bail) => Err(fault_into_error(&fault, Message::Request)),
    }
}

/// Scans a relayed request (all its occurrences, concatenated): `None` if it is malformed.
pub(crate) fn relayed_request(relayed: &[u8]) -> Option<RequestScan> {
    let fault = Fault::new(None);
    let r = Reader::new(
        relayed,
        Span::new(0, relayed.len()),
        Message::Notification,
        &fault,
    );
    let mut scan = RequestScan::default();
    request_fields::<true>(r, RECURSION_LIMIT - 1, &mut scan).ok()?;
    Some(scan)
}

/// The kind of a relayed request's occurrence, continuing from the kind of the occurrences
/// before it (`kind`, 0 if none): what classification keeps of it. Out of line; it reads and
/// checks what [`relayed_request`] does, but passes over `request_id` without decoding it.
///
/// It makes its reader itself: a reader passed in by value arrives in memory, and stayed there,
/// every step of the cursor a store.
#[inline(never)]
fn relayed_kind(buf: &[u8], span: Span, fault: &Fault, kind: u32) -> Read<u32> {
    let r = Reader::new(buf, span, Message::Notification, fault);
    let mut scan = RequestScan {
        kind,
        ..RequestScan::default()
    };
    request_fields::<false>(r, RECURSION_LIMIT - 1, &mut scan)?;
    Ok(scan.kind)
}

/// Reads a `TurmsRequest`'s fields, continuing `scan` (a repeated relayed request merges into
/// the earlier one). `budget` is prost's recursion count at that message. Without `ID`,
/// `request_id` is checked but not decoded (`scan.request_id` stays as it was).
#[inline(always)]
fn request_fields<const ID: bool>(
    mut r: Reader<'_, '_>,
    budget: u32,
    scan: &mut RequestScan,
) -> Read<()> {
    while r.has_remaining() {
        let at = r.pos();
        match r.varint()? {
            0x08 if !ID => {
                r.skip_varint()?;
                scan.has_request_id = Seen::Yes;
            }
            0x08 => {
                scan.request_id = r.varint()? as i64;
                scan.has_request_id = Seen::Yes;
            }
            0x12 => {
                r.len_span(2)?;
                scan.custom_attributes += 1;
            }
            key => {
                let (field, wire_type) = r.split_key(key, at)?;
                if field <= 2 {
                    let expected = [WireType::Varint, WireType::Len][field as usize - 1];
                    return Err(r.wrong_wire_type(field, wire_type, expected, at));
                }
                if !RequestKind::from_number(field).is_known() {
                    r.skip(field, wire_type, at, budget)?;
                    continue;
                }
                r.expect(field, wire_type, WireType::Len, at)?;
                scan.body = r.len_span(field)?;
                if scan.kind == field {
                    scan.run += 1;
                } else {
                    scan.kind = field;
                    scan.run = 1;
                    scan.run_start = at as u32;
                }
            }
        }
    }
    Ok(())
}

/// The payloads of every top-level occurrence of `field` from `from` on, concatenated.
///
/// Protobuf merges repeated occurrences of an embedded message, and parsing the concatenation
/// of encodings is that merge, so this is the value a full decode sees. Only for the rare
/// frames that repeat `data`, `relayed_request` or a request's `kind` member, and only after
/// the frame has been scanned, so its top level is well-formed.
#[cold]
pub(crate) fn concat_occurrences(buf: &[u8], from: u32, field: u32) -> Box<[u8]> {
    let mut out = Vec::new();
    let fault = Fault::new(None);
    let mut r = Reader::new(
        buf,
        Span::new(from as usize, buf.len()),
        Message::Notification,
        &fault,
    );
    while r.has_remaining() {
        let at = r.pos();
        let Ok((number, wire_type)) = r.key() else {
            break;
        };
        let step = if number == field && wire_type == WireType::Len {
            r.len_span(number)
                .map(|span| out.extend_from_slice(span.of(buf)))
        } else {
            r.skip(number, wire_type, at, RECURSION_LIMIT)
        };
        if step.is_err() {
            break;
        }
    }
    out.into_boxed_slice()
}

/// How the real gateway's parser reads a request's first fields (`TurmsRequestParser`).
pub(crate) struct GatewayPrefix {
    /// The request id, unless the gateway would take it as unset (it marks "unset" with
    /// `i64::MIN`).
    pub request_id: Option<i64>,
    /// A second `request_id` tag came before anything else.
    pub duplicate_request_id: bool,
    /// The field number of the first other tag (0 at the end of the frame).
    pub first_other: u32,
    /// That field's payload, if it is length-delimited.
    pub payload: Option<Span>,
}

/// Reads the prefix of a scanned (so well-formed) request frame as the gateway does.
pub(crate) fn gateway_prefix(buf: &[u8]) -> GatewayPrefix {
    let fault = Fault::new(None);
    let mut r = Reader::new(buf, Span::new(0, buf.len()), Message::Request, &fault);
    let mut prefix = GatewayPrefix {
        request_id: None,
        duplicate_request_id: false,
        first_other: 0,
        payload: None,
    };
    while let Ok((field, wire_type)) = r.key() {
        if field == 1 && wire_type == WireType::Varint {
            if prefix.request_id.is_some() {
                prefix.duplicate_request_id = true;
                break;
            }
            let Ok(id) = r.varint() else { break };
            prefix.request_id = (id as i64 != i64::MIN).then_some(id as i64);
            continue;
        }
        prefix.first_other = field;
        if wire_type == WireType::Len {
            prefix.payload = r.len_span(field).ok();
        }
        break;
    }
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader<'a>(bytes: &'a [u8], fault: &'a Fault) -> Reader<'a, 'a> {
        Reader::new(
            bytes,
            Span::new(0, bytes.len()),
            Message::Notification,
            fault,
        )
    }

    #[test]
    fn varints_match_prost() {
        let cases: &[&[u8]] = &[
            &[0x00],
            &[0x7f],
            &[0x80, 0x01],
            &[0xff, 0xff, 0xff, 0xff, 0x0f],
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
            &[
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
            ],
            &[0x80],
            &[0x85, 0x80, 0x00],
            &[],
            &[0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x20, 0x01, 0x28],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00],
            &[0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x08],
            &[0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x07, 0x08],
            &[
                0x9c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x28,
            ],
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f],
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00],
            &[
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03, 0x00,
            ],
            &[
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00,
            ],
        ];
        for bytes in cases {
            let mut theirs = *bytes;
            let expected = prost::encoding::decode_varint(&mut theirs);
            let fault = Fault::new(None);
            let mut r = reader(bytes, &fault);
            let ours = r.varint();
            assert_eq!(ours.is_ok(), expected.is_ok(), "{bytes:02x?}");
            if let (Ok(ours), Ok(expected)) = (ours, &expected) {
                assert_eq!(ours, *expected, "{bytes:02x?}");
                assert_eq!(r.pos(), bytes.len() - theirs.len(), "{bytes:02x?}");
                assert_eq!(varint_at(bytes, 0), *expected, "{bytes:02x?}");
            }
            // Skipping accepts the same varints, and stops where reading stops.
            let mut skipping = reader(bytes, &fault);
            let skipped = skipping.skip_varint();
            assert_eq!(skipped.is_ok(), expected.is_ok(), "{bytes:02x?}");
            if skipped.is_ok() {
                assert_eq!(skipping.pos(), bytes.len() - theirs.len(), "{bytes:02x?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn varints_match_prost_on_any_bytes(
            mut bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..13),
            continued in 0usize..13,
        ) {
            // The first `continued` bytes carry the continuation bit, so long varints come up.
            for byte in bytes.iter_mut().take(continued) {
                *byte |= 0x80;
            }
            let mut theirs = &bytes[..];
            let expected = prost::encoding::decode_varint(&mut theirs);
            let fault = Fault::new(None);
            let mut skipping = reader(&bytes, &fault);
            match (skipping.skip_varint(), &expected) {
                (Ok(()), Ok(_)) => {
                    proptest::prop_assert_eq!(skipping.pos(), bytes.len() - theirs.len())
                }
                (Err(Bail), Err(_)) => {}
                (ours, expected) => {
                    proptest::prop_assert!(false, "{:02x?}: {:?} vs {:?}", bytes, ours, expected)
                }
            }
            let mut r = reader(&bytes, &fault);
            match (r.varint(), expected) {
                (Ok(ours), Ok(expected)) => {
                    proptest::prop_assert_eq!(ours, expected);
                    proptest::prop_assert_eq!(r.pos(), bytes.len() - theirs.len());
                }
                (Err(Bail), Err(_)) => proptest::prop_assert!(fault.get().is_some()),
                (ours, expected) => {
                    proptest::prop_assert!(false, "{:02x?}: {:?} vs {:?}", bytes, ours, expected)
                }
            }
        }
    }

    #[test]
    fn group_nesting_stops_where_prost_stops() {
        // Field 3 groups nested `n` deep, then a varint field inside the innermost.
        fn nested(n: usize, inner_field: bool) -> Vec<u8> {
            let mut v = vec![0x1b; n];
            if inner_field {
                v.extend_from_slice(&[0x20, 0x01]);
            }
            v.extend(std::iter::repeat_n(0x1c, n));
            v
        }
        for n in [1, 2, 98, 99, 100, 101, 150] {
            for inner in [false, true] {
                let bytes = nested(n, inner);
                let ours = notification(&bytes, &mut Envelope::default()).is_ok();
                let theirs =
                    <crate::proto::TurmsNotification as prost::Message>::decode(&bytes[..]).is_ok();
                assert_eq!(ours, theirs, "depth {n}, inner field {inner}");
            }
        }
    }
}
