//! Synthesizes captures byte by byte, independently of the libraries the reader uses: IPv4 and
//! IPv6 packets (TCP with chosen sequence numbers and flags, UDP, fragments, extension headers),
//! the link headers of every supported link type, and pcap and pcapng containers. Plain `std`:
//! the reader's tests, the tool's tests and the capture benchmark all write with it.

use std::net::{IpAddr, SocketAddr};

pub const LINKTYPE_NULL: u32 = 0;
pub const LINKTYPE_ETHERNET: u32 = 1;
pub const LINKTYPE_RAW: u32 = 101;
pub const LINKTYPE_LOOP: u32 = 108;
pub const LINKTYPE_LINUX_SLL: u32 = 113;
pub const LINKTYPE_IPV4: u32 = 228;
pub const LINKTYPE_IPV6: u32 = 229;
pub const LINKTYPE_LINUX_SLL2: u32 = 276;

/// TCP flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags(pub u8);

pub const SYN: Flags = Flags(0x02);
pub const RST: Flags = Flags(0x04);
pub const ACK: Flags = Flags(0x10);
pub const PSH_ACK: Flags = Flags(0x18);
pub const SYN_ACK: Flags = Flags(0x12);
pub const FIN_ACK: Flags = Flags(0x11);

fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|pair| u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// How an IP packet is laid out beyond the plain case.
#[derive(Clone, Copy, Debug, Default)]
pub struct IpOptions {
    /// IPv4: set More Fragments; IPv6: add a fragment header with M set.
    pub fragment: bool,
    /// IPv6 only: a hop-by-hop options header before the transport header.
    pub hop_by_hop: bool,
}

/// An IP packet (v4 or v6 by the addresses) around a transport header and payload.
pub fn ip(src: IpAddr, dst: IpAddr, protocol: u8, transport: &[u8], options: IpOptions) -> Vec<u8> {
    match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let total = 20 + transport.len();
            let mut header = vec![0x45, 0];
            header.extend((total as u16).to_be_bytes());
            header.extend([0x12, 0x34]);
            header.extend(if options.fragment {
                [0x20, 0]
            } else {
                [0x40, 0]
            });
            header.extend([64, protocol, 0, 0]);
            header.extend(src.octets());
            header.extend(dst.octets());
            let sum = checksum(&header);
            header[10..12].copy_from_slice(&sum.to_be_bytes());
            header.extend(transport);
            header
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            let mut extensions = Vec::new();
            let mut next = protocol;
            if options.fragment {
                // Fragment header: next header, reserved, offset 0 with M set, identification.
                let mut fragment = vec![next, 0, 0, 1];
                fragment.extend(0x0102_0304u32.to_be_bytes());
                extensions.splice(0..0, fragment);
                next = 44;
            }
            if options.hop_by_hop {
                // Hop-by-hop: next header, length 0 (8 bytes), a PadN option of 4 bytes.
                extensions.splice(0..0, [next, 0, 1, 4, 0, 0, 0, 0]);
                next = 0;
            }
            let mut packet = vec![0x60, 0, 0, 0];
            packet.extend(((extensions.len() + transport.len()) as u16).to_be_bytes());
            packet.extend([next, 64]);
            packet.extend(src.octets());
            packet.extend(dst.octets());
            packet.extend(extensions);
            packet.extend(transport);
            packet
        }
        _ => panic!("mixed address families"),
    }
}

/// A TCP segment in an IP packet.
pub fn tcp(src: SocketAddr, dst: SocketAddr, seq: u32, flags: Flags, payload: &[u8]) -> Vec<u8> {
    tcp_with(src, dst, seq, flags, payload, IpOptions::default())
}

/// A TCP segment in an IP packet laid out as `options` says.
pub fn tcp_with(
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    flags: Flags,
    payload: &[u8],
    options: IpOptions,
) -> Vec<u8> {
    let mut segment = Vec::with_capacity(20 + payload.len());
    segment.extend(src.port().to_be_bytes());
    segment.extend(dst.port().to_be_bytes());
    segment.extend(seq.to_be_bytes());
    segment.extend(0u32.to_be_bytes());
    segment.extend([5 << 4, flags.0]);
    segment.extend(65535u16.to_be_bytes());
    // Checksum left zero, as loopback captures often show it (it is not verified).
    segment.extend([0, 0, 0, 0]);
    segment.extend(payload);
    ip(src.ip(), dst.ip(), 6, &segment, options)
}

