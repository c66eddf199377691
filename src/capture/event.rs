//! What a capture is read into: timestamped events, and the counters of a whole read.

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::{CaptureError, ConnId, RoleKind, TransportKind};

/// A capture timestamp: microseconds since the Unix epoch (finer stamps are truncated).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The timestamp `micros` microseconds after the Unix epoch (before it if negative).
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// Microseconds since the Unix epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// The same instant as a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        let magnitude = Duration::from_micros(self.0.unsigned_abs());
        if self.0 >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }

    /// This timestamp plus a duration (saturating).
    pub(crate) fn saturating_add(self, duration: Duration) -> Self {
        let micros = i64::try_from(duration.as_micros()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(micros))
    }
}

/// `seconds.micros` since the epoch, as tcpdump prints with `-tt`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
    }
}

/// One thing found in a capture, with the timestamp of the packet that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When the packet behind this event was captured: `None` for a pcapng Simple Packet Block
    /// before any timestamp on its interface. Closes at the end of a capture carry the latest
    /// timestamp seen.
    pub time: Option<Timestamp>,
    /// What happened.
    pub kind: EventKind,
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloseHow {
    /// Both sides sent a FIN.
    Fin,
    /// A side sent a RST (what the Turms gateway does: it sets `SO_LINGER=0`).
    Rst,
    /// Nothing was captured on it for the idle limit (in capture time).
    Idle,
    /// The capture ended (or broke off) with the connection still open.
    EndOfCapture,
    /// A new connection (a SYN with another sequence number) took its addresses.
    Reused,
}

impl CloseHow {
    /// `"fin"`, `"rst"`, `"idle"`, `"end_of_capture"` or `"reused"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Fin => "fin",
            Self::Rst => "rst",
            Self::Idle => "idle",
            Self::EndOfCapture => "end_of_capture",
            Self::Reused => "reused",
        }
    }
}

/// What happened, per connection (a TCP connection, or a UDP client/server address pair).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A connection was seen for the first time; comes before any other event of `conn`.
    Open {
        /// Its number: 1, 2, … in order of appearance.
        conn: ConnId,
        /// The client's address.
        peer: SocketAddr,
        /// The server's address (the side on a server port).
        server: SocketAddr,
        /// TCP, WebSocket or UDP, by the server port.
        transport: TransportKind,
    },
    /// Stream bytes of one direction, in order, as they became contiguous.
    Data {
        /// The connection.
        conn: ConnId,
        /// Which way they went.
        dir: RoleKind,
        /// The bytes (a slice of the capture's own buffer when they arrived in order).
        bytes: Bytes,
        /// These bytes do not follow the bytes delivered before in this direction: a hole or
        /// an uncaptured start lies before them (only with
        /// [`resync`](super::CaptureConfig::resync)). Later contiguous data is not flagged.
        after_gap: bool,
    },
    /// Bytes of one direction that were never captured. Without `resync`, nothing more of that
    /// direction is delivered.
    Gap {
        /// The connection.
        conn: ConnId,
        /// The direction with the hole.
        dir: RoleKind,
        /// From the next byte expected to the first byte seen after the hole (or the FIN).
        missing_bytes: u64,
    },
    /// A direction of the connection carries data but its SYN was not captured: the upper
    /// layer cannot know where frames begin. Without `resync` such a direction is not
    /// delivered. Reported once per connection.
    StartNotCaptured {
        /// The connection.
        conn: ConnId,
    },
    /// One UDP datagram's payload.
    Datagram {
        /// The client/server address pair.
        conn: ConnId,
        /// Which way it went.
        dir: RoleKind,
        /// The payload (may be empty: an empty reply means OK).
        bytes: Bytes,
    },
    /// The connection ended; its state is freed.
    Close {
        /// The connection.
        conn: ConnId,
        /// Bytes delivered client to server (stream data, or datagram payloads).
        c2s_bytes: u64,
        /// Bytes delivered server to client.
        s2c_bytes: u64,
        /// Why it ended.
        how: CloseHow,
    },
    /// The capture could not be read further (truncated, malformed, unreadable); the
    /// connections still open are then closed as [`CloseHow::EndOfCapture`].
    Error(CaptureError),
    /// The last event: the counters of the whole read.
    End(Box<Summary>),
}

/// Packets not used, by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ignored {
    /// TCP or UDP with no server port on either side.
    pub other_port: u64,
    /// Not IPv4 or IPv6 (ARP, LLC, …).
    pub not_ip: u64,
    /// IP but neither TCP nor UDP (ICMP, an unknown IPv6 extension header, …).
    pub not_tcp_or_udp: u64,
    /// An IP fragment (fragments are not reassembled).
    pub fragment: u64,
    /// A link type this reader does not know.
    pub unsupported_link_type: u64,
    /// Cut short by the capture's snapshot length (or a headers' length beyond the packet).
    pub truncated: u64,
    /// Headers that make no sense.
    pub malformed: u64,
    /// A pcapng packet on an interface no Interface Description Block declared.
    pub unknown_interface: u64,
    /// A TCP segment without data nor SYN of a connection never seen (e.g. the last ACK).
    pub no_connection: u64,
    /// A TCP segment of a connection already closed (e.g. a retransmission after the FINs).
    pub after_close: u64,
}

impl Ignored {
    /// All ignored packets.
    pub fn total(&self) -> u64 {
        self.other_port
            + self.not_ip
            + self.not_tcp_or_udp
            + self.fragment
            + self.unsupported_link_type
            + self.truncated
            + self.malformed
            + self.unknown_interface
            + self.no_connection
            + self.after_close
    }
}

/// Connections whose bytes were (partly) not delivered, by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotDecoded {
    /// A direction's start was not captured (and `resync` was off).
    pub start_not_captured: u64,
    /// A direction stopped at a gap (and `resync` was off).
    pub stopped_at_gap: u64,
}

/// The counters of a whole read, yielded last as [`EventKind::End`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Packet records read (pcap records, pcapng Enhanced and Simple Packet Blocks).
    pub packets: u64,
    /// Packets not used, by reason.
    pub ignored: Ignored,
    /// Connections opened (TCP and WebSocket connections, UDP address pairs).
    pub connections: u64,
    /// Holes reported as [`EventKind::Gap`].
    pub gaps: u64,
    /// Their missing bytes, added up.
    pub missing_bytes: u64,
    /// Connections not (wholly) delivered, by reason.
    pub not_decoded: NotDecoded,
    /// Stream bytes delivered, both directions of every TCP connection.
    pub stream_bytes: u64,
    /// UDP datagrams delivered.
    pub datagrams: u64,
    /// Stream bytes captured more than once (retransmissions, overlaps), delivered once.
    pub duplicate_bytes: u64,
    /// TCP segments that arrived ahead of a missing one and waited.
    pub out_of_order_segments: u64,
}
