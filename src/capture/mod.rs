//! Captured Turms traffic (pcap or pcapng) read into per-connection byte streams, and decoded
//! into frames.
//!
//! A [`CaptureReader`] reads a capture from any [`Read`] (a file, or standard input as it
//! arrives) and yields [`Event`]s: a connection opens, stream bytes of one direction become
//! contiguous, a hole is found, a UDP datagram passes, a connection closes; a final
//! [`Summary`] counts what was read and what was not used.
//!
//! A [`CaptureDecoder`] is the layer above: it turns the streams into [`Decoded`] records,
//! each frame classified as the end that received it ([`Classified`]: a
//! [`ServerFrame`](crate::ServerFrame) or a [`ClientFrame`](crate::ClientFrame)) with its time,
//! connection, direction and index, a response paired with its request and latency, UDP
//! [`Datagram`]s, the WebSocket upgrade, PROXY headers, TLS connections, holes and
//! resynchronisation, and a [`DecodeSummary`] last. With the `json` feature a
//! [`DecodedWriter`] writes them as `turms-wire decode --pcap` prints them, with the crate's one
//! record writer ([`crate::inspect::RecordWriter`]).
//!
//! [`CaptureStream`] and [`DecodedStream`] are the same reader and decoder for async input:
//! `Stream`s (futures-core) of the same events and records, read from any
//! [`tokio::io::AsyncRead`] `+ Unpin` (the standard output of `tcpdump -U -w -` run as a child
//! process, a socket, a file), each out as soon as the bytes that complete it have been read;
//! a read that is not ready only makes the stream pending. Both kinds share every step after
//! the read itself, so they yield the same items and errors under the same limits; the streams
//! use tokio's `AsyncRead` trait alone, no runtime.
//!
//! ```
//! use turms_wire::capture::{CaptureConfig, CaptureReader, EventKind};
//!
//! // A pcap header (little-endian, microseconds, Ethernet) and no packet.
//! let mut capture = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
//! capture.extend([0; 8]);
//! capture.extend(65535u32.to_le_bytes());
//! capture.extend(1u32.to_le_bytes());
//!
//! let mut reader = CaptureReader::new(&capture[..], CaptureConfig::default())?;
//! let Some(EventKind::End(summary)) = reader.next().map(|event| event.kind) else {
//!     panic!("an empty capture yields its summary only");
//! };
//! assert_eq!(summary.packets, 0);
//! assert!(reader.next().is_none());
//! # Ok::<(), turms_wire::capture::CaptureError>(())
//! ```
//!
//! A login request and its response on one connection, decoded:
//!
//! ```
//! use turms_wire::capture::{CaptureDecoder, Classified, DecodeConfig, DecodedKind};
//! use turms_wire::ServerFrame;
//!
//! # fn tcp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, seq: u32, flags: u8, data: &[u8]) -> Vec<u8> {
//! #     let mut p = vec![0x45, 0];
//! #     p.extend(((40 + data.len()) as u16).to_be_bytes());
//! #     p.extend([0, 0, 0x40, 0, 64, 6, 0, 0]);
//! #     p.extend(src);
//! #     p.extend(dst);
//! #     p.extend(sport.to_be_bytes());
//! #     p.extend(dport.to_be_bytes());
//! #     p.extend(seq.to_be_bytes());
//! #     p.extend([0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
//! #     p.extend(data);
//! #     p
//! # }
//! # fn pcap(packets: &[(u32, Vec<u8>)]) -> Vec<u8> {
//! #     let mut file = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
//! #     file.extend(65535u32.to_le_bytes());
//! #     file.extend(101u32.to_le_bytes()); // raw IP
//! #     for (micros, packet) in packets {
//! #         file.extend(1_700_000_000u32.to_le_bytes());
//! #         file.extend(micros.to_le_bytes());
//! #         file.extend((packet.len() as u32).to_le_bytes());
//! #         file.extend((packet.len() as u32).to_le_bytes());
//! #         file.extend(packet);
//! #     }
//! #     file
//! # }
//! let (client, server) = ([10, 0, 0, 1], [10, 0, 0, 2]);
//! let capture = pcap(&[
//!     (0, tcp(client, 40000, server, 11510, 99, 0x02, &[])),      // SYN
//!     (10, tcp(server, 11510, client, 40000, 499, 0x12, &[])),    // SYN-ACK
//!     (20, tcp(client, 40000, server, 11510, 100, 0x18, &[0x02, 0x08, 0x07])), // request 7
//!     (270, tcp(server, 11510, client, 40000, 500, 0x18, &[0x05, 0x20, 0x07, 0x28, 0xe8, 0x07])),
//! ]);
//! let records: Vec<_> = CaptureDecoder::new(&capture[..], DecodeConfig::default())?.collect();
//! let DecodedKind::Frame(response) = &records[2].kind else { panic!("{:?}", records[2]) };
//! let Ok(Classified::Server(ServerFrame::Response(frame))) = &response.frame else { panic!() };
//! assert_eq!(frame.request_id(), 7);
//! let answer = response.answers.expect("request 7 was captured");
//! assert_eq!(answer.latency, Some(std::time::Duration::from_micros(250)));
//! assert!(matches!(records.last().unwrap().kind, DecodedKind::End(_)));
//! # Ok::<(), turms_wire::capture::CaptureError>(())
//! ```
//!
//! Live traffic, decoded as `tcpdump` writes it (the runtime here is the caller's: tokio with
//! its `process` feature):
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use turms_wire::capture::{DecodeConfig, DecodedKind, DecodedStream};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut tcpdump = tokio::process::Command::new("tcpdump")
//!     .args(["-i", "any", "-U", "-w", "-", "tcp port 11510"])
//!     .stdout(std::process::Stdio::piped())
//!     .spawn()?;
//! let stdout = tcpdump.stdout.take().expect("a piped standard output");
//! let mut records = DecodedStream::new(stdout, DecodeConfig::default()).await?;
//! while let Some(record) = records.next().await {
//!     if let DecodedKind::Frame(frame) = &record.kind {
//!         println!("{:?} {:?} {:?}", record.conn, record.dir, frame.frame);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # What comes from libraries, and what is written here
//!
//! The container and packet layers are the field's, well tested on real captures:
//! `pcap-parser` parses pcap (both byte orders, microsecond and nanosecond) and pcapng blocks
//! (section headers in either byte order, interface descriptions with their `if_tsresol`,
//! enhanced and simple packet blocks); `etherparse` slices Ethernet, VLAN tags, IPv4, IPv6 and
//! their extension headers, TCP and UDP. Written here is only what is missing or
//! Turms-specific:
//!
//! * the input buffer around the block parsers (`container`): a block's claimed length is
//!   checked before any buffer grows for it, packets are zero-copy slices of the buffer, and a
//!   block is handed up as soon as its last byte is read; the buffer is filled by a blocking
//!   `Read` or by polling an `AsyncRead` (`async_read`), and a block not all there yet is
//!   parsed again once it is, so a read may stop anywhere;
//! * the fixed link headers etherparse lacks (`link`): Linux SLL with the loopback hardware
//!   type, SLL2, BSD NULL/LOOP;
//! * reassembly into streams (`reassembly`): bounded buffering, holes reported with their exact
//!   size and never guessed, and the choice between stopping and resynchronising after one —
//!   decisions that depend on what the upper layer can do with a stream of varint frames;
//! * the connection table (`flows`): Turms server ports, connection numbering, closing and
//!   freeing state;
//! * the decoding layer: reassembled bytes to Turms frames, which no packet library knows —
//!   a direction's follower (`stream`: the PROXY preamble and TLS detection of `preamble`, then
//!   the crate's TCP framing or WebSocket stream reader), the search for a frame boundary
//!   after a hole (`resync`), UDP datagrams (`udp`), the decoder and its counts (`decode`,
//!   `summary`) and their rendering by the record writer (`record`).
//!
//! # Memory
//!
//! Bounded by what waits to be put in order, not by the number of connections: at most
//! [`CaptureConfig::max_out_of_order`] bytes per direction and
//! [`CaptureConfig::max_buffered`] in all (past either, the hole in front is declared), plus the
//! input buffer (one block of at most [`CaptureConfig::max_packet_len`] and 64 KiB of read
//! ahead), the events of one packet, and about 300 bytes per live connection, freed at
//! FIN/RST, after [`CaptureConfig::idle_timeout`] of capture time, or at the end. The decoder
//! adds about 400 bytes per open connection, what awaits an answer, and per direction the
//! start of a frame not yet complete (at most the receiving end's limit) or a boundary
//! search's window (at most 1 MiB). `docs/capture.md` has the numbers.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::io::{self, Read};
use std::task::{ready, Poll};
use std::time::Duration;

