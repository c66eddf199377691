//! The checks behind the fuzz targets, shared by `fuzz/fuzz_targets/*.rs` (cargo-fuzz) and
//! `tests/wire/fuzz_corpus.rs` (which replays the saved corpora on stable). Every check takes
//! arbitrary bytes, returns normally when the code under test behaves, and panics otherwise.

use std::fmt::Debug;

use bytes::{Bytes, BytesMut};
use prost::Message;
use tokio_util::codec::{Decoder, Encoder};
use turms_wire::codec::{Framing, FramingError, Limits};
use turms_wire::frame::{ClientFrame, ServerFrame};
use turms_wire::proto::{TurmsNotification, TurmsRequest};
use turms_wire::role::RoleKind;

// The oracle that says what every accessor of a classified frame must return for a frame that
// decodes, shared with the conformance and property tests of classification.
use crate::classify as classify_support;
use crate::dynamic_eq::{assert_same, Named};

/// Full decode of both envelope types: whatever prost accepts, it re-encodes to bytes that
/// decode to the same message.
pub fn full_decode(data: &[u8]) {
    round_trip::<TurmsNotification>(data);
    round_trip::<TurmsRequest>(data);
}

fn round_trip<T>(data: &[u8])
where
    T: Message + Default + PartialEq + Debug + Named,
{
    let Ok(message) = T::decode(data) else {
        return;
    };
    let full_name = T::FULL_NAME;
    let wire = message.encode_to_vec();
    assert_eq!(
        wire.len(),
        message.encoded_len(),
        "{full_name}: encoded_len is off"
    );
    let again = match T::decode(wire.as_slice()) {
        Ok(again) => again,
        Err(e) => panic!("{full_name}: prost rejects its own encoding ({e}) of {message:?}"),
    };
    // Derived `PartialEq` says NaN != NaN: where it says "different", the reflected views decide.
    assert_same(&again, &message, "decode(encode(m)) != m");
}

// ---------------------------------------------------------------------------------------------
// Classification

/// `ServerFrame::classify` and `ClientFrame::classify` on the same bytes: never a panic, from
/// classification or from any accessor of what it returns; a frame that fully decodes always
/// classifies; and then every envelope field and the class agree with the full decode.
pub fn classify(data: &[u8]) {
    let frame = Bytes::copy_from_slice(data);
    classify_notification(&frame);
    classify_request(&frame);
}

fn classify_notification(bytes: &Bytes) {
    let decoded = TurmsNotification::decode(bytes.clone());
    let frame = match ServerFrame::classify(bytes.clone()) {
        Ok(frame) => frame,
        Err(error) => {
            let _ = (
                error.to_string(),
                error.kind(),
                error.offset(),
                error.message(),
            );
            assert!(
                decoded.is_err(),
                "ServerFrame::classify refuses ({error}) a notification that decodes: {decoded:?}"
            );
            return;
        }
    };
    assert_eq!(frame.bytes(), bytes, "the frame does not keep its bytes");
    exercise_frame(&frame);
    if let Ok(n) = decoded {
        classify_support::assert_agrees_with(&frame, &n);
    }
}