/// A UDP datagram in an IP packet.
pub fn udp(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let mut datagram = Vec::with_capacity(8 + payload.len());
    datagram.extend(src.port().to_be_bytes());
    datagram.extend(dst.port().to_be_bytes());
    datagram.extend(((8 + payload.len()) as u16).to_be_bytes());
    datagram.extend([0, 0]);
    datagram.extend(payload);
    ip(src.ip(), dst.ip(), 17, &datagram, IpOptions::default())
}

/// The link layer put in front of IP packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Ethernet,
    /// Ethernet with VLAN tags, outermost first (each a TPID: 0x8100, 0x88a8).
    EthernetVlan(&'static [u16]),
    /// Linux SLL with the given ARPHRD hardware type (772 is loopback).
    Sll(u16),
    Sll2,
    /// BSD loopback, family written little-endian (as on x86 hosts) or big-endian.
    Null {
        big_endian: bool,
    },
    Loop,
    Raw,
    Ipv4Only,
    Ipv6Only,
}

impl Link {
    pub fn linktype(self) -> u32 {
        match self {
            Self::Ethernet | Self::EthernetVlan(_) => LINKTYPE_ETHERNET,
            Self::Sll(_) => LINKTYPE_LINUX_SLL,
            Self::Sll2 => LINKTYPE_LINUX_SLL2,
            Self::Null { .. } => LINKTYPE_NULL,
            Self::Loop => LINKTYPE_LOOP,
            Self::Raw => LINKTYPE_RAW,
            Self::Ipv4Only => LINKTYPE_IPV4,
            Self::Ipv6Only => LINKTYPE_IPV6,
        }
    }

    /// The frame carrying an IP packet.
    pub fn frame(self, packet: &[u8]) -> Vec<u8> {
        let v6 = packet.first().is_some_and(|b| b >> 4 == 6);
        let ether_type: u16 = if v6 { 0x86dd } else { 0x0800 };
        let mut frame = Vec::with_capacity(packet.len() + 32);
        match self {
            Self::Ethernet | Self::EthernetVlan(_) => {
                frame.extend([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]);
                if let Self::EthernetVlan(tags) = self {
                    for (i, tpid) in tags.iter().enumerate() {
                        frame.extend(tpid.to_be_bytes());
                        frame.extend((100 + i as u16).to_be_bytes());
                    }
                }
                frame.extend(ether_type.to_be_bytes());
            }
            Self::Sll(hardware) => {
                frame.extend(0u16.to_be_bytes());
                frame.extend(hardware.to_be_bytes());
                frame.extend(6u16.to_be_bytes());
                frame.extend([0, 0, 0, 0, 0, 0, 0, 0]);
                frame.extend(ether_type.to_be_bytes());
            }
            Self::Sll2 => {
                frame.extend(ether_type.to_be_bytes());
                frame.extend([0, 0]);
                frame.extend(1u32.to_be_bytes());
                frame.extend(772u16.to_be_bytes());
                frame.extend([0, 6]);
                frame.extend([0, 0, 0, 0, 0, 0, 0, 0]);
            }
            Self::Null { big_endian } => {
                // AF_INET, or macOS's AF_INET6.
                let family: u32 = if v6 { 30 } else { 2 };
                frame.extend(if big_endian {
                    family.to_be_bytes()
                } else {
                    family.to_le_bytes()
                });
            }
            Self::Loop => {
                let family: u32 = if v6 { 24 } else { 2 };
                frame.extend(family.to_be_bytes());
            }
            Self::Raw | Self::Ipv4Only | Self::Ipv6Only => {}
        }
        frame.extend(packet);
        frame
    }
}

fn put_u16(out: &mut Vec<u8>, value: u16, big_endian: bool) {
    out.extend(if big_endian {
        value.to_be_bytes()
    } else {
        value.to_le_bytes()
    });
}

fn put_u32(out: &mut Vec<u8>, value: u32, big_endian: bool) {
    out.extend(if big_endian {
        value.to_be_bytes()
    } else {
        value.to_le_bytes()
    });
}

/// A classic pcap file.
pub struct Pcap {
    bytes: Vec<u8>,
    big_endian: bool,
    nanoseconds: bool,
}

impl Pcap {
    pub fn new(linktype: u32, big_endian: bool, nanoseconds: bool) -> Self {
        let mut bytes = Vec::new();
        let magic = if nanoseconds {
            0xa1b2_3c4d
        } else {
            0xa1b2_c3d4
        };
        put_u32(&mut bytes, magic, big_endian);
        put_u16(&mut bytes, 2, big_endian);
        put_u16(&mut bytes, 4, big_endian);
        put_u32(&mut bytes, 0, big_endian);
        put_u32(&mut bytes, 0, big_endian);
        put_u32(&mut bytes, 262_144, big_endian);
        put_u32(&mut bytes, linktype, big_endian);
        Self {
            bytes,
            big_endian,
            nanoseconds,
        }
    }

