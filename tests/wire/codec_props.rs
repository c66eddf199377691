//! Properties of the varint32 framing: any cutting of a stream into reads yields the same
//! frames, arbitrary bytes never panic the decoder, non-minimal prefixes read the same length.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;
use tokio_util::codec::{Decoder, Encoder};

use turms_wire::codec::{
    read_length_prefix, ClientCodec, Framing, FramingError, GatewayCodec, LengthPrefix, Limits,
};

/// Frames and the error that ended the stream (as text, to compare outcomes).
#[derive(Debug, PartialEq)]
struct Outcome {
    frames: Vec<Bytes>,
    error: Option<String>,
}

fn decode_with_cuts(limits: Limits, input: &[u8], cuts: &[usize]) -> Outcome {
    let mut framing = Framing::new(limits);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for end in cuts.into_iter().chain([input.len()]) {
        buf.extend_from_slice(&input[start..end]);
        start = end;
        loop {
            match framing.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => return failed(frames, e),
            }
        }
    }
    loop {
        match framing.decode_eof(&mut buf) {
            Ok(Some(frame)) => frames.push(frame),
            Ok(None) => {
                return Outcome {
                    frames,
                    error: None,
                }
            }
            Err(e) => return failed(frames, e),
        }
    }
}

fn failed(frames: Vec<Bytes>, error: FramingError) -> Outcome {
    assert!(error.is_inbound_violation(), "{error:?}");
    Outcome {
        frames,
        error: Some(format!("{error:?}")),
    }
}

/// Body sizes around the prefix-width boundaries (1, 2 and 3 bytes), plus small ones.
fn body_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => 0usize..40,
        2 => 120usize..136,
        1 => 16376usize..16392,
        1 => Just(0usize),
    ]
}

fn bodies() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        body_len().prop_flat_map(|len| prop::collection::vec(any::<u8>(), len)),
        0..8,
    )
}

const ROOMY: Limits = Limits::new(1 << 20, 1 << 20);

/// `length` as a varint of exactly `width` bytes (zero groups padded on).
fn padded_prefix(length: u32, width: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(width);
    let mut rest = length;
    for i in 0..width {
        let group = (rest & 0x7f) as u8;
        rest >>= 7;
        out.push(if i + 1 < width { group | 0x80 } else { group });
    }
    out
}

