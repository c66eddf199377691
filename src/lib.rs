//! The wire protocol of [Turms](https://github.com/turms-im/turms), the open-source
//! instant-messaging server.
//!
//! A Turms client sends protobuf `TurmsRequest`s; the gateway answers with
//! `TurmsNotification`s: responses (each with a numeric [`ResponseStatusCode`]), pushed
//! notifications, and the notice that closes a session (with a [`SessionCloseStatus`]). On TCP
//! every message is a varint32 length and a body, and an empty frame is the heartbeat; on
//! WebSocket every binary message is one body.
//!
//! The crate is layered like the protocol:
//!
//! * [`proto`]: the whole Turms schema as prost types, compiled from `proto/` at build time.
//! * [`status`]: lossless, `Copy` status codes with names, categories, meanings and classes.
//! * [`frame`]: classification of a received frame (response, push, close, heartbeat, …) from
//!   its envelope alone: no payload decoded, nothing allocated; a full decode on demand.
//! * [`codec`]: tokio-util codecs for both ends of a TCP connection; [`ws`] the same frames
//!   over WebSocket.
//! * [`json`]: the canonical proto3 JSON mapping of any message; [`inspect`] renders frames
//!   and events as the tool prints them, as JSON lines or text.
//! * [`client`]: an async client for IM apps; [`gateway`]: an in-memory mock gateway to test
//!   IM clients against; [`tap`]: a transparent proxy that prints live traffic.
//! * [`udp`]: the experimental UDP signal datagrams (always built); `capture` (feature
//!   `capture`, off by default): pcap and pcapng captures read into per-connection streams and
//!   decoded into frames, datagrams and events, as iterators over a `Read` or streams over an
//!   `AsyncRead`.
//!
//! # Features
//!
//! The default build is what a decoder needs: [`proto`], [`status`], [`frame`] and [`codec`],
//! with no async runtime, WebSocket or JSON library. Everything else is opt-in:
//!
//! | feature | adds |
//! |---|---|
//! | `json` | [`json`] and [`inspect`]: the proto3 JSON mapping and the record writer (prost-reflect, serde_json, humantime) |
//! | `session` | [`session`]: the client and gateway session rules as I/O-free state machines (no runtime) |
//! | `ws` | [`ws`]: the WebSocket transport (tokio-tungstenite) |
//! | `client` | [`client`]: the async client (implies `ws`) |
//! | `gateway` | [`gateway`]: the mock gateway (implies `ws`) |
//! | `tls` | `wss://` for the client (rustls; implies `client`) |
//! | `tap` | [`tap`]: the transparent proxy behind `turms-wire tap` (implies `json`, `ws`) |
//! | `capture` | [`capture`]: pcap and pcapng captures of Turms traffic read into per-connection streams and decoded into frames, from a `Read` (iterators) or a tokio `AsyncRead` (streams, no runtime) (with `json`, written by the record writer) |
//!
//! The command-line tool `turms-wire` is its own package, `turms-wire-cli`.
//!
//! ```
//! use bytes::BytesMut;
//! use tokio_util::codec::{Decoder, Encoder};
//! use turms_wire::codec::{ClientCodec, GatewayCodec};
//! use turms_wire::proto::TurmsNotification;
//! use turms_wire::{ResponseStatusCode, ServerFrame};
//!
//! // The gateway answers request 42 with 2011: the login did not match.
//! let response = TurmsNotification {
//!     request_id: Some(42),
//!     code: Some(ResponseStatusCode::LOGIN_AUTHENTICATION_FAILED.as_i32()),
//!     reason: Some("The user's login information does not match".into()),
//!     ..Default::default()
//! };
//! let mut wire = BytesMut::new();
//! GatewayCodec::new().encode(&response, &mut wire)?;
//!
//! // The client classifies the frame without decoding its payload.
//! let frame = ClientCodec::new().decode(&mut wire)?.expect("a whole frame").expect("well formed");
//! let ServerFrame::Response(response) = frame else { panic!("not a response") };
//! assert_eq!(response.request_id(), 42);
//! let code = response.code().expect("a code");
//! assert!(code.is_business_error());
//! assert_eq!(code.to_string(), "2011 LOGIN_AUTHENTICATION_FAILED");
//! assert_eq!(response.reason(), Some(Ok("The user's login information does not match")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "capture")]
#[cfg_attr(docsrs, doc(cfg(feature = "capture")))]
pub mod capture;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
pub mod codec;
pub mod frame;
#[cfg(feature = "gateway")]
#[cfg_attr(docsrs, doc(cfg(feature = "gateway")))]
pub mod gateway;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub mod inspect;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub mod json;
#[cfg(any(feature = "tap", feature = "capture"))]
mod pairing;
pub mod proto;
pub mod role;
#[cfg(feature = "session")]
#[cfg_attr(docsrs, doc(cfg(feature = "session")))]
pub mod session;
pub mod status;
#[cfg(feature = "tap")]
#[cfg_attr(docsrs, doc(cfg(feature = "tap")))]
pub mod tap;
pub mod transport;
pub mod udp;

/// The former home of the WebSocket adapter, now [`transport::ws`].
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
#[deprecated(since = "0.2.0", note = "moved to `turms_wire::transport::ws`")]
pub mod ws {
    pub use crate::transport::ws::*;
}

pub use frame::{ClassifyError, ClientFrame, DataKind, FrameClass, RequestKind, ServerFrame};
pub use role::{Role, RoleKind};

/// The former name of [`ServerFrame`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `ServerFrame` (frames are named by their sender)"
)]
pub type Frame = ServerFrame;
pub use status::{ResponseStatusCode, SessionCloseStatus};

/// The README's and the guides' examples, compiled and run as doctests.
#[cfg(doctest)]
mod readme {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/status-codes.md")]
    struct StatusCodes;
    #[cfg(feature = "client")]
    #[doc = include_str!("../docs/client.md")]
    struct Client;
    #[cfg(feature = "gateway")]
    #[doc = include_str!("../docs/gateway.md")]
    struct Gateway;
}
