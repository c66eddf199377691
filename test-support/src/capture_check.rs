//! The check of the `capture` fuzz target (`fuzz/fuzz_targets/capture.rs`), also run by the
//! seed replay test (`tests/capture/seeds.rs`): any bytes read as a capture give consistent
//! events, then consistent decoded records and JSON lines, within the memory bounds, and no
//! panic.

use std::collections::{HashMap, HashSet};
use std::io;

use turms_wire::capture::{
    CaptureConfig, CaptureDecoder, CaptureReader, ConnId, DecodeConfig, DecodedKind, DecodedWriter,
    EventKind, RoleKind,
};
use turms_wire::inspect::OutputFormat;
use turms_wire::transport::MAX_HEAD;

/// Small limits, so that short inputs reach them.
fn config() -> CaptureConfig {
    let mut config = CaptureConfig::default();
    config.max_out_of_order = 4096;
    config.max_buffered = 16 * 1024;
    config.max_packet_len = 64 * 1024;
    config
}

/// Reads `data` as a capture with small limits, checking the events as they come; then
/// decodes it, with and without resynchronisation.
pub fn capture(data: &[u8]) {
    read(data);
    decode(data, false);
    decode(data, true);
}

fn read(data: &[u8]) {
    let config = config();
    let max_buffered = config.max_buffered;
    let Ok(mut reader) = CaptureReader::new(data, config) else {
        return;
    };
    let mut open: HashSet<ConnId> = HashSet::new();
    let mut last_id = 0;
    let mut ended = false;
    while let Some(event) = reader.next() {
        assert!(!ended, "nothing after End");
        assert!(reader.buffered_bytes() <= max_buffered);
        match event.kind {
            EventKind::Open { conn, .. } => {
                assert_eq!(conn.0, last_id + 1, "numbered in order");
                last_id = conn.0;
                open.insert(conn);
            }
            EventKind::Data { conn, .. }
            | EventKind::Gap { conn, .. }
            | EventKind::StartNotCaptured { conn }
            | EventKind::Datagram { conn, .. } => assert!(open.contains(&conn), "{conn} is open"),
            EventKind::Close { conn, .. } => assert!(open.remove(&conn), "{conn} closes once"),
            EventKind::Error(_) => {}
            EventKind::End(summary) => {
                assert_eq!(summary.connections, last_id);
                assert!(open.is_empty(), "every connection closed before End");
                ended = true;
            }
        }
    }
    assert!(ended, "End comes last");
    assert_eq!(reader.live_connections(), 0);
    assert_eq!(reader.buffered_bytes(), 0);
}

/// The decoding layer: records of open connections only, indices from 0 without holes per
/// connection and direction, the summary last and agreeing with the records, memory held
/// within its bounds, and every record written as a JSON line.
pub fn decode(data: &[u8], resync: bool) {
    let mut config = DecodeConfig::default();
    config.capture = self::config();
    config.capture.resync = resync;
    config.max_request_frame = 4096;
    config.max_notification_frame = 64 * 1024;
    // Per direction: a frame not yet complete (a WebSocket message may wait for its last
    // fragment while the next frame arrives), an HTTP head, a PROXY v2 header, or the window
    // of a boundary search.
    let per_direction = (2 * config.max_notification_frame + 14)
        .max(MAX_HEAD + 1)
        .max(16 + 65_535)
        .max(1 << 20);
    let max_buffered = config.capture.max_buffered;
    let Ok(mut decoder) = CaptureDecoder::new(data, config) else {
        return;
    };
    let mut writer = DecodedWriter::new(io::sink(), OutputFormat::Json);
    let mut open: HashSet<ConnId> = HashSet::new();
    let mut next_index: HashMap<(ConnId, RoleKind), u64> = HashMap::new();
    let mut frames = [0u64; 2];
    let mut ended = false;
    while let Some(record) = decoder.next() {
        assert!(!ended, "nothing after the summary");
        assert!(decoder.reader().buffered_bytes() <= max_buffered);
        assert!(decoder.held_bytes() <= decoder.live_connections() * 2 * per_direction);
        writer.write(&record).expect("a sink takes every line");
        let indexed = match &record.kind {
            DecodedKind::Frame(frame) => Some(frame.index),
            DecodedKind::StreamError { index, .. } => Some(*index),
            DecodedKind::Datagram(datagram) => Some(datagram.index),
            _ => None,
        };
        match (&record.kind, record.conn) {
            (DecodedKind::Open { .. }, Some(conn)) => assert!(open.insert(conn)),
            (DecodedKind::Close { .. }, Some(conn)) => assert!(open.remove(&conn)),
            (DecodedKind::End(summary), None) => {
                assert!(
                    open.is_empty(),
                    "every connection closed before the summary"
                );
                assert_eq!(summary.frames.c2s, frames[0]);
                assert_eq!(summary.frames.s2c, frames[1]);
                ended = true;
            }
            (DecodedKind::Error(_), None) => {}
            (_, Some(conn)) => assert!(open.contains(&conn), "{conn} is open"),
            (kind, None) => panic!("{kind:?} without a connection"),
        }
        if let (Some(index), Some(conn), Some(dir)) = (indexed, record.conn, record.dir) {
            let next = next_index.entry((conn, dir)).or_default();
            assert_eq!(index, *next, "indices count on");
            *next += 1;
            if !matches!(record.kind, DecodedKind::Datagram(_)) {
                frames[usize::from(dir == RoleKind::Client)] += 1;
            }
        }
    }
    assert!(ended, "the summary comes last");
    assert_eq!(decoder.live_connections(), 0);
    assert_eq!(decoder.held_bytes(), 0);
}
