//! TCP framing and message encoding: tokio-util codecs for both ends of a connection.
//!
//! Every frame on a Turms TCP connection, in both directions, is an unsigned varint32 length
//! followed by that many bytes of protobuf; an empty frame (the single byte `00`) is the
//! heartbeat, and its ack. [`Framing`] is that layer on its own: a
//! [`Decoder`](tokio_util::codec::Decoder) yielding one zero-copy [`Bytes`](bytes::Bytes) per
//! frame and an [`Encoder`](tokio_util::codec::Encoder) for raw bodies.
//!
//! [`ClientCodec`] and [`GatewayCodec`] are the two ends of a connection on top of it: each
//! classifies what it receives ([`Frame`](crate::frame::Frame),
//! [`ClientFrame`](crate::frame::ClientFrame)) and encodes what its side may send (requests
//! in the field order the gateway accepts, notifications, heartbeats and their acks).
//!
//! Two layers of error are kept apart: a bad length prefix ends the stream ([`FramingError`]),
//! while a body that is not valid protobuf only spoils its own frame ([`MalformedFrame`], an
//! item of the stream).
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
//! use turms_wire::frame::Frame;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tcp = TcpStream::connect("127.0.0.1:11510").await?;
//! let mut conn = Framed::new(tcp, ClientCodec::new());
//! conn.send(Heartbeat).await?;
//! while let Some(item) = conn.next().await {
//!     match item? {
//!         Ok(Frame::HeartbeatAck) => println!("alive"),
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
mod limits;
pub(crate) mod role;
#[cfg(test)]
mod tests;

pub use encode::{encode_notification, encode_request, notification_to_bytes, request_to_bytes};
pub use error::FramingError;
pub use framing::{read_length_prefix, write_length_prefix, Framing, LengthPrefix, MAX_PREFIX_LEN};
pub use limits::{
    Limits, DEFAULT_MAX_NOTIFICATION_FRAME, DEFAULT_MAX_REQUEST_FRAME, MAX_FRAME_LENGTH,
};
pub use role::{ClientCodec, GatewayCodec, Heartbeat, HeartbeatAck, MalformedFrame};
