//! The two ends of a connection, named once.
//!
//! A Turms connection has a client end and a gateway end. [`Role`] says at compile time what
//! an end receives and how it classifies it, what message it sends, and its default
//! [`Limits`]; the codecs, the WebSocket adapter and the transport are generic over it.
//! [`RoleKind`] is the same at run time, for code that handles both ends (the tap, `decode`,
//! packet captures, tests). Frames are named by their sender: a client receives
//! [`ServerFrame`]s, a gateway [`ClientFrame`]s; a record of either says which way it went
//! (`s2c`, `c2s`), which is the direction its receiver reads ([`RoleKind::inbound_direction`]).
//!
//! ```
//! use turms_wire::role::{self, Role, RoleKind};
//!
//! assert_eq!(role::Client::KIND, RoleKind::Client);
//! assert_eq!(RoleKind::Client.peer(), RoleKind::Gateway);
//! // What a gateway accepts is what a client may send.
//! assert_eq!(
//!     RoleKind::Gateway.limits().max_inbound_frame(),
//!     RoleKind::Client.limits().max_outbound_frame(),
//! );
//! assert_eq!(RoleKind::Gateway.inbound_message(), "TurmsRequest");
//! assert_eq!(RoleKind::Gateway.inbound_direction(), "c2s");
//! ```

mod limits;

use core::fmt;

use bytes::Bytes;

pub use limits::{
    Limits, DEFAULT_MAX_NOTIFICATION_FRAME, DEFAULT_MAX_REQUEST_FRAME, MAX_FRAME_LENGTH,
};

use crate::frame::{ClientFrame, MalformedFrame, ServerFrame};
use crate::proto::{TurmsNotification, TurmsRequest};

/// One end of a connection, at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleKind {
    /// The client: sends `TurmsRequest`s, receives `TurmsNotification`s ([`ServerFrame`]s).
    Client,
    /// The gateway: sends `TurmsNotification`s, receives `TurmsRequest`s ([`ClientFrame`]s).
    Gateway,
}

impl RoleKind {
    /// Both ends, client first.
    pub const ALL: [RoleKind; 2] = [RoleKind::Client, RoleKind::Gateway];

    /// The other end.
    pub const fn peer(self) -> RoleKind {
        match self {
            RoleKind::Client => RoleKind::Gateway,
            RoleKind::Gateway => RoleKind::Client,
        }
    }

    /// `"client"` or `"gateway"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RoleKind::Client => "client",
            RoleKind::Gateway => "gateway",
        }
    }

    /// This end's defaults: a client accepts notifications up to 8 MiB (the official clients'
    /// read buffer) and sends requests up to the gateway's 16 KiB; a gateway the reverse.
    pub const fn limits(self) -> Limits {
        match self {
            RoleKind::Client => limits::CLIENT,
            RoleKind::Gateway => limits::GATEWAY,
        }
    }

    /// The name of the message this end receives: `"TurmsNotification"` for a client,
    /// `"TurmsRequest"` for a gateway.
    pub const fn inbound_message(self) -> &'static str {
        match self {
            RoleKind::Client => "TurmsNotification",
            RoleKind::Gateway => "TurmsRequest",
        }
    }

    /// The name of the message this end sends.
    pub const fn outbound_message(self) -> &'static str {
        self.peer().inbound_message()
    }

    /// The direction of the frames this end receives, as records print it: `"s2c"` (server to
    /// client) for a client, `"c2s"` for a gateway.
    pub const fn inbound_direction(self) -> &'static str {
        match self {
            RoleKind::Client => "s2c",
            RoleKind::Gateway => "c2s",
        }
    }

    /// The end that receives the frames of a printed direction (`"c2s"` or `"s2c"`).
    pub fn receiving(direction: &str) -> Option<RoleKind> {
        RoleKind::ALL
            .into_iter()
            .find(|role| role.inbound_direction() == direction)
    }
}