/// Calls every accessor of a classified frame: payloads that classification left unchecked
/// (UTF-8 of `reason`, `data`, `relayed_request`) may be broken, and reading them must say so
/// without panicking.
fn exercise_frame(frame: &ServerFrame) {
    let _ = (format!("{frame:?}"), frame.class().as_str(), frame.decode());
    if let Some(e) = frame.envelope() {
        let _ = (
            e.timestamp(),
            e.request_id(),
            e.code(),
            e.reason(),
            e.reason_bytes(),
        );
        let _ = (e.data(), e.data_kind().map(|k| k.name()), e.decode_data());
        let _ = (
            e.requester_id(),
            e.close_status(),
            e.custom_attributes_count(),
        );
        let _ = (e.relayed_request(), e.relayed_kind().map(|k| k.name()));
        let _ = (
            e.relayed_request_id(),
            e.decode_relayed(),
            e.session_id(),
            e.server_id(),
        );
    }
    match frame {
        ServerFrame::HeartbeatAck => assert!(frame.bytes().is_empty()),
        ServerFrame::HeartbeatFailure(r) | ServerFrame::Response(r) => {
            let _ = (
                r.request_id(),
                r.code(),
                r.is_success(),
                r.reason(),
                r.data(),
            );
            let _ = (r.data_kind(), r.decode_data(), r.timestamp(), r.decode());
        }
        ServerFrame::Close(c) => {
            let _ = (c.status().name(), c.code(), c.reason());
        }
        ServerFrame::Push(p) => {
            let _ = (p.requester_id(), p.relayed_kind(), p.relayed_request_id());
            let _ = (p.relayed_request(), p.decode_relayed());
        }
        ServerFrame::SessionInfo(s) => {
            let _ = (s.session_id(), s.server_id());
        }
        ServerFrame::Notification(v) => {
            let _ = (v.data(), v.data_kind(), v.decode_data());
        }
    }
    assert_eq!(
        &frame.clone().into_bytes(),
        frame.bytes(),
        "into_bytes differs from bytes"
    );
}

fn classify_request(bytes: &Bytes) {
    let decoded = TurmsRequest::decode(bytes.clone());
    let frame = match ClientFrame::classify(bytes.clone()) {
        Ok(frame) => frame,
        Err(error) => {
            assert!(
                decoded.is_err(),
                "ClientFrame::classify refuses ({error}) a request that decodes: {decoded:?}"
            );
            return;
        }
    };
    assert_eq!(frame.bytes(), bytes, "the frame does not keep its bytes");
    let _ = (format!("{frame:?}"), frame.decode());
    let ClientFrame::Request(request) = &frame else {
        assert!(
            bytes.is_empty(),
            "a non-empty frame classified as a heartbeat"
        );
        return;
    };
    assert!(!bytes.is_empty(), "an empty frame classified as a request");
    let _ = (
        request.body(),
        request.decode_body(),
        request.create_session_request(),
    );
    let _ = (request.gateway_accepts(), request.kind().map(|k| k.name()));
    assert_eq!(
        request.body().is_some(),
        request.kind().is_some(),
        "body without kind"
    );
    if let Ok(r) = decoded {
        classify_support::assert_request_agrees_with(&frame, &r);
    }
}

/// How far ahead of the received bytes the framing decoder may reserve (its documented bound).
const MAX_AHEAD: usize = 64 * 1024;

/// The most buffer the decoder may hold after `received` bytes: what arrived plus what it may
/// reserve ahead, doubled because `BytesMut` at most doubles its capacity when it grows. A
/// decoder that reserved what a header claims (up to 2 GiB) would blow through this.
fn capacity_bound(received: usize) -> usize {
    2 * (received + MAX_AHEAD)
}

/// The TCP framing decoder on one input, whose first byte picks the limits and how many of the
/// following bytes are read sizes; the rest is the stream. See [`framing_with`].
pub fn framing(data: &[u8]) {
    let Some((&plan, rest)) = data.split_first() else {
        return;
    };
    let (limits, rest) = match plan >> 6 {
        0 => (RoleKind::Client.limits(), rest),
        1 => (RoleKind::Gateway.limits(), rest),
        _ => match rest.split_first() {
            Some((&max, rest)) => (Limits::new(usize::from(max), usize::from(max)), rest),
            None => return,
        },
    };
    let size_count = usize::from(plan & 0x0f).min(rest.len());
    let (sizes, stream) = rest.split_at(size_count);
    framing_with(limits, sizes, stream);
}

