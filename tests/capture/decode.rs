//! The decoding layer (`CaptureDecoder`): frames classified as their receiver, pairing and
//! latency, the state freed at close; and the property that reordering and duplication within
//! the cap never change the frames, and beyond it give a hole, never a wrong frame.

use std::time::Duration;

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use prost::Message;
use turms_wire::capture::{
    CaptureDecoder, Classified, DecodeConfig, Decoded, DecodedKind, RoleKind,
};
use turms_wire::proto::TurmsNotification;
use turms_wire::{ClientFrame, ServerFrame};
use turms_wire_test_support::capture_writer::*;
use turms_wire_test_support::requests::private_message;

const T0: u64 = 1_700_000_000_000_000;

fn decode_with(capture: &[u8], config: DecodeConfig) -> Vec<Decoded> {
    CaptureDecoder::new(capture, config)
        .expect("a capture header")
        .collect()
}

fn decode(capture: &[u8]) -> Vec<Decoded> {
    decode_with(capture, DecodeConfig::default())
}

/// The frame bodies of one direction, in order (an error is `None`).
fn bodies(records: &[Decoded], dir: RoleKind) -> Vec<Option<Bytes>> {
    records
        .iter()
        .filter(|r| r.dir == Some(dir))
        .filter_map(|r| match &r.kind {
            DecodedKind::Frame(frame) => Some(frame.frame.as_ref().ok().map(|f| f.bytes().clone())),
            DecodedKind::StreamError { .. } => Some(None),
            _ => None,
        })
        .collect()
}

fn response(id: i64) -> Vec<u8> {
    TurmsNotification {
        request_id: Some(id),
        code: Some(1000),
        ..Default::default()
    }
    .encode_to_vec()
}

#[test]
fn frames_are_classified_as_their_receiver_and_answers_paired_with_their_latency() {
    let c = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 7, 9);
    let request = private_message(5, 2, "hi").encode_to_vec();
    let mut c2s = framed(&request);
    c2s.extend(framed(&[]));
    let mut s2c = framed(&response(5));
    s2c.extend(framed(&[]));
    let (request_len, response_len) = (request.len() as u32 + 1, response(5).len() as u32 + 1);
    let segments = [
        (T0 + 1_000, true, 0, c2s[..request_len as usize].to_vec()),
        (T0 + 1_250, false, 0, s2c[..response_len as usize].to_vec()),
        (T0 + 2_000, true, request_len, vec![0]),
        (T0 + 2_004, false, response_len, vec![0]),
    ];
    let records = decode(&c.pcap(Link::Ethernet, T0, &segments, Some(response_len + 1)));
    let frames: Vec<_> = records
        .iter()
        .filter_map(|r| match &r.kind {
            DecodedKind::Frame(frame) => Some((r.dir.unwrap(), r.time.unwrap(), frame)),
            _ => None,
        })
        .collect();
    assert_eq!(frames.len(), 4);
    let (dir, time, login) = frames[0];
    assert_eq!(
        (dir, time.as_micros() as u64, login.index),
        (RoleKind::Gateway, T0 + 1_000, 0)
    );
    assert!(matches!(
        login.frame,
        Ok(Classified::Client(ClientFrame::Request(_)))
    ));
    assert_eq!(login.answers, None);
    let (_, _, answer) = frames[1];
    assert!(matches!(
        answer.frame,
        Ok(Classified::Server(ServerFrame::Response(_)))
    ));
    let answers = answer.answers.expect("paired");
    assert_eq!(answers.request_kind, Some("create_message_request"));
    assert_eq!(answers.latency, Some(Duration::from_micros(250)));
    let (_, _, ack) = frames[3];
    assert_eq!(ack.index, 1);
    let answers = ack.answers.expect("the heartbeat's");
    assert_eq!(answers.request_kind, Some("heartbeat"));
    assert_eq!(answers.latency, Some(Duration::from_micros(4)));
    // Open first, close then the summary last.
    assert!(matches!(records[0].kind, DecodedKind::Open { .. }));
    assert!(matches!(
        records[records.len() - 2].kind,
        DecodedKind::Close { .. }
    ));
    let DecodedKind::End(summary) = &records[records.len() - 1].kind else {
        panic!("the summary comes last");
    };
    assert_eq!((summary.frames.c2s, summary.frames.s2c), (2, 2));
    assert_eq!(summary.classes["heartbeat"], 2);
    assert_eq!(summary.responses_by_code[&Some(1000)], 1);
    assert!(!summary.failed());
}

