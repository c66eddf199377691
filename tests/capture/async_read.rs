//! The reader and the decoder over an `AsyncRead` (`CaptureStream`, `DecodedStream`): what the
//! iterators yield for the same bytes, record by record, whatever sizes the reads come in and
//! wherever they are pending; each record as soon as its bytes are there; the same errors and
//! the same limits.

use std::cell::RefCell;
use std::future::Future;
use std::io::{self, Read};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};
use turms_wire::capture::{
    CaptureConfig, CaptureDecoder, CaptureError, CaptureReader, CaptureStream, Classified,
    DecodeConfig, Decoded, DecodedKind, DecodedStream, Event, EventKind, RoleKind,
};
use turms_wire::ClientFrame;
use turms_wire_test_support::capture_writer::*;
use turms_wire_test_support::wait::{bounded, within};

use crate::seeds::{committed, variants};

/// How long each read is.
#[derive(Clone, Copy, Debug)]
enum Reads {
    /// All that is asked for.
    Whole,
    /// One byte.
    OneByte,
    /// From 1 to `max` bytes, drawn from a generator seeded with `seed` (no randomness in CI).
    Random { seed: u64, max: usize },
}

/// The lengths of successive reads.
struct Lengths {
    reads: Reads,
    state: u64,
}

impl Lengths {
    fn new(reads: Reads) -> Self {
        let state = match reads {
            Reads::Random { seed, .. } => seed | 1,
            _ => 1,
        };
        Self { reads, state }
    }

    fn next(&mut self) -> usize {
        match self.reads {
            Reads::Whole => usize::MAX,
            Reads::OneByte => 1,
            Reads::Random { max, .. } => {
                self.state = self
                    .state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                1 + (self.state >> 33) as usize % max
            }
        }
    }
}

/// A capture's bytes handed out in reads of the given lengths, each read preceded by a
/// pending one when `pending` (as an `AsyncRead`; as a `Read`, never pending), and failing
/// from `fail_at` bytes on, when given.
struct Scripted {
    bytes: Vec<u8>,
    pos: usize,
    lengths: Lengths,
    pending: bool,
    ready: bool,
    fail_at: Option<usize>,
}

impl Scripted {
    fn new(bytes: &[u8], reads: Reads, pending: bool) -> Self {
        Self {
            bytes: bytes.to_vec(),
            pos: 0,
            lengths: Lengths::new(reads),
            pending,
            ready: false,
            fail_at: None,
        }
    }

    fn failing_at(mut self, at: usize) -> Self {
        self.fail_at = Some(at);
        self
    }

    fn read_some(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut end = self.bytes.len();
        if let Some(at) = self.fail_at {
            if self.pos >= at {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "the capture pipe broke",
                ));
            }
            end = at;
        }
        let n = self.lengths.next().min(buf.len()).min(end - self.pos);
        buf[..n].copy_from_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_some(buf)
    }
}

impl AsyncRead for Scripted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.pending && !std::mem::replace(&mut this.ready, true) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        this.ready = false;
        let n = this.read_some(buf.initialize_unfilled())?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

/// The ways the bytes are delivered to the streams.
fn deliveries() -> Vec<(Reads, bool)> {
    let mut out = vec![
        (Reads::Whole, false),
        (Reads::Whole, true),
        (Reads::OneByte, false),
        (Reads::OneByte, true),
    ];
    for seed in 1..=4 {
        out.push((Reads::Random { seed, max: 64 }, true));
        out.push((Reads::Random { seed, max: 3000 }, seed % 2 == 0));
    }
    out
}

fn iter_events(capture: &[u8], config: &CaptureConfig) -> Result<Vec<Event>, CaptureError> {
    Ok(CaptureReader::new(capture, config.clone())?.collect())
}

fn iter_records(capture: &[u8], config: &DecodeConfig) -> Result<Vec<Decoded>, CaptureError> {
    Ok(CaptureDecoder::new(capture, config.clone())?.collect())
}

async fn stream_events(
    input: Scripted,
    config: &CaptureConfig,
) -> Result<Vec<Event>, CaptureError> {
    Ok(CaptureStream::new(input, config.clone())
        .await?
        .collect()
        .await)
}

async fn stream_records(
    input: Scripted,
    config: &DecodeConfig,
) -> Result<Vec<Decoded>, CaptureError> {
    Ok(DecodedStream::new(input, config.clone())
        .await?
        .collect()
        .await)
}

