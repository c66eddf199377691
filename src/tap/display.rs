//! The display side of the tap: the loop that takes what the copy loops hand over, follows
//! each direction, pairs and counts its frames, and prints one line per event.
//!
//! It runs on its own thread, fed through a bounded queue: the copy loops never wait for it.
//! Whatever it could not be handed (the queue was full) is counted, and the direction it
//! belonged to is no longer decoded, since its frame boundaries are lost.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use serde_json::value::{to_raw_value, RawValue};
use serde_json::Value;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::Receiver;

use super::summary::{Counters, Tally, TapSummary};
use super::{slot, TapConfig};
use crate::frame::FrameClass;
use crate::inspect::{
    inspect_frame, ErrorLayer, FieldValue, FrameError, FrameRecord, Outcome, Record, RecordWriter,
};
use crate::pairing::{Paired, Pairing, Seen};
use crate::role::RoleKind;
use crate::transport::follow::{Fed, Follow, Item};
use crate::transport::{StreamError, TransportKind, WsItem};

/// Requests awaiting a response, per connection; the oldest are forgotten beyond this.
const MAX_PENDING_REQUESTS: usize = 4096;
/// Heartbeats awaiting an ack, per connection; the oldest are forgotten beyond this.
const MAX_PENDING_HEARTBEATS: usize = 256;

/// What the copy loops and the accept loop tell the display.
#[derive(Debug)]
pub(crate) enum Event {
    /// The listener is bound.
    Listening { addr: SocketAddr },
    /// A client connected (at `at`); its connection goes to `server`: the gateway's address,
    /// or the upstream as given when it could not be reached.
    Open {
        conn: u64,
        at: Instant,
        peer: SocketAddr,
        server: String,
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
    pairing: Pairing<Instant>,
}

/// Where the lines go.
///
/// Each event's fields are given in alphabetical order: the order its lines have always had
/// (they were built as `serde_json::Value`s, whose maps are sorted).
struct Output<W: Write> {
    writer: RecordWriter<BufWriter<W>>,
    /// Output failed (e.g. a closed pipe): keep draining and counting, stop printing.
    failed: bool,
}

impl<W: Write> Output<W> {
    fn write(&mut self, record: &Record<'_>) {
        if !self.failed && self.writer.write(record).is_err() {
            self.failed = true;
        }
    }