    /// A packet captured `micros` microseconds after the epoch.
    pub fn packet(&mut self, micros: u64, frame: &[u8]) -> &mut Self {
        let seconds = (micros / 1_000_000) as u32;
        let fraction = (micros % 1_000_000) as u32;
        let fraction = if self.nanoseconds {
            fraction * 1000 + 999 // sub-microsecond digits are truncated
        } else {
            fraction
        };
        self.record(seconds, fraction, frame.len() as u32, frame)
    }

    /// A record with every header field chosen.
    pub fn record(&mut self, seconds: u32, fraction: u32, caplen: u32, data: &[u8]) -> &mut Self {
        let be = self.big_endian;
        put_u32(&mut self.bytes, seconds, be);
        put_u32(&mut self.bytes, fraction, be);
        put_u32(&mut self.bytes, caplen, be);
        put_u32(&mut self.bytes, data.len() as u32, be);
        self.bytes.extend(data);
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }
}

/// A pcapng file, section after section.
pub struct PcapNg {
    bytes: Vec<u8>,
    big_endian: bool,
}

impl PcapNg {
    /// A file starting with a section of the given byte order.
    pub fn new(big_endian: bool) -> Self {
        let mut file = Self {
            bytes: Vec::new(),
            big_endian,
        };
        file.section(big_endian);
        file
    }

    fn block(&mut self, kind: u32, body: &[u8]) -> &mut Self {
        let be = self.big_endian;
        let padded = body.len().div_ceil(4) * 4;
        let len = (12 + padded) as u32;
        put_u32(&mut self.bytes, kind, be);
        put_u32(&mut self.bytes, len, be);
        self.bytes.extend(body);
        self.bytes
            .extend(std::iter::repeat_n(0, padded - body.len()));
        put_u32(&mut self.bytes, len, be);
        self
    }

    /// A new section header block: interfaces start again from 0.
    pub fn section(&mut self, big_endian: bool) -> &mut Self {
        self.big_endian = big_endian;
        let mut body = Vec::new();
        put_u32(&mut body, 0x1A2B_3C4D, big_endian);
        put_u16(&mut body, 1, big_endian);
        put_u16(&mut body, 0, big_endian);
        body.extend((-1i64).to_le_bytes());
        self.block(0x0A0D_0D0A, &body)
    }

    /// An interface description; `tsresol` is the `if_tsresol` option, if any (default 10^-6).
    pub fn interface(&mut self, linktype: u32, tsresol: Option<u8>) -> &mut Self {
        let be = self.big_endian;
        let mut body = Vec::new();
        put_u16(&mut body, linktype as u16, be);
        put_u16(&mut body, 0, be);
        put_u32(&mut body, 262_144, be);
        if let Some(tsresol) = tsresol {
            put_u16(&mut body, 9, be);
            put_u16(&mut body, 1, be);
            body.extend([tsresol, 0, 0, 0]);
            put_u16(&mut body, 0, be);
            put_u16(&mut body, 0, be);
        }
        self.block(1, &body)
    }

    /// An enhanced packet block, its timestamp in the interface's units.
    pub fn enhanced(&mut self, interface: u32, ticks: u64, frame: &[u8]) -> &mut Self {
        let be = self.big_endian;
        let mut body = Vec::new();
        put_u32(&mut body, interface, be);
        put_u32(&mut body, (ticks >> 32) as u32, be);
        put_u32(&mut body, ticks as u32, be);
        put_u32(&mut body, frame.len() as u32, be);
        put_u32(&mut body, frame.len() as u32, be);
        body.extend(frame);
        self.block(6, &body)
    }

    /// A simple packet block (no interface id, no timestamp).
    pub fn simple(&mut self, frame: &[u8]) -> &mut Self {
        let be = self.big_endian;
        let mut body = Vec::new();
        put_u32(&mut body, frame.len() as u32, be);
        body.extend(frame);
        self.block(3, &body)
    }

    /// Any other block (statistics, name resolution, custom…): skipped by readers.
    pub fn other(&mut self, kind: u32, body: &[u8]) -> &mut Self {
        self.block(kind, body)
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }
}