/// Checks that both streams give what both iterators give for `capture`, delivered every way.
async fn same_as_the_iterators(name: &str, capture: &[u8], config: &DecodeConfig) {
    let events = iter_events(capture, &config.capture);
    let records = iter_records(capture, config);
    for (reads, pending) in deliveries() {
        let streamed = within(
            "the events",
            stream_events(Scripted::new(capture, reads, pending), &config.capture),
        )
        .await;
        assert_eq!(
            streamed, events,
            "{name}: events, {reads:?}, pending {pending}"
        );
        let streamed = within(
            "the records",
            stream_records(Scripted::new(capture, reads, pending), config),
        )
        .await;
        assert_eq!(
            streamed, records,
            "{name}: records, {reads:?}, pending {pending}"
        );
    }
}

fn resync() -> DecodeConfig {
    let mut config = DecodeConfig::default();
    config.capture.resync = true;
    config
}

/// Captures made here: every container variant, several link types, frames of both
/// directions, a WebSocket upgrade, a packet record larger than a read-ahead chunk.
fn synthesized() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let c = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 1000, 5000);
    let request = framed(&[0x08, 0x07]);
    let response = framed(&[0x20, 0x07, 0x28, 0xe8, 0x07]);
    let mut packets = c.handshake();
    packets.push(c.c2s(0, &request));
    packets.push(c.s2c(0, &response));
    packets.push(c.c2s_fin(request.len() as u32));
    packets.push(c.s2c_fin(response.len() as u32));
    out.push(("raw pcap".to_string(), raw_pcap(&packets)));

    let mut pcap = Pcap::new(LINKTYPE_ETHERNET, true, true);
    for (i, packet) in packets.iter().enumerate() {
        pcap.packet(
            1_700_000_000_000_000 + i as u64,
            &Link::EthernetVlan(&[0x8100]).frame(packet),
        );
    }
    out.push(("big-endian nanosecond pcap, VLAN".to_string(), pcap.bytes()));

    let ws = Conversation::new("[::1]:40000", "[::1]:10510", u32::MAX - 2, 7);
    let mut ws_packets = ws.handshake();
    ws_packets.push(ws.c2s(0, b"GET / HTTP/1.1\r\n\r\n"));
    ws_packets.push(ws.s2c(0, b"HTTP/1.1 101 Switching Protocols\r\n\r\n"));
    ws_packets.push(ws.c2s_fin(18));
    ws_packets.push(ws.s2c_rst(37));
    let mut file = PcapNg::new(true);
    file.interface(LINKTYPE_LINUX_SLL2, Some(9));
    for (i, packet) in ws_packets.iter().enumerate() {
        file.enhanced(0, i as u64 * 1_000_000_007, &Link::Sll2.frame(packet));
    }
    file.simple(&Link::Sll2.frame(&ws_packets[3]));
    // A second section, little-endian, with its own interface.
    file.section(false).interface(LINKTYPE_RAW, None);
    for (i, packet) in packets.iter().enumerate() {
        file.enhanced(0, 2_000_000 + i as u64, packet);
    }
    out.push(("pcapng, two sections".to_string(), file.bytes()));

    // One request of 100 KB: its record is longer than the 64 KiB read ahead.
    let big = Conversation::new("10.0.0.3:40000", "10.0.0.2:11510", 1, 2);
    let mut body = vec![0x08, 0x09, 0x12];
    body.extend(encode_varint(100_000));
    body.extend(std::iter::repeat_n(b'x', 100_000));
    let big_request = framed(&body);
    let mut big_packets = big.handshake();
    big_packets.push(big.c2s(0, &big_request));
    big_packets.push(big.c2s_fin(big_request.len() as u32));
    out.push(("a 100 KB packet".to_string(), raw_pcap(&big_packets)));
    out
}

fn encode_varint(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out
}

#[tokio::test]
async fn the_streams_yield_what_the_iterators_yield_however_the_bytes_arrive() {
    let captures = committed();
    assert!(!captures.is_empty(), "captures are committed");
    for (name, capture) in captures.iter().chain(&synthesized()) {
        for config in [DecodeConfig::default(), resync()] {
            same_as_the_iterators(name, capture, &config).await;
        }
    }
}

