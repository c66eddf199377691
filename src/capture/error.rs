//! What can go wrong with a capture as a whole (a bad packet inside it is only counted).

use std::io;

/// Why a capture cannot be read, or could not be read to its end.
///
/// Returned by [`CaptureReader::new`](super::CaptureReader::new) for a bad file header, and
/// yielded as [`EventKind::Error`](super::EventKind::Error) for a problem met later (after the
/// events of everything before it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// No byte at all.
    #[error("empty input: expected a pcap or pcapng capture")]
    Empty,
    /// The first four bytes are no capture magic.
    #[error(
        "not a pcap or pcapng capture: magic 0x{magic:08x} (expected a pcap magic a1b2c3d4 or \
         a1b23c4d in either byte order, or the pcapng section header 0a0d0d0a)"
    )]
    NotACapture {
        /// The first four bytes, read big-endian (as a hex dump shows them).
        magic: u32,
    },
    /// The input ends inside a header, a block or a packet record.
    #[error("capture truncated at byte {offset}: the {what} is cut short")]
    Truncated {
        /// Where the incomplete unit starts.
        offset: u64,
        /// `"file header"`, `"pcapng block"` or `"packet record"`.
        what: &'static str,
    },
    /// A length field claims more than this reader accepts (nothing that large is allocated).
    #[error("the {what} at byte {offset} claims {len} bytes, more than the {max} accepted")]
    Oversize {
        /// Where the unit starts.
        offset: u64,
        /// `"pcapng block"` or `"packet record"`.
        what: &'static str,
        /// The length claimed.
        len: u64,
        /// The largest length accepted.
        max: u64,
    },
    /// A unit whose fields contradict each other.
    #[error("malformed {what} at byte {offset}: {reason}")]
    Malformed {
        /// Where the unit starts.
        offset: u64,
        /// `"file header"`, `"pcapng block"` or `"packet record"`.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Reading the input failed.
    #[error("reading the capture failed: {message}")]
    Io {
        /// The kind of the I/O error.
        kind: io::ErrorKind,
        /// Its text.
        message: String,
    },
    /// The configuration names a port as both a TCP and a WebSocket server port.
    #[error("port {port} is both a TCP and a WebSocket server port")]
    ConflictingPort {
        /// The port in both sets.
        port: u16,
    },
}

impl From<io::Error> for CaptureError {
    fn from(error: io::Error) -> Self {
        Self::Io {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}
