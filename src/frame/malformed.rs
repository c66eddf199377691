//! A frame whose length was sound but whose body is not a valid envelope.

use bytes::Bytes;

use super::error::ClassifyError;

/// A frame whose length prefix (or WebSocket message) was sound but whose body is not a valid
/// envelope.
///
/// Only that frame is lost: the next one starts where the prefix said, so the stream goes on.
/// The raw bytes are kept, for logging or for answering as the gateway does (`request_id = -1`,
/// `INVALID_REQUEST`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {}-byte frame: {error}", bytes.len())]
pub struct MalformedFrame {
    /// The frame body as received.
    pub bytes: Bytes,
    /// Why it could not be classified.
    pub error: ClassifyError,
}
