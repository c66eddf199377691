//! TCP framing and message encoding: tokio-util codecs for both ends of a connection.
//!
//! Every frame on a Turms TCP connection, in both directions, is an unsigned varint32 length
//! followed by that many bytes of protobuf; an empty frame (the single byte `00`) is the
//! heartbeat, and its ack. [`Framing`] is that layer on its own: a
//! [`Decoder`](tokio_util::codec::Decoder) yielding one zero-copy [`Bytes`](bytes::Bytes) per
//! frame and an [`Encoder`](tokio_util::codec::Encoder) for raw bodies.
//!
//! Two layers of error are kept apart: a bad length prefix ends the stream ([`FramingError`]),
//! while a body that is not valid protobuf only spoils its own frame.
//!
//! ```
//! use bytes::BytesMut;
//! use tokio_util::codec::Decoder;
//! use turms_wire::codec::Framing;
//!
//! let mut framing = Framing::client();
//! let mut read = BytesMut::from(&b"\x00\x03abc\x02"[..]);
//! assert_eq!(framing.decode(&mut read)?.unwrap(), ""); // heartbeat ack
//! assert_eq!(framing.decode(&mut read)?.unwrap(), "abc");
//! assert_eq!(framing.decode(&mut read)?, None); // waiting for the rest
//! # Ok::<(), turms_wire::codec::FramingError>(())
//! ```

mod encode;
mod error;
mod framing;
mod limits;

pub use encode::{encode_notification, encode_request, notification_to_bytes, request_to_bytes};
pub use error::FramingError;
pub use framing::{read_length_prefix, write_length_prefix, Framing, LengthPrefix, MAX_PREFIX_LEN};
pub use limits::{
    Limits, DEFAULT_MAX_NOTIFICATION_FRAME, DEFAULT_MAX_REQUEST_FRAME, MAX_FRAME_LENGTH,
};
