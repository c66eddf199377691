//! What a tap counts, and the summary it prints when it stops.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::slot;
use crate::frame::FrameClass;
use crate::inspect::{FrameRecord, Outcome};
use crate::role::RoleKind;
use crate::status::{ResponseStatusCode, SessionCloseStatus};

/// Counts kept by the copy loops, shared with the display.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) connections: AtomicU64,
    /// Bytes forwarded, by [`slot`].
    pub(crate) bytes: [AtomicU64; 2],
    pub(crate) dropped_chunks: AtomicU64,
    pub(crate) dropped_bytes: AtomicU64,
    pub(crate) dropped_events: AtomicU64,
}

/// Totals for one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DirectionTotals {
    /// Frames decoded.
    pub frames: u64,
    /// Bytes forwarded.
    pub bytes: u64,
    /// Frames that failed to decode, and framing errors.
    pub errors: u64,
    /// Times the display fell behind and stopped decoding a connection in this direction.
    pub gaps: u64,
}

/// What the display could not be handed because its queue was full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NotShown {
    /// Chunks of copied bytes.
    pub chunks: u64,
    /// Their bytes (all were forwarded).
    pub bytes: u64,
    /// Connection open events.
    pub events: u64,
}

/// What a tap saw, printed when it stops.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TapSummary {
    /// Connections accepted.
    pub connections: u64,
    /// Client to server.
    pub c2s: DirectionTotals,
    /// Server to client.
    pub s2c: DirectionTotals,
    /// Responses (and heartbeat failures) by code; `none` for responses without one.
    pub responses_by_code: BTreeMap<String, u64>,
    /// Close notifications by status.
    pub closes_by_status: BTreeMap<String, u64>,
    /// What the display had to skip.
    pub not_shown: NotShown,
}

impl fmt::Display for TapSummary {
    /// The summary as the text output prints it: `summary`, then one indented line per count,
    /// codes and statuses with their names; no final line break.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "summary")?;
        write!(out, "\n  connections: {}", self.connections)?;
        for (name, totals) in [("c2s", &self.c2s), ("s2c", &self.s2c)] {
            write!(
                out,
                "\n  {name}: {} frames, {} bytes, {} errors, {} gaps",
                totals.frames, totals.bytes, totals.errors, totals.gaps
            )?;
        }
        write!(out, "\n  responses by code:")?;
        for (code, n) in &self.responses_by_code {
            let name = code
                .parse()
                .ok()
                .and_then(|c: i32| ResponseStatusCode::from_i32(c).name())
                .unwrap_or("");
            write!(out, "\n    {code} {name}: {n}")?;
        }
        write!(out, "\n  closes by status:")?;
        for (status, n) in &self.closes_by_status {
            let name = status
                .parse()
                .ok()
                .and_then(|s: i32| SessionCloseStatus::from_i32(s).name())
                .unwrap_or("");
            write!(out, "\n    {status} {name}: {n}")?;
        }
        let not_shown = self.not_shown;
        write!(
            out,
            "\n  not shown (display behind): {} chunks, {} bytes, {} events",
            not_shown.chunks, not_shown.bytes, not_shown.events
        )
    }
}

/// The display's counts: frames, errors and gaps per direction, responses by code, closes by
/// status.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// By [`slot`].
    totals: [DirectionTotals; 2],
    responses: BTreeMap<Option<i32>, u64>,
    closes: BTreeMap<i32, u64>,
}

impl Tally {
    /// Counts a record of the frames `receiver` receives: an error, or a frame, and a
    /// response, heartbeat failure or close by its code or status.
    pub(super) fn frame(&mut self, receiver: RoleKind, record: &FrameRecord) {
        let totals = &mut self.totals[slot(receiver)];
        match &record.outcome {
            Outcome::Error(_) => {
                totals.errors += 1;
                return;
            }
            Outcome::Request(_) => {}
            Outcome::Notification(notification) => match notification.class {
                FrameClass::Response | FrameClass::HeartbeatFailure => {
                    let code = notification.code.map(ResponseStatusCode::as_i32);
                    *self.responses.entry(code).or_default() += 1;
                }
                FrameClass::Close => {
                    let status = notification
                        .close_status
                        .map_or(0, SessionCloseStatus::as_i32);
                    *self.closes.entry(status).or_default() += 1;
                }
                _ => {}
            },
        }
        totals.frames += 1;
    }

    /// Counts a gap in the frames `receiver` receives.
    pub(super) fn gap(&mut self, receiver: RoleKind) {
        self.totals[slot(receiver)].gaps += 1;
    }

