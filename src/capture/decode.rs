//! The decoding layer: a capture's connections as Turms frames, UDP datagrams and events.

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

use super::preamble::ProxyHeader;
use super::stream::{Direction, Out};
use super::summary::DecodeSummary;
use super::udp::Datagram;
use super::{
    CaptureConfig, CaptureError, CaptureReader, CloseHow, ConnId, Event, EventKind, RoleKind,
    Timestamp, TransportKind,
};
use crate::frame::{ClientFrame, FrameClass, MalformedFrame, ServerFrame};
use crate::pairing::{Pairing, Seen};
use crate::role::{Client, Gateway, Role};
use crate::transport::{StreamError, WsItem};
use crate::udp::{UdpError, UdpSignalReply};

/// Requests awaiting a response, per connection; the oldest are forgotten beyond this.
pub const MAX_PENDING_REQUESTS: usize = 1024;
/// Heartbeats awaiting an ack, per connection; the oldest are forgotten beyond this.
pub const MAX_PENDING_HEARTBEATS: usize = 64;

/// What to decode from a capture: the reader's settings (ports, resynchronisation, buffering
/// caps) and the largest frame each end accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeConfig {
    /// Ports, resynchronisation and the reassembly caps.
    pub capture: CaptureConfig,
    /// The largest frame a client sends that is decoded (the gateway's limit, 16 KiB by
    /// default); a longer one ends the decoding of that direction.
    pub max_request_frame: usize,
    /// The largest frame the gateway sends that is decoded (the client's limit, 8 MiB).
    pub max_notification_frame: usize,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        DecodeConfig {
            capture: CaptureConfig::default(),
            max_request_frame: RoleKind::Gateway.limits().max_inbound_frame(),
            max_notification_frame: RoleKind::Client.limits().max_inbound_frame(),
        }
    }
}

impl DecodeConfig {
    /// The largest frame the end `receiver` receives.
    pub fn max_frame(&self, receiver: RoleKind) -> usize {
        match receiver {
            RoleKind::Gateway => self.max_request_frame,
            RoleKind::Client => self.max_notification_frame,
        }
    }
}

/// A frame, classified as the end that received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Classified {
    /// What a client receives (a `TurmsNotification`, or a heartbeat ack).
    Server(ServerFrame),
    /// What the gateway receives (a `TurmsRequest`, or a heartbeat).
    Client(ClientFrame),
}

impl Classified {
    /// The frame's class.
    pub fn class(&self) -> FrameClass {
        match self {
            Classified::Server(frame) => frame.class(),
            Classified::Client(frame) => frame.class(),
        }
    }

    /// The whole frame body.
    pub fn bytes(&self) -> &Bytes {
        match self {
            Classified::Server(frame) => frame.bytes(),
            Classified::Client(frame) => frame.bytes(),
        }
    }
}

/// What a response answers, when its request (or heartbeat) was captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The request's kind (`heartbeat` for a heartbeat ack or failure); `None` for a request
    /// without a kind.
    pub request_kind: Option<&'static str>,
    /// From the packet that completed the request to the one that completed the response;
    /// `None` when either has no timestamp (a pcapng Simple Packet Block before any).
    pub latency: Option<Duration>,
}

/// One frame of a TCP or WebSocket connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedFrame {
    /// Its position among the frames of its connection and direction, from 0 (an error uses
    /// up a number too).
    pub index: u64,
    /// The frame, or its bytes and why its envelope does not classify.
    pub frame: Result<Classified, MalformedFrame>,
    /// It follows a frame boundary found again after a hole or an uncaptured start (every
    /// later frame of the direction is marked too).
    pub resynced: bool,
    /// What it answers, if it is a response (or heartbeat ack) whose request was captured.
    pub answers: Option<Answer>,
}

/// One UDP signal datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedDatagram {
    /// Its position among the datagrams of its address pair and direction, from 0.
    pub index: u64,
    /// The datagram read, or why it is not a valid one.
    pub datagram: Result<Datagram, UdpError>,
    /// Its payload.
    pub bytes: Bytes,
}

