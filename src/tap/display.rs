//! The display side of the tap: the loop that takes what the copy loops hand over, follows
//! each direction, pairs and counts its frames, and prints one line per event.
//!
//! It runs on its own thread, fed through a bounded queue: the copy loops never wait for it.
//! Whatever it could not be handed (the queue was full) is counted, and the direction it
//! belonged to is no longer decoded, since its frame boundaries are lost.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::Receiver;

use super::follow::{Follow, Item};
use super::pairing::{Paired, Pairing};
use super::summary::{Counters, Tally, TapSummary};
use super::{slot, OutputFormat, TapConfig};
use crate::inspect::{inspect_frame, FrameError, FrameRecord};
use crate::role::RoleKind;
use crate::transport::{TransportKind, WsItem};

/// What the copy loops and the accept loop tell the display.
#[derive(Debug)]
pub(crate) enum Event {
    /// The listener is bound.
    Listening { addr: SocketAddr },
    /// A client connected.
    Open {
        conn: u64,
        at: Instant,
        peer: SocketAddr,
    },
    /// The upstream could not be reached; the client was disconnected.
    UpstreamFailed {
        conn: u64,
        at: Instant,
        error: String,
    },
    /// Bytes copied in one direction. `dropped_before` bytes of this direction were copied
    /// since the last chunk the display was handed.
    Data {
        conn: u64,
        dir: RoleKind,
        at: Instant,
        bytes: Bytes,
        dropped_before: u64,
    },
    /// Both directions of a connection have ended. `undelivered` bytes of each direction
    /// were forwarded after the last chunk the display was handed.
    Close {
        conn: u64,
        at: Instant,
        peer: SocketAddr,
        bytes: [u64; 2],
        undelivered: [u64; 2],
    },
    /// Print the summary and stop.
    Finish,
}

/// What the display keeps of a connection.
#[derive(Debug)]
struct ConnState {
    /// By [`slot`].
    follow: [Follow; 2],
    /// The index of each direction's next record, by [`slot`].
    next_index: [u64; 2],
    pairing: Pairing,
}

/// A line for one frame: `decode`'s object with the connection, direction and timing.
#[derive(Serialize)]
struct FrameLine<'a> {
    time: &'a str,
    conn: u64,
    dir: &'static str,
    #[serde(flatten)]
    record: &'a FrameRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<f64>,
}

/// A line for anything else: `time`, `conn`, `dir`, `event`, then the event's own fields.
#[derive(Serialize)]
struct EventLine<'a> {
    time: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    conn: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dir: Option<&'static str>,
    event: &'a str,
    #[serde(flatten)]
    fields: Value,
}

pub(crate) struct Display<W: Write> {
    out: BufWriter<W>,
    /// Output failed (e.g. a closed pipe): keep draining and counting, stop printing.
    out_failed: bool,
    format: OutputFormat,
    transport: TransportKind,
    upstream: String,
    /// The largest frame each receiving end accepts, by [`slot`].
    limits: [usize; 2],
    started: (SystemTime, Instant),
    /// The last time printed: every frame of a chunk has the chunk's time.
    last_time: Option<(Instant, Arc<str>)>,
    conns: HashMap<u64, ConnState>,
    tally: Tally,
    counters: Arc<Counters>,
}

impl<W: Write> Display<W> {
    pub(crate) fn new(out: W, config: &TapConfig, counters: Arc<Counters>) -> Display<W> {
        Display {
            out: BufWriter::new(out),
            out_failed: false,
            format: config.format,
            transport: config.transport,
            upstream: config.upstream.clone(),
            limits: [RoleKind::Gateway, RoleKind::Client]
                .map(|receiver| config.limits_of(receiver).max_inbound_frame()),
            started: (SystemTime::now(), Instant::now()),
            last_time: None,
            conns: HashMap::new(),
            tally: Tally::default(),
            counters,
        }
    }

