//! pcap and pcapng variants, link types, timestamps, and captures that are broken or empty.

use std::io::{self, Read};
use std::net::SocketAddr;

use turms_wire::capture::{
    CaptureConfig, CaptureError, CaptureFormat, CaptureReader, EventKind, RoleKind, Timestamp,
    TransportKind,
};

use crate::{errors, outline, read, stream, summary};
use turms_wire_test_support::capture_writer::*;

/// A login-sized exchange: handshake, one request, one response, both FINs.
fn exchange(conversation: &Conversation) -> Vec<Vec<u8>> {
    let mut packets = conversation.handshake();
    packets.push(conversation.c2s(0, b"\x03req"));
    packets.push(conversation.s2c(0, b"\x04resp"));
    packets.push(conversation.c2s_fin(4));
    packets.push(conversation.s2c_fin(5));
    packets
}

const BASE: u64 = 1_700_000_000_000_000;

fn expected_outline(peer: &str, server: &str) -> Vec<String> {
    vec![
        format!("open 1 {peer} {server} tcp"),
        "data 1 c2s \"\\u{3}req\"".to_string(),
        "data 1 s2c \"\\u{4}resp\"".to_string(),
        "close 1 4 5 fin".to_string(),
        "end".to_string(),
    ]
}

#[test]
fn pcap_in_both_byte_orders_and_both_resolutions() {
    let conversation = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 1000, 5000);
    for big_endian in [false, true] {
        for nanoseconds in [false, true] {
            let mut pcap = Pcap::new(LINKTYPE_RAW, big_endian, nanoseconds);
            for (i, packet) in exchange(&conversation).iter().enumerate() {
                pcap.packet(BASE + i as u64 * 1500, packet);
            }
            let capture = pcap.bytes();
            let reader = CaptureReader::new(&capture[..], CaptureConfig::default()).unwrap();
            assert_eq!(
                reader.format(),
                CaptureFormat::Pcap {
                    big_endian,
                    nanoseconds
                }
            );
            let events: Vec<_> = reader.collect();
            assert_eq!(
                outline(&events),
                expected_outline("10.0.0.1:40000", "10.0.0.2:11510"),
                "big_endian {big_endian}, nanoseconds {nanoseconds}"
            );
            // The request is the fourth packet; nanosecond digits are truncated.
            assert_eq!(
                events[1].time,
                Some(Timestamp::from_micros((BASE + 3 * 1500) as i64))
            );
            assert_eq!(summary(&events).packets, 7);
        }
    }
}

#[test]
fn pcapng_in_both_byte_orders() {
    let conversation = Conversation::new("[fd00::1]:40000", "[fd00::2]:11510", 1000, 5000);
    for big_endian in [false, true] {
        let mut file = PcapNg::new(big_endian);
        file.interface(LINKTYPE_ETHERNET, None);
        for (i, packet) in exchange(&conversation).iter().enumerate() {
            file.enhanced(0, BASE + i as u64, &Link::Ethernet.frame(packet));
        }
        let capture = file.bytes();
        let reader = CaptureReader::new(&capture[..], CaptureConfig::default()).unwrap();
        assert_eq!(reader.format(), CaptureFormat::PcapNg);
        let events: Vec<_> = reader.collect();
        assert_eq!(
            outline(&events),
            expected_outline("[fd00::1]:40000", "[fd00::2]:11510"),
            "big_endian {big_endian}"
        );
        assert_eq!(events[0].time, Some(Timestamp::from_micros(BASE as i64)));
    }
}

#[test]
fn every_link_type_with_ipv4_and_ipv6() {
    let links = [
        Link::Ethernet,
        Link::EthernetVlan(&[0x8100]),
        Link::EthernetVlan(&[0x88a8, 0x8100]),
        Link::Sll(772),
        Link::Sll(1),
        Link::Sll2,
        Link::Null { big_endian: false },
        Link::Null { big_endian: true },
        Link::Loop,
        Link::Raw,
        Link::Ipv4Only,
        Link::Ipv6Only,
    ];
    let v4 = Conversation::new("127.0.0.1:50000", "127.0.0.1:11510", 7, 9);
    let v6 = Conversation::new("[::1]:50000", "[::1]:11510", 7, 9);
    for link in links {
        for conversation in [v4, v6] {
            let v6 = conversation.client.is_ipv6();
            if (link == Link::Ipv4Only && v6) || (link == Link::Ipv6Only && !v6) {
                continue;
            }
            let mut pcap = Pcap::new(link.linktype(), false, false);
            for (i, packet) in exchange(&conversation).iter().enumerate() {
                pcap.packet(BASE + i as u64, &link.frame(packet));
            }
            let events = read(&pcap.bytes());
            assert_eq!(
                outline(&events),
                expected_outline(
                    &conversation.client.to_string(),
                    &conversation.server.to_string()
                ),
                "{link:?} {}",
                if v6 { "IPv6" } else { "IPv4" }
            );
        }
    }
}