#[test]
fn a_connections_state_is_freed_at_its_close() {
    let c = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 7, 9);
    // A frame cut by the RST: held until the close, then reported and freed.
    let segments = [
        (T0 + 1, false, 0, vec![0x10, 1, 2, 3]),
        (T0 + 2, true, 0, vec![0]),
    ];
    let capture = c.pcap(Link::Raw, T0, &segments, Some(4));
    let mut decoder = CaptureDecoder::new(&capture[..], DecodeConfig::default()).unwrap();
    let mut held = Vec::new();
    let mut records = Vec::new();
    while let Some(record) = decoder.next() {
        held.push((decoder.live_connections(), decoder.held_bytes()));
        records.push(record);
    }
    assert!(held.contains(&(1, 4)), "{held:?}");
    assert_eq!(held.last(), Some(&(0, 0)));
    assert!(records.iter().any(|r| matches!(
        &r.kind,
        DecodedKind::StreamError { index: 0, error } if error.kind_name() == "truncated_frame"
    )));
}

/// Frames (bodies of requests of any size, and heartbeats), the stream they make, and the
/// segments it is cut into (with copies of random ranges), in capture order.
#[derive(Debug, Clone)]
struct Scenario {
    isn: u32,
    frames: Vec<Vec<u8>>,
    /// `(offset, len)` in capture order.
    segments: Vec<(usize, usize)>,
}

impl Scenario {
    fn stream(&self) -> Vec<u8> {
        self.frames.iter().flat_map(|body| framed(body)).collect()
    }

    fn capture(&self) -> Vec<u8> {
        let c = Conversation::new(
            "10.0.0.1:40000",
            "10.0.0.2:11510",
            self.isn,
            self.isn.wrapping_mul(3),
        );
        let stream = self.stream();
        let mut packets = c.handshake();
        for &(offset, len) in &self.segments {
            packets.push(c.c2s(offset as u32, &stream[offset..offset + len]));
        }
        packets.push(c.c2s_fin(stream.len() as u32));
        packets.push(c.s2c_fin(0));
        raw_pcap(&packets)
    }
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let frame = prop_oneof![
        1 => Just(Vec::new()),
        4 => (any::<i64>(), "[a-z ]{0,400}")
            .prop_map(|(id, text)| private_message(id, 2, &text).encode_to_vec()),
    ];
    (
        prop_oneof![any::<u32>(), (u32::MAX - 3000)..=u32::MAX],
        vec(frame, 1..30),
        vec(any::<Index>(), 0..40),
        vec((any::<Index>(), any::<Index>()), 0..10),
        vec(any::<u16>(), 64),
    )
        .prop_map(|(isn, frames, cuts, copies, keys)| {
            let len: usize = frames.iter().map(|f| framed(f).len()).sum();
            let mut bounds: Vec<usize> = cuts.iter().map(|i| i.index(len)).collect();
            bounds.extend([0, len]);
            bounds.sort_unstable();
            bounds.dedup();
            let mut segments: Vec<(usize, usize)> =
                bounds.windows(2).map(|w| (w[0], w[1] - w[0])).collect();
            for (a, b) in copies {
                let (a, b) = (a.index(len), b.index(len + 1));
                if a.max(b) > a.min(b) {
                    segments.push((a.min(b), a.max(b) - a.min(b)));
                }
            }
            let mut keyed: Vec<_> = segments
                .into_iter()
                .enumerate()
                .map(|(i, segment)| (keys[i % keys.len()], segment))
                .collect();
            keyed.sort_by_key(|(key, _)| *key);
            Scenario {
                isn,
                frames,
                segments: keyed.into_iter().map(|(_, segment)| segment).collect(),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn within_the_cap_reordered_and_repeated_segments_decode_to_the_same_frames(
        scenario in scenario(),
    ) {
        let records = decode(&scenario.capture());
        let expected: Vec<Option<Bytes>> =
            scenario.frames.iter().map(|f| Some(Bytes::from(f.clone()))).collect();
        prop_assert_eq!(bodies(&records, RoleKind::Gateway), expected);
        let DecodedKind::End(summary) = &records.last().unwrap().kind else {
            panic!("the summary comes last");
        };
        prop_assert_eq!(summary.capture.gaps, 0);
        prop_assert!(!summary.failed());
    }

    #[test]
    fn beyond_the_cap_what_decodes_is_the_first_frames_then_a_hole(
        scenario in scenario(),
        cap in 64usize..2000,
    ) {
        let mut config = DecodeConfig::default();
        config.capture.max_out_of_order = cap;
        let records = decode_with(&scenario.capture(), config);
        let got = bodies(&records, RoleKind::Gateway);
        // Never a wrong frame, never an error: the first frames, in order.
        prop_assert!(got.len() <= scenario.frames.len());
        for (got, frame) in got.iter().zip(&scenario.frames) {
            prop_assert_eq!(got.as_deref(), Some(&frame[..]));
        }
        let gap = records.iter().position(|r| matches!(r.kind, DecodedKind::Gap { .. }));
        if got.len() < scenario.frames.len() {
            let gap = gap.expect("a hole when frames are missing");
            // Nothing of the direction after the hole.
            prop_assert!(records[gap..].iter().all(|r| !matches!(r.kind, DecodedKind::Frame(_))));
        }
    }
}