impl fmt::Display for RoleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One end of a connection, at compile time: what it receives and sends, and its limits.
///
/// Implemented by [`Client`] and [`Gateway`] only. Code generic over a role
/// ([`Codec`](crate::codec::Codec), the WebSocket adapter, the transport) receives
/// [`Role::Inbound`] frames and sends [`Role::Outbound`] messages.
pub trait Role:
    sealed::Sealed + Copy + Default + fmt::Debug + Send + Sync + Unpin + 'static
{
    /// This role at run time.
    const KIND: RoleKind;

    /// This end's default limits.
    const LIMITS: Limits = Self::KIND.limits();

    /// A frame this end receives, classified.
    type Inbound: Clone + fmt::Debug + PartialEq + Send + Sync + 'static;

    /// The message this end sends.
    type Outbound: prost::Message + Default;

    /// Classifies one received frame body (without its length prefix), handing the bytes back
    /// inside the error when the envelope is malformed.
    fn classify(body: Bytes) -> Result<Self::Inbound, MalformedFrame>;
}

/// The client end: receives [`ServerFrame`]s, sends [`TurmsRequest`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Client;

/// The gateway end: receives [`ClientFrame`]s, sends [`TurmsNotification`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Gateway;

impl Role for Client {
    const KIND: RoleKind = RoleKind::Client;
    type Inbound = ServerFrame;
    type Outbound = TurmsRequest;

    #[inline(always)]
    fn classify(body: Bytes) -> Result<ServerFrame, MalformedFrame> {
        // The bytes come back from the classifier rather than from a clone made beforehand: a
        // clone is an atomic increment and decrement of the reference count on every frame.
        // Inlined whole into the codec, so that the frame is built where the caller takes it.
        ServerFrame::try_classify_inlined(body)
            .map_err(|(error, bytes)| MalformedFrame { bytes, error })
    }
}

impl Role for Gateway {
    const KIND: RoleKind = RoleKind::Gateway;
    type Inbound = ClientFrame;
    type Outbound = TurmsNotification;

    #[inline(always)]
    fn classify(body: Bytes) -> Result<ClientFrame, MalformedFrame> {
        ClientFrame::try_classify_inlined(body)
            .map_err(|(error, bytes)| MalformedFrame { bytes, error })
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Client {}
    impl Sealed for super::Gateway {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_ends_mirror_each_other() {
        for role in RoleKind::ALL {
            assert_eq!(role.peer().peer(), role);
            assert_ne!(role.peer(), role);
            assert_eq!(role.outbound_message(), role.peer().inbound_message());
            assert_eq!(
                role.limits().max_outbound_frame(),
                role.peer().limits().max_inbound_frame()
            );
            assert_eq!(RoleKind::receiving(role.inbound_direction()), Some(role));
        }
        assert_eq!(RoleKind::receiving("sideways"), None);
        assert_eq!(Client::LIMITS, RoleKind::Client.limits());
        assert_eq!(Gateway::LIMITS, RoleKind::Gateway.limits());
    }

    #[test]
    fn classification_follows_the_role() {
        let heartbeat = Bytes::new();
        assert_eq!(
            Client::classify(heartbeat.clone()),
            Ok(ServerFrame::HeartbeatAck)
        );
        assert_eq!(Gateway::classify(heartbeat), Ok(ClientFrame::Heartbeat));
        // A lone field-0 key is malformed for both; the very bytes come back.
        let bad = Bytes::from_static(&[0x00, 0x01]);
        let malformed = Client::classify(bad.clone()).unwrap_err();
        assert_eq!(malformed.bytes.as_ptr(), bad.as_ptr());
        assert_eq!(
            malformed.error.message(),
            RoleKind::Client.inbound_message()
        );
        let malformed = Gateway::classify(bad.clone()).unwrap_err();
        assert_eq!(
            malformed.error.message(),
            RoleKind::Gateway.inbound_message()
        );
    }
}