mod async_read;
mod container;
mod decode;
mod error;
mod event;
mod flows;
mod link;
mod preamble;
mod reassembly;
#[cfg(feature = "json")]
mod record;
mod resync;
mod stream;
mod summary;
mod udp;

pub use async_read::{CaptureStream, DecodedStream};
pub use container::CaptureFormat;
pub use decode::{
    Answer, CaptureDecoder, CapturedDatagram, CapturedFrame, Classified, DecodeConfig, Decoded,
    DecodedKind, MAX_PENDING_HEARTBEATS, MAX_PENDING_REQUESTS,
};
pub use error::CaptureError;
pub use event::{CloseHow, Event, EventKind, Ignored, NotDecoded, Summary, Timestamp};
pub use preamble::ProxyHeader;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use record::DecodedWriter;
pub use resync::RESYNC_FRAMES;
pub use summary::{DecodeSummary, DirectionCounts};
pub use udp::Datagram;
// Why a direction cannot be followed further, shared with the tap.
pub use crate::transport::StreamError;

use container::{Container, Record, Stop};
// Which way bytes went is named by the end that receives them (`c2s`: the gateway); how a
// connection carries frames is the crate's one transport kind.
pub use crate::role::RoleKind;
pub use crate::transport::TransportKind;
use flows::Flows;
use link::Skip;

