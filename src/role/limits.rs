//! Frame-size limits for both directions of a connection.

/// The gateway's default cap on an inbound frame: `turms.gateway.client-api.max-request-size-bytes`
/// (16 KiB). It caps TCP frames and WebSocket messages alike.
pub const DEFAULT_MAX_REQUEST_FRAME: usize = 16 * 1024;

/// The official clients' cap on an inbound frame (8 MiB, their maximum read buffer). The
/// gateway itself puts no cap on what it sends.
pub const DEFAULT_MAX_NOTIFICATION_FRAME: usize = 8 * 1024 * 1024;

/// The largest length a varint32 prefix may declare: anything from 2^31 up is a negative
/// int32 to the gateway.
pub const MAX_FRAME_LENGTH: usize = i32::MAX as usize;

/// A client's defaults: accept notifications up to 8 MiB, send requests up to the gateway's
/// 16 KiB.
pub(super) const CLIENT: Limits = Limits {
    max_inbound_frame: DEFAULT_MAX_NOTIFICATION_FRAME,
    max_outbound_frame: DEFAULT_MAX_REQUEST_FRAME,
};

/// A gateway's defaults: accept requests up to 16 KiB, send notifications up to what the
/// official clients read (8 MiB).
pub(super) const GATEWAY: Limits = Limits {
    max_inbound_frame: DEFAULT_MAX_REQUEST_FRAME,
    max_outbound_frame: DEFAULT_MAX_NOTIFICATION_FRAME,
};

/// Largest body sizes accepted from the peer and sent to it.
///
/// Inbound frames are refused on their header, before any buffer grows for the body; outbound
/// frames over the limit are refused before anything is written. Both limits are clamped to
/// [`MAX_FRAME_LENGTH`], since the peer could not read a larger length. Each end's defaults
/// are its role's ([`RoleKind::limits`](super::RoleKind::limits)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    max_inbound_frame: usize,
    max_outbound_frame: usize,
}

impl Limits {
    /// A client's defaults: accept notifications up to 8 MiB, send requests up to the
    /// gateway's 16 KiB ([`RoleKind::Client`](super::RoleKind::Client)`.limits()`).
    #[deprecated(
        since = "0.2.0",
        note = "use `RoleKind::Client.limits()` (or `role::Client::LIMITS`)"
    )]
    pub const CLIENT: Limits = CLIENT;

    /// A gateway's defaults: accept requests up to 16 KiB, send notifications up to what the
    /// official clients read (8 MiB) ([`RoleKind::Gateway`](super::RoleKind::Gateway)`.limits()`).
    #[deprecated(
        since = "0.2.0",
        note = "use `RoleKind::Gateway.limits()` (or `role::Gateway::LIMITS`)"
    )]
    pub const GATEWAY: Limits = GATEWAY;

    /// Explicit limits for both directions.
    pub const fn new(max_inbound_frame: usize, max_outbound_frame: usize) -> Self {
        Limits {
            max_inbound_frame: clamp(max_inbound_frame),
            max_outbound_frame: clamp(max_outbound_frame),
        }
    }

    /// The same limits with another inbound cap.
    #[must_use]
    pub const fn with_max_inbound_frame(self, max: usize) -> Self {
        Limits {
            max_inbound_frame: clamp(max),
            ..self
        }
    }

    /// The same limits with another outbound cap.
    #[must_use]
    pub const fn with_max_outbound_frame(self, max: usize) -> Self {
        Limits {
            max_outbound_frame: clamp(max),
            ..self
        }
    }

    /// The largest body accepted from the peer.
    pub const fn max_inbound_frame(&self) -> usize {
        self.max_inbound_frame
    }

    /// The largest body this side sends.
    pub const fn max_outbound_frame(&self) -> usize {
        self.max_outbound_frame
    }
}

const fn clamp(max: usize) -> usize {
    if max > MAX_FRAME_LENGTH {
        MAX_FRAME_LENGTH
    } else {
        max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_defaults_mirror_each_other() {
        assert_eq!(CLIENT.max_inbound_frame(), GATEWAY.max_outbound_frame());
        assert_eq!(CLIENT.max_inbound_frame(), 8 * 1024 * 1024);
        assert_eq!(CLIENT.max_outbound_frame(), 16384);
        assert_eq!(GATEWAY.max_inbound_frame(), 16384);
        assert_eq!(GATEWAY.max_outbound_frame(), 8 * 1024 * 1024);
    }

    #[test]
    fn limits_are_clamped_to_int32() {
        let l = Limits::new(usize::MAX, 1usize << 40);
        assert_eq!(l.max_inbound_frame(), MAX_FRAME_LENGTH);
        assert_eq!(l.max_outbound_frame(), MAX_FRAME_LENGTH);
        assert_eq!(CLIENT.with_max_inbound_frame(7).max_inbound_frame(), 7);
        assert_eq!(CLIENT.with_max_outbound_frame(9).max_outbound_frame(), 9);
    }
}
