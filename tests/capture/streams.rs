//! Reassembly and the connection table: order, duplicates, holes, missing starts, closing,
//! limits, ports, UDP.

use std::time::Duration;

use turms_wire::capture::{CaptureConfig, CaptureReader, EventKind, RoleKind};

use crate::{outline, read, read_with, stream, summary};
use turms_wire_test_support::capture_writer::*;

fn conv() -> Conversation {
    Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 1000, 5000)
}

fn resync() -> CaptureConfig {
    let mut config = CaptureConfig::default();
    config.resync = true;
    config
}

#[test]
fn segments_out_of_order_are_put_in_order() {
    let c = conv();
    let mut packets = c.handshake();
    packets.push(c.c2s(6, b"three"));
    packets.push(c.c2s(3, b"two"));
    packets.push(c.s2c(0, b"reply"));
    packets.push(c.c2s(0, b"one"));
    let events = read(&raw_pcap(&packets));
    assert_eq!(
        outline(&events),
        [
            "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "data 1 s2c \"reply\"",
            "data 1 c2s \"one\"",
            "data 1 c2s \"two\"",
            "data 1 c2s \"three\"",
            "close 1 11 5 end_of_capture",
            "end"
        ]
    );
    assert_eq!(summary(&events).out_of_order_segments, 2);
    assert_eq!(summary(&events).gaps, 0);
}

#[test]
fn retransmitted_and_overlapping_bytes_are_delivered_once() {
    let c = conv();
    let mut packets = c.handshake();
    packets.push(c.c2s(0, b"abcdef"));
    packets.push(c.c2s(0, b"abcdef")); // retransmission
    packets.push(c.c2s(4, b"efghij")); // overlaps the end
    packets.push(c.c2s(14, b"opq")); // ahead
    packets.push(c.c2s(12, b"mnop")); // overlaps what waits
    packets.push(c.c2s(8, b"ijklmn")); // fills the hole, overlapping both sides
    packets.push(c.c2s(2, b"cd")); // old
    let events = read(&raw_pcap(&packets));
    assert_eq!(stream(&events, 1, RoleKind::Gateway), b"abcdefghijklmnopq");
    let end = summary(&events);
    // The retransmission (6), "ef" (2), "op" already waiting (2), "ij" (2), the waiting "mn"
    // delivered by the segment that filled the hole (2), "cd" (2).
    assert_eq!(end.duplicate_bytes, 6 + 2 + 2 + 2 + 2 + 2);
    assert_eq!(end.stream_bytes, 17);
    assert_eq!(end.gaps, 0);
}

#[test]
fn sequence_numbers_wrap_around() {
    // The client's data starts 3 bytes before 2^32, the server's exactly at 2^32.
    let c = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", u32::MAX - 3, u32::MAX);
    let mut packets = c.handshake();
    packets.push(c.c2s(5, b"fghij"));
    packets.push(c.c2s(0, b"abcde"));
    packets.push(c.s2c(0, b"0123"));
    packets.push(c.c2s(10, b"k"));
    packets.push(c.c2s_fin(11));
    packets.push(c.s2c_fin(4));
    let events = read(&raw_pcap(&packets));
    assert_eq!(stream(&events, 1, RoleKind::Gateway), b"abcdefghijk");
    assert_eq!(stream(&events, 1, RoleKind::Client), b"0123");
    assert_eq!(outline(&events)[5..], ["close 1 11 4 fin", "end"]);
}

#[test]
fn a_hole_at_the_fins_is_a_gap_of_the_exact_size_and_stops_the_direction() {
    let c = conv();
    let mut packets = c.handshake();
    packets.push(c.c2s(0, b"01234"));
    packets.push(c.c2s(10, b"abcde")); // 5..10 never captured
    packets.push(c.c2s_fin(20)); // nor 15..20
    packets.push(c.s2c(0, b"ok"));
    packets.push(c.s2c_fin(2));
    let events = read(&raw_pcap(&packets));
    assert_eq!(
        outline(&events),
        [
            "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "data 1 c2s \"01234\"",
            "data 1 s2c \"ok\"",
            "gap 1 c2s 5",
            "close 1 5 2 fin",
            "end"
        ]
    );
    let end = summary(&events);
    assert_eq!(end.gaps, 1);
    assert_eq!(end.missing_bytes, 5);
    assert_eq!(end.not_decoded.stopped_at_gap, 1);

    // With resync, the bytes after the hole come (flagged), then the hole before the FIN.
    let events = read_with(&raw_pcap(&packets), resync());
    assert_eq!(
        outline(&events)[3..],
        [
            "gap 1 c2s 5",
            "data 1 c2s \"abcde\" after_gap",
            "gap 1 c2s 5",
            "close 1 10 2 fin",
            "end"
        ]
    );
    assert_eq!(summary(&events).not_decoded.stopped_at_gap, 0);
}

