//! The framing codec and the request encoder against the conformance vectors in
//! `tests/data/conformance` (streams, framing-layer bad inputs, requests).

use bytes::{Bytes, BytesMut};
use prost::Message;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio_util::codec::{Decoder, Encoder};
use turms_wire::codec::{encode_request, request_to_bytes, ClientCodec, Framing, FramingError};
use turms_wire::frame::ServerFrame;
use turms_wire::proto::{turms_request, DeviceType, TurmsRequest};
use turms_wire::role::RoleKind;
use turms_wire_test_support::data;
use turms_wire_test_support::requests::{login_request, logout};

/// A file under `tests/data/conformance/`.
fn read(path: &str) -> Vec<u8> {
    data::read(&data::conformance(path))
}

/// A JSON file under `tests/data/conformance/`.
fn json(path: &str) -> Value {
    data::read_json(&data::conformance(path))
}

/// What a decoder made of one input.
#[derive(Debug)]
struct Outcome {
    frames: Vec<Bytes>,
    /// The error, and whether it came before end of input was signalled.
    error: Option<(FramingError, bool)>,
}

/// Feeds `input` cut at `cuts` (ascending offsets) into `framing`, decoding after every chunk,
/// then signals end of input.
fn run(mut framing: Framing, input: &[u8], cuts: &[usize]) -> Outcome {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut start = 0;
    for end in cuts.iter().copied().chain([input.len()]) {
        buf.extend_from_slice(&input[start..end]);
        start = end;
        loop {
            match framing.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => {
                    return Outcome {
                        frames,
                        error: Some((e, true)),
                    }
                }
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
            Err(e) => {
                return Outcome {
                    frames,
                    error: Some((e, false)),
                }
            }
        }
    }
}

/// Every way of reading we try: whole, byte by byte, and seeded random chunks.
fn cuttings(len: usize, seed: u64) -> Vec<(String, Vec<usize>)> {
    let mut out = vec![
        ("whole".to_owned(), vec![]),
        ("byte by byte".to_owned(), (1..len).collect()),
    ];
    let mut rng = StdRng::seed_from_u64(seed);
    for round in 0..4 {
        let mut cuts = Vec::new();
        let mut at = 0;
        let max_chunk = [3, 17, 300, 70_000][round];
        while at < len {
            at += rng.random_range(1..=max_chunk);
            if at < len {
                cuts.push(at);
            }
        }
        out.push((
            format!("random chunks up to {max_chunk} (seed {seed})"),
            cuts,
        ));
    }
    out
}

#[test]
fn every_stream_decodes_to_its_index() {
    let index = json("stream/INDEX.json");
    let streams = index["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 9);
    for (n, stream) in streams.iter().enumerate() {
        let file = stream["file"].as_str().unwrap();
        let input = read(&format!("stream/{file}"));
        assert_eq!(input.len() as u64, stream["total_bytes"].as_u64().unwrap());
        let expected: Vec<(usize, usize, Option<Vec<u8>>)> = stream["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let notif = match f["type"].as_str().unwrap() {
                    "heartbeat" => None,
                    "notification" => {
                        let id = f["notif"].as_str().unwrap();
                        Some(read(&format!("notif/{id}.bin")))
                    }
                    other => panic!("{file}: frame type {other}"),
                };
                let start =
                    (f["offset"].as_u64().unwrap() + f["prefix_len"].as_u64().unwrap()) as usize;
                (start, f["length"].as_u64().unwrap() as usize, notif)
            })
            .collect();
        assert_eq!(
            expected.len() as u64,
            stream["frame_count"].as_u64().unwrap()
        );

        for (how, cuts) in cuttings(input.len(), 0x5eed + n as u64) {
            let outcome = run(Framing::client(), &input, &cuts);
            assert!(
                outcome.error.is_none(),
                "{file} ({how}): {:?}",
                outcome.error
            );
            assert_eq!(outcome.frames.len(), expected.len(), "{file} ({how})");
            for (i, (frame, (start, length, notif))) in
                outcome.frames.iter().zip(&expected).enumerate()
            {
                assert_eq!(frame.len(), *length, "{file} ({how}) frame {i}");
                assert_eq!(
                    &frame[..],
                    &input[*start..start + length],
                    "{file} frame {i}"
                );
                match notif {
                    Some(body) => assert_eq!(&frame[..], &body[..], "{file} frame {i}"),
                    None => assert!(frame.is_empty(), "{file} frame {i} is a heartbeat"),
                }
            }
        }
    }
}

#[test]
fn frames_are_slices_of_the_read_buffer() {
    let input = read("stream/all_with_heartbeats.bin");
    let mut buf = BytesMut::from(&input[..]);
    let base = buf.as_ptr() as usize;
    let mut framing = Framing::client();
    let index = json("stream/INDEX.json");
    let frames = index["streams"][1]["frames"].as_array().unwrap();
    for f in frames {
        let frame = framing.decode(&mut buf).unwrap().unwrap();
        if frame.is_empty() {
            continue;
        }
        let start = f["offset"].as_u64().unwrap() + f["prefix_len"].as_u64().unwrap();
        assert_eq!(
            frame.as_ptr() as usize - base,
            start as usize,
            "copied frame"
        );
    }
    assert!(buf.is_empty());
}