/// What a decoded capture is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodedKind {
    /// A connection (or UDP address pair) seen for the first time; before any other record of
    /// it.
    Open {
        /// The client's address.
        peer: SocketAddr,
        /// The server's address.
        server: SocketAddr,
        /// TCP, WebSocket or UDP, by the server port.
        transport: TransportKind,
    },
    /// A frame.
    Frame(CapturedFrame),
    /// A UDP datagram.
    Datagram(CapturedDatagram),
    /// The direction cannot be read further (a broken length prefix or WebSocket frame, or
    /// the connection ended inside a frame): every frame before it was given.
    StreamError {
        /// The index it uses up.
        index: u64,
        /// What went wrong.
        error: StreamError,
    },
    /// The HTTP upgrade of a WebSocket connection: the request line (`c2s`) or the status
    /// line (`s2c`).
    Http {
        /// The first line of the head.
        start_line: String,
    },
    /// A WebSocket text message (Turms ignores them), by its length.
    WebSocketText {
        /// Its length in bytes.
        size: usize,
    },
    /// A WebSocket close frame.
    WebSocketClose {
        /// Its status code, if it carries one.
        code: Option<u16>,
        /// Its reason, if it carries a code.
        reason: Option<String>,
    },
    /// Bytes of the direction were never captured. Without resynchronisation nothing more of
    /// it is decoded (a frame the hole cuts is not shown).
    Gap {
        /// How many.
        missing_bytes: u64,
    },
    /// The connection's start was not captured: where frames begin is unknown. Without
    /// resynchronisation it is not decoded.
    StartNotCaptured,
    /// The client's first bytes are a TLS ClientHello: the connection is not decoded.
    Tls,
    /// A PROXY protocol header at the start of the client's bytes, skipped.
    Proxy(ProxyHeader),
    /// After a hole or an uncaptured start, a frame boundary was found (`found`), or the
    /// direction ended before one was.
    Resync {
        /// Bytes passed over (from the hole, or the first byte captured, to the boundary).
        skipped_bytes: u64,
        /// Whether a boundary was found.
        found: bool,
    },
    /// The connection ended; its state is freed.
    Close {
        /// Bytes captured client to server (stream bytes, or datagram payloads).
        c2s_bytes: u64,
        /// Bytes captured server to client.
        s2c_bytes: u64,
        /// Why it ended.
        how: CloseHow,
    },
    /// The capture could not be read further (truncated, malformed, unreadable); the open
    /// connections close next, then the summary.
    Error(CaptureError),
    /// The last record: what the whole decode counted.
    End(Box<DecodeSummary>),
}

/// One record of a decoded capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The capture time of the packet that completed it (`None` before any timestamp on a
    /// pcapng Simple Packet Block's interface).
    pub time: Option<Timestamp>,
    /// The connection it belongs to (`None` for an error of the capture and the summary).
    pub conn: Option<ConnId>,
    /// Its direction, by the end that received it, if it has one.
    pub dir: Option<RoleKind>,
    /// What it is.
    pub kind: DecodedKind,
}

impl Decoded {
    /// The class of a frame or datagram (`response`, `udp_request`, …); `error` for a frame
    /// or datagram that failed; `None` for events.
    pub fn class_name(&self) -> Option<&'static str> {
        match &self.kind {
            DecodedKind::Frame(frame) => Some(match &frame.frame {
                Ok(classified) => classified.class().as_str(),
                Err(_) => "error",
            }),
            DecodedKind::Datagram(datagram) => Some(match &datagram.datagram {
                Ok(read) => read.class_name(),
                Err(_) => "error",
            }),
            DecodedKind::StreamError { .. } => Some("error"),
            _ => None,
        }
    }
}

/// What is kept of a connection while it is open.
#[derive(Debug)]
struct Conn {
    /// By [`side`].
    dirs: [Direction; 2],
    next_index: [u64; 2],
    pairing: Pairing<Option<Timestamp>>,
    /// Counted among the connections not (wholly) decoded.
    not_decoded: bool,
}

fn side(dir: RoleKind) -> usize {
    match dir {
        RoleKind::Gateway => 0,
        RoleKind::Client => 1,
    }
}

const DIRS: [RoleKind; 2] = [RoleKind::Gateway, RoleKind::Client];

/// Decodes a capture read from any [`Read`] into [`Decoded`] records, as they become complete
/// (an `Iterator`); the last one is [`DecodedKind::End`].
///
/// Memory: the reader's (see the module documentation), plus per open connection a few
/// hundred bytes, what awaits an answer (at most [`MAX_PENDING_REQUESTS`] requests and
/// [`MAX_PENDING_HEARTBEATS`] heartbeats), and per direction the start of a frame not yet
/// complete (at most the receiving end's limit) or, while looking for a boundary, a window of
/// at most 1 MiB. All of it is freed when the connection closes.
///
/// [`DecodedStream`](super::DecodedStream) is the same decoder for an `AsyncRead`.
pub struct CaptureDecoder<R> {
    reader: CaptureReader<R>,
    decoding: Decoding,
}

