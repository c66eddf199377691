//! The check of the `capture` fuzz target (`fuzz/fuzz_targets/capture.rs`), also run by the
//! seed replay test (`tests/capture/seeds.rs`): any bytes read as a capture give consistent
//! events, within the memory bounds, and no panic.

use std::collections::HashSet;

use turms_wire::capture::{CaptureConfig, CaptureReader, ConnId, EventKind};

/// Reads `data` as a capture with small limits, checking the events as they come.
pub fn capture(data: &[u8]) {
    let mut config = CaptureConfig::default();
    config.max_out_of_order = 4096;
    config.max_buffered = 16 * 1024;
    config.max_packet_len = 64 * 1024;
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