#[test]
fn pcapng_interfaces_keep_their_own_link_type_and_resolution() {
    let conversation = Conversation::new("10.1.1.1:40000", "10.1.1.2:11510", 1, 2);
    let packets = exchange(&conversation);
    let mut file = PcapNg::new(false);
    // Microseconds (no option), nanoseconds, and 2^-10 seconds.
    file.interface(LINKTYPE_ETHERNET, None)
        .interface(LINKTYPE_RAW, Some(9))
        .interface(LINKTYPE_LINUX_SLL2, Some(0x80 | 10));
    file.enhanced(0, BASE, &Link::Ethernet.frame(&packets[0]));
    file.enhanced(1, (BASE + 1) * 1000 + 999, &packets[1]);
    // 1024 ticks a second: 1_700_000_000.5 s is (1_700_000_000 * 1024 + 512) ticks.
    file.enhanced(
        2,
        1_700_000_000 * 1024 + 512,
        &Link::Sll2.frame(&packets[2]),
    );
    file.enhanced(0, BASE + 600_000, &Link::Ethernet.frame(&packets[3]));
    file.enhanced(1, (BASE + 700_000) * 1000, &packets[4]);
    file.enhanced(
        2,
        1_700_000_000 * 1024 + 1023,
        &Link::Sll2.frame(&packets[5]),
    );
    file.enhanced(0, BASE + 900_000, &Link::Ethernet.frame(&packets[6]));
    let events = read(&file.bytes());
    assert_eq!(
        outline(&events),
        expected_outline("10.1.1.1:40000", "10.1.1.2:11510")
    );
    let times: Vec<_> = events
        .iter()
        .map(|e| e.time.map(Timestamp::as_micros))
        .collect();
    let base = BASE as i64;
    assert_eq!(
        times,
        [
            Some(base),           // open, at the SYN
            Some(base + 600_000), // request
            Some(base + 700_000), // response
            Some(base + 900_000), // close at the second FIN (interface 0)
            Some(base + 999_023), // end: the latest time seen (the first FIN, 1023/1024 s)
        ]
    );
    // The 2^-10 interface: 1023/1024 s is 999023.4375 µs.
    let sll2_close = {
        let mut file2 = PcapNg::new(true);
        file2
            .interface(LINKTYPE_LINUX_SLL2, Some(0x80 | 10))
            .enhanced(
                0,
                1_700_000_000 * 1024 + 1023,
                &Link::Sll2.frame(&packets[0]),
            );
        read(&file2.bytes())
    };
    assert_eq!(
        sll2_close[0].time,
        Some(Timestamp::from_micros(1_700_000_000_999_023))
    );
}

#[test]
fn simple_packet_blocks_take_the_last_timestamp_of_the_first_interface() {
    let a = Conversation::new("10.0.0.1:1001", "10.0.0.9:11510", 100, 200);
    let b = Conversation::new("10.0.0.1:1002", "10.0.0.9:11510", 100, 200);
    let mut file = PcapNg::new(false);
    file.interface(LINKTYPE_RAW, None);
    file.simple(&a.syn());
    file.enhanced(0, BASE + 5, &b.syn());
    file.simple(&a.syn_ack());
    file.simple(&a.c2s(0, b"x"));
    let events = read(&file.bytes());
    assert_eq!(
        outline(&events)[..3],
        [
            "open 1 10.0.0.1:1001 10.0.0.9:11510 tcp",
            "open 2 10.0.0.1:1002 10.0.0.9:11510 tcp",
            "data 1 c2s \"x\""
        ]
    );
    assert_eq!(
        events[0].time, None,
        "no timestamp before any on the interface"
    );
    assert_eq!(
        events[1].time,
        Some(Timestamp::from_micros(BASE as i64 + 5))
    );
    assert_eq!(
        events[2].time,
        Some(Timestamp::from_micros(BASE as i64 + 5))
    );
    let end = summary(&events);
    assert_eq!(end.packets, 4);
}

