//! What each end may send, written once for every transport.

use bytes::{BufMut, Bytes, BytesMut};
use prost::Message;

use super::encode::encode_request_fields;
use crate::proto::{TurmsNotification, TurmsRequest};
use crate::role::{self, Role};

/// The client's heartbeat: an empty frame (`00` on TCP, an empty binary message on WebSocket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Heartbeat;

/// The gateway's answer to a heartbeat: an empty frame, like the heartbeat itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct HeartbeatAck;

/// Something the end `R` may send: the role's message, its heartbeat (or ack), or a
/// pre-encoded body ([`Bytes`], sent unchanged; an empty one is a heartbeat or its ack).
///
/// The TCP [`Codec`](super::Codec) and the WebSocket adapter both take any `Outgoing<R>`, so
/// what an end may send, and in which field order, is said once. A message that encodes to
/// nothing is refused ([`OutboundError::EmptyMessage`](super::OutboundError::EmptyMessage)):
/// the peer would read it as a heartbeat.
pub trait Outgoing<R: Role> {
    /// Whether an empty body is what is meant (a heartbeat, its ack, a raw body); otherwise
    /// an empty body is refused.
    const MAY_BE_EMPTY: bool;

    /// The body's length in bytes.
    fn body_len(&self) -> usize;

    /// Writes exactly [`body_len`](Outgoing::body_len) bytes: the body, without a length
    /// prefix.
    fn write_body(&self, dst: &mut BytesMut);

    /// The body as one buffer (the WebSocket adapter sends one per message).
    fn into_body(self) -> Bytes
    where
        Self: Sized,
    {
        let mut dst = BytesMut::with_capacity(self.body_len());
        self.write_body(&mut dst);
        dst.freeze()
    }
}

impl<R: Role> Outgoing<R> for Bytes {
    const MAY_BE_EMPTY: bool = true;

    fn body_len(&self) -> usize {
        self.len()
    }

    fn write_body(&self, dst: &mut BytesMut) {
        dst.put_slice(self);
    }

    fn into_body(self) -> Bytes {
        self
    }
}

/// A request, `request_id` first and the kind right after it, as the gateway requires
/// ([`encode_request`](super::encode_request)).
impl Outgoing<role::Client> for &TurmsRequest {
    const MAY_BE_EMPTY: bool = false;

    fn body_len(&self) -> usize {
        self.encoded_len()
    }

    fn write_body(&self, dst: &mut BytesMut) {
        encode_request_fields(self, dst);
    }
}

impl Outgoing<role::Client> for Heartbeat {
    const MAY_BE_EMPTY: bool = true;

    fn body_len(&self) -> usize {
        0
    }

    fn write_body(&self, _: &mut BytesMut) {}
}

/// A notification, in prost's (numeric) field order; clients accept any order.
impl Outgoing<role::Gateway> for &TurmsNotification {
    const MAY_BE_EMPTY: bool = false;

    fn body_len(&self) -> usize {
        self.encoded_len()
    }

    fn write_body(&self, dst: &mut BytesMut) {
        self.encode_raw(dst);
    }
}

impl Outgoing<role::Gateway> for HeartbeatAck {
    const MAY_BE_EMPTY: bool = true;

    fn body_len(&self) -> usize {
        0
    }

    fn write_body(&self, _: &mut BytesMut) {}
}
