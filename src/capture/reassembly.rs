//! One direction of a TCP connection, put back in order.
//!
//! This is the part no packet library does the way Turms needs: the upper layer cuts the stream
//! into varint-length frames, so a byte lost or delivered twice shifts every frame boundary after
//! it. Hence:
//!
//! * bytes are delivered exactly once, in sequence order: retransmitted and overlapping bytes are
//!   dropped, segments that arrive early wait (copied, since the capture's buffer moves on) until
//!   the bytes before them arrive;
//! * sequence numbers are placed relative to the next byte expected with wrapping arithmetic, so
//!   a stream crossing 2^32 (or starting near it) needs nothing special, and stream offsets are
//!   64-bit;
//! * a hole is never guessed (not from ACKs either): it is declared when the bytes waiting behind
//!   it exceed their cap, or when the connection ends with bytes missing, and its size is the
//!   distance to the first byte that did arrive after it (or to the FIN);
//! * after a hole the direction stops, since no frame boundary can be found again, unless
//!   `resync` is on: then delivery goes on, flagged, and finding a boundary is the upper layer's
//!   business.

use std::collections::BTreeMap;

use bytes::Bytes;

/// What a waiting segment costs beyond its bytes (its map entry and allocation), counted
/// against the limits so that a flood of tiny segments is bounded like a few large ones.
pub(crate) const SEGMENT_COST: usize = 64;

/// What a stream hands up, in order.
#[derive(Debug)]
pub(crate) enum Piece {
    Data { bytes: Bytes, after_gap: bool },
    Gap { missing: u64 },
}

/// The settings that apply to every stream.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Bytes that may wait out of order before the hole in front of them is declared.
    pub max_waiting: usize,
    /// Deliver what follows a hole (flagged) rather than stop.
    pub resync: bool,
}

/// Counters shared by all streams.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counters {
    pub duplicate_bytes: u64,
    pub out_of_order_segments: u64,
    pub gaps: u64,
    pub missing_bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// No SYN and no data seen yet: where the stream starts is unknown.
    Unstarted,
    Live,
    /// Delivers nothing more.
    Stopped,
}

/// One direction of a TCP connection.
#[derive(Debug)]
pub(crate) struct Stream {
    state: State,
    /// The sequence number of offset 0.
    base_seq: u32,
    /// The offset of the next byte to deliver.
    next: u64,
    /// Segments beyond `next`, by offset; they never overlap each other.
    waiting: BTreeMap<u64, Bytes>,
    /// Their bytes plus [`SEGMENT_COST`] each.
    waiting_bytes: usize,
    /// The offset of the FIN, once seen.
    fin: Option<u64>,
    /// A FIN was seen, even on a stream never started.
    saw_fin: bool,
    /// The next data delivered does not follow what was delivered before.
    flag_next: bool,
    stopped_at_gap: bool,
}

impl Stream {
    pub(crate) fn new() -> Self {
        Self {
            state: State::Unstarted,
            base_seq: 0,
            next: 0,
            waiting: BTreeMap::new(),
            waiting_bytes: 0,
            fin: None,
            saw_fin: false,
            flag_next: false,
            stopped_at_gap: false,
        }
    }

    /// Starts the stream at its SYN: `first_seq` is the sequence number of its first data byte.
    /// A repeated SYN changes nothing.
    pub(crate) fn start(&mut self, first_seq: u32) {
        if self.state == State::Unstarted {
            self.state = State::Live;
            self.base_seq = first_seq;
        }
    }

    /// Starts a stream whose SYN was not captured at the first data seen: delivered (flagged)
    /// with `resync`, else never.
    pub(crate) fn start_unknown(&mut self, first_seq: u32, resync: bool) {
        if self.state == State::Unstarted {
            self.base_seq = first_seq;
            if resync {
                self.state = State::Live;
                self.flag_next = true;
            } else {
                self.state = State::Stopped;
            }
        }
    }

    pub(crate) fn is_started(&self) -> bool {
        self.state != State::Unstarted
    }

    pub(crate) fn saw_fin(&self) -> bool {
        self.saw_fin
    }

    pub(crate) fn stopped_at_gap(&self) -> bool {
        self.stopped_at_gap
    }

    /// What waits for a hole to be filled: bytes plus [`SEGMENT_COST`] per segment.
    pub(crate) fn waiting_bytes(&self) -> usize {
        self.waiting_bytes
    }