    fn flush(&mut self) {
        if !self.failed && self.writer.flush().is_err() {
            self.failed = true;
        }
    }
}

pub(crate) struct Display<W: Write> {
    out: Output<W>,
    transport: TransportKind,
    upstream: String,
    /// The largest frame each receiving end accepts, by [`slot`].
    limits: [usize; 2],
    /// The wall clock and the monotonic clock at the same moment, to date what happened.
    started: (SystemTime, Instant),
    conns: HashMap<u64, ConnState>,
    tally: Tally,
    counters: Arc<Counters>,
}

impl<W: Write> Display<W> {
    pub(crate) fn new(out: W, config: &TapConfig, counters: Arc<Counters>) -> Display<W> {
        Display {
            out: Output {
                writer: RecordWriter::new(BufWriter::new(out), config.format),
                failed: false,
            },
            transport: config.transport,
            upstream: config.upstream.clone(),
            limits: [RoleKind::Gateway, RoleKind::Client]
                .map(|receiver| config.limits_of(receiver).max_inbound_frame()),
            started: (SystemTime::now(), Instant::now()),
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
                    self.out.flush();
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
        self.out.flush();
        summary
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Listening { addr } => self.listening(addr),
            Event::Open {
                conn,
                at,
                peer,
                server,
            } => {
                self.conn(conn);
                let transport = self.transport.as_str();
                let text = format_args!("open from {peer} to {server} ({transport})");
                let record = Record::event("open", &text)
                    .at(self.time(at))
                    .conn(conn)
                    .field("peer", peer.to_string())
                    .field("server", server.as_str())
                    .field("transport", transport);
                self.out.write(&record);
            }
            Event::UpstreamFailed { conn, at, error } => {
                self.conns.remove(&conn);
                let upstream = self.upstream.as_str();
                let text = format_args!("upstream {upstream} unreachable: {error}");
                let record = Record::event("upstream_error", &text)
                    .at(self.time(at))
                    .conn(conn)
                    .field("error", error.as_str())
                    .field("upstream", upstream);
                self.out.write(&record);
            }
            Event::Data {
                conn,
                dir,
                at,
                bytes,
                dropped_before,
            } => self.data(conn, dir, at, bytes, dropped_before),
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
                pairing: Pairing::new(MAX_PENDING_REQUESTS, MAX_PENDING_HEARTBEATS),
            }
        })
    }

    fn data(&mut self, conn: u64, dir: RoleKind, at: Instant, bytes: Bytes, dropped: u64) {
        let d = slot(dir);
        let state = self.conn(conn);
        if state.follow[d].is_stopped() {
            return;
        }
        if dropped > 0 {
            state.follow[d].stop();
            self.tally.gap(dir);
            let text = format_args!(
                "gap: {dropped} bytes were forwarded but not shown; \
                 this direction is no longer decoded"
            );
            let record = Record::event("gap", &text)
                .at(self.time(at))
                .conn(conn)
                .dir(dir)
                .field("dropped_bytes", dropped);
            self.out.write(&record);
            return;
        }
        let mut fed = Fed::default();
        state.follow[d].feed(bytes, &mut fed);
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
            self.failure(conn, dir, at, framing_error(&error));
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
        let paired = state.pairing.frame(seen(&record.outcome), at);
        self.tally.frame(dir, &record);
        self.print_frame(at, conn, dir, &record, paired);
    }

    fn ws_item(&mut self, conn: u64, dir: RoleKind, at: Instant, item: WsItem) {
        let text;
        let record = match &item {
            WsItem::Head(start_line) => {
                text = format!("http {start_line}");
                Record::event("http", &text).field("start_line", start_line.as_str())
            }
            WsItem::Text(size) => {
                text = format!("websocket text message of {size} bytes (Turms ignores text)");
                Record::event("websocket_text", &text).field("size", *size)
            }
            WsItem::Close(Some((code, reason))) => {
                text = format!("websocket close {code} {reason:?}");
                Record::event("websocket_close", &text)
                    .field("code", *code)
                    .field("reason", reason.as_str())
            }
            WsItem::Close(None) => Record::event("websocket_close", &"websocket close")
                .field("code", FieldValue::Null)
                .field("reason", FieldValue::Null),
            WsItem::Binary(_) => unreachable!("binary messages are frames"),
        };
        self.out
            .write(&record.at(self.time(at)).conn(conn).dir(dir));
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
                self.data(conn, dir, at, Bytes::new(), undelivered[slot(dir)]);
            }
        }
        if let Some(mut state) = self.conns.remove(&conn) {
            // A direction that ended inside a frame: say so, as `decode` does at the end of
            // its input.
            for dir in [RoleKind::Gateway, RoleKind::Client] {
                if let Some(error) = state.follow[slot(dir)].finish() {
                    let record =
                        FrameRecord::failed(state.next_index[slot(dir)], framing_error(&error));
                    self.tally.frame(dir, &record);
                    self.print_frame(at, conn, dir, &record, None);
                }
            }
        }
        let text = format_args!("close ({} bytes c2s, {} bytes s2c)", bytes[0], bytes[1]);
        let record = Record::event("close", &text)
            .at(self.time(at))
            .conn(conn)
            .field("c2s_bytes", bytes[0])
            .field("peer", peer.to_string())
            .field("s2c_bytes", bytes[1]);
        self.out.write(&record);
    }

    // Output.

    /// The wall-clock time of a moment.
    fn time(&self, at: Instant) -> SystemTime {
        let (system, instant) = self.started;
        system + at.saturating_duration_since(instant)
    }

    fn listening(&mut self, addr: SocketAddr) {
        let transport = self.transport.as_str();
        let upstream = self.upstream.as_str();
        let text = format_args!("listening on {addr}, forwarding to {upstream} ({transport})");
        let record = Record::event("listening", &text)
            .at(SystemTime::now())
            .field("addr", addr.to_string())
            .field("transport", transport)
            .field("upstream", upstream);
        self.out.write(&record);
        // Whoever waits for the address should not wait for more traffic.
        self.out.flush();
    }

    fn print_frame(
        &mut self,
        at: Instant,
        conn: u64,
        dir: RoleKind,
        record: &FrameRecord,
        paired: Option<Paired<Instant>>,
    ) {
        let mut line = Record::frame(record).at(self.time(at)).conn(conn).dir(dir);
        if let Some(paired) = paired {
            line = line
                .request_kind(paired.request_kind)
                .latency(at.saturating_duration_since(paired.sent));
        }
        self.out.write(&line);
    }

    fn print_summary(&mut self, summary: &TapSummary) {
        // The summary line has always held its keys in alphabetical order, at every level, as
        // a `Value` keeps them.
        let fields = match serde_json::to_value(summary) {
            Ok(Value::Object(fields)) => fields,
            _ => Default::default(),
        };
        let raw: Vec<(&str, Box<RawValue>)> = fields
            .iter()
            .filter_map(|(key, value)| Some((key.as_str(), to_raw_value(value).ok()?)))
            .collect();
        let mut record = Record::event("summary", summary).at(SystemTime::now());
        for (key, value) in raw {
            record = record.field(key, value);
        }
        self.out.write(&record);
    }
}

/// What a record is to the pairing of answers with requests.
fn seen(outcome: &Outcome) -> Seen {
    match outcome {
        Outcome::Request(request) if request.is_heartbeat() => Seen::Heartbeat,
        Outcome::Request(request) => Seen::Request {
            id: request.request_id,
            kind: request.kind.and_then(|kind| kind.name()),
        },
        Outcome::Notification(notification) => match notification.class {
            FrameClass::Heartbeat | FrameClass::HeartbeatFailure => Seen::HeartbeatAnswer,
            FrameClass::Response => Seen::Response {
                id: notification.request_id,
            },
            _ => Seen::Other,
        },
        Outcome::Error(_) => Seen::Other,
    }
}

/// A stream error as a record's error: the framing layer (the stream ends).
fn framing_error(error: &StreamError) -> FrameError {
    FrameError {
        layer: ErrorLayer::Framing,
        kind: error.kind_name(),
        detail: error.to_string(),
    }
}

#[cfg(test)]
mod tests;
