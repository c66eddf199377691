//! The display side of the tap: decodes the copied bytes and prints one line per event.
//!
//! It runs on its own thread, fed through a bounded queue: the copy loops never wait for it.
//! Whatever it could not be handed (the queue was full) is counted, and the direction it
//! belonged to is no longer decoded, since its frame boundaries are lost.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{self, BufWriter, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::Receiver;
use tokio_util::codec::Decoder;

use super::{slot, OutputFormat, TapConfig};
use crate::codec::{Framing, Limits};
use crate::frame::FrameClass;
use crate::inspect::{inspect_frame, ErrorLayer, FrameError, FrameRecord, Outcome};
use crate::role::RoleKind;
use crate::status::{ResponseStatusCode, SessionCloseStatus};
use crate::transport::{TransportKind, WsItem, WsStreamError, WsStreamReader};

/// Requests awaiting a response, per connection; the oldest are forgotten beyond this.
const MAX_PENDING_REQUESTS: usize = 4096;
/// Heartbeats awaiting an ack, per connection.
const MAX_PENDING_HEARTBEATS: usize = 256;

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

/// Counts kept by the copy loops, shared with the display.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) connections: AtomicU64,
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

/// How one direction of a connection is being decoded.
#[derive(Debug)]
enum Follow {
    Tcp {
        framing: Framing,
        buf: BytesMut,
    },
    Ws(WsStreamReader),
    /// No longer decoded (an error, a gap, or a refused upgrade).
    Stopped,
}

