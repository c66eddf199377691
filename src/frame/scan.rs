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

use super::error::{ClassifyError, ClassifyErrorKind as Kind, Scope, WireType};
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

    /// The range's bytes; `buf` must be the buffer the range was scanned from.
    #[inline]
    pub fn of(self, buf: &[u8]) -> &[u8] {
        // The scanner only records ranges it has checked against the buffer's length.
        buf.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// A cursor over one message: `pos..end` of `buf`, which is the whole frame, so offsets and
/// ranges are frame offsets.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
    scope: Scope,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn new(buf: &'a [u8], span: Span, scope: Scope) -> Reader<'a> {
        debug_assert!(span.end as usize <= buf.len());
        Reader {
            buf,
            pos: span.start as usize,
            end: span.end as usize,
            scope,
        }
    }

    #[inline(always)]
    fn has_remaining(&self) -> bool {
        self.pos < self.end
    }

    #[cold]
    #[inline(never)]
    fn error(&self, kind: Kind, at: usize) -> ClassifyError {
        ClassifyError::new(kind, at, self.scope)
    }

    /// A varint, as `prost::encoding::decode_varint` reads it.
    #[inline(always)]
    fn varint(&mut self) -> Result<u64, ClassifyError> {
        let at = self.pos;
        if at < self.end {
            let byte = self.buf[at];
            if byte < 0x80 {
                self.pos = at + 1;
                return Ok(u64::from(byte));
            }
        }
        self.varint_slow(at)
    }

    #[inline(never)]
    fn varint_slow(&mut self, at: usize) -> Result<u64, ClassifyError> {
        let mut value = 0u64;
        for i in 0..10 {
            let Some(&byte) = self.buf.get(at + i).filter(|_| at + i < self.end) else {
                return Err(self.error(Kind::TruncatedVarint, at));
            };
            if i == 9 {
                // The tenth byte holds bit 63 only; prost refuses anything above it.
                if byte >= 0x02 {
                    return Err(self.error(Kind::OverlongVarint, at));
                }
                self.pos = at + 10;
                return Ok(value | u64::from(byte) << 63);
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                self.pos = at + i + 1;
                return Ok(value);
            }
        }
        unreachable!("the loop returns by its tenth byte")
    }

    /// A field key, as `prost::encoding::decode_key` reads it: (field number, wire type).
    #[inline(always)]
    fn key(&mut self) -> Result<(u32, WireType), ClassifyError> {
        let at = self.pos;
        let key = self.varint()?;
        if key > u64::from(u32::MAX) {
            return Err(self.error(Kind::KeyTooLarge { key }, at));
        }
        let field = (key as u32) >> 3;
        let Some(wire_type) = WireType::from_bits((key & 7) as u8) else {
            return Err(self.error(
                Kind::InvalidWireType {
                    wire_type: (key & 7) as u8,
                    field,
                },
                at,
            ));
        };
        if field == 0 {
            return Err(self.error(Kind::FieldNumberZero, at));
        }
        Ok((field, wire_type))
    }

    /// Refuses a declared field sent with the wrong wire type, as prost's `check_wire_type`.
    #[inline(always)]
    fn expect(
        &self,
        field: u32,
        found: WireType,
        expected: WireType,
        at: usize,
    ) -> Result<(), ClassifyError> {
        if found == expected {
            Ok(())
        } else {
            Err(self.error(
                Kind::WrongWireType {
                    field,
                    found,
                    expected,
                },
                at,
            ))
        }
    }

    /// A length-delimited value's range; the length must fit in what is left of the message.
    #[inline(always)]
    fn len_span(&mut self, field: u32) -> Result<Span, ClassifyError> {
        let at = self.pos;
        let len = self.varint()?;
        let available = self.end - self.pos;
        if len > available as u64 {
            return Err(self.error(
                Kind::LengthOverrun {
                    field,
                    len,
                    available: available as u32,
                },
                at,
            ));
        }
        let start = self.pos;
        self.pos = start + len as usize;
        Ok(Span::new(start, self.pos))
    }

    #[inline(always)]
    fn fixed(&mut self, field: u32, width: u8) -> Result<(), ClassifyError> {
        let available = self.end - self.pos;
        if available < usize::from(width) {
            return Err(self.error(
                Kind::TruncatedFixed {
                    field,
                    width,
                    available: available as u32,
                },
                self.pos,
            ));
        }
        self.pos += usize::from(width);
        Ok(())
    }

    /// Skips a field the scanner does not need, as `prost::encoding::skip_field` does.
    ///
    /// `budget` is prost's remaining recursion count for the message being read: 100 for the
    /// frame's own fields, one less for each message level below it.
    #[inline]
    fn skip(
        &mut self,
        field: u32,
        wire_type: WireType,
        at: usize,
        budget: u32,
    ) -> Result<(), ClassifyError> {
        match wire_type {
            WireType::Varint => self.varint().map(drop),
            WireType::I64 => self.fixed(field, 8),
            WireType::Len => self.len_span(field).map(drop),
            WireType::I32 => self.fixed(field, 4),
            WireType::StartGroup => self.skip_group(field, at, budget),
            WireType::EndGroup => Err(self.error(Kind::UnexpectedEndGroup { field }, at)),
        }
    }

    /// Skips a group and every group nested in it, without recursion.
    ///
    /// prost checks its recursion count before skipping each field, and each open group costs
    /// one level: a field inside `depth` open groups needs `budget - depth > 0`.
    #[inline(never)]
    fn skip_group(&mut self, field: u32, at: usize, budget: u32) -> Result<(), ClassifyError> {
        if budget == 0 {
            return Err(self.error(Kind::RecursionLimit, at));
        }
        let mut open = [0u32; RECURSION_LIMIT as usize];
        open[0] = field;
        let mut depth = 1usize;
        loop {
            if !self.has_remaining() {
                return Err(self.error(Kind::UnterminatedGroup { field }, at));
            }
            let inner_at = self.pos;
            let (inner, wire_type) = self.key()?;
            if wire_type == WireType::EndGroup {
                if inner != open[depth - 1] {
                    return Err(self.error(
                        Kind::MismatchedEndGroup {
                            open: open[depth - 1],
                            found: inner,
                        },
                        inner_at,
                    ));
                }
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
                continue;
            }
            if budget as usize <= depth {
                return Err(self.error(Kind::RecursionLimit, inner_at));
            }
            if wire_type == WireType::StartGroup {
                // budget <= RECURSION_LIMIT, so depth < budget keeps the index in bounds.
                open[depth] = inner;
                depth += 1;
            } else {
                self.skip(inner, wire_type, inner_at, 0)?;
            }
        }
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
pub(crate) const SESSION_ID: u16 = 1 << 7;
pub(crate) const SERVER_ID: u16 = 1 << 8;
pub(crate) const RELAYED_REQUEST_ID: u16 = 1 << 9;
/// `data` occurs more than once: its value is the merge of all occurrences.
pub(crate) const DATA_REPEATED: u16 = 1 << 10;
/// `relayed_request` occurs more than once.
pub(crate) const RELAYED_REPEATED: u16 = 1 << 11;
/// `data` is malformed (a full decode fails): its kind and session ids stay unknown.
pub(crate) const DATA_UNREADABLE: u16 = 1 << 12;

/// What classification learns about a `TurmsNotification`: values and frame ranges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Envelope {
    pub present: u16,
    pub code: i32,
    pub close_status: i32,
    pub timestamp: i64,
    pub request_id: i64,
    pub requester_id: i64,
    pub relayed_request_id: i64,
    pub reason: Span,
    /// The last `data` occurrence (all of them when `DATA_REPEATED` is set).
    pub data: Span,
    /// The last `relayed_request` occurrence.
    pub relayed: Span,
    pub session_id: Span,
    pub server_id: Span,
    /// `data.kind`'s field number; 0 when `data` has no kind.
    pub data_kind: u32,
    /// `relayed_request.kind`'s field number; 0 when it has none.
    pub relayed_kind: u32,
    pub custom_attributes: u32,
}

impl Envelope {
    #[inline(always)]
    pub fn has(&self, bit: u16) -> bool {
        self.present & bit != 0
    }
}

/// Scans a non-empty `TurmsNotification` frame.
#[inline]
pub(crate) fn notification(buf: &[u8]) -> Result<Envelope, ClassifyError> {
    let mut env = Envelope::default();
    let mut relayed = RequestScan::default();
    let mut relayed_unreadable = false;
    let mut r = Reader::new(buf, Span::new(0, buf.len()), Scope::Notification);
    while r.has_remaining() {
        let at = r.pos;
        let (field, wire_type) = r.key()?;
        match field {
            1 => {
                r.expect(field, wire_type, WireType::Varint, at)?;
                env.timestamp = r.varint()? as i64;
            }
            2 => {
                r.expect(field, wire_type, WireType::Len, at)?;
                r.len_span(field)?;
                env.custom_attributes += 1;
            }
            4 => {
                r.expect(field, wire_type, WireType::Varint, at)?;
                env.request_id = r.varint()? as i64;
                env.present |= REQUEST_ID;
            }
            5 => {
                r.expect(field, wire_type, WireType::Varint, at)?;
                env.code = r.varint()? as i32;
                env.present |= CODE;
            }
            6 => {
                r.expect(field, wire_type, WireType::Len, at)?;
                env.reason = r.len_span(field)?;
                env.present |= REASON;
            }
            7 => {
                r.expect(field, wire_type, WireType::Len, at)?;
                let span = r.len_span(field)?;
                if env.has(DATA) {
                    env.present |= DATA_REPEATED;
                }
                env.present |= DATA;
                env.data = span;
                if !env.has(DATA_UNREADABLE) && data(buf, span, &mut env).is_err() {
                    env.present |= DATA_UNREADABLE;
                    env.present &= !(SESSION_ID | SERVER_ID);
                    env.data_kind = 0;
                }
            }
            10 => {
                r.expect(field, wire_type, WireType::Varint, at)?;
                env.requester_id = r.varint()? as i64;
                env.present |= REQUESTER_ID;
            }
            11 => {
                r.expect(field, wire_type, WireType::Varint, at)?;
                env.close_status = r.varint()? as i32;
                env.present |= CLOSE_STATUS;
            }
            12 => {
                r.expect(field, wire_type, WireType::Len, at)?;
                let span = r.len_span(field)?;
                if env.has(RELAYED) {
                    env.present |= RELAYED_REPEATED;
                }
                env.present |= RELAYED;
                env.relayed = span;
                // A repeated relayed_request merges, so the scan goes on where it stopped.
                if !relayed_unreadable
                    && request(
                        buf,
                        span,
                        RECURSION_LIMIT - 1,
                        Scope::Notification,
                        &mut relayed,
                    )
                    .is_err()
                {
                    relayed_unreadable = true;
                }
            }
            _ => r.skip(field, wire_type, at, RECURSION_LIMIT)?,
        }
    }
    if !relayed_unreadable {
        if relayed.has_request_id {
            env.present |= RELAYED_REQUEST_ID;
            env.relayed_request_id = relayed.request_id;
        }
        env.relayed_kind = relayed.kind;
    }
    Ok(env)
}

/// Payload bytes a full decode would refuse; what the scanner wanted from them stays unknown.
struct Unreadable;

impl From<ClassifyError> for Unreadable {
    #[inline]
    fn from(_: ClassifyError) -> Unreadable {
        Unreadable
    }
}

/// Scans one occurrence of `data`, continuing the oneof state of earlier ones (they merge).
#[inline]
fn data(buf: &[u8], span: Span, env: &mut Envelope) -> Result<(), Unreadable> {
    let mut r = Reader::new(buf, span, Scope::Notification);
    while r.has_remaining() {
        let at = r.pos;
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
                if env.data_kind != field {
                    // Another member before this one: the oneof starts a fresh UserSession.
                    env.present &= !(SESSION_ID | SERVER_ID);
                }
                user_session(buf, member, env)?;
            }
        }
        env.data_kind = field;
    }
    Ok(())
}