#[tokio::test]
async fn cut_and_garbled_captures_end_as_in_the_iterators() {
    for (name, capture) in committed().iter().chain(&synthesized()) {
        for (i, variant) in variants(capture).iter().enumerate() {
            let name = format!("{name}, variant {i}");
            let config = DecodeConfig::default();
            let records = iter_records(variant, &config);
            for (reads, pending) in [
                (Reads::Whole, false),
                (
                    Reads::Random {
                        seed: i as u64,
                        max: 200,
                    },
                    true,
                ),
            ] {
                let streamed = within(
                    "the records",
                    stream_records(Scripted::new(variant, reads, pending), &config),
                )
                .await;
                assert_eq!(streamed, records, "{name}, {reads:?}");
            }
        }
    }
}

#[tokio::test]
async fn header_errors_are_the_iterators() {
    let pcap = Pcap::new(LINKTYPE_RAW, false, false).bytes();
    let pcapng = PcapNg::new(true).bytes();
    let mut inputs = vec![
        b"".to_vec(),
        b"GET / HTTP/1.1\r\n".to_vec(),
        [0xa1, 0xb2, 0xcd, 0x34].repeat(6),
    ];
    for cut in [2, 10, 23] {
        inputs.push(pcap[..cut].to_vec());
    }
    for cut in [6, 11, 27] {
        inputs.push(pcapng[..cut].to_vec());
    }
    let mut no_magic = pcapng.clone();
    no_magic[8] ^= 0xff;
    inputs.push(no_magic);
    let mut version_2 = pcapng.clone();
    version_2[12] = 2;
    inputs.push(version_2);
    for input in &inputs {
        let expected = CaptureReader::new(&input[..], CaptureConfig::default())
            .map(|_| ())
            .unwrap_err();
        for (reads, pending) in [(Reads::Whole, false), (Reads::OneByte, true)] {
            let error = within(
                "the header",
                CaptureStream::new(
                    Scripted::new(input, reads, pending),
                    CaptureConfig::default(),
                ),
            )
            .await
            .map(|_| ())
            .unwrap_err();
            assert_eq!(error, expected, "{input:02x?}");
            let error = within(
                "the header",
                DecodedStream::new(
                    Scripted::new(input, reads, pending),
                    DecodeConfig::default(),
                ),
            )
            .await
            .map(|_| ())
            .unwrap_err();
            assert_eq!(error, expected, "{input:02x?}");
        }
    }
    assert!(matches!(
        CaptureStream::new(&b"GET "[..], CaptureConfig::default()).await,
        Err(CaptureError::NotACapture { magic: 0x4745_5420 })
    ));

    let mut config = CaptureConfig::default();
    config.ws_ports.insert(11510);
    let error = CaptureStream::new(&pcap[..], config)
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error, CaptureError::ConflictingPort { port: 11510 });
}

#[tokio::test]
async fn a_failed_read_ends_as_in_the_iterator() {
    let (name, capture) = &committed()[0];
    let config = DecodeConfig::default();
    for at in [0, 3, 24, 30, capture.len() / 2, capture.len() - 1] {
        let expected = CaptureDecoder::new(
            Scripted::new(capture, Reads::Whole, false).failing_at(at),
            config.clone(),
        )
        .map(|decoder| decoder.collect::<Vec<_>>());
        for (reads, pending) in [(Reads::Whole, false), (Reads::OneByte, true)] {
            let streamed = within(
                "the records",
                stream_records(
                    Scripted::new(capture, reads, pending).failing_at(at),
                    &config,
                ),
            )
            .await;
            assert_eq!(streamed, expected, "{name}, failing at {at}, {reads:?}");
        }
        let io_error = |error: &CaptureError| {
            matches!(
                error,
                CaptureError::Io {
                    kind: io::ErrorKind::ConnectionReset,
                    ..
                }
            )
        };
        match &expected {
            Ok(records) => assert!(
                records
                    .iter()
                    .any(|r| matches!(&r.kind, DecodedKind::Error(error) if io_error(error))),
                "{records:?}"
            ),
            Err(error) => assert!(io_error(error), "{error:?}"),
        }
    }
}

/// Bytes handed to a stream by the test as it goes: pending while there are none, the end
/// once `closed`.
#[derive(Clone, Default)]
struct Fed(Rc<RefCell<(Vec<u8>, bool)>>);

impl Fed {
    fn feed(&self, bytes: &[u8]) {
        self.0.borrow_mut().0.extend_from_slice(bytes);
    }