    /// Takes a segment: `seq` is the sequence number of its first data byte.
    pub(crate) fn segment(
        &mut self,
        seq: u32,
        payload: Bytes,
        fin: bool,
        limits: Limits,
        counters: &mut Counters,
        out: &mut Vec<Piece>,
    ) {
        if fin {
            self.saw_fin = true;
        }
        if self.state != State::Live {
            return;
        }
        let start = self.offset_of(seq);
        let mut end = start + payload.len() as i64;
        if fin && self.fin.is_none() && end >= self.next as i64 {
            self.set_fin(end as u64, counters);
        }
        if let Some(fin) = self.fin {
            // Nothing lies beyond the FIN (a segment may even start past it).
            let fin = (fin as i64).max(start);
            if end > fin {
                counters.duplicate_bytes += (end - fin) as u64;
                end = fin;
            }
        }
        let next = self.next as i64;
        if end <= next.max(start) {
            // Wholly delivered before, or nothing left (only flags, or only bytes past the FIN).
            counters.duplicate_bytes += (end - start) as u64;
            return;
        }
        if start <= next {
            counters.duplicate_bytes += (next - start) as u64;
            let bytes = payload.slice((next - start) as usize..(end - start) as usize);
            self.deliver(bytes, out);
            self.drain(counters, out);
        } else {
            counters.out_of_order_segments += 1;
            self.wait(start as u64, &payload[..(end - start) as usize], counters);
            while self.waiting_bytes > limits.max_waiting {
                self.declare_hole(limits, counters, out);
            }
        }
    }

    /// Declares the hole in front of the waiting bytes (when too much waits on all streams).
    pub(crate) fn force_hole(
        &mut self,
        limits: Limits,
        counters: &mut Counters,
        out: &mut Vec<Piece>,
    ) {
        self.declare_hole(limits, counters, out);
    }

    /// The connection ends: every hole left is declared (with `resync`, what follows each is
    /// delivered), then the one before the FIN if the FIN was seen.
    pub(crate) fn close(&mut self, limits: Limits, counters: &mut Counters, out: &mut Vec<Piece>) {
        while self.state == State::Live && !self.waiting.is_empty() {
            self.declare_hole(limits, counters, out);
        }
        if self.state != State::Live {
            return;
        }
        if let Some(fin) = self.fin {
            if fin > self.next {
                self.gap(fin - self.next, counters, out);
                self.next = fin;
            }
        }
        self.state = State::Stopped;
    }

    /// The 64-bit offset of a sequence number: within 2^31 of the next byte expected, which is
    /// as far as TCP windows reach.
    fn offset_of(&self, seq: u32) -> i64 {
        let next_seq = self.base_seq.wrapping_add(self.next as u32);
        self.next as i64 + i64::from(seq.wrapping_sub(next_seq) as i32)
    }

    fn set_fin(&mut self, fin: u64, counters: &mut Counters) {
        self.fin = Some(fin);
        // Whatever waits beyond the FIN was never part of the stream.
        let beyond = self.waiting.split_off(&fin);
        for bytes in beyond.values() {
            self.waiting_bytes -= bytes.len() + SEGMENT_COST;
            counters.duplicate_bytes += bytes.len() as u64;
        }
        if let Some(mut last) = self.waiting.last_entry() {
            let key = *last.key();
            let bytes = last.get_mut();
            let end = key + bytes.len() as u64;
            if end > fin {
                let cut = (end - fin) as usize;
                bytes.truncate(bytes.len() - cut);
                self.waiting_bytes -= cut;
                counters.duplicate_bytes += cut as u64;
            }
        }
    }

    fn deliver(&mut self, bytes: Bytes, out: &mut Vec<Piece>) {
        self.next += bytes.len() as u64;
        let after_gap = std::mem::take(&mut self.flag_next);
        out.push(Piece::Data { bytes, after_gap });
    }

    /// Delivers the waiting segments that have become contiguous.
    fn drain(&mut self, counters: &mut Counters, out: &mut Vec<Piece>) {
        while let Some(entry) = self.waiting.first_entry() {
            let key = *entry.key();
            if key > self.next {
                break;
            }
            let bytes = entry.remove();
            self.waiting_bytes -= bytes.len() + SEGMENT_COST;
            let end = key + bytes.len() as u64;
            if end <= self.next {
                counters.duplicate_bytes += bytes.len() as u64;
                continue;
            }
            let skip = (self.next - key) as usize;
            counters.duplicate_bytes += skip as u64;
            self.deliver(bytes.slice(skip..), out);
        }
    }

    /// Keeps the parts of `[start, start + data.len())` not already waiting.
    fn wait(&mut self, start: u64, data: &[u8], counters: &mut Counters) {
        let end = start + data.len() as u64;
        let mut cursor = start;
        if let Some((&key, bytes)) = self.waiting.range(..=cursor).next_back() {
            cursor = cursor.max(key + bytes.len() as u64);
        }
        let mut kept = 0;
        while cursor < end {
            let (piece_end, skip_to) = match self.waiting.range(cursor..).next() {
                Some((&key, bytes)) if key < end => (key, key + bytes.len() as u64),
                _ => (end, end),
            };
            if piece_end > cursor {
                let piece = &data[(cursor - start) as usize..(piece_end - start) as usize];
                kept += piece.len();
                self.waiting_bytes += piece.len() + SEGMENT_COST;
                self.waiting.insert(cursor, Bytes::copy_from_slice(piece));
            }
            cursor = skip_to.min(end).max(piece_end);
        }
        // Bytes of this segment already waiting (from another copy) count as duplicates.
        counters.duplicate_bytes += (data.len() - kept) as u64;
    }