#[test]
fn too_much_waiting_declares_the_hole_as_soon_as_the_cap_is_passed() {
    let c = conv();
    let mut packets = c.handshake();
    packets.push(c.c2s(0, b"head"));
    // 4..10 missing; then 3 segments of 40 bytes, each counted with 64 bytes of bookkeeping
    // (104): the cap of 250 is passed at the third.
    for i in 0..3 {
        packets.push(c.c2s(10 + i * 40, &[b'a' + i as u8; 40]));
    }
    packets.push(c.c2s(130, b"tail"));
    let mut config = CaptureConfig::default();
    config.max_out_of_order = 250;
    let events = read_with(&raw_pcap(&packets), config.clone());
    assert_eq!(
        outline(&events)[1..4],
        [
            "data 1 c2s \"head\"",
            "gap 1 c2s 6",
            "close 1 4 0 end_of_capture"
        ]
    );
    // The gap comes with the packet that passed the cap, not at the end.
    let gap = events
        .iter()
        .find(|e| matches!(e.kind, EventKind::Gap { .. }))
        .unwrap();
    assert_eq!(
        gap.time,
        events[1]
            .time
            .map(|t| { turms_wire::capture::Timestamp::from_micros(t.as_micros() + 3000) })
    );

    config.resync = true;
    let events = read_with(&raw_pcap(&packets), config);
    let mut expected = b"head".to_vec();
    let after: Vec<u8> = (0..3)
        .flat_map(|i| [b'a' + i; 40])
        .chain(*b"tail")
        .collect();
    expected.extend(&after);
    assert_eq!(stream(&events, 1, RoleKind::Gateway), expected);
    assert_eq!(summary(&events).missing_bytes, 6);
}

#[test]
fn a_connection_whose_start_was_not_captured_is_reported_and_not_delivered() {
    let c = conv();
    let packets = vec![
        c.c2s(100, b"middle"),
        c.s2c(50, b"answer"),
        c.c2s(106, b"more"),
        c.c2s_fin(110),
        c.s2c_fin(56),
    ];
    let events = read(&raw_pcap(&packets));
    assert_eq!(
        outline(&events),
        [
            "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "start_not_captured 1",
            "close 1 0 0 fin",
            "end"
        ]
    );
    assert_eq!(summary(&events).not_decoded.start_not_captured, 1);

    let events = read_with(&raw_pcap(&packets), resync());
    assert_eq!(
        outline(&events),
        [
            "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "start_not_captured 1",
            "data 1 c2s \"middle\" after_gap",
            "data 1 s2c \"answer\" after_gap",
            "data 1 c2s \"more\"",
            "close 1 10 6 fin",
            "end"
        ]
    );
    assert_eq!(summary(&events).not_decoded.start_not_captured, 0);
}

#[test]
fn a_missing_syn_ack_leaves_only_the_server_side_undelivered() {
    let c = conv();
    let packets = vec![c.syn(), c.ack(), c.c2s(0, b"login"), c.s2c(0, b"session")];
    let events = read(&raw_pcap(&packets));
    assert_eq!(
        outline(&events),
        [
            "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "data 1 c2s \"login\"",
            "start_not_captured 1",
            "close 1 5 0 end_of_capture",
            "end"
        ]
    );
}