impl<R: Read> CaptureDecoder<R> {
    /// Reads the capture's header.
    pub fn new(input: R, config: DecodeConfig) -> Result<Self, CaptureError> {
        let decoding = Decoding::new(&config);
        Ok(CaptureDecoder {
            reader: CaptureReader::new(input, config.capture)?,
            decoding,
        })
    }
}

impl<R> CaptureDecoder<R> {
    /// The reader underneath (its format, its counters so far).
    pub fn reader(&self) -> &CaptureReader<R> {
        &self.reader
    }

    /// Connections whose state is held now.
    pub fn live_connections(&self) -> usize {
        self.decoding.conns.len()
    }

    /// Bytes held now by the decoding layer: starts of frames not complete yet, and the
    /// windows of boundary searches (the reader's own buffering is
    /// [`CaptureReader::buffered_bytes`]).
    pub fn held_bytes(&self) -> usize {
        self.decoding.held_bytes()
    }
}

/// The decoder without its reader: events in, records out.
pub(super) struct Decoding {
    limits: [usize; 2],
    conns: HashMap<ConnId, Conn>,
    queue: VecDeque<Decoded>,
    summary: DecodeSummary,
    out: Vec<Out>,
}

impl Decoding {
    pub(super) fn new(config: &DecodeConfig) -> Self {
        Decoding {
            limits: DIRS.map(|dir| config.max_frame(dir)),
            conns: HashMap::new(),
            queue: VecDeque::new(),
            summary: DecodeSummary::default(),
            out: Vec::new(),
        }
    }

    /// The next record of the events handled so far.
    pub(super) fn pop(&mut self) -> Option<Decoded> {
        self.queue.pop_front()
    }

    pub(super) fn live_connections(&self) -> usize {
        self.conns.len()
    }

    pub(super) fn held_bytes(&self) -> usize {
        self.conns
            .values()
            .flat_map(|conn| conn.dirs.iter().map(Direction::buffered))
            .sum()
    }

    fn push(
        &mut self,
        time: Option<Timestamp>,
        conn: ConnId,
        dir: Option<RoleKind>,
        kind: DecodedKind,
    ) {
        self.queue.push_back(Decoded {
            time,
            conn: Some(conn),
            dir,
            kind,
        });
    }

    /// Turns an event of the reader into records.
    pub(super) fn handle(&mut self, event: Event) {
        let time = event.time;
        match event.kind {
            EventKind::Open {
                conn,
                peer,
                server,
                transport,
            } => {
                let dirs = DIRS.map(|dir| Direction::new(transport, dir, self.limits[side(dir)]));
                self.conns.insert(
                    conn,
                    Conn {
                        dirs,
                        next_index: [0; 2],
                        pairing: Pairing::new(MAX_PENDING_REQUESTS, MAX_PENDING_HEARTBEATS),
                        not_decoded: false,
                    },
                );
                *self
                    .summary
                    .connections_by_transport
                    .entry(transport.as_str())
                    .or_default() += 1;
                self.push(
                    time,
                    conn,
                    None,
                    DecodedKind::Open {
                        peer,
                        server,
                        transport,
                    },
                );
            }
            EventKind::Data {
                conn,
                dir,
                bytes,
                after_gap,
            } => {
                let mut out = std::mem::take(&mut self.out);
                if let Some(state) = self.conns.get_mut(&conn) {
                    state.dirs[side(dir)].feed(bytes, after_gap, &mut out);
                }
                self.outs(time, conn, dir, &mut out);
                self.out = out;
            }
            EventKind::Gap {
                conn,
                dir,
                missing_bytes,
            } => {
                if let Some(state) = self.conns.get_mut(&conn) {
                    // With resynchronisation, the bytes after the hole come flagged and
                    // start a search; without, nothing more comes.
                    state.dirs[side(dir)].stop();
                }
                self.push(time, conn, Some(dir), DecodedKind::Gap { missing_bytes });
            }
            EventKind::StartNotCaptured { conn } => {
                self.push(time, conn, None, DecodedKind::StartNotCaptured);
            }
            EventKind::Datagram { conn, dir, bytes } => self.datagram(time, conn, dir, bytes),
            EventKind::Close {
                conn,
                c2s_bytes,
                s2c_bytes,
                how,
            } => {
                let mut out = std::mem::take(&mut self.out);
                for dir in DIRS {
                    if let Some(state) = self.conns.get_mut(&conn) {
                        state.dirs[side(dir)].finish(&mut out);
                    }
                    self.outs(time, conn, dir, &mut out);
                }
                self.out = out;
                self.conns.remove(&conn);
                *self
                    .summary
                    .connections_ended
                    .entry(how.as_str())
                    .or_default() += 1;
                self.push(
                    time,
                    conn,
                    None,
                    DecodedKind::Close {
                        c2s_bytes,
                        s2c_bytes,
                        how,
                    },
                );
            }
            EventKind::Error(error) => {
                self.summary.capture_error = Some(error.clone());
                self.queue.push_back(Decoded {
                    time,
                    conn: None,
                    dir: None,
                    kind: DecodedKind::Error(error),
                });
            }
            EventKind::End(capture) => {
                let mut summary = std::mem::take(&mut self.summary);
                let reader_counts = [
                    ("start_not_captured", capture.not_decoded.start_not_captured),
                    ("stopped_at_gap", capture.not_decoded.stopped_at_gap),
                ];
                for (why, n) in reader_counts {
                    if n > 0 {
                        *summary.not_decoded.entry(why).or_default() += n;
                    }
                }
                summary.capture = *capture;
                self.queue.push_back(Decoded {
                    time,
                    conn: None,
                    dir: None,
                    kind: DecodedKind::End(Box::new(summary)),
                });
            }
        }
    }