    fn declare_hole(&mut self, limits: Limits, counters: &mut Counters, out: &mut Vec<Piece>) {
        let Some((&first, _)) = self.waiting.first_key_value() else {
            return;
        };
        self.gap(first - self.next, counters, out);
        if limits.resync {
            self.next = first;
            self.flag_next = true;
            self.drain(counters, out);
        } else {
            self.stop_at_gap();
        }
    }

    fn gap(&mut self, missing: u64, counters: &mut Counters, out: &mut Vec<Piece>) {
        counters.gaps += 1;
        counters.missing_bytes += missing;
        out.push(Piece::Gap { missing });
    }

    fn stop_at_gap(&mut self) {
        self.state = State::Stopped;
        self.stopped_at_gap = true;
        self.waiting.clear();
        self.waiting_bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_waiting: 1 << 20,
        resync: false,
    };

    fn data(pieces: &[Piece]) -> Vec<u8> {
        pieces
            .iter()
            .filter_map(|piece| match piece {
                Piece::Data { bytes, .. } => Some(&bytes[..]),
                Piece::Gap { .. } => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    /// One segment, its counts added to `counters` (`fin`: it carries the FIN).
    fn segment(
        stream: &mut Stream,
        (seq, bytes, fin): (u32, &'static [u8], bool),
        counters: &mut Counters,
        out: &mut Vec<Piece>,
    ) {
        stream.segment(seq, Bytes::from_static(bytes), fin, LIMITS, counters, out);
    }

    fn feed(stream: &mut Stream, seq: u32, bytes: &[u8], out: &mut Vec<Piece>) -> Counters {
        let mut counters = Counters::default();
        stream.segment(
            seq,
            Bytes::copy_from_slice(bytes),
            false,
            LIMITS,
            &mut counters,
            out,
        );
        counters
    }

    #[test]
    fn a_segment_overlapping_several_waiting_ones_fills_only_between_them() {
        let mut stream = Stream::new();
        stream.start(100);
        let mut out = Vec::new();
        feed(&mut stream, 103, b"DE", &mut out);
        feed(&mut stream, 107, b"HI", &mut out);
        assert_eq!(stream.waiting_bytes(), 4 + 2 * SEGMENT_COST);
        // Covers 102..110: only c, fg and j are new (3 more segments).
        let counters = feed(&mut stream, 102, b"cdefghij", &mut out);
        assert_eq!(counters.duplicate_bytes, 4);
        assert_eq!(stream.waiting_bytes(), 8 + 5 * SEGMENT_COST);
        assert!(out.is_empty());
        feed(&mut stream, 100, b"AB", &mut out);
        assert_eq!(data(&out), b"ABcDEfgHIj");
        assert_eq!(stream.waiting_bytes(), 0);
    }

    #[test]
    fn sequence_numbers_wrap_around_two_to_the_32() {
        let mut stream = Stream::new();
        stream.start(u32::MAX - 1);
        let mut out = Vec::new();
        feed(&mut stream, 1, b"DE", &mut out);
        feed(&mut stream, u32::MAX - 1, b"AB", &mut out);
        feed(&mut stream, 0, b"C", &mut out);
        assert_eq!(data(&out), b"ABCDE");
    }

    #[test]
    fn the_fin_bounds_the_stream() {
        let mut stream = Stream::new();
        stream.start(0);
        let mut out = Vec::new();
        let mut counters = Counters::default();
        segment(&mut stream, (5, b"zz", false), &mut counters, &mut out);
        segment(&mut stream, (2, b"cd", true), &mut counters, &mut out);
        // The bytes waiting at 5 lie beyond the FIN at 4: only "cd" waits.
        assert_eq!(stream.waiting_bytes(), 2 + SEGMENT_COST);
        segment(&mut stream, (0, b"abcdef", false), &mut counters, &mut out);
        assert_eq!(data(&out), b"abcd");
        // Out of order and wholly past the FIN: dropped.
        segment(&mut stream, (10, b"late", false), &mut counters, &mut out);
        assert_eq!(stream.waiting_bytes(), 0);
        stream.close(LIMITS, &mut counters, &mut out);
        assert_eq!(counters.gaps, 0);
    }

    /// Found by fuzzing: bytes past a FIN that has not been reached yet.
    #[test]
    fn bytes_past_a_fin_not_yet_reached_are_dropped() {
        let mut stream = Stream::new();
        stream.start(0);
        let mut out = Vec::new();
        let mut counters = Counters::default();
        segment(&mut stream, (2, b"cd", true), &mut counters, &mut out);
        segment(&mut stream, (9, b"xyz", false), &mut counters, &mut out);
        segment(&mut stream, (3, b"dEFG", false), &mut counters, &mut out);
        assert_eq!(stream.waiting_bytes(), 2 + SEGMENT_COST);
        assert_eq!(counters.duplicate_bytes, 3 + 4);
        segment(&mut stream, (0, b"ab", false), &mut counters, &mut out);
        assert_eq!(data(&out), b"abcd");
    }
}