#[test]
fn fins_and_rsts_close_and_free_the_connection() {
    let c = conv();
    let mut packets = c.handshake();
    packets.push(c.c2s(0, b"bye"));
    packets.push(c.c2s_fin(3));
    packets.push(c.s2c_fin(0));
    packets.push(c.ack()); // the last ACK, after both FINs
    packets.push(c.c2s(0, b"bye")); // a late retransmission
    let capture = raw_pcap(&packets);
    let mut reader = CaptureReader::new(&capture[..], CaptureConfig::default()).unwrap();
    let until_close: Vec<_> = reader.by_ref().take(3).collect();
    assert_eq!(
        outline(&until_close),
        [
            "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "data 1 c2s \"bye\"",
            "close 1 3 0 fin"
        ]
    );
    assert_eq!(reader.live_connections(), 0);
    let rest: Vec<_> = reader.collect();
    assert_eq!(outline(&rest), ["end"]);
    let end = summary(&rest);
    assert_eq!(end.ignored.after_close, 2);
    assert_eq!(end.connections, 1);

    // The gateway closes with RST (SO_LINGER=0).
    let mut packets = c.handshake();
    packets.push(c.s2c(0, b"\x02\x10\x01"));
    packets.push(c.s2c_rst(3));
    packets.push(c.s2c(0, b"\x02\x10\x01"));
    let capture = raw_pcap(&packets);
    let mut reader = CaptureReader::new(&capture[..], CaptureConfig::default()).unwrap();
    let opened = reader.next().unwrap();
    assert!(matches!(opened.kind, EventKind::Open { .. }));
    assert_eq!(reader.live_connections(), 1);
    let events: Vec<_> = reader.by_ref().take(2).collect();
    assert_eq!(
        outline(&events),
        ["data 1 s2c \"\\u{2}\\u{10}\\u{1}\"", "close 1 0 3 rst"]
    );
    assert_eq!(reader.live_connections(), 0);
    let rest: Vec<_> = reader.collect();
    assert_eq!(summary(&rest).ignored.after_close, 1);
}

#[test]
fn a_reused_address_pair_starts_a_new_connection() {
    let old = conv();
    let new = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 90_000, 70_000);
    let mut packets = old.handshake();
    packets.push(old.c2s(0, b"old"));
    packets.extend(new.handshake());
    packets.push(new.c2s(0, b"new"));
    let events = read(&raw_pcap(&packets));
    assert_eq!(
        outline(&events),
        [
            "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "data 1 c2s \"old\"",
            "close 1 3 0 reused",
            "open 2 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "data 2 c2s \"new\"",
            "close 2 3 0 end_of_capture",
            "end"
        ]
    );
    // A retransmitted SYN is not a new connection; a SYN after the FINs is.
    let mut packets = old.handshake();
    packets.push(old.syn());
    packets.push(old.c2s_fin(0));
    packets.push(old.s2c_fin(0));
    packets.extend(new.handshake());
    let events = read(&raw_pcap(&packets));
    assert_eq!(summary(&events).connections, 2);
    assert_eq!(outline(&events)[1], "close 1 0 0 fin");
}

#[test]
fn idle_connections_are_closed_in_capture_time() {
    let a = conv();
    let b = Conversation::new("10.0.0.3:40000", "10.0.0.2:11510", 1, 1);
    let mut pcap = Pcap::new(LINKTYPE_RAW, false, false);
    let t0 = 1_700_000_000_000_000;
    pcap.packet(t0, &a.syn());
    pcap.packet(t0 + 1, &a.c2s(0, b"x"));
    pcap.packet(t0 + 5_000_000, &b.syn());
    pcap.packet(t0 + 11_000_000, &b.c2s(0, b"y"));
    pcap.packet(t0 + 30_000_000, &a.c2s(1, b"z"));
    let mut config = CaptureConfig::default();
    config.idle_timeout = Duration::from_secs(10);
    let capture = pcap.bytes();
    let mut reader = CaptureReader::new(&capture[..], config).unwrap();
    let first: Vec<_> = reader.by_ref().take(3).collect();
    assert_eq!(reader.live_connections(), 2);
    let rest: Vec<_> = reader.by_ref().collect();
    let events: Vec<_> = first.into_iter().chain(rest).collect();
    assert_eq!(
        outline(&events),
        [
            "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "data 1 c2s \"x\"",
            "open 2 10.0.0.3:40000 10.0.0.2:11510 tcp",
            "close 1 1 0 idle",
            "data 2 c2s \"y\"",
            "close 2 1 0 idle",
            // The connection's own late packet: a new one, its start not captured.
            "open 3 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "start_not_captured 3",
            "close 3 0 0 end_of_capture",
            "end"
        ]
    );
    assert_eq!(
        events[3].time.map(|t| t.as_micros()),
        Some(t0 as i64 + 11_000_000)
    );
}