/// The TCP framing decoder fed `stream` cut into reads (sizes from `sizes` in turn, 0 being a
/// call to `decode` with no new bytes; one byte per read if `sizes` is empty) must yield exactly
/// what it yields when the stream arrives in one read: the same frames, then the same end (clean,
/// or the same error). Also: no frame exceeds the inbound limit, the buffer never grows with
/// what a header merely claims, a failed decoder stays failed, and the frames re-encode to a
/// stream that decodes to them again.
pub fn framing_with(limits: Limits, sizes: &[u8], stream: &[u8]) {
    let whole = decode_stream(limits, [stream].into_iter());
    let cut = decode_stream(limits, Reads::new(stream, sizes));
    assert_eq!(
        cut, whole,
        "cutting the stream into reads changed what it decodes to"
    );

    // The frames re-encode (minimal prefixes) to a stream that decodes to them, cleanly.
    let max = limits.max_inbound_frame();
    let mut encoder = Framing::new(Limits::new(max, max));
    let mut encoded = BytesMut::new();
    for frame in &whole.frames {
        encoder
            .encode(&frame[..], &mut encoded)
            .expect("a frame within the inbound limit fits the same outbound limit");
    }
    let again = decode_stream(limits, [&encoded[..]].into_iter());
    assert_eq!(
        again.frames, whole.frames,
        "re-encoded frames decode differently"
    );
    assert_eq!(again.end, None, "re-encoded frames end with an error");
}

/// The input cut into reads: sizes from `sizes` in turn (an empty `sizes` means one byte per
/// read), until the input runs out. A size of 0 is an empty read, but never twice in a row, so
/// the reads always reach the end.
struct Reads<'a> {
    rest: &'a [u8],
    sizes: &'a [u8],
    next: usize,
    last_was_empty: bool,
}

impl<'a> Reads<'a> {
    fn new(stream: &'a [u8], sizes: &'a [u8]) -> Self {
        Reads {
            rest: stream,
            sizes,
            next: 0,
            last_was_empty: false,
        }
    }
}

impl<'a> Iterator for Reads<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let size = match self.sizes.get(self.next % self.sizes.len().max(1)) {
            Some(&size) => usize::from(size),
            None => 1,
        };
        self.next += 1;
        let size = if self.last_was_empty {
            size.max(1)
        } else {
            size
        };
        self.last_was_empty = size == 0;
        let (read, rest) = self.rest.split_at(size.min(self.rest.len()));
        self.rest = rest;
        Some(read)
    }
}

/// What a stream decodes to: its frames, then `None` for a clean end or the error that ended it.
#[derive(Debug, PartialEq)]
struct Decoded {
    frames: Vec<Bytes>,
    end: Option<String>,
}

fn decode_stream<'a>(limits: Limits, reads: impl Iterator<Item = &'a [u8]>) -> Decoded {
    let mut framing = Framing::new(limits);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut received = 0;
    for read in reads {
        buf.extend_from_slice(read);
        received += read.len();
        loop {
            let result = framing.decode(&mut buf);
            assert!(
                buf.capacity() <= capacity_bound(received),
                "buffer capacity {} after receiving {received} bytes",
                buf.capacity()
            );
            match result {
                Ok(Some(frame)) => frames.push(checked_frame(frame, limits)),
                Ok(None) => break,
                Err(error) => return failed(framing, buf, frames, error),
            }
        }
    }
    loop {
        match framing.decode_eof(&mut buf) {
            Ok(Some(frame)) => frames.push(checked_frame(frame, limits)),
            Ok(None) => return Decoded { frames, end: None },
            Err(error) => return failed(framing, buf, frames, error),
        }
    }
}

fn checked_frame(frame: Bytes, limits: Limits) -> Bytes {
    assert!(
        frame.len() <= limits.max_inbound_frame(),
        "a {}-byte frame passed the inbound limit of {}",
        frame.len(),
        limits.max_inbound_frame()
    );
    frame
}

fn failed(
    mut framing: Framing,
    mut buf: BytesMut,
    frames: Vec<Bytes>,
    error: FramingError,
) -> Decoded {
    assert!(
        error.is_inbound_violation(),
        "not an inbound error: {error:?}"
    );
    assert!(
        framing.has_failed(),
        "the decoder carries on after {error:?}"
    );
    let end = format!("{error:?}");
    match framing.decode(&mut buf) {
        Err(again) => assert_eq!(
            format!("{again:?}"),
            end,
            "a failed decoder changed its error"
        ),
        Ok(frame) => panic!("a failed decoder yielded {frame:?} after {end}"),
    }
    Decoded {
        frames,
        end: Some(end),
    }
}
