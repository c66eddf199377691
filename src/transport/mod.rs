//! How frames cross a connection: the one floor under the client, the mock gateway, the tap
//! and the capture decoder.
//!
//! * [`TransportKind`]: TCP (a varint32 length before each frame) or WebSocket (one binary
//!   message per frame).
//! * [`Connection`] (feature `ws`): one connection carrying the frames of one end
//!   ([`Role`](crate::role::Role)), over either transport, as a `Stream` and a `Sink`;
//!   [`ServerAddr`] says where a gateway listens; [`TransportError`] is every way a connection
//!   can fail, from its address to its last frame.
//! * [`ws`] (feature `ws`): the WebSocket adapter under it.
//! * [`WsStreamReader`]: a WebSocket connection read back from its bytes, one direction at a
//!   time, without I/O (what the tap and packet captures see).

mod kind;

#[cfg(feature = "ws")]
mod addr;
#[cfg(feature = "ws")]
mod connection;
#[cfg(feature = "ws")]
mod error;
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub mod ws;
#[cfg(feature = "tap")]
mod ws_stream;

pub use kind::TransportKind;

#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub use addr::ServerAddr;
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub use connection::{Connection, Received};
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub use error::TransportError;
#[cfg(feature = "tap")]
#[cfg_attr(docsrs, doc(cfg(feature = "tap")))]
pub use ws_stream::{WsItem, WsStreamError, WsStreamReader, MAX_HEAD};
