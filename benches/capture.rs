//! What decoding a packet capture costs over decoding the same frames as a raw stream: the
//! session-mix corpus (`support/corpus.rs`, (a)) as `turms-wire decode --json` reads it (a
//! varint-framed stream, `FrameReader`, one JSON line per frame to a file) and as a capture
//! of one TCP connection (the server's frames in segments of 1448 bytes, the client's ACK
//! every second segment, a pcap written by test-support's `capture_writer`) decoded by
//! `CaptureDecoder` and written by `DecodedWriter` to a file. The two take turns, several
//! rounds; each round's ns/frame and ratio are printed, then the medians. Time is the
//! thread's CPU time (`support/clock.rs`; `TURMS_BENCH_CLOCK=wall` for wall-clock time).
//!
//! `cargo bench --features capture,json --bench capture`
//!
//! With `TURMS_BENCH_BIG_CAPTURE=PATH` it writes instead a large capture for the memory
//! measurement of BENCHMARKS.md (`TURMS_BENCH_BIG_BYTES`, default 1 GB; over a hundred thousand
//! connections, `TURMS_BENCH_BIG_OPEN` of them open at once, default 4000, with reordered
//! segments) and exits.

#[path = "support/clock.rs"]
#[allow(dead_code)]
mod clock;
#[path = "support/corpus.rs"]
mod corpus;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use prost::Message;
use turms_wire::capture::{CaptureDecoder, DecodeConfig, DecodedWriter};
use turms_wire::inspect::{
    Boundaries, FrameReader, InputEncoding, OutputFormat, ReaderOptions, Record, RecordWriter,
};
use turms_wire::proto::DeviceType;
use turms_wire::role::RoleKind;
use turms_wire_test_support::capture_writer::{
    framed, tcp, Conversation, Link, Pcap, ACK, LINKTYPE_ETHERNET,
};
use turms_wire_test_support::notifications::{ok, push};
use turms_wire_test_support::requests::{login_request, private_message};

const ROUNDS: usize = 7;
const MSS: usize = 1448;

fn elapsed(start: (Duration, Instant)) -> Duration {
    if clock::wall_clock_requested() {
        start.1.elapsed()
    } else {
        clock::now().saturating_sub(start.0)
    }
}

fn start() -> (Duration, Instant) {
    (clock::now(), Instant::now())
}

/// `turms-wire decode --json` on the raw stream, as `cli/src/decode.rs` runs it.
fn raw(wire: &[u8], out: &Path) -> (Duration, u64) {
    let file = BufWriter::new(File::create(out).expect("the output file"));
    let mut writer = RecordWriter::new(file, OutputFormat::Json);
    let options = ReaderOptions {
        receiver: RoleKind::Client,
        boundaries: Boundaries::LengthPrefixed,
        encoding: InputEncoding::Binary,
        max_frame: RoleKind::Client.limits().max_inbound_frame(),
    };
    let began = start();
    let mut reader = FrameReader::new(wire, options);
    let mut frames = 0;
    loop {
        while let Some(record) = reader.next_buffered() {
            frames += 1;
            writer.write(&Record::frame(&record)).expect("write");
        }
        writer.flush().expect("flush");
        if reader.is_finished() {
            break;
        }
        reader.read_more().expect("in memory");
    }
    (elapsed(began), frames)
}

/// `turms-wire decode --pcap --json` on the capture.
fn capture(pcap: &[u8], out: &Path) -> (Duration, u64) {
    let file = BufWriter::new(File::create(out).expect("the output file"));
    let mut writer = DecodedWriter::new(file, OutputFormat::Json);
    let began = start();
    let decoder = CaptureDecoder::new(pcap, DecodeConfig::default()).expect("a capture");
    let mut frames = 0;
    for decoded in decoder {
        frames += u64::from(matches!(
            decoded.kind,
            turms_wire::capture::DecodedKind::Frame(_)
        ));
        writer.write(&decoded).expect("write");
    }
    writer.flush().expect("flush");
    (elapsed(began), frames)
}