#[derive(Debug)]
struct ConnState {
    follow: [Follow; 2],
    next_index: [u64; 2],
    pending: HashMap<i64, (Option<&'static str>, Instant)>,
    heartbeats: VecDeque<Instant>,
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
    totals: [DirectionTotals; 2],
    responses: BTreeMap<Option<i32>, u64>,
    closes: BTreeMap<i32, u64>,
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
            totals: Default::default(),
            responses: BTreeMap::new(),
            closes: BTreeMap::new(),
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
        let summary = self.summary();
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
            let follow = |dir: RoleKind| {
                let max = limits[slot(dir)];
                match transport {
                    TransportKind::Tcp => Follow::Tcp {
                        framing: Framing::new(Limits::new(max, max)),
                        buf: BytesMut::new(),
                    },
                    TransportKind::WebSocket => Follow::Ws(WsStreamReader::new(dir, max)),
                    // Refused by `Tap::bind`: the tap forwards connections.
                    TransportKind::Udp => Follow::Stopped,
                }
            };
            ConnState {
                follow: [follow(RoleKind::Gateway), follow(RoleKind::Client)],
                next_index: [0, 0],
                pending: HashMap::new(),
                heartbeats: VecDeque::new(),
            }
        })
    }

    fn data(&mut self, conn: u64, dir: RoleKind, at: Instant, bytes: &[u8], dropped: u64) {
        let d = slot(dir);
        let state = self.conn(conn);
        if matches!(state.follow[d], Follow::Stopped) {
            return;
        }
        if dropped > 0 {
            state.follow[d] = Follow::Stopped;
            self.totals[d].gaps += 1;
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
        let mut bodies = Vec::new();
        let mut failure = None;
        let mut upgrade_refused = false;
        match &mut state.follow[d] {
            Follow::Stopped => return,
            Follow::Tcp { framing, buf } => {
                buf.extend_from_slice(bytes);
                loop {
                    match framing.decode(buf) {
                        Ok(Some(body)) => bodies.push(Ok(body)),
                        Ok(None) => break,
                        Err(error) => {
                            failure = Some(FrameError::framing(&error));
                            break;
                        }
                    }
                }
            }
            Follow::Ws(ws) => {
                ws.extend(bytes);
                while let Some(item) = ws.next_item() {
                    match item {
                        Ok(WsItem::Binary(body)) => bodies.push(Ok(body)),
                        Ok(other) => bodies.push(Err(other)),
                        Err(error) => {
                            upgrade_refused = matches!(error, WsStreamError::UpgradeRefused(_));
                            failure = Some(ws_error(&error));
                            break;
                        }
                    }
                }
            }
        }
        if failure.is_some() {
            state.follow[d] = Follow::Stopped;
        }
        if upgrade_refused {
            // Whatever the client sends next is not WebSocket frames.
            state.follow[slot(RoleKind::Gateway)] = Follow::Stopped;
        }
        for body in bodies {
            match body {
                Ok(body) => self.frame(conn, dir, at, body),
                Err(item) => self.ws_item(conn, dir, at, item),
            }
        }
        if let Some(error) = failure {
            self.failure(conn, dir, at, error);
        }
    }

    /// Reports an error that ends the decoding of a direction, using up an index.
    fn failure(&mut self, conn: u64, dir: RoleKind, at: Instant, error: FrameError) {
        let d = slot(dir);
        let state = self.conn(conn);
        let index = state.next_index[d];
        state.next_index[d] += 1;
        self.totals[d].errors += 1;
        self.print_frame(at, conn, dir, &FrameRecord::failed(index, error), None);
    }

    fn frame(&mut self, conn: u64, dir: RoleKind, at: Instant, body: Bytes) {
        let d = slot(dir);
        let state = self.conn(conn);
        let index = state.next_index[d];
        state.next_index[d] += 1;
        let record = inspect_frame(dir, index, body);
        let mut paired = None;
        match &record.outcome {
            Outcome::Request(request) if request.is_heartbeat() => {
                if state.heartbeats.len() == MAX_PENDING_HEARTBEATS {
                    state.heartbeats.pop_front();
                }
                state.heartbeats.push_back(at);
            }
            Outcome::Request(request) => {
                if let Some(id) = request.request_id {
                    if state.pending.len() >= MAX_PENDING_REQUESTS {
                        forget_oldest(&mut state.pending);
                    }
                    state
                        .pending
                        .insert(id, (request.kind.and_then(|k| k.name()), at));
                }
            }
            Outcome::Notification(n) => {
                match n.class {
                    FrameClass::Heartbeat | FrameClass::HeartbeatFailure => {
                        paired = state
                            .heartbeats
                            .pop_front()
                            .map(|sent| (Some("heartbeat"), sent));
                    }
                    FrameClass::Response => {
                        paired = n.request_id.and_then(|id| state.pending.remove(&id));
                    }
                    _ => {}
                }
                match n.class {
                    FrameClass::Response | FrameClass::HeartbeatFailure => {
                        *self
                            .responses
                            .entry(n.code.map(ResponseStatusCode::as_i32))
                            .or_default() += 1;
                    }
                    FrameClass::Close => {
                        let status = n.close_status.map_or(0, SessionCloseStatus::as_i32);
                        *self.closes.entry(status).or_default() += 1;
                    }
                    _ => {}
                }
            }
            Outcome::Error(_) => {}
        }
        if record.is_error() {
            self.totals[d].errors += 1;
        } else {
            self.totals[d].frames += 1;
        }
        let pairing = paired.map(|(kind, sent)| (kind, at.saturating_duration_since(sent)));
        self.print_frame(at, conn, dir, &record, pairing);
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
                let error = match &mut state.follow[slot(dir)] {
                    Follow::Tcp { framing, buf } => match framing.decode_eof(buf) {
                        Err(error) => Some(FrameError::framing(&error)),
                        Ok(_) => None,
                    },
                    Follow::Ws(ws) if ws.buffered() > 0 => Some(FrameError {
                        layer: ErrorLayer::Framing,
                        kind: "truncated_frame",
                        detail: format!(
                            "connection closed inside a WebSocket frame ({} bytes pending)",
                            ws.buffered()
                        ),
                    }),
                    _ => None,
                };
                if let Some(error) = error {
                    let index = state.next_index[slot(dir)];
                    self.totals[slot(dir)].errors += 1;
                    self.print_frame(at, conn, dir, &FrameRecord::failed(index, error), None);
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

    fn summary(&self) -> TapSummary {
        let counters = &self.counters;
        let mut c2s = self.totals[0];
        let mut s2c = self.totals[1];
        c2s.bytes = counters.bytes[0].load(Ordering::Relaxed);
        s2c.bytes = counters.bytes[1].load(Ordering::Relaxed);
        TapSummary {
            connections: counters.connections.load(Ordering::Relaxed),
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
                chunks: counters.dropped_chunks.load(Ordering::Relaxed),
                bytes: counters.dropped_bytes.load(Ordering::Relaxed),
                events: counters.dropped_events.load(Ordering::Relaxed),
            },
        }
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
        paired: Option<(Option<&'static str>, Duration)>,
    ) {
        let time = self.time(at);
        let latency_ms = paired.map(|(_, latency)| latency.as_micros() as f64 / 1000.0);
        let request_kind = paired.and_then(|(kind, _)| kind);
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
            OutputFormat::Text => summary_text(summary),
        };
        self.write(|out| writeln!(out, "{text}"));
    }
}

fn ws_error(error: &WsStreamError) -> FrameError {
    FrameError {
        layer: ErrorLayer::Framing,
        kind: error.kind_name(),
        detail: error.to_string(),
    }
}

fn forget_oldest(pending: &mut HashMap<i64, (Option<&'static str>, Instant)>) {
    if let Some(oldest) = pending
        .iter()
        .min_by_key(|(_, (_, sent))| *sent)
        .map(|(id, _)| *id)
    {
        pending.remove(&oldest);
    }
}

/// `HH:MM:SS.ffffff` of an RFC 3339 time.
fn time_of_day(rfc3339: &str) -> &str {
    rfc3339.get(11..26).unwrap_or(rfc3339)
}

fn summary_text(summary: &TapSummary) -> String {
    let mut text = String::from("summary\n");
    let mut line = |s: String| {
        text.push_str("  ");
        text.push_str(&s);
        text.push('\n');
    };
    line(format!("connections: {}", summary.connections));
    for (name, totals) in [("c2s", &summary.c2s), ("s2c", &summary.s2c)] {
        line(format!(
            "{name}: {} frames, {} bytes, {} errors, {} gaps",
            totals.frames, totals.bytes, totals.errors, totals.gaps
        ));
    }
    line("responses by code:".to_owned());
    for (code, n) in &summary.responses_by_code {
        let name = code
            .parse()
            .ok()
            .and_then(|c: i32| ResponseStatusCode::from_i32(c).name())
            .unwrap_or("");
        line(format!("  {code} {name}: {n}"));
    }
    line("closes by status:".to_owned());
    for (status, n) in &summary.closes_by_status {
        let name = status
            .parse()
            .ok()
            .and_then(|s: i32| SessionCloseStatus::from_i32(s).name())
            .unwrap_or("");
        line(format!("  {status} {name}: {n}"));
    }
    let not_shown = summary.not_shown;
    line(format!(
        "not shown (display behind): {} chunks, {} bytes, {} events",
        not_shown.chunks, not_shown.bytes, not_shown.events
    ));
    text.pop();
    text
}

#[cfg(test)]
mod tests;