    /// Turns what a direction made into records.
    fn outs(&mut self, time: Option<Timestamp>, conn: ConnId, dir: RoleKind, out: &mut Vec<Out>) {
        for item in out.drain(..) {
            let kind = match item {
                Out::Frame(body) => self.frame(time, conn, dir, body),
                Out::Ws(item) => ws_item(item),
                Out::Proxy(header) => {
                    self.summary.proxy_headers += 1;
                    DecodedKind::Proxy(header)
                }
                Out::Tls => {
                    if let Some(state) = self.conns.get_mut(&conn) {
                        for direction in &mut state.dirs {
                            direction.stop();
                        }
                        state.not_decoded = true;
                    }
                    self.summary.add_not_decoded("tls");
                    DecodedKind::Tls
                }
                Out::Resync { skipped, found } => {
                    if found {
                        self.summary.resyncs += 1;
                    } else {
                        self.not_decoded(conn, "no_boundary_found");
                    }
                    DecodedKind::Resync {
                        skipped_bytes: skipped,
                        found,
                    }
                }
                Out::Failure(error) => {
                    let index = self.next_index(conn, dir);
                    *self.summary.errors.entry("framing").or_default() += 1;
                    self.summary.frames.add(dir);
                    DecodedKind::StreamError { index, error }
                }
                Out::UpgradeRefused => {
                    // What the client sends next is not WebSocket frames either.
                    if let Some(state) = self.conns.get_mut(&conn) {
                        state.dirs[side(RoleKind::Gateway)].stop();
                    }
                    continue;
                }
            };
            self.push(time, conn, Some(dir), kind);
        }
    }

    fn not_decoded(&mut self, conn: ConnId, why: &'static str) {
        if let Some(state) = self.conns.get_mut(&conn) {
            if !std::mem::replace(&mut state.not_decoded, true) {
                self.summary.add_not_decoded(why);
            }
        }
    }

    fn next_index(&mut self, conn: ConnId, dir: RoleKind) -> u64 {
        let Some(state) = self.conns.get_mut(&conn) else {
            return 0;
        };
        let index = state.next_index[side(dir)];
        state.next_index[side(dir)] += 1;
        index
    }