#[test]
fn a_new_section_starts_its_interfaces_again_and_may_change_byte_order() {
    let a = Conversation::new("10.0.0.1:1001", "10.0.0.9:11510", 100, 200);
    let b = Conversation::new("[fd00::1]:1002", "[fd00::9]:10510", 300, 400);
    let mut file = PcapNg::new(false);
    file.interface(LINKTYPE_ETHERNET, None)
        .interface(LINKTYPE_RAW, None);
    file.enhanced(1, BASE, &a.syn());
    // Blocks nobody needs are skipped: interface statistics, a custom block.
    file.other(5, &[0; 20]).other(0x0000_0BAD, b"hello");
    file.section(true).interface(LINKTYPE_LOOP, Some(3));
    file.enhanced(0, 1_700_000_001_000, &Link::Loop.frame(&b.syn()));
    file.enhanced(0, 1_700_000_001_001, &Link::Loop.frame(&b.c2s(0, b"GET /")));
    // Interface 1 existed in the first section only.
    file.enhanced(1, BASE, &a.c2s(0, b"lost"));
    let events = read(&file.bytes());
    assert_eq!(
        outline(&events),
        [
            "open 1 10.0.0.1:1001 10.0.0.9:11510 tcp",
            "open 2 [fd00::1]:1002 [fd00::9]:10510 ws",
            "data 2 c2s \"GET /\"",
            "close 1 0 0 end_of_capture",
            "close 2 5 0 end_of_capture",
            "end"
        ]
    );
    assert_eq!(
        events[2].time,
        Some(Timestamp::from_micros(1_700_000_001_001_000))
    );
    let end = summary(&events);
    assert_eq!(end.packets, 4);
    assert_eq!(end.ignored.unknown_interface, 1);
}

#[test]
fn a_capture_without_packets_yields_its_summary_only() {
    for capture in [
        Pcap::new(LINKTYPE_ETHERNET, false, false).bytes(),
        Pcap::new(LINKTYPE_ETHERNET, true, true).bytes(),
        PcapNg::new(false).bytes(),
        PcapNg::new(true).interface(LINKTYPE_RAW, None).bytes(),
    ] {
        let events = read(&capture);
        assert_eq!(outline(&events), ["end"]);
        assert_eq!(summary(&events).packets, 0);
    }
}

#[test]
fn anything_else_is_refused_with_its_magic() {
    let error = CaptureReader::new(&b"GET / HTTP/1.1\r\n"[..], CaptureConfig::default())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error, CaptureError::NotACapture { magic: 0x4745_5420 });
    assert!(error
        .to_string()
        .starts_with("not a pcap or pcapng capture: magic 0x47455420 (expected"));
    let error = CaptureReader::new(&b""[..], CaptureConfig::default())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error, CaptureError::Empty);
}

#[test]
fn a_header_cut_short_is_a_truncated_header() {
    let pcap = Pcap::new(LINKTYPE_RAW, false, false).bytes();
    let pcapng = PcapNg::new(true).bytes();
    for (capture, cut) in [
        (&pcap, 2),
        (&pcap, 10),
        (&pcap, 23),
        (&pcapng, 6),
        (&pcapng, 27),
    ] {
        let error = CaptureReader::new(&capture[..cut], CaptureConfig::default())
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            error,
            CaptureError::Truncated {
                offset: 0,
                what: "file header"
            },
            "cut at {cut}"
        );
    }
}