    fn close(&self) {
        self.0.borrow_mut().1 = true;
    }
}

impl AsyncRead for Fed {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (bytes, closed) = &mut *self.0.borrow_mut();
        if bytes.is_empty() && !*closed {
            // Polled by hand below: no waker to keep.
            return Poll::Pending;
        }
        let n = bytes.len().min(buf.remaining());
        buf.put_slice(&bytes[..n]);
        bytes.drain(..n);
        Poll::Ready(Ok(()))
    }
}

/// Polls once, by hand.
fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Every record the stream has ready now, the stream left pending.
fn ready_records(stream: &mut DecodedStream<Fed>) -> Vec<Decoded> {
    let mut out = Vec::new();
    loop {
        match poll_once(pin!(stream.next())) {
            Poll::Ready(Some(record)) => out.push(record),
            Poll::Ready(None) => panic!("the stream ended before its input"),
            Poll::Pending => return out,
        }
    }
}

/// Opens a stream on `fed` once `header` has been fed to it.
fn open(fed: &Fed, header: &[u8]) -> DecodedStream<Fed> {
    let mut opening = pin!(DecodedStream::new(fed.clone(), DecodeConfig::default()));
    assert!(poll_once(opening.as_mut()).is_pending(), "no byte yet");
    fed.feed(header);
    match poll_once(opening) {
        Poll::Ready(stream) => stream.expect("a capture header"),
        Poll::Pending => panic!("the header is complete"),
    }
}

#[test]
fn a_record_comes_out_as_soon_as_its_bytes_are_there() {
    let c = Conversation::new("10.0.0.1:40000", "10.0.0.2:11510", 1000, 5000);
    let request = framed(&[0x08, 0x07]);
    let mut packets = c.handshake();
    packets.push(c.c2s(0, &request));
    packets.push(c.c2s_fin(request.len() as u32));
    let capture = raw_pcap(&packets);
    let request_end = 24 + packets[..4].iter().map(|p| 16 + p.len()).sum::<usize>();

    let fed = Fed::default();
    let mut stream = open(&fed, &capture[..24]);
    fed.feed(&capture[24..request_end - 1]);
    let records = ready_records(&mut stream);
    assert!(
        matches!(
            records[..],
            [Decoded {
                kind: DecodedKind::Open { .. },
                ..
            }]
        ),
        "{records:?}"
    );
    // The request's last byte: the request is out, the input still open.
    fed.feed(&capture[request_end - 1..request_end]);
    let records = ready_records(&mut stream);
    let [Decoded {
        dir: Some(RoleKind::Gateway),
        kind: DecodedKind::Frame(frame),
        ..
    }] = &records[..]
    else {
        panic!("{records:?}")
    };
    let Ok(Classified::Client(ClientFrame::Request(request))) = &frame.frame else {
        panic!("{frame:?}")
    };
    assert_eq!(request.request_id(), Some(7));

    fed.feed(&capture[request_end..]);
    assert!(
        ready_records(&mut stream).is_empty(),
        "a lone FIN closes nothing"
    );
    fed.close();
    let rest: Vec<_> = futures_util::FutureExt::now_or_never(stream.collect::<Vec<_>>())
        .expect("the input has ended");
    assert!(
        matches!(
            &rest[..],
            [
                Decoded {
                    kind: DecodedKind::Close { .. },
                    ..
                },
                Decoded {
                    kind: DecodedKind::End(_),
                    ..
                }
            ]
        ),
        "{rest:?}"
    );
}

/// A blocking reader of one byte at a time, counting the bytes read and noting the end of the
/// input once a read has found it.
struct Counted<'a> {
    bytes: &'a [u8],
    read: Rc<RefCell<(usize, bool)>>,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (read, ended) = &mut *self.read.borrow_mut();
        if self.bytes.is_empty() {
            *ended = true;
            return Ok(0);
        }
        buf[0] = self.bytes[0];
        self.bytes = &self.bytes[1..];
        *read += 1;
        Ok(1)
    }
}

