//! The connection table: which packets belong to which Turms connection, in which direction,
//! and when a connection starts and ends.
//!
//! Memory is bounded by the bytes waiting to be put in order (per direction and in all), not by
//! refusing connections: the state of a connection is freed at its FINs or RST, after the idle
//! limit (in capture time), or at the end of the capture.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

use super::link::{Packet, Segment, Transported};
use super::reassembly::{Counters, Limits, Piece, Stream};
use super::{
    CaptureConfig, CloseHow, ConnId, Event, EventKind, RoleKind, Summary, Timestamp, TransportKind,
};

/// Connections closed by FIN or RST whose late packets are still recognised (and ignored
/// rather than taken for new connections whose start was not captured).
const CLOSED_REMEMBERED: usize = 4096;

/// Which transport each server port stands for.
struct PortMap {
    /// Per port: bit 0 TCP, bit 1 WebSocket, bit 2 UDP.
    bits: Box<[u8]>,
}

impl PortMap {
    const TCP: u8 = 1;
    const WS: u8 = 2;
    const UDP: u8 = 4;

    fn new(config: &CaptureConfig) -> Self {
        let mut bits = vec![0u8; 1 << 16].into_boxed_slice();
        for &port in &config.tcp_ports {
            bits[usize::from(port)] |= Self::TCP;
        }
        for &port in &config.ws_ports {
            bits[usize::from(port)] |= Self::WS;
        }
        for &port in &config.udp_ports {
            bits[usize::from(port)] |= Self::UDP;
        }
        Self { bits }
    }

    fn server(&self, udp: bool, port: u16) -> Option<TransportKind> {
        let bits = self.bits[usize::from(port)];
        if udp {
            (bits & Self::UDP != 0).then_some(TransportKind::Udp)
        } else if bits & Self::WS != 0 {
            Some(TransportKind::WebSocket)
        } else if bits & Self::TCP != 0 {
            Some(TransportKind::Tcp)
        } else {
            None
        }
    }
}

/// The index of a direction in per-direction arrays.
fn side(dir: RoleKind) -> usize {
    match dir {
        RoleKind::Gateway => 0,
        RoleKind::Client => 1,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FlowKey {
    udp: bool,
    client: SocketAddr,
    server: SocketAddr,
}

struct Conn {
    id: ConnId,
    key: FlowKey,
    /// Per direction (`RoleKind as usize`); unused for UDP.
    streams: [Stream; 2],
    delivered: [u64; 2],
    last_seen: Option<Timestamp>,
    /// The client's initial sequence number, from its SYN.
    client_isn: Option<u32>,
    reported_start: bool,
    counted_gap_stop: bool,
}

/// Remembers recently closed connections (with the client's initial sequence number, to tell
/// a copy of their SYN from a new connection on the same addresses), oldest forgotten first.
#[derive(Default)]
struct Closed {
    keys: HashMap<FlowKey, (u64, Option<u32>)>,
    order: VecDeque<(FlowKey, u64)>,
    generation: u64,
}

impl Closed {
    fn insert(&mut self, key: FlowKey, client_isn: Option<u32>) {
        self.generation += 1;
        self.keys.insert(key, (self.generation, client_isn));
        self.order.push_back((key, self.generation));
        if self.order.len() > CLOSED_REMEMBERED {
            if let Some((old, generation)) = self.order.pop_front() {
                if self.keys.get(&old).is_some_and(|(g, _)| *g == generation) {
                    self.keys.remove(&old);
                }
            }
        }
    }

    /// Whether a segment belongs to a closed connection: any segment but a SYN starting a new
    /// one (another initial sequence number).
    fn owns(&self, key: &FlowKey, client_syn: Option<u32>) -> bool {
        match (self.keys.get(key), client_syn) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some((_, isn)), Some(seq)) => *isn == Some(seq),
        }
    }

    fn remove(&mut self, key: &FlowKey) {
        self.keys.remove(key);
    }
}

/// Every connection of a capture, from packets to events.
pub(crate) struct Flows {
    ports: PortMap,
    limits: Limits,
    max_buffered: usize,
    idle: Duration,
    slots: Vec<Option<Conn>>,
    free: Vec<usize>,
    index: HashMap<FlowKey, usize>,
    /// The last flow looked up: consecutive packets mostly belong to the same one.
    last: Option<(FlowKey, usize)>,
    closed: Closed,
    next_id: u64,
    live: usize,
    buffered: usize,
    now: Option<Timestamp>,
    next_sweep: Option<Timestamp>,
    counters: Counters,
    pieces: Vec<Piece>,
    pub(crate) summary: Summary,
}