/// The stream as one TCP connection's server side: a handshake, segments of [`MSS`] bytes
/// 20 µs apart, the client's ACK every second one, the server's RST.
fn capture_of(wire: &[u8]) -> Vec<u8> {
    let c = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 1, 1_000_000);
    let mut pcap = Pcap::new(LINKTYPE_ETHERNET, false, false);
    let mut time = 1_700_000_000_000_000u64;
    for packet in c.handshake() {
        pcap.packet(time, &Link::Ethernet.frame(&packet));
    }
    for (i, segment) in wire.chunks(MSS).enumerate() {
        time += 20;
        let offset = (i * MSS) as u32;
        pcap.packet(time, &Link::Ethernet.frame(&c.s2c(offset, segment)));
        if i % 2 == 1 {
            let ack = tcp(c.client, c.server, c.client_isn.wrapping_add(1), ACK, &[]);
            pcap.packet(time, &Link::Ethernet.frame(&ack));
        }
    }
    pcap.packet(
        time + 1,
        &Link::Ethernet.frame(&c.s2c_rst(wire.len() as u32)),
    );
    pcap.bytes()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn main() {
    if let Ok(path) = std::env::var("TURMS_BENCH_BIG_CAPTURE") {
        let bytes = std::env::var("TURMS_BENCH_BIG_BYTES")
            .ok()
            .and_then(|b| b.parse().ok())
            .unwrap_or(1_000_000_000u64);
        let open_at_once = std::env::var("TURMS_BENCH_BIG_OPEN")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(4000);
        big_capture(Path::new(&path), bytes, open_at_once);
        return;
    }
    let corpus = corpus::session_mix();
    let pcap = capture_of(&corpus.wire);
    let frames = corpus.frames() as f64;
    println!(
        "corpus (a) session mix: {} frames, {} bytes of stream; as a capture: {} bytes",
        corpus.frames(),
        corpus.wire_bytes(),
        pcap.len()
    );
    let out = std::env::temp_dir().join(format!(
        "turms-wire-capture-bench-{}.jsonl",
        std::process::id()
    ));
    // Warm-up: one of each (and a check that both see every frame).
    assert_eq!(raw(&corpus.wire, &out).1, corpus.frames() as u64);
    assert_eq!(capture(&pcap, &out).1, corpus.frames() as u64);
    let (mut raws, mut captures, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    println!("round  raw ns/frame  capture ns/frame  ratio");
    for round in 0..ROUNDS {
        // Alternate which goes first, so that neither always follows the other.
        let (r, c) = if round % 2 == 0 {
            let r = raw(&corpus.wire, &out).0;
            (r, capture(&pcap, &out).0)
        } else {
            let c = capture(&pcap, &out).0;
            (raw(&corpus.wire, &out).0, c)
        };
        let (r, c) = (r.as_nanos() as f64 / frames, c.as_nanos() as f64 / frames);
        println!("{round:>5}  {r:>12.0}  {c:>16.0}  {:.3}", c / r);
        raws.push(r);
        captures.push(c);
        ratios.push(c / r);
    }
    let _ = std::fs::remove_file(&out);
    let (raw_median, capture_median) = (median(&mut raws), median(&mut captures));
    println!(
        "median: raw {raw_median:.0} ns/frame, capture {capture_median:.0} ns/frame; \
         ratio of the medians {:.3}, median of the ratios {:.3}",
        capture_median / raw_median,
        median(&mut ratios)
    );
}

/// A large capture for the memory measurement: `bytes` of pcap, connections opened in waves of
/// `open_at_once` running their sessions interleaved: a login, requests (each cut in two
/// packets, so every connection of the wave holds a partial frame at once), their responses,
/// pushes, heartbeats, a 4 KiB response whose last two segments of every connection arrive
/// before any first one (so the whole wave waits out of order at once), and an RST.
fn big_capture(path: &Path, bytes: u64, open_at_once: usize) {
    let mut file = BufWriter::new(File::create(path).expect("the output file"));
    let mut pcap = Pcap::new(LINKTYPE_ETHERNET, false, false);
    let mut written = 0u64;
    let mut time = 1_700_000_000_000_000u64;
    let mut conns = 0u32;
    let big = framed(
        &turms_wire::proto::TurmsNotification {
            request_id: Some(7),
            code: Some(1000),
            reason: Some("r".repeat(4096)),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    let flush = |file: &mut BufWriter<File>, pcap: &mut Pcap, written: &mut u64| {
        let chunk = pcap.take_bytes();
        *written += chunk.len() as u64;
        file.write_all(&chunk).expect("write");
    };
    while written < bytes {
        let wave: Vec<Conversation> = (0..open_at_once as u32)
            .map(|i| {
                let n = conns + i;
                let client = format!(
                    "10.{}.{}.{}:{}",
                    (n >> 16) & 0xff,
                    (n >> 8) & 0xff,
                    n & 0xff,
                    20_000 + n % 40_000
                );
                Conversation::new(
                    &client,
                    "10.255.0.1:11510",
                    n.wrapping_mul(2_654_435_761),
                    n,
                )
            })
            .collect();
        conns += open_at_once as u32;
        let mut step = |pcap: &mut Pcap, packet: Vec<u8>| {
            time += 3;
            pcap.packet(time, &Link::Ethernet.frame(&packet));
        };
        for c in &wave {
            for packet in c.handshake() {
                step(&mut pcap, packet);
            }
        }
        let mut offsets = vec![(0u32, 0u32); wave.len()];
        for round in 0..6i64 {
            let request = |c2s: u32| {
                let request = if round == 0 {
                    login_request(1, i64::from(c2s), Some("123"), DeviceType::Android)
                } else {
                    private_message(round + 1, 2, "hello from the big capture")
                };
                framed(&request.encode_to_vec())
            };
            for (c, (c2s, _)) in wave.iter().zip(&offsets) {
                step(&mut pcap, c.c2s(*c2s, &request(*c2s)[..10]));
            }
            for (c, (c2s, s2c)) in wave.iter().zip(offsets.iter_mut()) {
                let bytes = request(*c2s);
                step(&mut pcap, c.c2s(*c2s + 10, &bytes[10..]));
                *c2s += bytes.len() as u32;
                let mut answer = framed(&ok(round + 1).encode_to_vec());
                answer.extend(framed(
                    &push(3, private_message(9, 2, "a push")).encode_to_vec(),
                ));
                step(&mut pcap, c.s2c(*s2c, &answer));
                *s2c += answer.len() as u32;
                step(&mut pcap, c.c2s(*c2s, &[0]));
                *c2s += 1;
                step(&mut pcap, c.s2c(*s2c, &[0]));
                *s2c += 1;
            }
            flush(&mut file, &mut pcap, &mut written);
        }
        let cuts = [0, MSS, 2 * MSS, big.len()];
        for k in [2, 1, 0] {
            for (c, (_, s2c)) in wave.iter().zip(&offsets) {
                step(
                    &mut pcap,
                    c.s2c(*s2c + cuts[k] as u32, &big[cuts[k]..cuts[k + 1]]),
                );
            }
        }
        for (c, (_, s2c)) in wave.iter().zip(&offsets) {
            step(&mut pcap, c.s2c_rst(*s2c + big.len() as u32));
        }
        flush(&mut file, &mut pcap, &mut written);
    }
    file.flush().expect("flush");
    println!(
        "{}: {} bytes, {conns} connections ({open_at_once} open at once)",
        path.display(),
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    );
}
