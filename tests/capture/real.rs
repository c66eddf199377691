//! Captures of real traffic between `turms-wire probe` and the mock gateway, recorded with
//! tcpdump and dumpcap on loopback (tests/data/captures/README.md says how). Each holds one
//! login, one message and a logout per connection; the gateway closes with RST.

use bytes::BytesMut;
use tokio_util::codec::Decoder;
use turms_wire::capture::{
    CaptureConfig, CaptureFormat, CaptureReader, CloseHow, Event, EventKind, RoleKind,
    TransportKind,
};
use turms_wire::codec::{ClientCodec, GatewayCodec};
use turms_wire::frame::RequestKind;
use turms_wire::ClientFrame;

use crate::{outline, read, read_with, stream, summary};

fn load(name: &str) -> Vec<u8> {
    std::fs::read(crate::seeds::captures_dir().join(name)).expect("a committed capture")
}

/// What each capture holds. The byte counts are the TCP payload lengths per direction as
/// `tshark -T fields -e tcp.len` lists them.
struct Expected {
    file: &'static str,
    format: CaptureFormat,
    transport: TransportKind,
    ipv6: bool,
    c2s: u64,
    s2c: u64,
}

const PCAP_US: CaptureFormat = CaptureFormat::Pcap {
    big_endian: false,
    nanoseconds: false,
};

const EXPECTED: [Expected; 4] = [
    Expected {
        file: "tcp-ipv4-lo.pcap",
        format: PCAP_US,
        transport: TransportKind::Tcp,
        ipv6: false,
        c2s: 63,
        s2c: 97,
    },
    Expected {
        file: "ws-ipv6-lo-nano.pcap",
        format: CaptureFormat::Pcap {
            big_endian: false,
            nanoseconds: true,
        },
        transport: TransportKind::WebSocket,
        ipv6: true,
        c2s: 236,
        s2c: 235,
    },
    Expected {
        file: "tcp-ipv6-any-sll.pcap",
        format: PCAP_US,
        transport: TransportKind::Tcp,
        ipv6: true,
        c2s: 63,
        s2c: 97,
    },
    Expected {
        file: "ws-ipv4-any-sll2.pcap",
        format: PCAP_US,
        transport: TransportKind::WebSocket,
        ipv6: false,
        c2s: 240,
        s2c: 235,
    },
];

/// Checks that a TCP stream is whole varint frames of the given role, and returns them.
fn tcp_frames<D: Decoder<Error = impl std::fmt::Debug>>(
    mut codec: D,
    bytes: &[u8],
) -> Vec<D::Item> {
    let mut buf = BytesMut::from(bytes);
    let mut frames = Vec::new();
    while let Some(frame) = codec.decode(&mut buf).expect("framing") {
        frames.push(frame);
    }
    assert!(buf.is_empty(), "the stream ends on a frame boundary");
    frames
}

/// Checks a WebSocket stream: the HTTP message, then a binary frame.
fn check_ws(bytes: &[u8], http_start: &[u8]) {
    assert!(
        bytes.starts_with(http_start),
        "{:?}",
        String::from_utf8_lossy(&bytes[..20])
    );
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("the end of the HTTP head")
        + 4;
    // FIN + binary opcode.
    assert_eq!(bytes.get(end), Some(&0x82));
}

fn check_connection(
    events: &[Event],
    conn: u64,
    transport: TransportKind,
    ipv6: bool,
) -> (u64, u64) {
    let c2s = stream(events, conn, RoleKind::Gateway);
    let s2c = stream(events, conn, RoleKind::Client);
    match transport {
        TransportKind::Tcp => {
            let requests = tcp_frames(GatewayCodec::new(), &c2s);
            let Some(Ok(ClientFrame::Request(login))) = requests.first() else {
                panic!("the first request is {:?}", requests.first());
            };
            assert_eq!(login.kind(), Some(RequestKind::CREATE_SESSION_REQUEST));
            assert!(requests.iter().all(Result::is_ok));
            let notifications = tcp_frames(ClientCodec::new(), &s2c);
            assert!(notifications.len() >= 3);
            assert!(notifications.iter().all(Result::is_ok));
        }
        TransportKind::WebSocket => {
            check_ws(&c2s, b"GET ");
            check_ws(&s2c, b"HTTP/1.1 101 ");
        }
        TransportKind::Udp => unreachable!("no UDP capture"),
    }
    let opened = events.iter().find_map(|e| match e.kind {
        EventKind::Open {
            conn: c,
            peer,
            server,
            transport: t,
        } if c.0 == conn => Some((peer, server, t)),
        _ => None,
    });
    let (peer, server, t) = opened.expect("an Open event");
    assert_eq!(t, transport);
    assert_eq!(peer.is_ipv6(), ipv6);
    assert_eq!(server.ip(), peer.ip());
    let port = if transport == TransportKind::Tcp {
        11510
    } else {
        10510
    };
    assert_eq!(server.port(), port);
    let closed = events.iter().find_map(|e| match e.kind {
        EventKind::Close {
            conn: c,
            c2s_bytes,
            s2c_bytes,
            how,
        } if c.0 == conn => Some((c2s_bytes, s2c_bytes, how)),
        _ => None,
    });
    let (c2s_bytes, s2c_bytes, how) = closed.expect("a Close event");
    assert_eq!(how, CloseHow::Rst, "the gateway closes with RST");
    assert_eq!((c2s_bytes, s2c_bytes), (c2s.len() as u64, s2c.len() as u64));
    (c2s_bytes, s2c_bytes)
}