impl Flows {
    pub(crate) fn new(config: &CaptureConfig) -> Self {
        Self {
            ports: PortMap::new(config),
            limits: Limits {
                max_waiting: config.max_out_of_order,
                resync: config.resync,
            },
            max_buffered: config.max_buffered,
            idle: config.idle_timeout,
            slots: Vec::new(),
            free: Vec::new(),
            index: HashMap::new(),
            last: None,
            closed: Closed::default(),
            next_id: 0,
            live: 0,
            buffered: 0,
            now: None,
            next_sweep: None,
            counters: Counters::default(),
            pieces: Vec::new(),
            summary: Summary::default(),
        }
    }

    pub(crate) fn live_connections(&self) -> usize {
        self.live
    }

    pub(crate) fn buffered_bytes(&self) -> usize {
        self.buffered
    }

    /// The latest capture time seen.
    pub(crate) fn now(&self) -> Option<Timestamp> {
        self.now
    }

    /// The summary with the stream counters folded in.
    pub(crate) fn summary(&self) -> Summary {
        let mut summary = self.summary.clone();
        summary.duplicate_bytes = self.counters.duplicate_bytes;
        summary.out_of_order_segments = self.counters.out_of_order_segments;
        summary.gaps = self.counters.gaps;
        summary.missing_bytes = self.counters.missing_bytes;
        summary
    }

    /// Takes one TCP or UDP packet; `frame` is the record its payload lies in.
    pub(crate) fn packet(
        &mut self,
        time: Option<Timestamp>,
        frame: &Bytes,
        packet: Packet<'_>,
        out: &mut VecDeque<Event>,
    ) {
        self.advance(time, out);
        match packet.transport {
            Transported::Tcp(segment) => {
                self.tcp(time, frame, packet.src, packet.dst, segment, out)
            }
            Transported::Udp(payload) => {
                self.udp(time, frame, packet.src, packet.dst, payload, out)
            }
        }
    }