/// A TCP connection's two sequence spaces, for writing its segments in any order.
#[derive(Clone, Copy, Debug)]
pub struct Conversation {
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// The client's initial sequence number.
    pub client_isn: u32,
    pub server_isn: u32,
}

impl Conversation {
    pub fn new(client: &str, server: &str, client_isn: u32, server_isn: u32) -> Self {
        Self {
            client: client.parse().expect("a socket address"),
            server: server.parse().expect("a socket address"),
            client_isn,
            server_isn,
        }
    }

    pub fn syn(&self) -> Vec<u8> {
        tcp(self.client, self.server, self.client_isn, SYN, &[])
    }

    pub fn syn_ack(&self) -> Vec<u8> {
        tcp(self.server, self.client, self.server_isn, SYN_ACK, &[])
    }

    pub fn ack(&self) -> Vec<u8> {
        tcp(
            self.client,
            self.server,
            self.client_isn.wrapping_add(1),
            ACK,
            &[],
        )
    }

    /// SYN, SYN-ACK, ACK.
    pub fn handshake(&self) -> Vec<Vec<u8>> {
        vec![self.syn(), self.syn_ack(), self.ack()]
    }

    /// Client bytes at stream offset `offset` (0 is the first data byte).
    pub fn c2s(&self, offset: u32, payload: &[u8]) -> Vec<u8> {
        let seq = self.client_isn.wrapping_add(1).wrapping_add(offset);
        tcp(self.client, self.server, seq, PSH_ACK, payload)
    }

    /// Server bytes at stream offset `offset`.
    pub fn s2c(&self, offset: u32, payload: &[u8]) -> Vec<u8> {
        let seq = self.server_isn.wrapping_add(1).wrapping_add(offset);
        tcp(self.server, self.client, seq, PSH_ACK, payload)
    }

    /// The client's FIN after `offset` bytes.
    pub fn c2s_fin(&self, offset: u32) -> Vec<u8> {
        let seq = self.client_isn.wrapping_add(1).wrapping_add(offset);
        tcp(self.client, self.server, seq, FIN_ACK, &[])
    }

    /// The server's FIN after `offset` bytes.
    pub fn s2c_fin(&self, offset: u32) -> Vec<u8> {
        let seq = self.server_isn.wrapping_add(1).wrapping_add(offset);
        tcp(self.server, self.client, seq, FIN_ACK, &[])
    }

    /// The server's RST after `offset` bytes.
    pub fn s2c_rst(&self, offset: u32) -> Vec<u8> {
        let seq = self.server_isn.wrapping_add(1).wrapping_add(offset);
        tcp(self.server, self.client, seq, RST, &[])
    }
}

/// A pcap (little-endian, microseconds, raw IP) of packets one millisecond apart.
pub fn raw_pcap(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut pcap = Pcap::new(LINKTYPE_RAW, false, false);
    for (i, packet) in packets.iter().enumerate() {
        pcap.packet(1_700_000_000_000_000 + i as u64 * 1000, packet);
    }
    pcap.bytes()
}

/// A frame body with its varint32 length prefix, as TCP carries it.
pub fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    let mut len = body.len() as u64;
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend(body);
    out
}

/// Bytes of a connection captured in one packet: when (µs since the epoch), whether they go
/// to the server, their offset in that direction's stream, the bytes.
pub type TimedSegment = (u64, bool, u32, Vec<u8>);

/// The stream bytes of each direction of a connection, cut into segments written to a capture
/// one packet at a time, with their own times.
impl Conversation {
    /// One packet per `(time, to_server, stream offset, payload)`, after the handshake at
    /// `start`, into a pcap of `link`; ends with the server's RST after `rst_after` bytes of
    /// its own, when given.
    pub fn pcap(
        &self,
        link: Link,
        start: u64,
        segments: &[TimedSegment],
        rst_after: Option<u32>,
    ) -> Vec<u8> {
        let mut pcap = Pcap::new(link.linktype(), false, false);
        for packet in self.handshake() {
            pcap.packet(start, &link.frame(&packet));
        }
        for (time, to_server, offset, payload) in segments {
            let packet = if *to_server {
                self.c2s(*offset, payload)
            } else {
                self.s2c(*offset, payload)
            };
            pcap.packet(*time, &link.frame(&packet));
        }
        if let Some(s2c) = rst_after {
            let last = segments.last().map_or(start, |s| s.0);
            pcap.packet(last + 1, &link.frame(&self.s2c_rst(s2c)));
        }
        pcap.bytes()
    }
}

impl Pcap {
    /// Takes what was written so far (to write a large capture out piece by piece).
    pub fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}