/// Scans a `UserSession` for `session_id` (1) and `server_id` (2); merges into what earlier
/// occurrences of the same oneof run left.
#[inline(never)]
fn user_session(buf: &[u8], span: Span, env: &mut Envelope) -> Result<(), Unreadable> {
    let mut r = Reader::new(buf, span, Scope::Notification);
    while r.has_remaining() {
        let at = r.pos;
        let (field, wire_type) = r.key()?;
        match field {
            1 | 2 => {
                r.expect(field, wire_type, WireType::Len, at)?;
                let value = r.len_span(field)?;
                if core::str::from_utf8(value.of(buf)).is_err() {
                    return Err(Unreadable);
                }
                if field == 1 {
                    env.session_id = value;
                    env.present |= SESSION_ID;
                } else {
                    env.server_id = value;
                    env.present |= SERVER_ID;
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

/// What classification learns about a `TurmsRequest`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct RequestScan {
    pub has_request_id: bool,
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

/// Scans a `TurmsRequest` at `span` of `buf`, continuing `scan` (a repeated relayed request
/// merges into the earlier one). `budget` is prost's recursion count at that message.
#[inline]
pub(crate) fn request(
    buf: &[u8],
    span: Span,
    budget: u32,
    scope: Scope,
    scan: &mut RequestScan,
) -> Result<(), ClassifyError> {
    let mut r = Reader::new(buf, span, scope);
    while r.has_remaining() {
        let at = r.pos;
        let (field, wire_type) = r.key()?;
        match field {
            1 => {
                r.expect(field, wire_type, WireType::Varint, at)?;
                scan.request_id = r.varint()? as i64;
                scan.has_request_id = true;
            }
            2 => {
                r.expect(field, wire_type, WireType::Len, at)?;
                r.len_span(field)?;
                scan.custom_attributes += 1;
            }
            _ if RequestKind::from_number(field).is_known() => {
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
            _ => r.skip(field, wire_type, at, budget)?,
        }
    }
    Ok(())
}

/// The payloads of every top-level occurrence of `field` from `from` on, concatenated.
///
/// Protobuf merges repeated occurrences of an embedded message, and parsing the concatenation
/// of encodings is that merge, so this is the value a full decode sees. Only for the rare
/// frames that repeat `data`, `relayed_request` or a request's `kind` member; the caller has
/// scanned the frame already, so the bytes are well-formed.
#[cold]
pub(crate) fn concat_occurrences(
    buf: &[u8],
    from: u32,
    field: u32,
    scope: Scope,
) -> Result<Box<[u8]>, ClassifyError> {
    let mut out = Vec::new();
    let mut r = Reader::new(buf, Span::new(from as usize, buf.len()), scope);
    while r.has_remaining() {
        let at = r.pos;
        let (number, wire_type) = r.key()?;
        if number == field && wire_type == WireType::Len {
            out.extend_from_slice(r.len_span(number)?.of(buf));
        } else {
            r.skip(number, wire_type, at, RECURSION_LIMIT)?;
        }
    }
    Ok(out.into_boxed_slice())
}

/// The `request_id`/`kind` prefix as the real gateway's parser reads it (`turms-protocol.md`
/// §5.4): `Ok((request_id, first_other_field, its payload if length-delimited))`, or which rule
/// broke. Only called on frames that have been scanned, so the bytes are well-formed.
pub(crate) fn gateway_prefix(buf: &[u8]) -> Result<GatewayPrefix, ClassifyError> {
    let mut r = Reader::new(buf, Span::new(0, buf.len()), Scope::Request);
    let mut request_id = None;
    loop {
        if !r.has_remaining() {
            return Ok(GatewayPrefix {
                request_id,
                duplicate_request_id: false,
                first_other: 0,
                payload: None,
            });
        }
        let (field, wire_type) = r.key()?;
        if field == 1 && wire_type == WireType::Varint {
            if request_id.is_some() {
                return Ok(GatewayPrefix {
                    request_id,
                    duplicate_request_id: true,
                    first_other: 0,
                    payload: None,
                });
            }
            let id = r.varint()? as i64;
            // The gateway's "not seen yet" marker is i64::MIN.
            request_id = (id != i64::MIN).then_some(id);
            continue;
        }
        let payload = if wire_type == WireType::Len {
            Some(r.len_span(field)?)
        } else {
            None
        };
        return Ok(GatewayPrefix {
            request_id,
            duplicate_request_id: false,
            first_other: field,
            payload,
        });
    }
}

/// See [`gateway_prefix`].
pub(crate) struct GatewayPrefix {
    pub request_id: Option<i64>,
    pub duplicate_request_id: bool,
    pub first_other: u32,
    pub payload: Option<Span>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> Reader<'_> {
        Reader::new(bytes, Span::new(0, bytes.len()), Scope::Notification)
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
        ];
        for bytes in cases {
            let mut theirs = *bytes;
            let expected = prost::encoding::decode_varint(&mut theirs);
            let mut r = reader(bytes);
            let ours = r.varint();
            assert_eq!(ours.is_ok(), expected.is_ok(), "{bytes:02x?}");
            if let (Ok(ours), Ok(expected)) = (ours, expected) {
                assert_eq!(ours, expected, "{bytes:02x?}");
                assert_eq!(r.pos, bytes.len() - theirs.len(), "{bytes:02x?}");
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
                let ours = notification(&bytes).is_ok();
                let theirs =
                    <crate::proto::TurmsNotification as prost::Message>::decode(&bytes[..]).is_ok();
                assert_eq!(ours, theirs, "depth {n}, inner field {inner}");
            }
        }
    }
}