#[test]
fn a_capture_cut_inside_a_record_yields_what_came_before_then_the_error() {
    let conversation = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 1000, 5000);
    let packets = exchange(&conversation);
    let whole = raw_pcap(&packets[..4]);
    // Record offsets: 24, then each 16 + packet length.
    let fourth = 24 + packets[..3].iter().map(|p| 16 + p.len()).sum::<usize>();
    for cut in [fourth + 3, fourth + 16, whole.len() - 1] {
        let events = read(&whole[..cut]);
        assert_eq!(
            outline(&events),
            [
                "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp".to_string(),
                format!("error capture truncated at byte {fourth}: the packet record is cut short"),
                "close 1 0 0 end_of_capture".to_string(),
                "end".to_string(),
            ],
            "cut at {cut}"
        );
        assert_eq!(summary(&events).packets, 3);
    }

    let mut file = PcapNg::new(false);
    file.interface(LINKTYPE_RAW, None);
    for packet in &packets[..4] {
        file.enhanced(0, BASE, packet);
    }
    let whole = file.bytes();
    let events = read(&whole[..whole.len() - 5]);
    assert!(matches!(
        errors(&events)[..],
        [CaptureError::Truncated {
            what: "pcapng block",
            ..
        }]
    ));
    assert_eq!(summary(&events).packets, 3);
    // The block header itself cut.
    let last = whole.len() - (32 + packets[3].len().div_ceil(4) * 4);
    let events = read(&whole[..last + 6]);
    assert_eq!(
        errors(&events),
        [CaptureError::Truncated {
            offset: last as u64,
            what: "pcapng block"
        }]
    );
}

/// Hands out a capture's bytes, then zeros without end, counting what was read.
struct Endless<'a> {
    start: &'a [u8],
    read: usize,
}

impl Read for Endless<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = if self.start.is_empty() {
            buf.fill(0);
            buf.len()
        } else {
            let n = self.start.len().min(buf.len());
            buf[..n].copy_from_slice(&self.start[..n]);
            self.start = &self.start[n..];
            n
        };
        self.read += n;
        Ok(n)
    }
}

#[test]
fn a_huge_claimed_length_is_refused_before_anything_is_read_for_it() {
    // A pcap record claiming almost 4 GiB.
    let mut pcap = Pcap::new(LINKTYPE_RAW, false, false);
    pcap.record(1, 0, 0xFFFF_FFF0, &[]);
    let capture = pcap.bytes();
    let mut input = Endless {
        start: &capture,
        read: 0,
    };
    let events: Vec<_> = CaptureReader::new(&mut input, CaptureConfig::default())
        .unwrap()
        .collect();
    assert_eq!(
        errors(&events),
        [CaptureError::Oversize {
            offset: 24,
            what: "packet record",
            len: 0xFFFF_FFF0,
            max: 262_144
        }]
    );
    assert!(input.read < 1 << 20, "read {} bytes", input.read);

    // A pcapng block claiming as much.
    let mut capture = PcapNg::new(false).interface(LINKTYPE_RAW, None).bytes();
    capture.extend(6u32.to_le_bytes());
    capture.extend(0xFFFF_FFF0u32.to_le_bytes());
    let mut input = Endless {
        start: &capture,
        read: 0,
    };
    let events: Vec<_> = CaptureReader::new(&mut input, CaptureConfig::default())
        .unwrap()
        .collect();
    assert!(matches!(
        errors(&events)[..],
        [CaptureError::Oversize {
            what: "pcapng block",
            len: 0xFFFF_FFF0,
            ..
        }]
    ));
    assert!(input.read < 1 << 20, "read {} bytes", input.read);

    // The limit is the configuration's.
    let packet = Conversation::new("10.0.0.1:1", "10.0.0.2:11510", 0, 0).c2s(0, &[7; 2000]);
    let mut config = CaptureConfig::default();
    config.max_packet_len = 1000;
    let events = crate::read_with(&raw_pcap(&[packet]), config);
    assert!(matches!(
        errors(&events)[..],
        [CaptureError::Oversize { max: 1000, .. }]
    ));
}