/// The error kind each `reference_error` of `bad/INDEX.json` names.
fn matches_reference(error: &FramingError, reference: &str) -> bool {
    if let Some(rest) = reference.strip_prefix("frame length ") {
        let (len, max) = rest.split_once(" exceeds max ").unwrap();
        let (len, max): (usize, usize) = (len.parse().unwrap(), max.parse().unwrap());
        // Lengths of 2^31 and more are refused as overflow before the limit is looked at.
        return matches!(error, FramingError::FrameTooLarge { len: l, max: m } if *l == len && *m == max);
    }
    match reference {
        "truncated varint length prefix" => matches!(error, FramingError::TruncatedHeader { .. }),
        "varint length prefix longer than 5 bytes" => matches!(error, FramingError::VarintTooLong),
        "negative length (as int32)" => {
            matches!(error, FramingError::LengthOverflow { declared } if (1 << 31..1 << 32).contains(declared))
        }
        "varint length prefix exceeds 32 bits" => {
            matches!(error, FramingError::LengthOverflow { declared } if *declared >= 1 << 32)
        }
        "EOF in the middle of a frame" => matches!(error, FramingError::TruncatedFrame { .. }),
        other => panic!("unmapped reference_error {other:?}"),
    }
}

#[test]
fn bad_framing_inputs_fail_as_indexed() {
    let index = data::bad_index();
    let max = index.max_frame_assumed;
    assert_eq!(max, 4 * 1024 * 1024);
    let limits = RoleKind::Client.limits().with_max_inbound_frame(max);
    let mut seen = (0, 0);
    for bad in &index.entries {
        if bad.layer() != "framing" {
            continue;
        }
        let (file, entry, input) = (&bad.file, &bad.info, &bad.bytes);
        for (how, cuts) in cuttings(input.len(), input.len() as u64) {
            let outcome = run(Framing::new(limits), input, &cuts);
            match entry["expect"].as_str().unwrap() {
                "ok" => {
                    assert!(
                        outcome.error.is_none(),
                        "{file} ({how}): {:?}",
                        outcome.error
                    );
                    let frames = entry["frames"].as_u64().unwrap() as usize;
                    assert_eq!(outcome.frames.len(), frames, "{file} ({how})");
                }
                "error" => {
                    let (error, before_eof) = outcome
                        .error
                        .unwrap_or_else(|| panic!("{file} ({how}) was accepted"));
                    let reference = entry["reference_error"].as_str().unwrap();
                    assert!(
                        matches_reference(&error, reference),
                        "{file} ({how}): {error:?} is not {reference:?}"
                    );
                    assert!(error.is_inbound_violation());
                    let immediate = match entry["when"].as_str().unwrap() {
                        "immediate" => true,
                        "eof" => false,
                        other => panic!("{file}: when {other}"),
                    };
                    assert_eq!(before_eof, immediate, "{file} ({how}): {error}");
                    let before = entry["frames_before_error"].as_u64().unwrap() as usize;
                    assert_eq!(outcome.frames.len(), before, "{file} ({how})");
                }
                other => panic!("{file}: expect {other}"),
            }
        }
        if entry["expect"] == "ok" {
            seen.1 += 1;
        } else {
            seen.0 += 1;
        }
    }
    assert_eq!(seen, (16, 3), "framing entries (errors, accepted)");
}

#[test]
fn a_failed_decoder_stays_failed() {
    let input = read("bad/014.bin");
    let mut framing = Framing::client();
    let mut buf = BytesMut::from(&input[..]);
    for _ in 0..3 {
        assert!(framing.decode(&mut buf).unwrap().is_some());
    }
    assert!(matches!(
        framing.decode(&mut buf),
        Err(FramingError::VarintTooLong)
    ));
    buf.extend_from_slice(&[0x00, 0x00]);
    assert!(matches!(
        framing.decode(&mut buf),
        Err(FramingError::VarintTooLong)
    ));
    assert!(matches!(
        framing.decode_eof(&mut buf),
        Err(FramingError::VarintTooLong)
    ));
}

/// The top-level fields of `bytes` in wire order: field number and the field's whole encoding.
fn fields(bytes: &[u8]) -> Vec<(u32, &[u8])> {
    use prost::encoding::{decode_key, skip_field, DecodeContext};
    let mut rest = bytes;
    let mut fields = Vec::new();
    while !rest.is_empty() {
        let start = bytes.len() - rest.len();
        let (field, wire_type) = decode_key(&mut rest).unwrap();
        skip_field(wire_type, field, &mut rest, DecodeContext::default()).unwrap();
        fields.push((field, &bytes[start..bytes.len() - rest.len()]));
    }
    fields
}

