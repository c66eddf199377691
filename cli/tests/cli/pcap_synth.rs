//! `turms-wire decode --pcap` on captures synthesized byte by byte (test-support's
//! `capture_writer`): the container variants and link types tcpdump does not produce here,
//! reordering and retransmission, holes, wrapped sequence numbers, missing starts with and
//! without `--resync`, PROXY headers, TLS, WebSocket details, UDP datagrams, truncated and
//! empty files, ports, limits, exit codes, and streaming from a pipe.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use prost::Message;
use serde_json::{json, Value};
use turms_wire::proto::DeviceType;
use turms_wire_test_support::capture_writer::*;
use turms_wire_test_support::notifications::{close, ok, session_info};
use turms_wire_test_support::requests::{login_request, logout, private_message};
use turms_wire_test_support::ws;

use super::pcap::{decode_bytes, Run};

const T0: u64 = 1_700_000_000_000_000;

/// A chunk of a connection's bytes: when it was captured (µs after `T0`), which way, what.
type Chunk = (u64, bool, Vec<u8>);

fn login() -> Vec<u8> {
    login_request(1, 42, Some("123"), DeviceType::Desktop).encode_to_vec()
}

/// A TCP session, every time a whole millisecond (exact at any timestamp resolution): login
/// and its answers (2 ms), a heartbeat and its ack (1 ms), logout and the close.
fn tcp_session() -> Vec<Chunk> {
    let mut answers = framed(&session_info("77", "gw").encode_to_vec());
    answers.extend(framed(&ok(1).encode_to_vec()));
    vec![
        (1_000, true, framed(&login())),
        (3_000, false, answers),
        (5_000, true, framed(&[])),
        (6_000, false, framed(&[])),
        (8_000, true, framed(&logout(2).encode_to_vec())),
        (
            9_000,
            false,
            framed(&close(500, None, None).encode_to_vec()),
        ),
    ]
}

const TCP_SESSION: [&str; 9] = [
    "1 open tcp",
    "1 c2s #0 request create_session_request",
    "1 s2c #0 session_info",
    "1 s2c #1 response <- create_session_request 2",
    "1 c2s #1 heartbeat",
    "1 s2c #2 heartbeat <- heartbeat 1",
    "1 c2s #2 request delete_session_request",
    "1 s2c #3 close",
    "1 close rst",
];

/// The stream offset of each chunk, per direction, as segments for `Conversation::pcap`.
fn segments(chunks: &[Chunk]) -> (Vec<TimedSegment>, u32, u32) {
    let mut offsets = [0u32; 2];
    let segments = chunks
        .iter()
        .map(|(time, to_server, bytes)| {
            let side = usize::from(!*to_server);
            let offset = offsets[side];
            offsets[side] += bytes.len() as u32;
            (T0 + time, *to_server, offset, bytes.clone())
        })
        .collect();
    (segments, offsets[0], offsets[1])
}

fn conversation(client: &str, server: &str) -> Conversation {
    Conversation::new(client, server, 100, 9_000)
}

/// The IP packets of a whole connection (handshake at `T0`, the chunks, the server's RST),
/// with their times.
fn packets(c: &Conversation, chunks: &[Chunk]) -> Vec<(u64, Vec<u8>)> {
    let (segments, _, s2c) = segments(chunks);
    let mut packets: Vec<(u64, Vec<u8>)> = c.handshake().into_iter().map(|p| (T0, p)).collect();
    for (time, to_server, offset, bytes) in segments {
        let packet = if to_server {
            c.c2s(offset, &bytes)
        } else {
            c.s2c(offset, &bytes)
        };
        packets.push((time, packet));
    }
    let last = packets.last().unwrap().0;
    packets.push((last + 1_000, c.s2c_rst(s2c)));
    packets
}

fn pcap(link: Link, big_endian: bool, nanoseconds: bool, packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut pcap = Pcap::new(link.linktype(), big_endian, nanoseconds);
    for (time, packet) in packets {
        pcap.packet(*time, &link.frame(packet));
    }
    pcap.bytes()
}

fn tcp_capture() -> Vec<u8> {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    pcap(Link::Ethernet, false, false, &packets(&c, &tcp_session()))
}