#[test]
fn blocks_whose_lengths_contradict_themselves_are_malformed() {
    let base = PcapNg::new(false).interface(LINKTYPE_RAW, None).bytes();
    let good = {
        let mut file = PcapNg::new(false);
        file.interface(LINKTYPE_RAW, None).enhanced(
            0,
            1,
            &Conversation::new("10.0.0.1:1", "10.0.0.2:11510", 0, 0).syn(),
        );
        file.bytes()
    };
    let epb = &good[base.len()..];
    // Length not a multiple of 4, length below 12, trailing length different, caplen beyond
    // the block.
    let mut odd = epb.to_vec();
    odd[4] += 1;
    let mut tiny = epb.to_vec();
    tiny[4..8].copy_from_slice(&8u32.to_le_bytes());
    let mut trailer = epb.to_vec();
    let n = trailer.len();
    trailer[n - 4] ^= 4;
    let mut caplen = epb.to_vec();
    caplen[20..24].copy_from_slice(&4000u32.to_le_bytes());
    for (name, block) in [
        ("odd", odd),
        ("tiny", tiny),
        ("trailer", trailer),
        ("caplen", caplen),
    ] {
        let mut capture = base.clone();
        capture.extend(block);
        let events = read(&capture);
        let errors = errors(&events);
        assert!(
            matches!(
                errors[..],
                [CaptureError::Malformed {
                    what: "pcapng block",
                    ..
                }]
            ),
            "{name}: {errors:?}"
        );
        assert_eq!(summary(&events).packets, 0, "{name}");
    }
}

/// Hands out one byte per read, counting.
struct Trickle<'a> {
    bytes: &'a [u8],
    read: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.bytes.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.bytes[0];
        self.bytes = &self.bytes[1..];
        self.read.set(self.read.get() + 1);
        Ok(1)
    }
}

#[test]
fn each_event_comes_as_soon_as_its_packet_has_been_read() {
    let conversation = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 1000, 5000);
    let packets = exchange(&conversation);
    for capture in [raw_pcap(&packets), {
        let mut file = PcapNg::new(false);
        file.interface(LINKTYPE_RAW, None);
        for packet in &packets {
            file.enhanced(0, 1, packet);
        }
        file.bytes()
    }] {
        let read = std::rc::Rc::new(std::cell::Cell::new(0));
        let mut reader = CaptureReader::new(
            Trickle {
                bytes: &capture,
                read: read.clone(),
            },
            CaptureConfig::default(),
        )
        .unwrap();
        let pcapng = capture[0] == 0x0a;
        let end_of = |n: usize| -> usize {
            if pcapng {
                // Section header 28, interface 20, then 32 + padded data per packet.
                48 + packets[..n]
                    .iter()
                    .map(|p| 32 + p.len().div_ceil(4) * 4)
                    .sum::<usize>()
            } else {
                24 + packets[..n].iter().map(|p| 16 + p.len()).sum::<usize>()
            }
        };
        let open = reader.next().unwrap();
        assert!(matches!(open.kind, EventKind::Open { .. }));
        assert_eq!(read.get(), end_of(1), "the SYN's record and nothing more");
        let request = reader.next().unwrap();
        assert!(matches!(
            request.kind,
            EventKind::Data {
                dir: RoleKind::Gateway,
                ..
            }
        ));
        assert_eq!(read.get(), end_of(4));
        let response = reader.next().unwrap();
        assert!(matches!(
            response.kind,
            EventKind::Data {
                dir: RoleKind::Client,
                ..
            }
        ));
        assert_eq!(read.get(), end_of(5));
    }
}

#[test]
fn conflicting_port_sets_are_refused() {
    let mut config = CaptureConfig::default();
    config.ws_ports.insert(11510);
    let capture = Pcap::new(LINKTYPE_RAW, false, false).bytes();
    let error = CaptureReader::new(&capture[..], config)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error, CaptureError::ConflictingPort { port: 11510 });
}