    /// Closes every connection still open, in the order they were opened.
    pub(crate) fn close_all(&mut self, out: &mut VecDeque<Event>) {
        let mut open: Vec<(ConnId, usize)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(slot, conn)| conn.as_ref().map(|conn| (conn.id, slot)))
            .collect();
        open.sort_unstable();
        for (_, slot) in open {
            self.close(slot, CloseHow::EndOfCapture, self.now, out);
        }
    }

    /// Moves capture time on, closing the connections idle for too long.
    fn advance(&mut self, time: Option<Timestamp>, out: &mut VecDeque<Event>) {
        let Some(time) = time else { return };
        if self.now.is_some_and(|now| now >= time) {
            return;
        }
        self.now = Some(time);
        // Captures with several interfaces are not quite in time order: time only moves
        // forward, and idleness is looked for about once a second of capture time.
        let interval = self.idle.min(Duration::from_secs(1));
        match self.next_sweep {
            Some(sweep) if time < sweep => return,
            None => {
                self.next_sweep = Some(time.saturating_add(interval));
                return;
            }
            Some(_) => {}
        }
        self.next_sweep = Some(time.saturating_add(interval));
        let mut idle: Vec<(ConnId, usize)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(slot, conn)| {
                let conn = conn.as_ref()?;
                let last = conn.last_seen?;
                (last.saturating_add(self.idle) <= time).then_some((conn.id, slot))
            })
            .collect();
        idle.sort_unstable();
        for (_, slot) in idle {
            self.close(slot, CloseHow::Idle, Some(time), out);
        }
    }

    /// Which way a packet goes and the flow it belongs to, by the server ports.
    fn classify(
        &mut self,
        udp: bool,
        src: SocketAddr,
        dst: SocketAddr,
        syn_ack: bool,
    ) -> Option<(RoleKind, FlowKey, TransportKind)> {
        let to_server = |server: SocketAddr, client: SocketAddr| FlowKey {
            udp,
            client,
            server,
        };
        match (
            self.ports.server(udp, src.port()),
            self.ports.server(udp, dst.port()),
        ) {
            (None, None) => None,
            (None, Some(transport)) => Some((RoleKind::Gateway, to_server(dst, src), transport)),
            (Some(transport), None) => Some((RoleKind::Client, to_server(src, dst), transport)),
            // Both ports are server ports: a known flow decides, else the SYN-ACK, else the
            // destination is taken for the server.
            (Some(src_transport), Some(dst_transport)) => {
                let c2s = to_server(dst, src);
                let s2c = to_server(src, dst);
                if self.lookup(&c2s).is_some() {
                    Some((RoleKind::Gateway, c2s, dst_transport))
                } else if self.lookup(&s2c).is_some() || syn_ack {
                    Some((RoleKind::Client, s2c, src_transport))
                } else {
                    Some((RoleKind::Gateway, c2s, dst_transport))
                }
            }
        }
    }

    fn lookup(&mut self, key: &FlowKey) -> Option<usize> {
        if let Some((last, slot)) = &self.last {
            if last == key {
                return Some(*slot);
            }
        }
        let slot = *self.index.get(key)?;
        self.last = Some((*key, slot));
        Some(slot)
    }

    fn open(
        &mut self,
        key: FlowKey,
        transport: TransportKind,
        time: Option<Timestamp>,
        out: &mut VecDeque<Event>,
    ) -> usize {
        self.next_id += 1;
        let id = ConnId(self.next_id);
        let conn = Conn {
            id,
            key,
            streams: [Stream::new(), Stream::new()],
            delivered: [0; 2],
            last_seen: time,
            client_isn: None,
            reported_start: false,
            counted_gap_stop: false,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(conn);
                slot
            }
            None => {
                self.slots.push(Some(conn));
                self.slots.len() - 1
            }
        };
        self.index.insert(key, slot);
        self.last = Some((key, slot));
        self.live += 1;
        self.summary.connections += 1;
        out.push_back(Event {
            time,
            kind: EventKind::Open {
                conn: id,
                peer: key.client,
                server: key.server,
                transport,
            },
        });
        slot
    }

    fn close(
        &mut self,
        slot: usize,
        how: CloseHow,
        time: Option<Timestamp>,
        out: &mut VecDeque<Event>,
    ) {
        let Some(mut conn) = self.slots[slot].take() else {
            return;
        };
        for dir in [RoleKind::Gateway, RoleKind::Client] {
            let stream = &mut conn.streams[side(dir)];
            let before = stream.waiting_bytes();
            stream.close(self.limits, &mut self.counters, &mut self.pieces);
            self.buffered -= before - stream.waiting_bytes();
            Self::emit(
                &mut conn,
                dir,
                time,
                &mut self.pieces,
                &mut self.summary,
                out,
            );
        }
        out.push_back(Event {
            time,
            kind: EventKind::Close {
                conn: conn.id,
                c2s_bytes: conn.delivered[side(RoleKind::Gateway)],
                s2c_bytes: conn.delivered[side(RoleKind::Client)],
                how,
            },
        });
        self.index.remove(&conn.key);
        if self.last.is_some_and(|(key, _)| key == conn.key) {
            self.last = None;
        }
        if matches!(how, CloseHow::Fin | CloseHow::Rst) {
            self.closed.insert(conn.key, conn.client_isn);
        }
        self.free.push(slot);
        self.live -= 1;
    }

    /// Turns what a stream handed up into events.
    fn emit(
        conn: &mut Conn,
        dir: RoleKind,
        time: Option<Timestamp>,
        pieces: &mut Vec<Piece>,
        summary: &mut Summary,
        out: &mut VecDeque<Event>,
    ) {
        for piece in pieces.drain(..) {
            let kind = match piece {
                Piece::Data { bytes, after_gap } => {
                    conn.delivered[side(dir)] += bytes.len() as u64;
                    summary.stream_bytes += bytes.len() as u64;
                    EventKind::Data {
                        conn: conn.id,
                        dir,
                        bytes,
                        after_gap,
                    }
                }
                Piece::Gap { missing } => EventKind::Gap {
                    conn: conn.id,
                    dir,
                    missing_bytes: missing,
                },
            };
            out.push_back(Event { time, kind });
        }
        if conn.streams[side(dir)].stopped_at_gap() && !conn.counted_gap_stop {
            conn.counted_gap_stop = true;
            summary.not_decoded.stopped_at_gap += 1;
        }
    }

    fn tcp(
        &mut self,
        time: Option<Timestamp>,
        frame: &Bytes,
        src: SocketAddr,
        dst: SocketAddr,
        segment: Segment<'_>,
        out: &mut VecDeque<Event>,
    ) {
        let client_syn = segment.syn && !segment.ack;
        let Some((dir, key, transport)) =
            self.classify(false, src, dst, segment.syn && segment.ack)
        else {
            self.summary.ignored.other_port += 1;
            return;
        };
        let mut slot = self.lookup(&key);
        if let Some(existing) = slot {
            // A SYN with a new initial sequence number: the addresses were reused.
            let reused = self.slots[existing].as_ref().is_some_and(|conn| {
                conn.client_isn != Some(segment.seq)
                    && (conn.client_isn.is_some()
                        || conn.streams[side(RoleKind::Gateway)].is_started())
            });
            if client_syn && dir == RoleKind::Gateway && reused {
                self.close(existing, CloseHow::Reused, time, out);
                slot = None;
            }
        }
        let slot = match slot {
            Some(slot) => slot,
            None => {
                let syn_seq = (client_syn && dir == RoleKind::Gateway).then_some(segment.seq);
                if self.closed.owns(&key, syn_seq) {
                    self.summary.ignored.after_close += 1;
                    return;
                }
                if client_syn {
                    self.closed.remove(&key);
                } else if !segment.syn && segment.payload.is_empty() {
                    self.summary.ignored.no_connection += 1;
                    return;
                }
                self.open(key, transport, time, out)
            }
        };
        let Some(conn) = self.slots[slot].as_mut() else {
            return;
        };
        conn.last_seen = time.or(conn.last_seen);
        let stream = &mut conn.streams[side(dir)];
        if segment.syn {
            stream.start(segment.seq.wrapping_add(1));
            if client_syn && dir == RoleKind::Gateway {
                conn.client_isn = Some(segment.seq);
            }
        }
        if segment.rst {
            self.close(slot, CloseHow::Rst, time, out);
            return;
        }
        if !stream.is_started() && !segment.payload.is_empty() {
            stream.start_unknown(segment.seq, self.limits.resync);
            if !conn.reported_start {
                conn.reported_start = true;
                if !self.limits.resync {
                    self.summary.not_decoded.start_not_captured += 1;
                }
                out.push_back(Event {
                    time,
                    kind: EventKind::StartNotCaptured { conn: conn.id },
                });
            }
        }
        let payload = if segment.payload.is_empty() {
            Bytes::new()
        } else {
            frame.slice_ref(segment.payload)
        };
        let first_seq = segment.seq.wrapping_add(u32::from(segment.syn));
        let before = stream.waiting_bytes();
        stream.segment(
            first_seq,
            payload,
            segment.fin,
            self.limits,
            &mut self.counters,
            &mut self.pieces,
        );
        self.buffered = self.buffered + stream.waiting_bytes() - before;
        Self::emit(conn, dir, time, &mut self.pieces, &mut self.summary, out);
        if conn.streams.iter().all(Stream::saw_fin) {
            self.close(slot, CloseHow::Fin, time, out);
        }
        while self.buffered > self.max_buffered {
            self.relieve(time, out);
        }
    }

    /// Declares the hole in front of the largest waiting buffer of all.
    fn relieve(&mut self, time: Option<Timestamp>, out: &mut VecDeque<Event>) {
        let largest = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(slot, conn)| Some((slot, conn.as_ref()?)))
            .flat_map(|(slot, conn)| {
                [RoleKind::Gateway, RoleKind::Client]
                    .map(|dir| (conn.streams[side(dir)].waiting_bytes(), slot, dir))
            })
            .max_by_key(|(waiting, _, _)| *waiting);
        let Some((waiting, slot, dir)) = largest.filter(|(waiting, _, _)| *waiting > 0) else {
            // Nothing waits: the count is off, which cannot happen; do not loop on it.
            self.buffered = 0;
            return;
        };
        let Some(conn) = self.slots[slot].as_mut() else {
            return;
        };
        let stream = &mut conn.streams[side(dir)];
        stream.force_hole(self.limits, &mut self.counters, &mut self.pieces);
        self.buffered -= waiting - stream.waiting_bytes();
        Self::emit(conn, dir, time, &mut self.pieces, &mut self.summary, out);
    }

    fn udp(
        &mut self,
        time: Option<Timestamp>,
        frame: &Bytes,
        src: SocketAddr,
        dst: SocketAddr,
        payload: &[u8],
        out: &mut VecDeque<Event>,
    ) {
        let Some((dir, key, transport)) = self.classify(true, src, dst, false) else {
            self.summary.ignored.other_port += 1;
            return;
        };
        let slot = match self.lookup(&key) {
            Some(slot) => slot,
            None => self.open(key, transport, time, out),
        };
        let Some(conn) = self.slots[slot].as_mut() else {
            return;
        };
        conn.last_seen = time.or(conn.last_seen);
        conn.delivered[side(dir)] += payload.len() as u64;
        self.summary.datagrams += 1;
        let bytes = if payload.is_empty() {
            Bytes::new()
        } else {
            frame.slice_ref(payload)
        };
        out.push_back(Event {
            time,
            kind: EventKind::Datagram {
                conn: conn.id,
                dir,
                bytes,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/capture.md promises about 400 bytes per live connection: its slot and its index
    /// entry (hash tables add an eighth or so), with nothing waiting.
    #[test]
    fn a_live_connection_costs_about_400_bytes() {
        let slot = std::mem::size_of::<Option<Conn>>();
        let index_entry = std::mem::size_of::<(FlowKey, usize)>() + 1;
        assert!(slot + index_entry * 9 / 8 <= 400, "{slot} + {index_entry}");
    }
}
