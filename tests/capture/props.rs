//! Properties: any stream cut into segments, reordered and duplicated, comes out whole (within
//! the cap) or as a correct prefix then a gap (beyond it); any input is read without panic.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use turms_wire::capture::{CaptureConfig, CaptureReader, EventKind, RoleKind};

use crate::{read_with, stream, summary};
use turms_wire_test_support::capture_writer::*;

/// A stream, the segments it is cut into (with retransmissions of random ranges), in capture
/// order.
#[derive(Debug, Clone)]
struct Scenario {
    isn: u32,
    data: Vec<u8>,
    /// `(offset, len)` in capture order.
    segments: Vec<(usize, usize)>,
}

fn scenario(max_len: usize) -> impl Strategy<Value = Scenario> {
    (
        prop_oneof![any::<u32>(), (u32::MAX - 4000)..=u32::MAX],
        vec(any::<u8>(), 1..max_len),
        vec(any::<Index>(), 0..24),
        vec((any::<Index>(), any::<Index>()), 0..8),
        vec(any::<u16>(), 40),
    )
        .prop_map(|(isn, data, cuts, duplicates, keys)| {
            let mut bounds: Vec<usize> = cuts.iter().map(|i| i.index(data.len())).collect();
            bounds.extend([0, data.len()]);
            bounds.sort_unstable();
            bounds.dedup();
            let mut segments: Vec<(usize, usize)> = bounds
                .windows(2)
                .map(|pair| (pair[0], pair[1] - pair[0]))
                .collect();
            for (a, b) in duplicates {
                let (a, b) = (a.index(data.len()), b.index(data.len() + 1));
                let (start, end) = (a.min(b), a.max(b));
                if end > start {
                    segments.push((start, end - start));
                }
            }
            // A random order: each segment sorted by a random key.
            let mut keyed: Vec<(u16, (usize, usize))> = segments
                .into_iter()
                .enumerate()
                .map(|(i, segment)| (keys[i % keys.len()], segment))
                .collect();
            keyed.sort_by_key(|(key, _)| *key);
            Scenario {
                isn,
                data,
                segments: keyed.into_iter().map(|(_, segment)| segment).collect(),
            }
        })
}

fn capture(scenario: &Scenario) -> Vec<u8> {
    let conversation = Conversation::new(
        "10.0.0.1:40000",
        "10.0.0.2:11510",
        scenario.isn,
        scenario.isn.wrapping_mul(7),
    );
    let mut packets = conversation.handshake();
    for &(offset, len) in &scenario.segments {
        packets.push(conversation.c2s(offset as u32, &scenario.data[offset..offset + len]));
    }
    packets.push(conversation.c2s_fin(scenario.data.len() as u32));
    packets.push(conversation.s2c_fin(0));
    raw_pcap(&packets)
}

proptest! {
    #[test]
    fn within_the_cap_any_order_and_duplicates_give_back_the_stream(scenario in scenario(3000)) {
        let events = read_with(&capture(&scenario), CaptureConfig::default());
        prop_assert_eq!(stream(&events, 1, RoleKind::Gateway), scenario.data.clone());
        let end = summary(&events);
        prop_assert_eq!(end.gaps, 0);
        prop_assert_eq!(end.stream_bytes, scenario.data.len() as u64);
        let closed_with = events.iter().find_map(|e| match e.kind {
            EventKind::Close { c2s_bytes, how, .. } => Some((c2s_bytes, how.as_str())),
            _ => None,
        });
        prop_assert_eq!(closed_with, Some((scenario.data.len() as u64, "fin")));
    }

    #[test]
    fn beyond_the_cap_what_comes_is_a_prefix_then_a_gap(
        scenario in scenario(3000),
        cap in 64usize..1500,
    ) {
        let mut config = CaptureConfig::default();
        config.max_out_of_order = cap;
        let events = read_with(&capture(&scenario), config);
        let delivered = stream(&events, 1, RoleKind::Gateway);
        prop_assert!(scenario.data.starts_with(&delivered));
        let gaps = summary(&events).gaps;
        prop_assert!(gaps <= 1);
        if gaps == 0 {
            prop_assert_eq!(delivered, scenario.data.clone());
        }
        // Nothing is delivered after the gap.
        let after_gap = events
            .iter()
            .skip_while(|e| !matches!(e.kind, EventKind::Gap { .. }))
            .filter(|e| matches!(e.kind, EventKind::Data { .. }))
            .count();
        prop_assert_eq!(after_gap, 0);
    }

    #[test]
    fn with_resync_every_byte_delivered_is_at_its_place(
        scenario in scenario(3000),
        cap in 64usize..1500,
    ) {
        let mut config = CaptureConfig::default();
        config.max_out_of_order = cap;
        config.resync = true;
        let events = read_with(&capture(&scenario), config);
        let mut position = 0usize;
        let mut flagged_expected = false;
        for event in &events {
            match &event.kind {
                EventKind::Gap { missing_bytes, .. } => {
                    prop_assert!(*missing_bytes > 0);
                    position += *missing_bytes as usize;
                    flagged_expected = true;
                }
                EventKind::Data { bytes, after_gap, .. } => {
                    prop_assert_eq!(&bytes[..], &scenario.data[position..position + bytes.len()]);
                    prop_assert_eq!(*after_gap, flagged_expected);
                    flagged_expected = false;
                    position += bytes.len();
                }
                _ => {}
            }
        }
        prop_assert_eq!(position, scenario.data.len());
    }

    #[test]
    fn any_input_is_read_without_panic(
        bytes in vec(any::<u8>(), 0..1500),
        header in 0usize..3,
    ) {
        let mut input = match header {
            0 => Vec::new(),
            1 => Pcap::new(LINKTYPE_ETHERNET, false, false).bytes(),
            _ => PcapNg::new(false).interface(LINKTYPE_RAW, None).bytes(),
        };
        input.extend(&bytes);
        if let Ok(reader) = CaptureReader::new(&input[..], CaptureConfig::default()) {
            let events: Vec<_> = reader.collect();
            prop_assert!(matches!(events.last().map(|e| &e.kind), Some(EventKind::End(_))));
        }
    }
}