#[test]
fn packets_of_unknown_link_types_or_not_ip_are_counted() {
    let packet = Conversation::new("10.0.0.1:1", "10.0.0.2:11510", 0, 0).c2s(0, b"x");
    let mut pcap = Pcap::new(147, false, false);
    pcap.packet(BASE, &packet);
    let events = read(&pcap.bytes());
    assert_eq!(summary(&events).ignored.unsupported_link_type, 1);

    // ARP over Ethernet, an IPX-ish SLL protocol, a NULL family that is not IP.
    let mut arp = vec![0xff; 12];
    arp.extend([0x08, 0x06]);
    arp.extend([0; 28]);
    let mut sll = Link::Sll(1).frame(&packet);
    sll[14..16].copy_from_slice(&[0x00, 0x04]);
    let mut null = Link::Null { big_endian: false }.frame(&packet);
    null[0] = 7;
    let mut pcap = Pcap::new(LINKTYPE_ETHERNET, false, false);
    pcap.packet(BASE, &arp);
    let mut pcap_sll = Pcap::new(LINKTYPE_LINUX_SLL, false, false);
    pcap_sll.packet(BASE, &sll);
    let mut pcap_null = Pcap::new(LINKTYPE_NULL, false, false);
    pcap_null.packet(BASE, &null);
    for capture in [pcap.bytes(), pcap_sll.bytes(), pcap_null.bytes()] {
        let events = read(&capture);
        assert_eq!(summary(&events).ignored.not_ip, 1);
        assert_eq!(summary(&events).ignored.total(), 1);
    }

    // Cut by the snapshot length: the IP header claims more than was captured.
    let mut pcap = Pcap::new(LINKTYPE_RAW, false, false);
    pcap.packet(BASE, &packet[..packet.len() - 1]);
    let events = read(&pcap.bytes());
    assert_eq!(summary(&events).ignored.truncated, 1);

    // An ICMP echo over IPv4.
    let icmp = ip(
        "10.0.0.1".parse().unwrap(),
        "10.0.0.2".parse().unwrap(),
        1,
        &[8, 0, 0, 0, 0, 1, 0, 1],
        IpOptions::default(),
    );
    let events = read(&raw_pcap(&[icmp]));
    assert_eq!(summary(&events).ignored.not_tcp_or_udp, 1);

    // Garbage where IP should be.
    let events = read(&raw_pcap(&[vec![0x47; 40]]));
    assert_eq!(summary(&events).ignored.total(), 1);
}

#[test]
fn ipv6_extension_headers_are_skipped_and_fragments_are_counted() {
    let client: SocketAddr = "[fd00::1]:4000".parse().unwrap();
    let server: SocketAddr = "[fd00::2]:11510".parse().unwrap();
    let v4_client: SocketAddr = "10.0.0.1:4000".parse().unwrap();
    let v4_server: SocketAddr = "10.0.0.2:11510".parse().unwrap();
    let hop = IpOptions {
        hop_by_hop: true,
        fragment: false,
    };
    let fragment = IpOptions {
        fragment: true,
        hop_by_hop: false,
    };
    let packets = [
        tcp_with(client, server, 10, SYN, &[], hop),
        tcp_with(client, server, 11, PSH_ACK, b"hello", hop),
        tcp_with(client, server, 16, PSH_ACK, b"frag", fragment),
        tcp_with(v4_client, v4_server, 16, PSH_ACK, b"frag", fragment),
    ];
    let events = read(&raw_pcap(&packets));
    assert_eq!(stream(&events, 1, RoleKind::Gateway), b"hello");
    let end = summary(&events);
    assert_eq!(end.ignored.fragment, 2);
    assert_eq!(end.connections, 1);
    assert!(matches!(
        events[0].kind,
        EventKind::Open {
            transport: TransportKind::Tcp,
            ..
        }
    ));
}

#[test]
fn the_modified_pcap_format_has_longer_record_headers() {
    let conversation = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 1000, 5000);
    let mut capture = Pcap::new(LINKTYPE_RAW, false, false).bytes();
    capture[..4].copy_from_slice(&0xa1b2_cd34u32.to_le_bytes());
    for packet in exchange(&conversation) {
        for field in [
            1_700_000_000u32,
            5,
            packet.len() as u32,
            packet.len() as u32,
        ] {
            capture.extend(field.to_le_bytes());
        }
        // Interface index, protocol, packet type, padding.
        capture.extend([1, 0, 0, 0, 0x08, 0x00, 0, 0]);
        capture.extend(&packet);
    }
    let events = read(&capture);
    assert_eq!(
        outline(&events),
        expected_outline("10.0.0.1:40000", "10.0.0.2:11510")
    );
    assert_eq!(
        events[0].time,
        Some(Timestamp::from_micros(1_700_000_000_000_005))
    );
    // Its big-endian variant is not read.
    capture[..4].copy_from_slice(&0xa1b2_cd34u32.to_be_bytes());
    let error = CaptureReader::new(&capture[..], CaptureConfig::default())
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(
        error,
        CaptureError::Malformed {
            what: "file header",
            ..
        }
    ));
}
