//! The reader and the decoder over an `AsyncRead`: the steps of [`CaptureReader`] and
//! [`CaptureDecoder`], with each read of the input a poll, so that a read that is not ready
//! makes the stream pending instead of blocking. No runtime is needed: only the `AsyncRead`
//! trait.
//!
//! [`CaptureReader`]: super::CaptureReader
//! [`CaptureDecoder`]: super::CaptureDecoder

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use tokio::io::{AsyncRead, ReadBuf};

use super::decode::Decoding;
use super::{
    CaptureConfig, CaptureError, CaptureFormat, DecodeConfig, Decoded, Event, Events, Summary,
};

/// Reads a capture from an [`AsyncRead`] into [`Event`]s (a [`Stream`]); the last one is
/// [`EventKind::End`](super::EventKind::End).
///
/// What [`CaptureReader`](super::CaptureReader) yields for the same bytes, event by event,
/// whatever sizes the reads come in: an event is out as soon as the bytes that complete its
/// packet have been read, and a read that is pending (in the middle of a block, say) only
/// makes the stream pending, with what was read so far kept. The limits and the memory bound
/// are the reader's. The input may be, for example, the standard output of
/// `tcpdump -U -w -` as a child process.
///
/// ```
/// use futures_util::{FutureExt, StreamExt};
/// use turms_wire::capture::{CaptureConfig, CaptureError, CaptureStream, EventKind};
///
/// // A pcap header (little-endian, microseconds, Ethernet) and no packet.
/// let mut capture = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
/// capture.extend([0; 8]);
/// capture.extend(65535u32.to_le_bytes());
/// capture.extend(1u32.to_le_bytes());
///
/// let events = async {
///     // `&[u8]` is an `AsyncRead`; so are a child process's stdout, a socket, a file.
///     let mut stream = CaptureStream::new(&capture[..], CaptureConfig::default()).await?;
///     let mut events = Vec::new();
///     while let Some(event) = stream.next().await {
///         events.push(event);
///     }
///     Ok::<_, CaptureError>(events)
/// };
/// // Bytes in memory are never pending: polling once, without a runtime, is enough here.
/// let events = events.now_or_never().expect("in-memory input is ready at once")?;
/// let [event] = &events[..] else { panic!("{events:?}") };
/// let EventKind::End(summary) = &event.kind else { panic!("{event:?}") };
/// assert_eq!(summary.packets, 0);
/// # Ok::<(), CaptureError>(())
/// ```
pub struct CaptureStream<R> {
    input: R,
    events: Events,
}

impl<R: AsyncRead + Unpin> CaptureStream<R> {
    /// Reads the capture's header (a pcap file header, or a pcapng section header block), with
    /// the errors of [`CaptureReader::new`](super::CaptureReader::new).
    pub async fn new(mut input: R, config: CaptureConfig) -> Result<Self, CaptureError> {
        let mut events = Events::new(&config)?;
        poll_fn(|cx| events.header(|buf| poll_read(&mut input, cx, buf))).await?;
        Ok(Self { input, events })
    }
}

impl<R> CaptureStream<R> {
    /// pcap or pcapng.
    pub fn format(&self) -> CaptureFormat {
        self.events.container.format()
    }

    /// The counters so far (the final ones come with
    /// [`EventKind::End`](super::EventKind::End)).
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

impl<R: AsyncRead + Unpin> Stream for CaptureStream<R> {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let this = self.get_mut();
        let input = &mut this.input;
        this.events.next(|buf| poll_read(input, cx, buf))
    }
}

impl<R> fmt::Debug for CaptureStream<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.events.debug("CaptureStream", f)
    }
}

/// One read of `input` into `buf`, as [`Events`] takes its reads.
fn poll_read<R: AsyncRead + Unpin>(
    input: &mut R,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut buf = ReadBuf::new(buf);
    ready!(Pin::new(input).poll_read(cx, &mut buf))?;
    Poll::Ready(Ok(buf.filled().len()))
}

/// Decodes a capture read from an [`AsyncRead`] into [`Decoded`] records (a [`Stream`]); the
/// last one is [`DecodedKind::End`](super::DecodedKind::End).
///
/// What [`CaptureDecoder`](super::CaptureDecoder) yields for the same bytes, record by record,
/// each as soon as the bytes of the packet that completes it have been read, with the
/// decoder's memory bound; the reader underneath is a [`CaptureStream`].
pub struct DecodedStream<R> {
    reader: CaptureStream<R>,
    decoding: Decoding,
}

impl<R: AsyncRead + Unpin> DecodedStream<R> {
    /// Reads the capture's header, with the errors of
    /// [`CaptureDecoder::new`](super::CaptureDecoder::new).
    pub async fn new(input: R, config: DecodeConfig) -> Result<Self, CaptureError> {
        let decoding = Decoding::new(&config);
        Ok(Self {
            reader: CaptureStream::new(input, config.capture).await?,
            decoding,
        })
    }
}

impl<R> DecodedStream<R> {
    /// The reader underneath (its format, its counters so far).
    pub fn reader(&self) -> &CaptureStream<R> {
        &self.reader
    }

    /// Connections whose state is held now.
    pub fn live_connections(&self) -> usize {
        self.decoding.live_connections()
    }

    /// Bytes held now by the decoding layer: starts of frames not complete yet, and the
    /// windows of boundary searches (the reader's own buffering is
    /// [`CaptureStream::buffered_bytes`]).
    pub fn held_bytes(&self) -> usize {
        self.decoding.held_bytes()
    }
}

impl<R: AsyncRead + Unpin> Stream for DecodedStream<R> {
    type Item = Decoded;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Decoded>> {
        let this = self.get_mut();
        loop {
            if let Some(decoded) = this.decoding.pop() {
                return Poll::Ready(Some(decoded));
            }
            match ready!(Pin::new(&mut this.reader).poll_next(cx)) {
                Some(event) => this.decoding.handle(event),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<R> fmt::Debug for DecodedStream<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodedStream")
            .field("reader", &self.reader)
            .field("live_connections", &self.decoding.live_connections())
            .finish_non_exhaustive()
    }
}