#[track_caller]
fn assert_outline(run: &Run, expected: &[&str]) {
    assert_eq!(run.outline(), expected, "{}", run.stderr);
}

#[test]
fn every_container_variant_and_link_type_decodes_the_same_session() {
    let v4 = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    let v6 = conversation("[2001:db8::1]:40000", "[2001:db8::2]:11510");
    let session = tcp_session();
    let (p4, p6) = (packets(&v4, &session), packets(&v6, &session));
    let mut captures: Vec<(String, Vec<u8>)> = Vec::new();
    for (big_endian, nanoseconds) in [(false, false), (true, false), (false, true), (true, true)] {
        captures.push((
            format!("pcap big_endian={big_endian} ns={nanoseconds}"),
            pcap(Link::Ethernet, big_endian, nanoseconds, &p4),
        ));
    }
    let links = [
        Link::EthernetVlan(&[0x8100]),
        Link::EthernetVlan(&[0x88a8, 0x8100]),
        Link::Null { big_endian: false },
        Link::Null { big_endian: true },
        Link::Loop,
        Link::Raw,
        Link::Ipv4Only,
        Link::Sll(772),
        Link::Sll2,
    ];
    for link in links {
        captures.push((format!("{link:?} v4"), pcap(link, false, false, &p4)));
    }
    for link in [
        Link::Ipv6Only,
        Link::Raw,
        Link::Null { big_endian: false },
        Link::Sll2,
    ] {
        captures.push((format!("{link:?} v6"), pcap(link, false, false, &p6)));
    }
    // pcapng, either byte order: two interfaces (Ethernet in nanoseconds, raw IP in
    // milliseconds) taking turns, after a block readers skip.
    for big_endian in [false, true] {
        let mut file = PcapNg::new(big_endian);
        file.interface(LINKTYPE_ETHERNET, Some(9));
        file.other(0x0000_0BAD, &[1, 2, 3, 4]);
        file.interface(LINKTYPE_RAW, Some(3));
        for (i, (time, packet)) in p4.iter().enumerate() {
            if i % 2 == 0 {
                file.enhanced(0, time * 1_000, &Link::Ethernet.frame(packet));
            } else {
                file.enhanced(1, time / 1_000, packet);
            }
        }
        captures.push((format!("pcapng big_endian={big_endian}"), file.bytes()));
    }
    for (name, capture) in captures {
        let run = decode_bytes(&capture, &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(run.outline(), TCP_SESSION, "{name}");
        let v6 = name.ends_with("v6");
        let peer = if v6 {
            "[2001:db8::1]:40000"
        } else {
            "10.0.0.1:40000"
        };
        assert_eq!(run.lines[0]["peer"], peer, "{name}");
        assert_eq!(
            run.lines[1]["time"], "2023-11-14T22:13:20.001000Z",
            "{name}"
        );
    }
}

#[test]
fn simple_packet_blocks_carry_the_last_time_of_their_interface_or_null() {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    let packets = packets(&c, &tcp_session());
    let mut file = PcapNg::new(false);
    file.interface(LINKTYPE_RAW, None);
    // Handshake and login as SPBs (no time yet), the answers in an EPB, the rest as SPBs.
    for (i, (time, packet)) in packets.iter().enumerate() {
        if i == 4 {
            file.enhanced(0, *time, packet);
        } else {
            file.simple(packet);
        }
    }
    let run = decode_bytes(&file.bytes(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_outline(
        &run,
        &[
            "1 open tcp",
            "1 c2s #0 request create_session_request",
            "1 s2c #0 session_info",
            // Paired, but no latency without the request's time.
            "1 s2c #1 response <- create_session_request",
            "1 c2s #1 heartbeat",
            // Both inherit the EPB's time.
            "1 s2c #2 heartbeat <- heartbeat 0",
            "1 c2s #2 request delete_session_request",
            "1 s2c #3 close",
            "1 close rst",
        ],
    );
    let times: Vec<&Value> = run.lines.iter().map(|l| &l["time"]).collect();
    assert_eq!(times[0], &Value::Null);
    assert_eq!(times[1], &Value::Null);
    for time in &times[2..] {
        assert_eq!(*time, "2023-11-14T22:13:20.003000Z");
    }
}

#[test]
fn reordered_retransmitted_and_overlapping_segments_decode_once_in_order() {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    let session = tcp_session();
    let (segments, c2s_len, s2c_len) = segments(&session);
    let c2s: Vec<u8> = session
        .iter()
        .filter(|c| c.1)
        .flat_map(|c| c.2.clone())
        .collect();
    let s2c: Vec<u8> = session
        .iter()
        .filter(|c| !c.1)
        .flat_map(|c| c.2.clone())
        .collect();
    let mut packets = c.handshake();
    // The server's bytes in 7-byte segments, last first, each twice; the client's in
    // overlapping 10-byte windows every 6 bytes.
    let mut starts: Vec<u32> = (0..s2c_len).step_by(7).collect();
    starts.reverse();
    for start in starts {
        let end = (start + 7).min(s2c_len);
        for _ in 0..2 {
            packets.push(c.s2c(start, &s2c[start as usize..end as usize]));
        }
    }
    for start in (0..c2s_len).step_by(6) {
        let end = (start + 10).min(c2s_len);
        packets.push(c.c2s(start, &c2s[start as usize..end as usize]));
    }
    packets.push(c.s2c_rst(s2c_len));
    let run = decode_bytes(&raw_pcap(&packets), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let frames: Vec<String> = run
        .outline()
        .into_iter()
        .filter(|l| l.contains('#'))
        .map(|l| l.split(" <-").next().unwrap().to_owned())
        .collect();
    let mut expected: Vec<&str> = TCP_SESSION[1..8]
        .iter()
        .map(|l| l.split(" <-").next().unwrap())
        .collect();
    // All the server's frames come whole at once, when its first segment arrives last.
    expected.sort_by_key(|l| l.starts_with("1 c2s"));
    assert_eq!(frames, expected);
    let summary = run.summary();
    assert!(summary["duplicate_bytes"].as_u64().unwrap() > s2c_len as u64);
    assert!(summary["out_of_order_segments"].as_u64().unwrap() > 0);
    assert!(segments.len() == 6);
}

#[test]
fn sequence_numbers_wrapping_past_two_to_the_32_change_nothing() {
    let c = Conversation::new(
        "10.0.0.1:40000",
        "10.0.0.2:11510",
        u32::MAX - 10,
        u32::MAX - 2,
    );
    let run = decode_bytes(
        &pcap(Link::Raw, false, false, &packets(&c, &tcp_session())),
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outline(), TCP_SESSION);
}

#[test]
fn a_hole_shows_the_frames_before_it_and_stops_its_direction() {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    let session = tcp_session();
    let (segments, _, s2c_len) = segments(&session);
    let mut packets = c.handshake();
    for (i, (_, to_server, offset, bytes)) in segments.iter().enumerate() {
        let packet = if *to_server {
            c.c2s(*offset, bytes)
        } else if i == 3 {
            // The heartbeat ack is lost; the answers before it were split mid-frame.
            continue;
        } else {
            c.s2c(*offset, bytes)
        };
        packets.push(packet);
    }
    packets.push(c.s2c_rst(s2c_len));
    let run = decode_bytes(&raw_pcap(&packets), &[]);
    assert_eq!(run.code, 2);
    assert_outline(
        &run,
        &[
            "1 open tcp",
            "1 c2s #0 request create_session_request",
            "1 s2c #0 session_info",
            // (a raw_pcap's packets are a millisecond apart)
            "1 s2c #1 response <- create_session_request 1",
            "1 c2s #1 heartbeat",
            "1 c2s #2 request delete_session_request",
            "1 s2c gap 1",
            "1 close rst",
        ],
    );
    let summary = run.summary();
    assert_eq!(summary["gaps"], 1);
    assert_eq!(summary["missing_bytes"], 1);
    assert_eq!(summary["not_decoded"]["stopped_at_gap"], 1);
    assert!(run.stderr.contains("1 stopped at gap"), "{}", run.stderr);

    // A hole inside a frame: the frame it cuts is not shown.
    let mut packets = c.handshake();
    let login = framed(&login());
    packets.push(c.c2s(0, &login[..5]));
    packets.push(c.c2s(8, &login[8..]));
    packets.push(c.c2s(login.len() as u32, &[0]));
    packets.push(c.c2s_fin(login.len() as u32 + 1));
    let run = decode_bytes(&raw_pcap(&packets), &[]);
    assert_outline(
        &run,
        &["1 open tcp", "1 c2s gap 3", "1 close end_of_capture"],
    );
}

/// A session whose handshake and first client bytes were not captured: it starts in the
/// middle of the login, with three requests after it.
fn missing_start() -> Vec<u8> {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    let mut c2s = framed(&login());
    let skip = 7;
    let mut requests = Vec::new();
    for id in 2..=4 {
        requests.extend(framed(
            &private_message(id, 9, "hello there").encode_to_vec(),
        ));
    }
    c2s.extend(&requests);
    let mut packets = vec![c.c2s(skip, &c2s[skip as usize..])];
    let mut s2c = Vec::new();
    for id in 2..=4 {
        s2c.extend(framed(&ok(id).encode_to_vec()));
    }
    packets.push(c.s2c(0, &s2c));
    packets.push(c.s2c_rst(s2c.len() as u32));
    raw_pcap(&packets)
}

#[test]
fn a_missing_start_is_not_decoded_unless_resync_finds_a_boundary() {
    let run = decode_bytes(&missing_start(), &[]);
    assert_eq!(run.code, 2);
    assert_outline(&run, &["1 open tcp", "1 start_not_captured", "1 close rst"]);
    assert_eq!(run.summary()["not_decoded"]["start_not_captured"], 1);
    assert!(
        run.stderr.contains("start not captured") && run.stderr.contains("--resync"),
        "{}",
        run.stderr
    );

    let run = decode_bytes(&missing_start(), &["--resync"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let skipped = framed(&login()).len() - 7;
    assert_outline(
        &run,
        &[
            "1 open tcp",
            "1 start_not_captured",
            &format!("1 c2s resync true {skipped}"),
            "1 c2s #0 request create_message_request resynced",
            "1 c2s #1 request create_message_request resynced",
            "1 c2s #2 request create_message_request resynced",
            "1 s2c resync true 0",
            "1 s2c #0 response resynced <- create_message_request 1",
            "1 s2c #1 response resynced <- create_message_request 1",
            "1 s2c #2 response resynced <- create_message_request 1",
            "1 close rst",
        ],
    );
    assert_eq!(run.summary()["resyncs"], 2);
}

#[test]
fn resync_after_a_hole_resumes_at_a_boundary_and_marks_what_follows() {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    let mut stream = Vec::new();
    for id in 1..=6 {
        stream.extend(framed(
            &private_message(id, 9, "a fairly long text").encode_to_vec(),
        ));
    }
    let frame = stream.len() / 6;
    let mut packets = c.handshake();
    packets.push(c.c2s(0, &stream[..frame + 4]));
    // Bytes up to the middle of the third frame are lost.
    let resume = 2 * frame + 10;
    packets.push(c.c2s(resume as u32, &stream[resume..]));
    packets.push(c.c2s_fin(stream.len() as u32));
    packets.push(c.s2c_fin(0));
    let run = decode_bytes(&raw_pcap(&packets), &["--resync"]);
    assert_eq!(run.code, 2, "a hole was found");
    assert_outline(
        &run,
        &[
            "1 open tcp",
            "1 c2s #0 request create_message_request",
            &format!("1 c2s gap {}", resume - frame - 4),
            &format!("1 c2s resync true {}", frame - 10),
            "1 c2s #1 request create_message_request resynced",
            "1 c2s #2 request create_message_request resynced",
            "1 c2s #3 request create_message_request resynced",
            "1 close fin",
        ],
    );
    let ids: Vec<i64> = run
        .lines
        .iter()
        .filter_map(|l| l["request_id"].as_i64())
        .collect();
    assert_eq!(ids, [1, 4, 5, 6]);
}

#[test]
fn proxy_headers_are_skipped_and_name_their_source() {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    let mut v2 = b"\r\n\r\n\0\r\nQUIT\n".to_vec();
    v2.extend([0x21, 0x21]);
    v2.extend(36u16.to_be_bytes());
    v2.extend(
        "2001:db8::7"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    v2.extend(
        "2001:db8::2"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    v2.extend([0x9c, 0x41, 0x2c, 0xf6]);
    for (header, source) in [
        (
            b"PROXY TCP4 203.0.113.9 10.0.0.2 51000 11510\r\n".to_vec(),
            "203.0.113.9:51000",
        ),
        (v2, "[2001:db8::7]:40001"),
    ] {
        let mut session = tcp_session();
        let mut first = header.clone();
        first.extend(&session[0].2);
        session[0].2 = first;
        let run = decode_bytes(&pcap(Link::Raw, false, false, &packets(&c, &session)), &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut expected = TCP_SESSION.to_vec();
        let version = if header[0] == b'P' { 1 } else { 2 };
        let proxy = format!("1 c2s proxy v{version} \"{source}\"");
        expected.insert(1, &proxy);
        assert_eq!(run.outline(), expected);
        assert_eq!(run.summary()["proxy_headers"], 1);
    }
    // Before a WebSocket upgrade too.
    let ws = conversation("10.0.0.1:40000", "10.0.0.2:10510");
    let mut session = ws_session();
    let mut first = b"PROXY TCP4 203.0.113.9 10.0.0.2 51000 10510\r\n".to_vec();
    first.extend(&session[0].2);
    session[0].2 = first;
    let run = decode_bytes(&pcap(Link::Raw, false, false, &packets(&ws, &session)), &[]);
    assert_eq!(run.outline()[1], "1 c2s proxy v1 \"203.0.113.9:51000\"");
    assert_eq!(run.outline()[2], "1 c2s http GET /turms HTTP/1.1");
}

#[test]
fn a_tls_connection_is_reported_once_and_skipped() {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:10510");
    let mut hello = vec![
        0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03,
    ];
    hello.extend([0xab; 44]);
    let session = vec![
        (1_000, true, hello[..3].to_vec()),
        (1_001, true, hello[3..].to_vec()),
        (2_000, false, vec![0x16, 0x03, 0x03, 0x00, 0x02, 0x02, 0x00]),
        (3_000, true, vec![0x17, 0x03, 0x03, 0x00, 0x01, 0xff]),
    ];
    let run = decode_bytes(&pcap(Link::Raw, false, false, &packets(&c, &session)), &[]);
    assert_eq!(run.code, 2);
    assert_outline(&run, &["1 open ws", "1 c2s tls", "1 close rst"]);
    assert_eq!(run.summary()["not_decoded"]["tls"], 1);
}

fn ws_session() -> Vec<Chunk> {
    let mask = Some([9, 8, 7, 6]);
    let request =
        b"GET /turms HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            .to_vec();
    let response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
    let login = login();
    // The login in two fragments, a text message, a heartbeat; a close without a code.
    let mut c2s = ws::frame(0x2, &login[..4], false, Some([9, 8, 7, 6]));
    c2s.extend(ws::frame(0x0, &login[4..], true, mask));
    c2s.extend(ws::frame(0x1, b"hello", true, mask));
    let mut answers = ws::frame(0x2, &session_info("77", "gw").encode_to_vec(), true, None);
    answers.extend(ws::frame(0x2, &ok(1).encode_to_vec(), true, None));
    vec![
        (500, true, request),
        (600, false, response),
        (1_000, true, c2s),
        (3_000, false, answers),
        (5_000, true, ws::frame(0x2, &[], true, mask)),
        (6_000, false, ws::frame(0x2, &[], true, None)),
        (8_000, false, ws::frame(0x8, &[], true, None)),
        (
            9_000,
            true,
            ws::frame(0x8, &[0x03, 0xe8, b'b', b'y', b'e'], true, mask),
        ),
    ]
}

#[test]
fn websocket_upgrade_fragments_text_and_close_frames() {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:10510");
    let run = decode_bytes(
        &pcap(Link::Raw, false, false, &packets(&c, &ws_session())),
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_outline(
        &run,
        &[
            "1 open ws",
            "1 c2s http GET /turms HTTP/1.1",
            "1 s2c http HTTP/1.1 101 Switching Protocols",
            "1 c2s #0 request create_session_request",
            "1 c2s websocket_text",
            "1 s2c #0 session_info",
            "1 s2c #1 response <- create_session_request 2",
            "1 c2s #1 heartbeat",
            "1 s2c #2 heartbeat <- heartbeat 1",
            "1 s2c websocket_close null",
            "1 c2s websocket_close 1000",
            "1 close rst",
        ],
    );
    let closes: Vec<&Value> = run
        .lines
        .iter()
        .filter(|l| l["event"] == "websocket_close")
        .collect();
    assert_eq!(closes[0]["reason"], Value::Null);
    assert_eq!(closes[1]["reason"], "bye");
    let text = run.lines.iter().find(|l| l["event"] == "websocket_text");
    assert_eq!(text.unwrap()["size"], 5);

    // A refused upgrade: the status line is an error, nothing more of either side is read.
    let session = vec![
        (500, true, ws_session()[0].2.clone()),
        (600, false, b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()),
        (700, true, vec![0x82, 0x80, 0, 0, 0, 0]),
    ];
    let run = decode_bytes(&pcap(Link::Raw, false, false, &packets(&c, &session)), &[]);
    assert_eq!(run.code, 2);
    assert_outline(
        &run,
        &[
            "1 open ws",
            "1 c2s http GET /turms HTTP/1.1",
            "1 s2c #0 error framing/upgrade_refused",
            "1 close rst",
        ],
    );
}

#[test]
fn udp_datagrams_each_class_and_each_error() {
    let client: std::net::SocketAddr = "10.0.0.1:5000".parse().unwrap();
    let other: std::net::SocketAddr = "10.0.0.3:5001".parse().unwrap();
    let server: std::net::SocketAddr = "10.0.0.2:12510".parse().unwrap();
    let heartbeat = [1, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0x7b];
    let mut go_offline = heartbeat;
    go_offline[0] = 2;
    go_offline[9] = 3;
    let mut unknown_type = heartbeat;
    unknown_type[0] = 3;
    let mut unknown_device = heartbeat;
    unknown_device[9] = 9;
    let datagrams: Vec<(std::net::SocketAddr, std::net::SocketAddr, Vec<u8>)> = vec![
        (client, server, heartbeat.to_vec()),
        (server, client, vec![]),
        (client, server, go_offline.to_vec()),
        (server, client, vec![0x04, 0x51]),
        (server, client, vec![1]),
        (other, server, heartbeat[..13].to_vec()),
        (other, server, unknown_type.to_vec()),
        (other, server, unknown_device.to_vec()),
        (server, other, vec![2]),
        (server, other, vec![0, 0, 0]),
    ];
    let mut pcap = Pcap::new(LINKTYPE_RAW, false, false);
    for (i, (src, dst, payload)) in datagrams.iter().enumerate() {
        pcap.packet(T0 + i as u64, &udp(*src, *dst, payload));
    }
    let run = decode_bytes(&pcap.bytes(), &[]);
    assert_eq!(run.code, 2, "errors among them");
    let records: Vec<Value> = run
        .lines
        .iter()
        .filter(|l| l["transport"] == "udp" && l["event"].is_null())
        .map(|l| {
            let mut l = l.clone();
            l.as_object_mut().unwrap().remove("time");
            l
        })
        .collect();
    let expected = [
        json!({"conn":1,"dir":"c2s","index":0,"transport":"udp","class":"udp_request","signal":"heartbeat","user_id":42,"device_type":"DESKTOP","session_id":123}),
        json!({"conn":1,"dir":"s2c","index":0,"transport":"udp","class":"udp_reply","code":null,"code_name":"OK"}),
        json!({"conn":1,"dir":"c2s","index":1,"transport":"udp","class":"udp_request","signal":"go_offline","user_id":42,"device_type":"ANDROID","session_id":123}),
        json!({"conn":1,"dir":"s2c","index":1,"transport":"udp","class":"udp_reply","code":1105,"code_name":"SEND_REQUEST_FROM_NONEXISTENT_SESSION"}),
        json!({"conn":1,"dir":"s2c","index":2,"transport":"udp","class":"udp_notification","notification":"open_connection"}),
        json!({"conn":2,"dir":"c2s","index":0,"transport":"udp","error":{"layer":"udp","kind":"wrong_length","detail":"a UDP signal request is 14 bytes long, this one has 13"}}),
        json!({"conn":2,"dir":"c2s","index":1,"transport":"udp","error":{"layer":"udp","kind":"unknown_request_type","detail":"unknown UDP request type 3 (1 is HEARTBEAT, 2 is GO_OFFLINE)"}}),
        json!({"conn":2,"dir":"c2s","index":2,"transport":"udp","error":{"layer":"udp","kind":"unknown_device_type","detail":"unknown device type 9 (the DeviceType numbers are 0..=5)"}}),
        json!({"conn":2,"dir":"s2c","index":0,"transport":"udp","error":{"layer":"udp","kind":"unknown_notification","detail":"unknown UDP notification type 2 (1 is OPEN_CONNECTION)"}}),
        json!({"conn":2,"dir":"s2c","index":1,"transport":"udp","error":{"layer":"udp","kind":"bad_reply_length","detail":"a UDP signal reply is empty (OK) or a 2-byte code, this one has 3 bytes"}}),
    ];
    assert_eq!(records, expected);
    // Each address pair has its open (and close at the end), like a connection.
    let opens: Vec<String> = run
        .lines
        .iter()
        .filter(|l| l["event"] == "open")
        .map(|l| {
            format!(
                "{} {} {} {}",
                l["conn"], l["peer"], l["server"], l["transport"]
            )
        })
        .collect();
    assert_eq!(
        opens,
        [
            "1 \"10.0.0.1:5000\" \"10.0.0.2:12510\" \"udp\"",
            "2 \"10.0.0.3:5001\" \"10.0.0.2:12510\" \"udp\""
        ]
    );
    let summary = run.summary();
    assert_eq!(summary["errors"]["udp"], 5);
    assert_eq!(summary["classes"]["udp_request"], 2);
    assert_eq!(summary["datagrams"], json!({"c2s": 5, "s2c": 5}));
    // user_id and session_id are JSON numbers, whatever their size.
    let big = [
        1, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 5, 0x80, 0, 0, 0,
    ];
    let mut pcap = Pcap::new(LINKTYPE_RAW, false, false);
    pcap.packet(T0, &udp(client, server, &big));
    let run = decode_bytes(&pcap.bytes(), &["--class", "udp_request"]);
    assert_eq!(run.lines[0]["user_id"], i64::MAX);
    assert_eq!(run.lines[0]["session_id"], i32::MIN);
    assert_eq!(run.lines[0]["device_type"], "UNKNOWN");
}

#[test]
fn a_truncated_capture_decodes_what_came_before_then_reports_it() {
    let capture = tcp_capture();
    // Cut inside the last packet record (the server's RST).
    let run = decode_bytes(&capture[..capture.len() - 10], &[]);
    assert_eq!(run.code, 2);
    let outline = run.outline();
    assert_eq!(outline[..8], TCP_SESSION[..8]);
    assert_eq!(outline[8..], ["error truncated", "1 close end_of_capture"]);
    let error = &run.lines[8]["error"];
    assert_eq!(error["layer"], "capture");
    assert!(error["detail"].as_str().unwrap().contains("cut short"));
    assert!(run.summary()["capture_error"]
        .as_str()
        .unwrap()
        .contains("truncated"));
}

#[test]
fn a_capture_without_packets_prints_its_summary_and_succeeds() {
    for capture in [
        Pcap::new(LINKTYPE_ETHERNET, false, false).bytes(),
        PcapNg::new(true).interface(LINKTYPE_RAW, None).bytes(),
    ] {
        let run = decode_bytes(&capture, &[]);
        assert_eq!(run.code, 0);
        assert_eq!(run.lines.len(), 1);
        assert_eq!(run.summary()["packets"], 0);
        assert_eq!(run.summary()["time"], Value::Null);
    }
}

#[test]
fn what_is_not_a_capture_is_refused_with_what_was_expected() {
    for (input, expected) in [
        (
            &b"GET / HTTP/1.1\r\n\r\n"[..],
            "not a pcap or pcapng capture",
        ),
        (&b""[..], "empty input: expected a pcap or pcapng capture"),
        (&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0][..], "truncated"),
    ] {
        let run = decode_bytes(input, &[]);
        assert_eq!(run.code, 1, "{input:?}");
        assert!(run.lines.is_empty());
        assert!(run.stderr.contains(expected), "{}", run.stderr);
        assert!(
            run.stderr.starts_with("turms-wire decode: -: "),
            "{}",
            run.stderr
        );
    }
    let run = super::pcap::decode_pcap("/nonexistent/capture.pcap", &[], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("/nonexistent/capture.pcap"));
}

#[test]
fn the_options_of_a_stream_are_refused_with_pcap() {
    for option in [
        ["--type", "request"],
        ["--framing", "none"],
        ["--input", "hex"],
    ] {
        let run = decode_bytes(&tcp_capture(), &option);
        assert_eq!(run.code, 2, "{option:?}: a usage error");
        assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    }
    let output = crate::turms_wire(&["decode", "--tcp-port", "1"], None);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--pcap"));
}

#[test]
fn server_ports_choose_the_transport_and_given_ports_replace_the_defaults() {
    let mut capture = Pcap::new(LINKTYPE_RAW, false, false);
    let on = |server: &str, client: &str| -> Vec<(u64, Vec<u8>)> {
        let c = conversation(client, server);
        packets(&c, &tcp_session())
    };
    let mut all = on("10.0.0.2:11510", "10.0.0.1:40000");
    all.extend(on("10.0.0.2:9000", "10.0.0.1:40001"));
    all.sort_by_key(|(time, _)| *time);
    for (time, packet) in &all {
        capture.packet(*time, packet);
    }
    let capture = capture.bytes();
    let run = decode_bytes(&capture, &[]);
    assert_eq!(run.summary()["connections"], 1);
    assert!(run.summary()["ignored"]["other_port"].as_u64().unwrap() > 0);
    let run = decode_bytes(&capture, &["--tcp-port", "9000"]);
    assert_eq!(run.summary()["connections"], 1);
    assert_eq!(run.lines[0]["server"], "10.0.0.2:9000");
    let run = decode_bytes(&capture, &["--tcp-port", "9000", "--tcp-port", "11510"]);
    assert_eq!(run.summary()["connections"], 2);
    // A port given as WebSocket makes the same bytes a (broken) upgrade.
    let run = decode_bytes(&capture, &["--ws-port", "9000"]);
    assert_eq!(
        run.summary()["connections_by_transport"],
        json!({"tcp": 1, "ws": 1})
    );
    assert_eq!(run.code, 2);
}

#[test]
fn max_frame_sets_both_limits_and_a_bad_frame_costs_only_itself() {
    let run = decode_bytes(&tcp_capture(), &["--max-frame", "10"]);
    assert_eq!(run.code, 2);
    let outline = run.outline();
    assert_eq!(outline[1], "1 c2s #0 error framing/frame_too_large");
    assert_eq!(outline[2], "1 s2c #0 error framing/frame_too_large");
    // A body that does not classify is one error record; the frames after it decode.
    let c = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    let mut session = tcp_session();
    session.insert(1, (2_000, true, framed(&[0x0e])));
    let run = decode_bytes(&pcap(Link::Raw, false, false, &packets(&c, &session)), &[]);
    assert_eq!(run.code, 2);
    let outline = run.outline();
    assert_eq!(outline[2], "1 c2s #1 error message/invalid_wire_type");
    assert_eq!(outline[5], "1 c2s #2 heartbeat");
    assert_eq!(run.summary()["errors"]["message"], 1);
}

#[test]
fn records_print_as_soon_as_their_packets_have_been_read_from_a_pipe() {
    let c = conversation("10.0.0.1:40000", "10.0.0.2:11510");
    let all = packets(&c, &tcp_session());
    let capture = pcap(Link::Ethernet, false, false, &all);
    // The file header and the packets up to the login; the rest is held back.
    let head_len = pcap(Link::Ethernet, false, false, &all[..4]).len();
    let (head, rest) = capture.split_at(head_len);
    let mut child = Command::new(env!("CARGO_BIN_EXE_turms-wire"))
        .args(["decode", "--pcap", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(head).unwrap();
    stdin.flush().unwrap();
    let (lines, received) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    let first = received
        .recv_timeout(Duration::from_secs(20))
        .expect("a record before the input ends");
    assert!(first.contains("\"event\":\"open\""), "{first}");
    let login = received.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(login.contains("create_session_request"), "{login}");
    stdin.write_all(rest).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let rest: Vec<String> = received.iter().collect();
    assert!(rest.last().unwrap().contains("\"event\":\"summary\""));
}