/// A connection's number: 1, 2, … in the order connections first appear in the capture (TCP
/// connections and UDP address pairs alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What to read from a capture, and how much to hold at most.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaptureConfig {
    /// Server ports of Turms over TCP (default 11510).
    pub tcp_ports: BTreeSet<u16>,
    /// Server ports of Turms over WebSocket (default 10510).
    pub ws_ports: BTreeSet<u16>,
    /// Server ports of the UDP signal protocol (default 12510).
    pub udp_ports: BTreeSet<u16>,
    /// Go on after a hole or an uncaptured start, flagging the first bytes after it
    /// ([`EventKind::Data::after_gap`]), instead of stopping that direction (default off).
    pub resync: bool,
    /// Bytes one direction may hold out of order before the hole in front of them is
    /// declared (default 1 MiB). Each waiting segment also counts 64 bytes for its
    /// bookkeeping, so that many tiny segments are bounded like a few large ones.
    pub max_out_of_order: usize,
    /// The same, for all connections together (default 64 MiB): past it, the direction holding
    /// the most declares its hole.
    pub max_buffered: usize,
    /// A connection with no packet for this long (in capture time) is closed as idle (default
    /// 10 minutes; the Turms gateway closes sessions idle for 3).
    pub idle_timeout: Duration,
    /// The largest packet record accepted (default 262144, tcpdump's default snapshot length);
    /// a longer record or block ends the read as [`CaptureError::Oversize`].
    pub max_packet_len: usize,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            tcp_ports: BTreeSet::from([11510]),
            ws_ports: BTreeSet::from([10510]),
            udp_ports: BTreeSet::from([12510]),
            resync: false,
            max_out_of_order: 1 << 20,
            max_buffered: 64 << 20,
            idle_timeout: Duration::from_secs(600),
            max_packet_len: 262_144,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    Reading,
    Done,
}

/// Reads a capture into [`Event`]s (an `Iterator`); the last one is [`EventKind::End`].
///
/// [`CaptureStream`] is the same reader for an `AsyncRead`.
pub struct CaptureReader<R> {
    input: R,
    events: Events,
}

impl<R: Read> CaptureReader<R> {
    /// Reads the capture's header (a pcap file header, or a pcapng section header block).
    pub fn new(mut input: R, config: CaptureConfig) -> Result<Self, CaptureError> {
        let mut events = Events::new(&config)?;
        never_pending(events.header(blocking(&mut input)))?;
        Ok(Self { input, events })
    }
}

impl<R> CaptureReader<R> {
    /// pcap or pcapng.
    pub fn format(&self) -> CaptureFormat {
        self.events.container.format()
    }

    /// The counters so far (the final ones come with [`EventKind::End`]).
    pub fn summary(&self) -> Summary {
        self.events.flows.summary()
    }

    /// Connections open now (their state is held).
    pub fn live_connections(&self) -> usize {
        self.events.flows.live_connections()
    }

    /// Bytes held out of order now, all connections together (with 64 bytes of bookkeeping
    /// per waiting segment).
    pub fn buffered_bytes(&self) -> usize {
        self.events.flows.buffered_bytes()
    }
}

impl<R: Read> Iterator for CaptureReader<R> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        never_pending(self.events.next(blocking(&mut self.input)))
    }
}

