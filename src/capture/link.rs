//! From a link-layer frame to the addresses and the TCP or UDP payload it carries.
//!
//! `etherparse` slices Ethernet II (with up to three 802.1Q/802.1ad tags), IPv4, IPv6 (with the
//! extension headers it knows), TCP and UDP; checksums are not verified (loopback captures carry
//! wrong ones). The fixed link headers that come first in the other link types are read here:
//! etherparse has no Linux SLL2, and its SLL refuses the ARPHRD_LOOPBACK hardware type that
//! `tcpdump -i any` writes for loopback traffic.

use std::net::{IpAddr, SocketAddr};

use etherparse::err::packet::SliceError;
use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice};

/// BSD loopback: a 4-byte address family in the capturing host's byte order.
pub(crate) const LINKTYPE_NULL: u32 = 0;
/// Ethernet II.
pub(crate) const LINKTYPE_ETHERNET: u32 = 1;
/// Raw IPv4 or IPv6, told apart by the version nibble.
pub(crate) const LINKTYPE_RAW: u32 = 101;
/// OpenBSD loopback: the address family in network byte order.
pub(crate) const LINKTYPE_LOOP: u32 = 108;
/// Linux "cooked" capture v1 (`tcpdump -i any` before libpcap 1.10).
pub(crate) const LINKTYPE_LINUX_SLL: u32 = 113;
/// Raw IPv4.
pub(crate) const LINKTYPE_IPV4: u32 = 228;
/// Raw IPv6.
pub(crate) const LINKTYPE_IPV6: u32 = 229;
/// Linux "cooked" capture v2.
pub(crate) const LINKTYPE_LINUX_SLL2: u32 = 276;

/// AF_INET everywhere, and AF_INET6 on Linux (10), Windows (23), NetBSD/OpenBSD (24), FreeBSD
/// (28) and macOS (30).
const IP_FAMILIES: [u32; 6] = [2, 10, 23, 24, 28, 30];

/// A packet carrying TCP or UDP.
#[derive(Debug)]
pub(crate) struct Packet<'a> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub transport: Transported<'a>,
}

/// The transport layer of a [`Packet`].
#[derive(Debug)]
pub(crate) enum Transported<'a> {
    Tcp(Segment<'a>),
    Udp(&'a [u8]),
}

/// What reassembly needs of a TCP segment.
#[derive(Debug)]
pub(crate) struct Segment<'a> {
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub payload: &'a [u8],
}

/// Why a frame yields no packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Skip {
    UnsupportedLinkType,
    NotIp,
    NotTcpOrUdp,
    Fragment,
    Truncated,
    Malformed,
}

/// Slices a frame of the given link type.
pub(crate) fn parse(linktype: u32, frame: &[u8]) -> Result<Packet<'_>, Skip> {
    let sliced = match linktype {
        LINKTYPE_ETHERNET => SlicedPacket::from_ethernet(frame),
        LINKTYPE_RAW | LINKTYPE_IPV4 | LINKTYPE_IPV6 => SlicedPacket::from_ip(frame),
        LINKTYPE_NULL | LINKTYPE_LOOP => {
            let family = frame.get(..4).ok_or(Skip::Truncated)?;
            let family = [family[0], family[1], family[2], family[3]];
            let is_ip = if linktype == LINKTYPE_LOOP {
                IP_FAMILIES.contains(&u32::from_be_bytes(family))
            } else {
                // Host byte order: whichever reading names a family.
                IP_FAMILIES.contains(&u32::from_le_bytes(family))
                    || IP_FAMILIES.contains(&u32::from_be_bytes(family))
            };
            if !is_ip {
                return Err(Skip::NotIp);
            }
            SlicedPacket::from_ip(&frame[4..])
        }
        // [packet type 2][ARPHRD 2][address length 2][address 8][protocol 2]
        LINKTYPE_LINUX_SLL => {
            let protocol = frame.get(14..16).ok_or(Skip::Truncated)?;
            let protocol = u16::from_be_bytes([protocol[0], protocol[1]]);
            SlicedPacket::from_ether_type(EtherType(protocol), &frame[16..])
        }
        // [protocol 2][reserved 2][interface 4][ARPHRD 2][packet type 1][address length 1]
        // [address 8]
        LINKTYPE_LINUX_SLL2 => {
            if frame.len() < 20 {
                return Err(Skip::Truncated);
            }
            let protocol = u16::from_be_bytes([frame[0], frame[1]]);
            SlicedPacket::from_ether_type(EtherType(protocol), &frame[20..])
        }
        _ => return Err(Skip::UnsupportedLinkType),
    };
    let sliced = sliced.map_err(|error| match error {
        SliceError::Len(_) => Skip::Truncated,
        _ => Skip::Malformed,
    })?;
    let (src_ip, dst_ip, fragmented) = match &sliced.net {
        Some(NetSlice::Ipv4(ip)) => (
            IpAddr::V4(ip.header().source_addr()),
            IpAddr::V4(ip.header().destination_addr()),
            ip.is_payload_fragmented(),
        ),
        Some(NetSlice::Ipv6(ip)) => (
            IpAddr::V6(ip.header().source_addr()),
            IpAddr::V6(ip.header().destination_addr()),
            ip.is_payload_fragmented(),
        ),
        _ => return Err(Skip::NotIp),
    };
    if fragmented {
        return Err(Skip::Fragment);
    }
    let (src_port, dst_port, transport) = match sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => (
            tcp.source_port(),
            tcp.destination_port(),
            Transported::Tcp(Segment {
                seq: tcp.sequence_number(),
                syn: tcp.syn(),
                ack: tcp.ack(),
                fin: tcp.fin(),
                rst: tcp.rst(),
                payload: tcp.payload(),
            }),
        ),
        Some(TransportSlice::Udp(udp)) => (
            udp.source_port(),
            udp.destination_port(),
            Transported::Udp(udp.payload()),
        ),
        _ => return Err(Skip::NotTcpOrUdp),
    };
    Ok(Packet {
        src: SocketAddr::new(src_ip, src_port),
        dst: SocketAddr::new(dst_ip, dst_port),
        transport,
    })
}
