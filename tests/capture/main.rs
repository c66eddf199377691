//! The capture reader: containers and link types, reassembly, closing, limits, real captures;
//! the decoder; both over an `AsyncRead`.

mod async_read;
mod containers;
mod decode;
mod props;
mod real;
mod seeds;
mod streams;

use turms_wire::capture::{
    CaptureConfig, CaptureError, CaptureReader, ConnId, Event, EventKind, RoleKind, Summary,
};

/// Every event of a capture read with `config`.
pub fn read_with(capture: &[u8], config: CaptureConfig) -> Vec<Event> {
    CaptureReader::new(capture, config)
        .expect("a capture header")
        .collect()
}

/// Every event of a capture read with the default configuration.
pub fn read(capture: &[u8]) -> Vec<Event> {
    read_with(capture, CaptureConfig::default())
}

/// The summary, which must come last and only there.
pub fn summary(events: &[Event]) -> &Summary {
    let ends = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::End(_)))
        .count();
    assert_eq!(ends, 1, "one End event");
    match &events.last().expect("events").kind {
        EventKind::End(summary) => summary,
        other => panic!("the last event is {other:?}"),
    }
}

/// The bytes delivered for one direction of one connection, concatenated.
pub fn stream(events: &[Event], conn: u64, dir: RoleKind) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Data {
                conn: c,
                dir: d,
                bytes,
                ..
            } if *c == ConnId(conn) && *d == dir => Some(bytes.to_vec()),
            EventKind::Datagram {
                conn: c,
                dir: d,
                bytes,
            } if *c == ConnId(conn) && *d == dir => Some(bytes.to_vec()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The errors among the events.
pub fn errors(events: &[Event]) -> Vec<CaptureError> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Error(error) => Some(error.clone()),
            _ => None,
        })
        .collect()
}

/// One short line per event, to compare whole sequences.
pub fn outline(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Open {
                conn,
                peer,
                server,
                transport,
            } => format!("open {conn} {peer} {server} {}", transport.as_str()),
            EventKind::Data {
                conn,
                dir,
                bytes,
                after_gap,
            } => format!(
                "data {conn} {} {:?}{}",
                dir.inbound_direction(),
                String::from_utf8_lossy(bytes),
                if *after_gap { " after_gap" } else { "" }
            ),
            EventKind::Gap {
                conn,
                dir,
                missing_bytes,
            } => format!("gap {conn} {} {missing_bytes}", dir.inbound_direction()),
            EventKind::StartNotCaptured { conn } => format!("start_not_captured {conn}"),
            EventKind::Datagram { conn, dir, bytes } => {
                format!(
                    "datagram {conn} {} {:?}",
                    dir.inbound_direction(),
                    &bytes[..]
                )
            }
            EventKind::Close {
                conn,
                c2s_bytes,
                s2c_bytes,
                how,
            } => format!("close {conn} {c2s_bytes} {s2c_bytes} {}", how.as_str()),
            EventKind::Error(error) => format!("error {error}"),
            EventKind::End(_) => "end".to_string(),
        })
        .collect()
}