    /// The summary of these counts and the copy loops'.
    pub(super) fn summary(&self, counters: &Counters) -> TapSummary {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let [mut c2s, mut s2c] = self.totals;
        c2s.bytes = load(&counters.bytes[slot(RoleKind::Gateway)]);
        s2c.bytes = load(&counters.bytes[slot(RoleKind::Client)]);
        TapSummary {
            connections: load(&counters.connections),
            c2s,
            s2c,
            responses_by_code: self
                .responses
                .iter()
                .map(|(code, n)| (code.map_or("none".to_owned(), |c| c.to_string()), *n))
                .collect(),
            closes_by_status: self
                .closes
                .iter()
                .map(|(status, n)| (status.to_string(), *n))
                .collect(),
            not_shown: NotShown {
                chunks: load(&counters.dropped_chunks),
                bytes: load(&counters.dropped_bytes),
                events: load(&counters.dropped_events),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use prost::Message;

    use super::*;
    use crate::inspect::{inspect_notification, inspect_request, FrameError};
    use crate::proto::{turms_request, CreateMessageRequest, TurmsNotification, TurmsRequest};

    const C2S: RoleKind = RoleKind::Gateway;
    const S2C: RoleKind = RoleKind::Client;

    fn notification(notification: TurmsNotification) -> FrameRecord {
        inspect_notification(0, Bytes::from(notification.encode_to_vec()))
    }

    fn response(code: Option<i32>) -> FrameRecord {
        notification(TurmsNotification {
            request_id: Some(1),
            code,
            ..Default::default()
        })
    }

    fn close(status: i32) -> FrameRecord {
        notification(TurmsNotification {
            close_status: Some(status),
            ..Default::default()
        })
    }

    fn request() -> FrameRecord {
        let request = TurmsRequest {
            request_id: Some(1),
            kind: Some(turms_request::Kind::CreateMessageRequest(
                CreateMessageRequest::default(),
            )),
            ..Default::default()
        };
        inspect_request(0, Bytes::from(request.encode_to_vec()))
    }

    fn error() -> FrameRecord {
        FrameRecord::failed(
            0,
            FrameError {
                layer: crate::inspect::ErrorLayer::Framing,
                kind: "varint_too_long",
                detail: String::new(),
            },
        )
    }

    fn counters() -> Counters {
        let counters = Counters::default();
        counters.connections.store(4, Ordering::Relaxed);
        counters.bytes[slot(C2S)].store(100, Ordering::Relaxed);
        counters.bytes[slot(S2C)].store(250, Ordering::Relaxed);
        counters.dropped_chunks.store(2, Ordering::Relaxed);
        counters.dropped_bytes.store(30, Ordering::Relaxed);
        counters.dropped_events.store(1, Ordering::Relaxed);
        counters
    }

    #[test]
    fn frames_errors_and_gaps_are_counted_per_direction() {
        let mut tally = Tally::default();
        for record in [request(), inspect_request(1, Bytes::new()), error()] {
            tally.frame(C2S, &record);
        }
        tally.gap(C2S);
        for record in [response(Some(1000)), inspect_notification(1, Bytes::new())] {
            tally.frame(S2C, &record);
        }
        tally.frame(S2C, &error());
        tally.frame(S2C, &error());
        tally.gap(S2C);
        tally.gap(S2C);
        let summary = tally.summary(&counters());
        assert_eq!(
            summary.c2s,
            DirectionTotals {
                frames: 2,
                bytes: 100,
                errors: 1,
                gaps: 1,
            }
        );
        assert_eq!(
            summary.s2c,
            DirectionTotals {
                frames: 2,
                bytes: 250,
                errors: 2,
                gaps: 2,
            }
        );
    }

    #[test]
    fn responses_are_counted_by_code_and_closes_by_status() {
        let mut tally = Tally::default();
        let heartbeat_failure = notification(TurmsNotification {
            request_id: Some(-100),
            code: Some(1100),
            ..Default::default()
        });
        let push = notification(TurmsNotification {
            requester_id: Some(8),
            relayed_request: Some(TurmsRequest::default()),
            ..Default::default()
        });
        let records = [
            response(Some(1000)),
            response(Some(1000)),
            response(Some(2011)),
            response(None),
            heartbeat_failure,
            close(500),
            close(500),
            close(200),
            push,
            inspect_notification(0, Bytes::new()),
            error(),
        ];
        for record in &records {
            tally.frame(S2C, record);
        }
        let summary = tally.summary(&Counters::default());
        let counts = |pairs: &[(&str, u64)]| {
            pairs
                .iter()
                .map(|(key, n)| (key.to_string(), *n))
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(
            summary.responses_by_code,
            counts(&[("1000", 2), ("1100", 1), ("2011", 1), ("none", 1)])
        );
        assert_eq!(summary.closes_by_status, counts(&[("200", 1), ("500", 2)]));
        // Every record but the error is a frame; pushes and acks count only as frames.
        assert_eq!(summary.s2c.frames, records.len() as u64 - 1);
        assert_eq!(summary.s2c.errors, 1);
        assert_eq!(summary.c2s, DirectionTotals::default());
    }

    #[test]
    fn the_summary_takes_the_copy_loops_counts() {
        let summary = Tally::default().summary(&counters());
        assert_eq!(summary.connections, 4);
        assert_eq!((summary.c2s.bytes, summary.s2c.bytes), (100, 250));
        assert_eq!(
            summary.not_shown,
            NotShown {
                chunks: 2,
                bytes: 30,
                events: 1,
            }
        );
        assert!(summary.responses_by_code.is_empty() && summary.closes_by_status.is_empty());
    }

    #[test]
    fn the_summary_text_names_codes_and_statuses() {
        let mut tally = Tally::default();
        for record in [response(Some(1000)), response(Some(7777)), close(500)] {
            tally.frame(S2C, &record);
        }
        tally.frame(C2S, &request());
        let text = tally.summary(&counters()).to_string();
        assert_eq!(
            text,
            "summary\n  connections: 4\n  c2s: 1 frames, 100 bytes, 0 errors, 0 gaps\n  \
             s2c: 3 frames, 250 bytes, 0 errors, 0 gaps\n  responses by code:\n    1000 OK: 1\n    \
             7777 : 1\n  closes by status:\n    500 DISCONNECTED_BY_CLIENT: 1\n  \
             not shown (display behind): 2 chunks, 30 bytes, 1 events"
        );
    }
}
