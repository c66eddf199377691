//! UDP signal datagrams (`crate::udp`) as a capture shows them: what the client sends is a
//! request; what the gateway sends is a reply (empty or 2 bytes) or a notification (1 byte).

use crate::role::RoleKind;
use crate::udp::{UdpError, UdpNotification, UdpSignalReply, UdpSignalRequest};

/// One UDP signal datagram, read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datagram {
    /// Client to gateway: a heartbeat or going offline.
    Request(UdpSignalRequest),
    /// Gateway to client: the answer to a request.
    Reply(UdpSignalReply),
    /// Gateway to client: reconnect over TCP or WebSocket.
    Notification(UdpNotification),
}

impl Datagram {
    /// Reads a datagram that went to `receiver`: a request to the gateway, a reply (no byte or
    /// two) or a notification (one byte) to the client.
    pub fn read(receiver: RoleKind, payload: &[u8]) -> Result<Datagram, UdpError> {
        match receiver {
            RoleKind::Gateway => UdpSignalRequest::decode(payload).map(Datagram::Request),
            RoleKind::Client if payload.len() == 1 => {
                UdpNotification::decode(payload).map(Datagram::Notification)
            }
            RoleKind::Client => UdpSignalReply::decode(payload).map(Datagram::Reply),
        }
    }

    /// `udp_request`, `udp_reply` or `udp_notification`.
    pub const fn class_name(&self) -> &'static str {
        match self {
            Datagram::Request(_) => "udp_request",
            Datagram::Reply(_) => "udp_reply",
            Datagram::Notification(_) => "udp_notification",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::DeviceType;
    use crate::udp::UdpRequestType;
    use crate::ResponseStatusCode;

    #[test]
    fn each_direction_reads_its_own_datagrams() {
        let heartbeat = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x7b];
        let Ok(Datagram::Request(request)) = Datagram::read(RoleKind::Gateway, &heartbeat) else {
            panic!("a request");
        };
        assert_eq!(
            (request.kind, request.device_type),
            (UdpRequestType::Heartbeat, DeviceType::Desktop)
        );
        assert_eq!(
            Datagram::read(RoleKind::Client, &[]),
            Ok(Datagram::Reply(UdpSignalReply::Ok))
        );
        assert_eq!(
            Datagram::read(RoleKind::Client, &[0x04, 0x51]),
            Ok(Datagram::Reply(UdpSignalReply::Code(
                ResponseStatusCode::SEND_REQUEST_FROM_NONEXISTENT_SESSION
            )))
        );
        assert_eq!(
            Datagram::read(RoleKind::Client, &[1]),
            Ok(Datagram::Notification(UdpNotification::OpenConnection))
        );
        assert_eq!(
            Datagram::read(RoleKind::Client, &[2]),
            Err(UdpError::UnknownNotification(2))
        );
        assert_eq!(
            Datagram::read(RoleKind::Client, &[0; 3]),
            Err(UdpError::BadReplyLength(3))
        );
        assert!(Datagram::read(RoleKind::Gateway, &[]).is_err());
    }
}