#[test]
fn fed_byte_by_byte_the_stream_keeps_up_with_the_iterator() {
    for (name, capture) in committed().iter().chain(&synthesized()) {
        // When the iterator yields each record, reading one byte at a time: how many bytes it
        // had read (it reads nothing beyond the block it completes), and whether it had found
        // the end of the input.
        let read = Rc::new(RefCell::new((0, false)));
        let decoder = CaptureDecoder::new(
            Counted {
                bytes: capture,
                read: read.clone(),
            },
            DecodeConfig::default(),
        )
        .expect("a capture header");
        let header = read.borrow().0;
        let mut expected = Vec::new();
        for record in decoder {
            expected.push((*read.borrow(), record));
        }

        let fed = Fed::default();
        let mut stream = open(&fed, &capture[..header]);
        let mut out = Vec::new();
        for at in header..capture.len() {
            fed.feed(&capture[at..at + 1]);
            out.extend(ready_records(&mut stream));
            // What needs the end of the input comes after it.
            let due = expected
                .iter()
                .take_while(|((read, ended), _)| *read <= at + 1 && !ended)
                .count();
            assert_eq!(out.len(), due, "{name}: after {} bytes", at + 1);
        }
        fed.close();
        out.extend(
            futures_util::FutureExt::now_or_never(stream.collect::<Vec<_>>())
                .expect("the input has ended"),
        );
        let expected: Vec<_> = expected.into_iter().map(|(_, record)| record).collect();
        assert_eq!(out, expected, "{name}");
    }
}

/// Hands out a capture's bytes, then zeros without end, each read pending first; counts what
/// was read.
struct Endless {
    start: Vec<u8>,
    read: Rc<RefCell<usize>>,
    ready: bool,
}

impl AsyncRead for Endless {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !std::mem::replace(&mut this.ready, true) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        this.ready = false;
        let mut read = this.read.borrow_mut();
        let n = if *read < this.start.len() {
            let n = (this.start.len() - *read).min(buf.remaining());
            buf.put_slice(&this.start[*read..*read + n]);
            n
        } else {
            let n = buf.remaining();
            buf.put_slice(&vec![0; n]);
            n
        };
        *read += n;
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_huge_claimed_length_is_refused_before_anything_is_read_for_it() {
    // A pcap record and a pcapng block claiming almost 4 GiB.
    let mut pcap = Pcap::new(LINKTYPE_RAW, false, false);
    pcap.record(1, 0, 0xFFFF_FFF0, &[]);
    let mut pcapng = PcapNg::new(false).interface(LINKTYPE_RAW, None).bytes();
    pcapng.extend(6u32.to_le_bytes());
    pcapng.extend(0xFFFF_FFF0u32.to_le_bytes());
    for (capture, what) in [(pcap.bytes(), "packet record"), (pcapng, "pcapng block")] {
        let read = Rc::new(RefCell::new(0));
        let stream = CaptureStream::new(
            Endless {
                start: capture,
                read: read.clone(),
                ready: false,
            },
            CaptureConfig::default(),
        )
        .await
        .expect("a capture header");
        let events: Vec<_> = within("the events", stream.collect()).await;
        assert!(
            matches!(
                &events[..],
                [
                    Event {
                        kind: EventKind::Error(CaptureError::Oversize {
                            what: w,
                            len: 0xFFFF_FFF0,
                            ..
                        }),
                        ..
                    },
                    Event {
                        kind: EventKind::End(_),
                        ..
                    }
                ] if *w == what
            ),
            "{events:?}"
        );
        let read = *read.borrow();
        assert!(read < 1 << 20, "read {read} bytes");
    }
}

#[tokio::test]
async fn a_pipe_written_piece_by_piece_decodes_as_the_file() {
    bounded(async {
        for (name, capture) in committed() {
            let expected = iter_records(&capture, &DecodeConfig::default());
            let (mut writer, reader) = tokio::io::duplex(512);
            let pieces = capture.clone();
            let writing = tokio::spawn(async move {
                let mut lengths = Lengths::new(Reads::Random { seed: 9, max: 700 });
                let mut at = 0;
                while at < pieces.len() {
                    let n = lengths.next().min(pieces.len() - at);
                    writer.write_all(&pieces[at..at + n]).await.unwrap();
                    at += n;
                    tokio::task::yield_now().await;
                }
                // Dropping the writer ends the input.
            });
            let records: Vec<_> = DecodedStream::new(reader, DecodeConfig::default())
                .await
                .expect("a capture header")
                .collect()
                .await;
            writing.await.unwrap();
            assert_eq!(Ok(records), expected, "{name}");
        }
    })
    .await;
}