    /// Handles events until [`Event::Finish`] (or until every sender is gone), flushing the
    /// output whenever the queue is empty; then prints the summary.
    pub(crate) fn run(mut self, mut events: Receiver<Event>) -> TapSummary {
        loop {
            let event = match events.try_recv() {
                Ok(event) => event,
                Err(TryRecvError::Empty) => {
                    self.flush();
                    match events.blocking_recv() {
                        Some(event) => event,
                        None => break,
                    }
                }
                Err(TryRecvError::Disconnected) => break,
            };
            if let Event::Finish = event {
                break;
            }
            self.handle(event);
        }
        let summary = self.tally.summary(&self.counters);
        self.print_summary(&summary);
        self.flush();
        summary
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Listening { addr } => self.listening(addr),
            Event::Open { conn, at, peer } => {
                self.conn(conn);
                self.event(
                    at,
                    conn,
                    None,
                    "open",
                    json!({ "peer": peer.to_string() }),
                    || format!("open from {peer}"),
                );
            }
            Event::UpstreamFailed { conn, at, error } => {
                self.conns.remove(&conn);
                let upstream = self.upstream.clone();
                self.event(
                    at,
                    conn,
                    None,
                    "upstream_error",
                    json!({ "upstream": upstream, "error": error }),
                    || format!("upstream {upstream} unreachable: {error}"),
                );
            }
            Event::Data {
                conn,
                dir,
                at,
                bytes,
                dropped_before,
            } => self.data(conn, dir, at, &bytes, dropped_before),
            Event::Close {
                conn,
                at,
                peer,
                bytes,
                undelivered,
            } => self.close(conn, at, peer, bytes, undelivered),
            Event::Finish => {}
        }
    }

    fn conn(&mut self, conn: u64) -> &mut ConnState {
        let transport = self.transport;
        let limits = self.limits;
        self.conns.entry(conn).or_insert_with(|| {
            let follow = |dir: RoleKind| Follow::new(transport, dir, limits[slot(dir)]);
            ConnState {
                follow: [follow(RoleKind::Gateway), follow(RoleKind::Client)],
                next_index: [0, 0],
                pairing: Pairing::default(),
            }
        })
    }

    fn data(&mut self, conn: u64, dir: RoleKind, at: Instant, bytes: &[u8], dropped: u64) {
        let d = slot(dir);
        let state = self.conn(conn);
        if state.follow[d].is_stopped() {
            return;
        }
        if dropped > 0 {
            state.follow[d].stop();
            self.tally.gap(dir);
            self.event(
                at,
                conn,
                Some(dir),
                "gap",
                json!({ "dropped_bytes": dropped }),
                || {
                    format!(
                        "gap: {dropped} bytes were forwarded but not shown; \
                         this direction is no longer decoded"
                    )
                },
            );
            return;
        }
        let fed = state.follow[d].feed(bytes);
        if fed.upgrade_refused {
            // Whatever the client sends next is not WebSocket frames.
            state.follow[slot(RoleKind::Gateway)].stop();
        }
        for item in fed.items {
            match item {
                Item::Frame(body) => self.frame(conn, dir, at, body),
                Item::Ws(item) => self.ws_item(conn, dir, at, item),
            }
        }
        if let Some(error) = fed.failure {
            self.failure(conn, dir, at, error);
        }
    }

    /// Reports an error that ends the decoding of a direction, using up an index.
    fn failure(&mut self, conn: u64, dir: RoleKind, at: Instant, error: FrameError) {
        let state = self.conn(conn);
        let index = state.next_index[slot(dir)];
        state.next_index[slot(dir)] += 1;
        let record = FrameRecord::failed(index, error);
        self.tally.frame(dir, &record);
        self.print_frame(at, conn, dir, &record, None);
    }

    fn frame(&mut self, conn: u64, dir: RoleKind, at: Instant, body: Bytes) {
        let state = self.conn(conn);
        let index = state.next_index[slot(dir)];
        state.next_index[slot(dir)] += 1;
        let record = inspect_frame(dir, index, body);
        let paired = state.pairing.frame(&record.outcome, at);
        self.tally.frame(dir, &record);
        self.print_frame(at, conn, dir, &record, paired);
    }

    fn ws_item(&mut self, conn: u64, dir: RoleKind, at: Instant, item: WsItem) {
        match item {
            WsItem::Head(line) => self.event(
                at,
                conn,
                Some(dir),
                "http",
                json!({ "start_line": line }),
                || format!("http {line}"),
            ),
            WsItem::Text(len) => self.event(
                at,
                conn,
                Some(dir),
                "websocket_text",
                json!({ "size": len }),
                || format!("websocket text message of {len} bytes (Turms ignores text)"),
            ),
            WsItem::Close(close) => {
                let (code, reason) = match &close {
                    Some((code, reason)) => (Some(*code), Some(reason.as_str())),
                    None => (None, None),
                };
                self.event(
                    at,
                    conn,
                    Some(dir),
                    "websocket_close",
                    json!({ "code": code, "reason": reason }),
                    || match &close {
                        Some((code, reason)) => format!("websocket close {code} {reason:?}"),
                        None => "websocket close".to_owned(),
                    },
                )
            }
            WsItem::Binary(_) => unreachable!("binary messages are frames"),
        }
    }

    fn close(
        &mut self,
        conn: u64,
        at: Instant,
        peer: SocketAddr,
        bytes: [u64; 2],
        undelivered: [u64; 2],
    ) {
        for dir in [RoleKind::Gateway, RoleKind::Client] {
            if undelivered[slot(dir)] > 0 {
                // Bytes the display never got, at the end: a gap, not a truncated stream.
                self.data(conn, dir, at, &[], undelivered[slot(dir)]);
            }
        }
        if let Some(mut state) = self.conns.remove(&conn) {
            // A direction that ended inside a frame: say so, as `decode` does at the end of
            // its input.
            for dir in [RoleKind::Gateway, RoleKind::Client] {
                if let Some(error) = state.follow[slot(dir)].finish() {
                    let record = FrameRecord::failed(state.next_index[slot(dir)], error);
                    self.tally.frame(dir, &record);
                    self.print_frame(at, conn, dir, &record, None);
                }
            }
        }
        self.event(
            at,
            conn,
            None,
            "close",
            json!({ "peer": peer.to_string(), "c2s_bytes": bytes[0], "s2c_bytes": bytes[1] }),
            || format!("close ({} bytes c2s, {} bytes s2c)", bytes[0], bytes[1]),
        );
    }

    // Output.

    fn time(&mut self, at: Instant) -> Arc<str> {
        if let Some((last, time)) = &self.last_time {
            if *last == at {
                return Arc::clone(time);
            }
        }
        let (system, instant) = self.started;
        let when = system + at.saturating_duration_since(instant);
        let time: Arc<str> = humantime::format_rfc3339_micros(when).to_string().into();
        self.last_time = Some((at, Arc::clone(&time)));
        time
    }

    fn write(&mut self, write: impl FnOnce(&mut BufWriter<W>) -> io::Result<()>) {
        if self.out_failed {
            return;
        }
        if write(&mut self.out).is_err() {
            self.out_failed = true;
        }
    }

    fn flush(&mut self) {
        self.write(|out| out.flush());
    }

    fn listening(&mut self, addr: SocketAddr) {
        let transport = self.transport.as_str();
        let time = self.time(Instant::now());
        let line = match self.format {
            OutputFormat::Json => serde_json::to_string(&EventLine {
                time: &time,
                conn: None,
                dir: None,
                event: "listening",
                fields: json!({
                    "addr": addr.to_string(),
                    "upstream": self.upstream,
                    "transport": transport,
                }),
            })
            .unwrap_or_default(),
            OutputFormat::Text => format!(
                "listening on {addr}, forwarding to {} ({transport})",
                self.upstream
            ),
        };
        self.write(|out| writeln!(out, "{line}"));
        // Whoever waits for the address should not wait for more traffic.
        self.flush();
    }

    /// Prints an event: `fields` are added to `time`, `conn`, `dir` and `event` in JSON; the
    /// text form is `text()`.
    fn event(
        &mut self,
        at: Instant,
        conn: u64,
        dir: Option<RoleKind>,
        name: &str,
        fields: Value,
        text: impl FnOnce() -> String,
    ) {
        let time = self.time(at);
        let line = match self.format {
            OutputFormat::Json => {
                let line = EventLine {
                    time: &time,
                    conn: Some(conn),
                    dir: dir.map(RoleKind::inbound_direction),
                    event: name,
                    fields,
                };
                serde_json::to_string(&line).unwrap_or_default()
            }
            OutputFormat::Text => {
                let dir = dir.map_or(String::new(), |d| format!(" {}", d.inbound_direction()));
                format!("{} #{conn}{dir} {}", time_of_day(&time), text())
            }
        };
        self.write(|out| writeln!(out, "{line}"));
    }

    fn print_frame(
        &mut self,
        at: Instant,
        conn: u64,
        dir: RoleKind,
        record: &FrameRecord,
        paired: Option<Paired>,
    ) {
        let time = self.time(at);
        let latency_ms = paired.map(|paired| paired.latency_ms());
        let request_kind = paired.and_then(|paired| paired.request_kind);
        match self.format {
            OutputFormat::Json => {
                let line = FrameLine {
                    time: &time,
                    conn,
                    dir: dir.inbound_direction(),
                    record,
                    request_kind,
                    latency_ms,
                };
                self.write(|out| {
                    serde_json::to_writer(&mut *out, &line)?;
                    out.write_all(b"\n")
                });
            }
            OutputFormat::Text => {
                let pairing = match (request_kind, latency_ms) {
                    (Some(kind), Some(ms)) => format!(" <- {kind} after {ms:.3} ms"),
                    (None, Some(ms)) => format!(" <- request after {ms:.3} ms"),
                    _ => String::new(),
                };
                let time = time_of_day(&time);
                self.write(|out| {
                    writeln!(
                        out,
                        "{time} #{conn} {} {record}{pairing}",
                        dir.inbound_direction()
                    )
                });
            }
        }
    }

    fn print_summary(&mut self, summary: &TapSummary) {
        let time = self.time(Instant::now());
        let text = match self.format {
            OutputFormat::Json => {
                let line = EventLine {
                    time: &time,
                    conn: None,
                    dir: None,
                    event: "summary",
                    fields: serde_json::to_value(summary).unwrap_or_default(),
                };
                serde_json::to_string(&line).unwrap_or_default()
            }
            OutputFormat::Text => summary.to_string(),
        };
        self.write(|out| writeln!(out, "{text}"));
    }
}

/// `HH:MM:SS.ffffff` of an RFC 3339 time.
fn time_of_day(rfc3339: &str) -> &str {
    rfc3339.get(11..26).unwrap_or(rfc3339)
}

#[cfg(test)]
mod tests;