/// A blocking read, as [`Events`] takes its reads: never pending.
fn blocking<R: Read>(input: &mut R) -> impl FnMut(&mut [u8]) -> Poll<io::Result<usize>> + '_ {
    |buf| Poll::Ready(input.read(buf))
}

/// What [`Events`] gives with [`blocking`] reads.
fn never_pending<T>(poll: Poll<T>) -> T {
    match poll {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("only a pending read makes a step pending"),
    }
}

/// The reader without its input: the container, fed by whoever reads the input (a blocking
/// [`Read`] for [`CaptureReader`], an `AsyncRead` for [`CaptureStream`]), and the connections.
struct Events {
    container: Container,
    flows: Flows,
    queue: VecDeque<Event>,
    state: State,
}

impl Events {
    fn new(config: &CaptureConfig) -> Result<Self, CaptureError> {
        if let Some(&port) = config.tcp_ports.intersection(&config.ws_ports).next() {
            return Err(CaptureError::ConflictingPort { port });
        }
        Ok(Self {
            container: Container::new(config.max_packet_len),
            flows: Flows::new(config),
            queue: VecDeque::new(),
            state: State::Reading,
        })
    }

    /// Reads the capture's header, reading the input with `read` as needed: `Pending` when
    /// `read` is (call again).
    fn header(
        &mut self,
        mut read: impl FnMut(&mut [u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<Result<(), CaptureError>> {
        loop {
            match self.container.header() {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(Stop::Error(error)) => return Poll::Ready(Err(error)),
                Err(Stop::NeedInput) => {
                    if let Err(error) = ready!(self.container.refill(&mut read)) {
                        return Poll::Ready(Err(error.into()));
                    }
                }
            }
        }
    }

    /// The next event (`None` after [`EventKind::End`]), reading the input with `read` as
    /// needed: `Pending` when `read` is (call again). A failed read ends the capture as
    /// [`CaptureError::Io`].
    fn next(
        &mut self,
        mut read: impl FnMut(&mut [u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<Option<Event>> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Poll::Ready(Some(event));
            }
            if self.state == State::Done {
                return Poll::Ready(None);
            }
            if let Err(Stop::NeedInput) = self.read_one() {
                if let Err(error) = ready!(self.container.refill(&mut read)) {
                    self.finish(Some(error.into()));
                }
            }
        }
    }

    /// Reads the next record; [`Stop::NeedInput`] when it is not all there yet.
    fn read_one(&mut self) -> Result<(), Stop> {
        match self.container.next_record() {
            Ok(Record::Packet(packet)) => {
                self.flows.summary.packets += 1;
                let chunk = self.container.chunk();
                match link::parse(packet.linktype, &chunk[packet.data]) {
                    Ok(parsed) => self
                        .flows
                        .packet(packet.time, chunk, parsed, &mut self.queue),
                    Err(skip) => {
                        let ignored = &mut self.flows.summary.ignored;
                        *match skip {
                            Skip::UnsupportedLinkType => &mut ignored.unsupported_link_type,
                            Skip::NotIp => &mut ignored.not_ip,
                            Skip::NotTcpOrUdp => &mut ignored.not_tcp_or_udp,
                            Skip::Fragment => &mut ignored.fragment,
                            Skip::Truncated => &mut ignored.truncated,
                            Skip::Malformed => &mut ignored.malformed,
                        } += 1;
                    }
                }
            }
            Ok(Record::UnknownInterface) => {
                self.flows.summary.packets += 1;
                self.flows.summary.ignored.unknown_interface += 1;
            }
            Ok(Record::End) => self.finish(None),
            Err(Stop::NeedInput) => return Err(Stop::NeedInput),
            Err(Stop::Error(error)) => self.finish(Some(error)),
        }
        Ok(())
    }

    fn finish(&mut self, error: Option<CaptureError>) {
        let time = self.flows.now();
        if let Some(error) = error {
            self.queue.push_back(Event {
                time,
                kind: EventKind::Error(error),
            });
        }
        self.flows.close_all(&mut self.queue);
        self.queue.push_back(Event {
            time,
            kind: EventKind::End(Box::new(self.flows.summary())),
        });
        self.state = State::Done;
    }
}

impl<R> fmt::Debug for CaptureReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.events.debug("CaptureReader", f)
    }
}

impl Events {
    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("live_connections", &self.flows.live_connections())
            .field("buffered_bytes", &self.flows.buffered_bytes())
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}