    fn frame(
        &mut self,
        time: Option<Timestamp>,
        conn: ConnId,
        dir: RoleKind,
        body: Bytes,
    ) -> DecodedKind {
        let frame = match dir {
            RoleKind::Client => Client::classify(body).map(Classified::Server),
            RoleKind::Gateway => Gateway::classify(body).map(Classified::Client),
        };
        let summary = &mut self.summary;
        summary.frames.add(dir);
        match &frame {
            Ok(classified) => {
                *summary
                    .classes
                    .entry(classified.class().as_str())
                    .or_default() += 1;
                if let Classified::Server(
                    ServerFrame::Response(response) | ServerFrame::HeartbeatFailure(response),
                ) = classified
                {
                    let code = response.code().map(|code| code.as_i32());
                    *summary.responses_by_code.entry(code).or_default() += 1;
                }
                if let Classified::Server(ServerFrame::Close(close)) = classified {
                    *summary
                        .closes_by_status
                        .entry(close.status().as_i32())
                        .or_default() += 1;
                }
            }
            Err(_) => *summary.errors.entry("message").or_default() += 1,
        }
        let Some(state) = self.conns.get_mut(&conn) else {
            // Frames come from open connections only.
            return DecodedKind::Frame(CapturedFrame {
                index: 0,
                frame,
                resynced: false,
                answers: None,
            });
        };
        let index = state.next_index[side(dir)];
        state.next_index[side(dir)] += 1;
        let answers = state
            .pairing
            .frame(seen(&frame), time)
            .map(|paired| Answer {
                request_kind: paired.request_kind,
                latency: match (paired.sent, time) {
                    (Some(sent), Some(now)) => Some(Duration::from_micros(
                        (now.as_micros() - sent.as_micros()).max(0) as u64,
                    )),
                    _ => None,
                },
            });
        DecodedKind::Frame(CapturedFrame {
            index,
            frame,
            resynced: state.dirs[side(dir)].resynced(),
            answers,
        })
    }

    fn datagram(&mut self, time: Option<Timestamp>, conn: ConnId, dir: RoleKind, bytes: Bytes) {
        let datagram = Datagram::read(dir, &bytes);
        self.summary.datagrams.add(dir);
        match &datagram {
            Ok(read) => {
                *self.summary.classes.entry(read.class_name()).or_default() += 1;
                if let Datagram::Reply(UdpSignalReply::Code(code)) = read {
                    *self
                        .summary
                        .responses_by_code
                        .entry(Some(code.as_i32()))
                        .or_default() += 1;
                }
            }
            Err(_) => *self.summary.errors.entry("udp").or_default() += 1,
        }
        let index = self.next_index(conn, dir);
        self.push(
            time,
            conn,
            Some(dir),
            DecodedKind::Datagram(CapturedDatagram {
                index,
                datagram,
                bytes,
            }),
        );
    }
}

impl<R: Read> Iterator for CaptureDecoder<R> {
    type Item = Decoded;

    fn next(&mut self) -> Option<Decoded> {
        loop {
            if let Some(decoded) = self.decoding.pop() {
                return Some(decoded);
            }
            let event = self.reader.next()?;
            self.decoding.handle(event);
        }
    }
}

impl<R> std::fmt::Debug for CaptureDecoder<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureDecoder")
            .field("reader", &self.reader)
            .field("live_connections", &self.decoding.live_connections())
            .finish_non_exhaustive()
    }
}

/// What a frame is to the pairing of answers with requests.
fn seen(frame: &Result<Classified, MalformedFrame>) -> Seen {
    match frame {
        Ok(Classified::Client(ClientFrame::Heartbeat)) => Seen::Heartbeat,
        Ok(Classified::Client(ClientFrame::Request(request))) => Seen::Request {
            id: request.request_id(),
            kind: request.kind().and_then(|kind| kind.name()),
        },
        Ok(Classified::Server(ServerFrame::HeartbeatAck | ServerFrame::HeartbeatFailure(_))) => {
            Seen::HeartbeatAnswer
        }
        Ok(Classified::Server(ServerFrame::Response(response))) => Seen::Response {
            id: Some(response.request_id()),
        },
        _ => Seen::Other,
    }
}

fn ws_item(item: WsItem) -> DecodedKind {
    match item {
        WsItem::Head(start_line) => DecodedKind::Http { start_line },
        WsItem::Text(size) => DecodedKind::WebSocketText { size },
        WsItem::Close(close) => {
            let (code, reason) =
                close.map_or((None, None), |(code, reason)| (Some(code), Some(reason)));
            DecodedKind::WebSocketClose { code, reason }
        }
        WsItem::Binary(_) => unreachable!("binary messages are frames"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/capture.md states what an open connection costs the decoding layer, with nothing
    /// held: its entry in the table (hash tables add an eighth or so).
    #[test]
    fn an_open_connection_costs_the_decoder_about_400_bytes() {
        let entry = std::mem::size_of::<(ConnId, Conn)>() + 1;
        assert!(entry * 9 / 8 <= 400, "{entry}");
    }
}
