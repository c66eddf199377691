//! TCP framing and message encoding: tokio-util codecs for both ends of a connection.
//!
//! Every frame on a Turms TCP connection, in both directions, is an unsigned varint32 length
//! followed by that many bytes of protobuf; an empty frame (the single byte `00`) is the
//! heartbeat, and its ack. [`Framing`] is that layer on its own: a
//! [`Decoder`](tokio_util::codec::Decoder) yielding one zero-copy [`Bytes`](bytes::Bytes) per
//! frame and an [`Encoder`](tokio_util::codec::Encoder) for raw bodies.
//!
//! [`Codec`] is one end of a connection on top of it, generic over the [`Role`](crate::role::Role)
//! ([`ClientCodec`], [`GatewayCodec`]): it classifies what the end receives
//! ([`ServerFrame`](crate::frame::ServerFrame), [`ClientFrame`](crate::frame::ClientFrame)) and
//! encodes what it may send ([`Outgoing`]: requests in the field order the gateway accepts,
//! notifications, heartbeats and their acks, pre-encoded bodies).
//!
//! Two layers of error are kept apart: a bad length prefix ends the stream ([`FramingError`]),
//! while a body that is not valid protobuf only spoils its own frame
//! ([`MalformedFrame`](crate::frame::MalformedFrame), an item of the stream).
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
//!
//! A client over TCP:
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use tokio::net::TcpStream;
//! use tokio_util::codec::Framed;
//! use turms_wire::codec::{ClientCodec, Heartbeat};
//! use turms_wire::frame::ServerFrame;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tcp = TcpStream::connect("127.0.0.1:11510").await?;
//! let mut conn = Framed::new(tcp, ClientCodec::new());
//! conn.send(Heartbeat).await?;
//! while let Some(item) = conn.next().await {
//!     match item? {
//!         Ok(ServerFrame::HeartbeatAck) => println!("alive"),
//!         Ok(frame) => println!("{}", frame.class()),
//!         Err(malformed) => println!("{malformed}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod encode;
mod error;
mod framing;
mod outgoing;
#[cfg(test)]
mod tests;
mod typed;

pub use encode::{encode_notification, encode_request, notification_to_bytes, request_to_bytes};
pub use error::{FramingError, OutboundError};
pub use framing::{read_length_prefix, write_length_prefix, Framing, LengthPrefix, MAX_PREFIX_LEN};
pub use outgoing::{Heartbeat, HeartbeatAck, Outgoing};
pub use typed::{ClientCodec, Codec, GatewayCodec};

// The limits belong to the roles; they are used here most, so they are named here too.
pub use crate::role::{
    Limits, DEFAULT_MAX_NOTIFICATION_FRAME, DEFAULT_MAX_REQUEST_FRAME, MAX_FRAME_LENGTH,
};

/// The former home of [`MalformedFrame`](crate::frame::MalformedFrame).
#[deprecated(since = "0.2.0", note = "moved to `turms_wire::frame::MalformedFrame`")]
pub type MalformedFrame = crate::frame::MalformedFrame;