#[test]
fn each_capture_holds_one_whole_connection() {
    for expected in &EXPECTED {
        let capture = load(expected.file);
        let reader = CaptureReader::new(&capture[..], CaptureConfig::default()).unwrap();
        assert_eq!(reader.format(), expected.format, "{}", expected.file);
        let events: Vec<_> = reader.collect();
        let counts = check_connection(&events, 1, expected.transport, expected.ipv6);
        assert_eq!(counts, (expected.c2s, expected.s2c), "{}", expected.file);
        let end = summary(&events);
        assert_eq!(end.connections, 1, "{}", expected.file);
        assert_eq!(end.ignored.total(), 0, "{}", expected.file);
        assert_eq!((end.gaps, end.duplicate_bytes), (0, 0), "{}", expected.file);
        // Capture time goes forward, to the microsecond.
        let times: Vec<i64> = events.iter().map(|e| e.time.unwrap().as_micros()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(times[0] > 1_600_000_000_000_000);
    }
}

#[test]
fn a_pcapng_of_two_interfaces_delivers_each_connection_once() {
    // dumpcap on lo (Ethernet) and any (SLL), nanosecond timestamps: every packet twice,
    // written interface by interface, so the second copy of each connection comes after its
    // RST.
    let capture = load("both-lo-any.pcapng");
    let reader = CaptureReader::new(&capture[..], CaptureConfig::default()).unwrap();
    assert_eq!(reader.format(), CaptureFormat::PcapNg);
    let events: Vec<_> = reader.collect();
    assert_eq!(
        check_connection(&events, 1, TransportKind::Tcp, false),
        (63, 97)
    );
    assert_eq!(
        check_connection(&events, 2, TransportKind::WebSocket, true),
        (236, 235)
    );
    let end = summary(&events);
    assert_eq!(end.packets, 68);
    assert_eq!(end.connections, 2);
    assert_eq!(end.ignored.after_close, 34, "the second copies");
}

/// A little-endian pcap split into its file header and records.
fn records(capture: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    assert_eq!(&capture[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    let mut records = Vec::new();
    let mut at = 24;
    while at < capture.len() {
        let caplen = u32::from_le_bytes(capture[at + 8..at + 12].try_into().unwrap()) as usize;
        records.push(capture[at..at + 16 + caplen].to_vec());
        at += 16 + caplen;
    }
    (capture[..24].to_vec(), records)
}

fn rebuild(header: &[u8], records: &[&Vec<u8>]) -> Vec<u8> {
    let mut capture = header.to_vec();
    for record in records {
        capture.extend(record.iter());
    }
    capture
}

#[test]
fn real_segments_reordered_repeated_or_lost() {
    // tcpdump -nr tcp-ipv4-lo.pcap: records 4, 10, 12 carry 24, 26, 13 client bytes; 6, 8,
    // 11, 13 carry 40, 21, 25, 11 server bytes (numbered from 1).
    let capture = load("tcp-ipv4-lo.pcap");
    let original = read(&capture);
    let c2s = stream(&original, 1, RoleKind::Gateway);
    let s2c = stream(&original, 1, RoleKind::Client);
    let (header, records) = records(&capture);
    assert_eq!(records.len(), 14);
    let r = |n: usize| &records[n - 1];

    // Client records 10 and 12 swapped, server record 6 captured twice.
    let order = [1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 12, 11, 10, 13, 14];
    let events = read(&rebuild(&header, &order.map(r)));
    assert_eq!(stream(&events, 1, RoleKind::Gateway), c2s);
    assert_eq!(stream(&events, 1, RoleKind::Client), s2c);
    let end = summary(&events);
    assert_eq!(end.duplicate_bytes, 40);
    assert_eq!(end.out_of_order_segments, 1);

    // Server record 8 (21 bytes) lost: a gap of exactly 21 bytes at the RST.
    let order = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14];
    let events = read(&rebuild(&header, &order.map(r)));
    assert_eq!(stream(&events, 1, RoleKind::Client), s2c[..40]);
    assert_eq!(stream(&events, 1, RoleKind::Gateway), c2s);
    let gaps: Vec<_> = outline(&events)
        .into_iter()
        .filter(|line| line.starts_with("gap"))
        .collect();
    assert_eq!(gaps, ["gap 1 s2c 21"]);
    // With resync, the frames after the hole are delivered, flagged, at their place.
    let mut config = CaptureConfig::default();
    config.resync = true;
    let events = read_with(&rebuild(&header, &order.map(r)), config.clone());
    let mut resynced = s2c[..40].to_vec();
    resynced.extend(&s2c[61..]);
    assert_eq!(stream(&events, 1, RoleKind::Client), resynced);

    // The handshake not captured: nothing delivered, unless resync; the client's first
    // bytes are then its login, a frame boundary.
    let order = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
    let events = read(&rebuild(&header, &order.map(r)));
    assert_eq!(outline(&events)[1], "start_not_captured 1");
    assert_eq!(summary(&events).stream_bytes, 0);
    let events = read_with(&rebuild(&header, &order.map(r)), config);
    assert_eq!(stream(&events, 1, RoleKind::Gateway), c2s);
    assert_eq!(stream(&events, 1, RoleKind::Client), s2c);
    let flagged = events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Data {
                    after_gap: true,
                    ..
                }
            )
        })
        .count();
    assert_eq!(flagged, 2, "the first data of each direction");
}