#[test]
fn buffered_bytes_are_observable_and_bounded_across_connections() {
    let a = conv();
    let b = Conversation::new("10.0.0.3:40000", "10.0.0.2:11510", 1, 1);
    let mut packets = a.handshake();
    packets.extend(b.handshake());
    // Each waiting segment counts its bytes and 64 of bookkeeping.
    packets.push(a.c2s(10, &[1; 30])); // a: 94
    packets.push(b.c2s(5, &[2; 50])); // b: 114, 208 in all
    packets.push(a.c2s(40, &[3; 30])); // a: 188, 302 in all: over 300, a holds the most
    let mut config = CaptureConfig::default();
    config.max_buffered = 300;
    let capture = raw_pcap(&packets);
    let mut reader = CaptureReader::new(&capture[..], config).unwrap();
    let opens: Vec<_> = reader.by_ref().take(2).collect();
    assert_eq!(opens.len(), 2);
    assert_eq!(reader.buffered_bytes(), 0);
    let gap = reader.next().unwrap();
    assert_eq!(outline(&[gap]), ["gap 1 c2s 10"]);
    assert_eq!(reader.buffered_bytes(), 50 + 64);
    let rest: Vec<_> = reader.by_ref().collect();
    assert_eq!(
        outline(&rest),
        [
            "close 1 0 0 end_of_capture",
            "gap 2 c2s 5",
            "close 2 0 0 end_of_capture",
            "end"
        ]
    );
    assert_eq!(reader.buffered_bytes(), 0);
}

#[test]
fn connections_are_numbered_in_order_of_appearance_and_ports_decide_the_server() {
    let tcp = conv();
    let ws = Conversation::new("[::1]:50001", "[::1]:10510", 1, 1);
    let other = Conversation::new("10.0.0.1:50002", "10.0.0.2:80", 1, 1);
    // Both ports are server ports: the SYN's destination is the server.
    let both = Conversation::new("10.0.0.1:10510", "10.0.0.2:11510", 1, 1);
    let mut packets = vec![ws.syn(), tcp.syn(), other.syn(), other.c2s(0, b"GET")];
    packets.push(both.syn());
    packets.push(both.syn_ack());
    packets.push(both.s2c(0, b"hi"));
    packets.push(ws.syn_ack());
    let events = read(&raw_pcap(&packets));
    assert_eq!(
        outline(&events),
        [
            "open 1 [::1]:50001 [::1]:10510 ws",
            "open 2 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "open 3 10.0.0.1:10510 10.0.0.2:11510 tcp",
            "data 3 s2c \"hi\"",
            "close 1 0 0 end_of_capture",
            "close 2 0 0 end_of_capture",
            "close 3 0 2 end_of_capture",
            "end"
        ]
    );
    assert_eq!(summary(&events).ignored.other_port, 2);

    // Other port choices.
    let mut config = CaptureConfig::default();
    config.tcp_ports = [80].into();
    let events = read_with(&raw_pcap(&packets), config);
    assert_eq!(stream(&events, 2, RoleKind::Gateway), b"GET");
    let end = summary(&events);
    assert_eq!(end.connections, 3);
}

#[test]
fn udp_datagrams_are_delivered_one_by_one_per_address_pair() {
    let client: std::net::SocketAddr = "10.0.0.1:5000".parse().unwrap();
    let server: std::net::SocketAddr = "10.0.0.2:12510".parse().unwrap();
    let other: std::net::SocketAddr = "10.0.0.7:5000".parse().unwrap();
    let heartbeat = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x7b];
    let c = conv();
    let packets = vec![
        c.syn(),
        udp(client, server, &heartbeat),
        udp(server, client, &[]),
        udp(other, server, &heartbeat),
        udp(server, client, &[0x04, 0x51]),
        udp(client, "10.0.0.2:53".parse().unwrap(), b"dns"),
    ];
    let events = read(&raw_pcap(&packets));
    assert_eq!(
        outline(&events),
        [
            "open 1 10.0.0.1:40000 10.0.0.2:11510 tcp",
            "open 2 10.0.0.1:5000 10.0.0.2:12510 udp",
            "datagram 2 c2s [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 123]",
            "datagram 2 s2c []",
            "open 3 10.0.0.7:5000 10.0.0.2:12510 udp",
            "datagram 3 c2s [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 123]",
            "datagram 2 s2c [4, 81]",
            "close 1 0 0 end_of_capture",
            "close 2 14 2 end_of_capture",
            "close 3 14 0 end_of_capture",
            "end"
        ]
    );
    let end = summary(&events);
    assert_eq!(end.datagrams, 4);
    assert_eq!(end.ignored.other_port, 1);
}