fn minimal_width(length: u32) -> usize {
    prost::encoding::encoded_len_varint(u64::from(length))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_cutting_yields_the_same_frames(
        bodies in bodies(),
        cuts in prop::collection::vec(any::<usize>(), 0..64),
    ) {
        let mut wire = BytesMut::new();
        let mut framing = Framing::new(ROOMY);
        for body in &bodies {
            framing.encode(&body[..], &mut wire).unwrap();
        }
        let outcome = decode_with_cuts(ROOMY, &wire, &cuts);
        prop_assert_eq!(outcome.error, None);
        prop_assert_eq!(outcome.frames.len(), bodies.len());
        for (frame, body) in outcome.frames.iter().zip(&bodies) {
            prop_assert_eq!(&frame[..], &body[..]);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_ignore_cutting(
        input in prop::collection::vec(any::<u8>(), 0..300),
        cuts in prop::collection::vec(any::<usize>(), 0..16),
        max in prop_oneof![0usize..64, Just(1usize << 20)],
    ) {
        let limits = Limits::new(max, max);
        let whole = decode_with_cuts(limits, &input, &[]);
        let cut = decode_with_cuts(limits, &input, &cuts);
        let bytes: Vec<usize> = (1..input.len()).collect();
        let byte_by_byte = decode_with_cuts(limits, &input, &bytes);
        prop_assert_eq!(&whole, &cut);
        prop_assert_eq!(&whole, &byte_by_byte);
        // Nothing is made up: the frames are a prefix-stripped part of the input.
        let total: usize = whole.frames.iter().map(Bytes::len).sum();
        prop_assert!(total + whole.frames.len() <= input.len());
    }

    #[test]
    fn arbitrary_prefixes_match_a_reference_reader(input in prop::collection::vec(any::<u8>(), 0..8)) {
        // Reference: the gateway's reading, spelled out with u64 arithmetic.
        let mut value = 0u64;
        let mut expected = None;
        for (i, &b) in input.iter().enumerate() {
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                expected = Some(if value >= 1 << 31 {
                    Err("overflow")
                } else {
                    Ok(LengthPrefix { length: value as usize, prefix_len: i + 1 })
                });
                break;
            }
            if i == 4 {
                expected = Some(Err("too long"));
                break;
            }
        }
        let got = match read_length_prefix(&input) {
            Ok(None) => None,
            Ok(Some(prefix)) => Some(Ok(prefix)),
            Err(FramingError::LengthOverflow { declared }) => {
                prop_assert_eq!(declared, value);
                Some(Err("overflow"))
            }
            Err(FramingError::VarintTooLong) => Some(Err("too long")),
            Err(other) => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn non_minimal_prefixes_read_the_same_length(
        length in prop_oneof![0u32..300, 16370u32..16400, Just(2_000_000u32)],
        extra in 0usize..5,
        tail in prop::collection::vec(any::<u8>(), 0..4),
    ) {
        let width = (minimal_width(length) + extra).min(5);
        let prefix = padded_prefix(length, width);
        prop_assert_eq!(
            read_length_prefix(&prefix).unwrap(),
            Some(LengthPrefix { length: length as usize, prefix_len: width })
        );
        // And the decoder frames the body that follows.
        if length <= 16400 {
            let body: Vec<u8> = (0..length).map(|i| i as u8).collect();
            let mut wire = BytesMut::new();
            wire.put_slice(&prefix);
            wire.put_slice(&body);
            wire.put_slice(&[tail.len() as u8]);
            wire.put_slice(&tail);
            let mut framing = Framing::new(ROOMY);
            prop_assert_eq!(&framing.decode(&mut wire).unwrap().unwrap()[..], &body[..]);
            prop_assert_eq!(&framing.decode(&mut wire).unwrap().unwrap()[..], &tail[..]);
            prop_assert!(wire.is_empty());
        }
    }
}

/// Runs a role codec over `input` (fed in two parts), returning each item's bytes and whether it
/// classified, and the error text.
fn role_items<C>(mut codec: C, input: &[u8], cut: usize) -> (Vec<(Bytes, bool)>, Option<String>)
where
    C: Decoder<Error = FramingError>,
    C::Item: RoleItem,
{
    let cut = cut % (input.len() + 1);
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for (part, last) in [(&input[..cut], false), (&input[cut..], true)] {
        buf.extend_from_slice(part);
        loop {
            let next = if last {
                codec.decode_eof(&mut buf)
            } else {
                codec.decode(&mut buf)
            };
            match next {
                Ok(Some(item)) => items.push(item.bytes_and_ok()),
                Ok(None) => break,
                Err(e) => return (items, Some(format!("{e:?}"))),
            }
        }
    }
    (items, None)
}

trait RoleItem {
    fn bytes_and_ok(self) -> (Bytes, bool);
}

impl RoleItem for Result<turms_wire::ServerFrame, turms_wire::frame::MalformedFrame> {
    fn bytes_and_ok(self) -> (Bytes, bool) {
        match self {
            Ok(frame) => (frame.into_bytes(), true),
            Err(malformed) => (malformed.bytes, false),
        }
    }
}

impl RoleItem for Result<turms_wire::ClientFrame, turms_wire::frame::MalformedFrame> {
    fn bytes_and_ok(self) -> (Bytes, bool) {
        match self {
            Ok(frame) => (frame.bytes().clone(), true),
            Err(malformed) => (malformed.bytes, false),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Classification never loses or invents a frame: the role codecs yield exactly the frames
    /// the bare framing does, classified or kept raw, and the same framing error.
    #[test]
    fn role_codecs_keep_every_frame(
        input in prop::collection::vec(any::<u8>(), 0..200),
        cut in any::<usize>(),
    ) {
        let limits = Limits::new(64, 64);
        let bare = decode_with_cuts(limits, &input, &[]);
        for (items, error) in [
            role_items(ClientCodec::with_limits(limits), &input, cut),
            role_items(GatewayCodec::with_limits(limits), &input, cut),
        ] {
            let frames: Vec<Bytes> = items.iter().map(|(b, _)| b.clone()).collect();
            prop_assert_eq!(&frames, &bare.frames);
            prop_assert_eq!(&error, &bare.error);
            for (bytes, ok) in &items {
                if bytes.is_empty() {
                    prop_assert!(ok, "an empty frame is always a heartbeat");
                }
            }
        }
    }
}

#[test]
fn padded_prefix_builds_what_it_claims() {
    assert_eq!(padded_prefix(5, 1), [0x05]);
    assert_eq!(padded_prefix(5, 3), [0x85, 0x80, 0x00]);
    assert_eq!(padded_prefix(128, 2), [0x80, 0x01]);
}