fn field_order(bytes: &[u8]) -> Vec<u32> {
    fields(bytes).into_iter().map(|(field, _)| field).collect()
}

/// The field number prost gives a request's kind, read from prost's own encoding of it.
fn kind_field(kind: &turms_request::Kind) -> u32 {
    let alone = TurmsRequest {
        kind: Some(kind.clone()),
        ..Default::default()
    };
    field_order(&alone.encode_to_vec())[0]
}

#[test]
fn every_request_vector_reencodes_in_gateway_order() {
    let mut checked = 0;
    let mut with_attributes = 0;
    for vector in data::vectors("req") {
        let path = &vector.name;
        let request = TurmsRequest::decode(vector.bytes.clone()).unwrap();
        let ours = request_to_bytes(&request);
        assert_eq!(ours.len(), request.encoded_len(), "{path}");
        let mut appended = BytesMut::from(&b"prefix"[..]);
        encode_request(&request, &mut appended);
        assert_eq!(&appended[6..], &ours[..]);

        let order = field_order(&ours);
        let mut rest = &order[..];
        if request.request_id.is_some() {
            assert_eq!(rest.first(), Some(&1), "{path}: request_id first");
            rest = &rest[1..];
        }
        if let Some(kind) = &request.kind {
            assert_eq!(rest.first(), Some(&kind_field(kind)), "{path}");
            rest = &rest[1..];
        }
        assert!(rest.iter().all(|&f| f == 2), "{path}: {order:?}");
        assert_eq!(rest.len(), request.custom_attributes.len());
        with_attributes += usize::from(!rest.is_empty());
        // Same fields as prost writes, only reordered (compared as encodings: NaN != NaN).
        let prost_bytes = request.encode_to_vec();
        let mut theirs = fields(&prost_bytes);
        let mut mine = fields(&ours);
        theirs.sort();
        mine.sort();
        assert_eq!(mine, theirs, "{path}");
        let decoded = TurmsRequest::decode(ours).unwrap();
        if request.clone() == request {
            assert_eq!(decoded, request, "{path}");
        }
        checked += 1;
    }
    assert_eq!(checked, 387);
    assert!(with_attributes > 0, "no vector exercises custom_attributes");
}

#[test]
fn protocol_examples_encode_byte_for_byte() {
    // The login as the official clients build it (version 1, AVAILABLE, DESKTOP), the logout.
    let login = login_request(1, 1, Some("123"), DeviceType::Desktop);
    let delete = logout(2);
    let mut framing = Framing::client();
    let mut wire = BytesMut::new();
    framing.encode(request_to_bytes(&login), &mut wire).unwrap();
    assert_eq!(
        &wire[..],
        [
            0x0f, 0x08, 0x01, 0x1a, 0x0b, 0x08, 0x01, 0x10, 0x01, 0x1a, 0x03, 0x31, 0x32, 0x33,
            0x20, 0x00
        ]
    );
    wire.clear();
    framing
        .encode(request_to_bytes(&delete), &mut wire)
        .unwrap();
    assert_eq!(&wire[..], [0x04, 0x08, 0x02, 0x22, 0x00]);
}

/// The class a notif vector's JSON gives, as a predicate on our finer classes.
fn class_fits(frame: &ServerFrame, class: &str) -> bool {
    match class {
        "response" => matches!(
            frame,
            ServerFrame::Response(_) | ServerFrame::HeartbeatFailure(_)
        ),
        "close" => matches!(frame, ServerFrame::Close(_)),
        "notification" => matches!(
            frame,
            ServerFrame::Push(_) | ServerFrame::SessionInfo(_) | ServerFrame::Notification(_)
        ),
        other => panic!("class {other}"),
    }
}

#[test]
fn every_stream_classifies_through_the_client_codec() {
    let index = json("stream/INDEX.json");
    for stream in index["streams"].as_array().unwrap() {
        let file = stream["file"].as_str().unwrap();
        let mut buf = BytesMut::from(&read(&format!("stream/{file}"))[..]);
        let mut codec = ClientCodec::new();
        for f in stream["frames"].as_array().unwrap() {
            let frame = codec
                .decode(&mut buf)
                .unwrap()
                .unwrap()
                .unwrap_or_else(|m| panic!("{file}: {m}"));
            match f["notif"].as_str() {
                None => assert_eq!(frame, ServerFrame::HeartbeatAck),
                Some(id) => {
                    let expected = json(&format!("notif/{id}.json"));
                    let class = expected["class"].as_str().unwrap();
                    assert!(
                        class_fits(&frame, class),
                        "{file} notif {id}: {frame:?} is no {class}"
                    );
                    assert_eq!(&frame.bytes()[..], &read(&format!("notif/{id}.bin"))[..]);
                }
            }
        }
        assert_eq!(codec.decode_eof(&mut buf).unwrap(), None, "{file}");
    }
}
