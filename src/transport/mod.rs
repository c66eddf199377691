//! How frames cross a connection: the one floor under the client, the mock gateway, the tap
//! and the capture decoder.
//!
//! * [`TransportKind`]: TCP (a varint32 length before each frame) or WebSocket (one binary
//!   message per frame).
//! * [`Connection`] (feature `ws`): one connection carrying the frames of one end
//!   ([`Role`](crate::role::Role)), over either transport, as a `Stream` and a `Sink`.
//! * [`ServerAddr`] says where a gateway listens; [`TransportError`] is every way a connection
//!   can fail, from its address to its last frame (feature `session`, which needs no runtime, so
//!   that the session machines can name them).
//! * [`ws`] (feature `ws`): the WebSocket adapter under it.
//! * [`WsStreamReader`]: a WebSocket connection read back from its bytes, one direction at a
//!   time, without I/O (what the tap and packet captures see); [`StreamError`] is why a
//!   direction read back from its bytes (TCP or WebSocket) cannot be followed further (features
//!   `tap` or `capture`).

mod kind;

#[cfg(feature = "session")]
mod addr;
#[cfg(feature = "ws")]
mod connection;
#[cfg(feature = "session")]
mod error;
#[cfg(any(feature = "tap", feature = "capture"))]
pub(crate) mod follow;
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub mod ws;
#[cfg(any(feature = "tap", feature = "capture"))]
mod ws_stream;

pub use kind::TransportKind;

#[cfg(feature = "session")]
#[cfg_attr(docsrs, doc(cfg(feature = "session")))]
pub use addr::ServerAddr;
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub use connection::{Connection, Received};
#[cfg(feature = "session")]
#[cfg_attr(docsrs, doc(cfg(feature = "session")))]
pub use error::{TransportError, WsError};
#[cfg(any(feature = "tap", feature = "capture"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "tap", feature = "capture"))))]
pub use follow::StreamError;
#[cfg(all(test, any(feature = "tap", feature = "capture")))]
pub(crate) use ws_stream::test_frame;
#[cfg(any(feature = "tap", feature = "capture"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "tap", feature = "capture"))))]
pub use ws_stream::{WsItem, WsStreamError, WsStreamReader, MAX_HEAD};
