//! The UDP signal datagrams of turms-gateway (experimental upstream, off in its shipped
//! configuration; no official client speaks it).
//!
//! Three fixed layouts, all big-endian (Netty's default byte order):
//!
//! * a request, client to gateway: exactly 14 bytes, `[type u8][user_id i64][device_type u8]
//!   [session_id i32]`, with type 1 = HEARTBEAT and 2 = GO_OFFLINE, and the device type's proto
//!   number (0 DESKTOP … 5 UNKNOWN);
//! * the reply, gateway to the request's sender: an empty datagram for OK, or a 2-byte business
//!   code (1100 for a malformed request, 1105 when no session matches);
//! * a notification, gateway to client: 1 byte, 1 = OPEN_CONNECTION ("reconnect over TCP or
//!   WebSocket": a notification waits for the client).
//!
//! Decoding checks lengths and values and never panics; unknown reply codes are kept as they are.
//!
//! ```
//! use turms_wire::proto::DeviceType;
//! use turms_wire::udp::{UdpRequestType, UdpSignalReply, UdpSignalRequest};
//! use turms_wire::ResponseStatusCode;
//!
//! let heartbeat = UdpSignalRequest {
//!     kind: UdpRequestType::Heartbeat,
//!     user_id: 1,
//!     device_type: DeviceType::Desktop,
//!     session_id: 123,
//! };
//! let wire = heartbeat.encode();
//! assert_eq!(wire, [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x7b]);
//! assert_eq!(UdpSignalRequest::decode(&wire)?, heartbeat);
//!
//! let reply = UdpSignalReply::decode(&[0x04, 0x51])?;
//! assert_eq!(
//!     reply,
//!     UdpSignalReply::Code(ResponseStatusCode::SEND_REQUEST_FROM_NONEXISTENT_SESSION)
//! );
//! # Ok::<(), turms_wire::udp::UdpError>(())
//! ```

use crate::proto::DeviceType;
use crate::status::ResponseStatusCode;

/// The length of every request datagram.
pub const REQUEST_LEN: usize = 14;

/// What a request datagram asks for (its first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UdpRequestType {
    /// 1: keep the session alive (and record the sender as the session's UDP address).
    Heartbeat,
    /// 2: close the session (`DISCONNECTED_BY_CLIENT`).
    GoOffline,
}

impl UdpRequestType {
    /// The byte on the wire (the Java enum's ordinal + 1).
    pub const fn number(self) -> u8 {
        match self {
            Self::Heartbeat => 1,
            Self::GoOffline => 2,
        }
    }

    /// The type of a byte, if it is one.
    pub const fn from_number(number: u8) -> Option<Self> {
        match number {
            1 => Some(Self::Heartbeat),
            2 => Some(Self::GoOffline),
            _ => None,
        }
    }

    /// The upstream name: `HEARTBEAT` or `GO_OFFLINE`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Heartbeat => "HEARTBEAT",
            Self::GoOffline => "GO_OFFLINE",
        }
    }
}

/// Why a datagram is not a valid signal datagram.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UdpError {
    /// A request or notification of the wrong size.
    #[error("a UDP signal {what} is {expected} bytes long, this one has {actual}")]
    WrongLength {
        /// `"request"` or `"notification"`.
        what: &'static str,
        /// The only valid length.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// A request's first byte is neither 1 (HEARTBEAT) nor 2 (GO_OFFLINE).
    #[error("unknown UDP request type {0} (1 is HEARTBEAT, 2 is GO_OFFLINE)")]
    UnknownRequestType(u8),
    /// A request's device type is not a `DeviceType` number (0..=5).
    #[error("unknown device type {0} (the DeviceType numbers are 0..=5)")]
    UnknownDeviceType(u8),
    /// A notification byte other than 1 (OPEN_CONNECTION).
    #[error("unknown UDP notification type {0} (1 is OPEN_CONNECTION)")]
    UnknownNotification(u8),
    /// A reply that is neither empty nor 2 bytes.
    #[error("a UDP signal reply is empty (OK) or a 2-byte code, this one has {0} bytes")]
    BadReplyLength(usize),
    /// A code that does not fit the reply's 2 bytes.
    #[error("response code {0} does not fit the 2 bytes of a UDP reply")]
    CodeOutOfRange(i32),
}

impl UdpError {
    /// A stable snake_case identifier of the variant: `wrong_length`, `unknown_request_type`,
    /// `unknown_device_type`, `unknown_notification`, `bad_reply_length`, `code_out_of_range`.
    pub const fn kind_name(&self) -> &'static str {
        match self {
            Self::WrongLength { .. } => "wrong_length",
            Self::UnknownRequestType(_) => "unknown_request_type",
            Self::UnknownDeviceType(_) => "unknown_device_type",
            Self::UnknownNotification(_) => "unknown_notification",
            Self::BadReplyLength(_) => "bad_reply_length",
            Self::CodeOutOfRange(_) => "code_out_of_range",
        }
    }
}

/// A request datagram, client to gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UdpSignalRequest {
    /// HEARTBEAT or GO_OFFLINE.
    pub kind: UdpRequestType,
    /// The session's user.
    pub user_id: i64,
    /// The session's device type.
    pub device_type: DeviceType,
    /// The numeric value of the session id the gateway sent at login (as a decimal string).
    pub session_id: i32,
}

impl UdpSignalRequest {
    /// The 14 bytes on the wire.
    pub fn encode(&self) -> [u8; REQUEST_LEN] {
        let mut out = [0; REQUEST_LEN];
        out[0] = self.kind.number();
        out[1..9].copy_from_slice(&self.user_id.to_be_bytes());
        // DeviceType numbers are 0..=5, so the cast keeps them whole.
        out[9] = self.device_type as i32 as u8;
        out[10..14].copy_from_slice(&self.session_id.to_be_bytes());
        out
    }

    /// Reads a request datagram; the gateway answers 1100 INVALID_REQUEST to all that fails here.
    pub fn decode(datagram: &[u8]) -> Result<Self, UdpError> {
        let bytes: &[u8; REQUEST_LEN] = datagram.try_into().map_err(|_| UdpError::WrongLength {
            what: "request",
            expected: REQUEST_LEN,
            actual: datagram.len(),
        })?;
        let kind =
            UdpRequestType::from_number(bytes[0]).ok_or(UdpError::UnknownRequestType(bytes[0]))?;
        let device_type = DeviceType::try_from(i32::from(bytes[9]))
            .map_err(|_| UdpError::UnknownDeviceType(bytes[9]))?;
        let [_, u0, u1, u2, u3, u4, u5, u6, u7, _, s0, s1, s2, s3] = *bytes;
        Ok(Self {
            kind,
            user_id: i64::from_be_bytes([u0, u1, u2, u3, u4, u5, u6, u7]),
            device_type,
            session_id: i32::from_be_bytes([s0, s1, s2, s3]),
        })
    }
}

/// The gateway's reply to a request datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UdpSignalReply {
    /// An empty datagram: the request was carried out.
    Ok,
    /// A 2-byte business code, e.g. 1100 INVALID_REQUEST or 1105
    /// SEND_REQUEST_FROM_NONEXISTENT_SESSION (any number is kept).
    Code(ResponseStatusCode),
}

impl UdpSignalReply {
    /// The bytes on the wire: none for [`Ok`](Self::Ok), two for a code.
    pub fn encode(&self) -> Result<Vec<u8>, UdpError> {
        match *self {
            Self::Ok => Ok(Vec::new()),
            Self::Code(code) => {
                let number = u16::try_from(code.as_i32())
                    .map_err(|_| UdpError::CodeOutOfRange(code.as_i32()))?;
                Ok(number.to_be_bytes().to_vec())
            }
        }
    }

    /// Reads a reply datagram.
    pub fn decode(datagram: &[u8]) -> Result<Self, UdpError> {
        match *datagram {
            [] => Ok(Self::Ok),
            [high, low] => Ok(Self::Code(ResponseStatusCode::from_i32(i32::from(
                u16::from_be_bytes([high, low]),
            )))),
            _ => Err(UdpError::BadReplyLength(datagram.len())),
        }
    }
}

/// A notification datagram, gateway to client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UdpNotification {
    /// 1: something waits for the client; reconnect over TCP or WebSocket and log in again.
    OpenConnection,
}

impl UdpNotification {
    /// The single byte on the wire.
    pub const fn encode(self) -> [u8; 1] {
        match self {
            Self::OpenConnection => [1],
        }
    }

    /// Reads a notification datagram.
    pub fn decode(datagram: &[u8]) -> Result<Self, UdpError> {
        match *datagram {
            [1] => Ok(Self::OpenConnection),
            [other] => Err(UdpError::UnknownNotification(other)),
            _ => Err(UdpError::WrongLength {
                what: "notification",
                expected: 1,
                actual: datagram.len(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The example of turms-protocol.md §3.3: HEARTBEAT, user 1, DESKTOP, session 123.
    const HEARTBEAT: [u8; 14] = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x7b];

    #[test]
    fn the_documented_heartbeat_decodes_and_encodes_back() {
        let request = UdpSignalRequest::decode(&HEARTBEAT).unwrap();
        assert_eq!(request.kind, UdpRequestType::Heartbeat);
        assert_eq!(request.user_id, 1);
        assert_eq!(request.device_type, DeviceType::Desktop);
        assert_eq!(request.session_id, 123);
        assert_eq!(request.encode(), HEARTBEAT);
    }

    #[test]
    fn fields_are_big_endian_and_signed() {
        let request = UdpSignalRequest {
            kind: UdpRequestType::GoOffline,
            user_id: -2,
            device_type: DeviceType::Unknown,
            session_id: 0x0102_0304,
        };
        let wire = request.encode();
        assert_eq!(wire[0], 2);
        assert_eq!(wire[1..9], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
        assert_eq!(wire[9], 5);
        assert_eq!(wire[10..], [1, 2, 3, 4]);
    }

    #[test]
    fn requests_of_any_other_length_are_refused_with_their_length() {
        for len in [0, 1, 13, 15, 100] {
            let datagram = vec![1; len];
            assert_eq!(
                UdpSignalRequest::decode(&datagram),
                Err(UdpError::WrongLength {
                    what: "request",
                    expected: 14,
                    actual: len
                })
            );
        }
    }

    #[test]
    fn unknown_request_types_and_device_types_are_named() {
        let mut wire = HEARTBEAT;
        for kind in [0, 3, 255] {
            wire[0] = kind;
            assert_eq!(
                UdpSignalRequest::decode(&wire),
                Err(UdpError::UnknownRequestType(kind))
            );
        }
        wire[0] = 1;
        for device in [6, 128, 255] {
            wire[9] = device;
            assert_eq!(
                UdpSignalRequest::decode(&wire),
                Err(UdpError::UnknownDeviceType(device))
            );
        }
        for device in 0..=5u8 {
            wire[9] = device;
            let request = UdpSignalRequest::decode(&wire).unwrap();
            assert_eq!(request.device_type as i32, i32::from(device));
        }
    }

    #[test]
    fn replies_are_empty_or_a_two_byte_code() {
        assert_eq!(UdpSignalReply::decode(&[]), Ok(UdpSignalReply::Ok));
        assert_eq!(
            UdpSignalReply::decode(&[0x04, 0x4c]),
            Ok(UdpSignalReply::Code(ResponseStatusCode::INVALID_REQUEST))
        );
        // A number no table knows is kept.
        let unknown = UdpSignalReply::decode(&[0xff, 0xfe]).unwrap();
        assert_eq!(
            unknown,
            UdpSignalReply::Code(ResponseStatusCode::from_i32(65534))
        );
        assert_eq!(unknown.encode().unwrap(), [0xff, 0xfe]);
        assert_eq!(UdpSignalReply::Ok.encode().unwrap(), Vec::<u8>::new());
        for len in [1, 3, 14] {
            assert_eq!(
                UdpSignalReply::decode(&vec![0; len]),
                Err(UdpError::BadReplyLength(len))
            );
        }
    }

    #[test]
    fn codes_outside_two_bytes_cannot_be_sent() {
        for number in [-1, 65536, i32::MAX] {
            let reply = UdpSignalReply::Code(ResponseStatusCode::from_i32(number));
            assert_eq!(reply.encode(), Err(UdpError::CodeOutOfRange(number)));
        }
    }

    #[test]
    fn notifications_are_one_byte() {
        assert_eq!(UdpNotification::OpenConnection.encode(), [1]);
        assert_eq!(
            UdpNotification::decode(&[1]),
            Ok(UdpNotification::OpenConnection)
        );
        assert_eq!(
            UdpNotification::decode(&[2]),
            Err(UdpError::UnknownNotification(2))
        );
        assert_eq!(
            UdpNotification::decode(&[1, 1]),
            Err(UdpError::WrongLength {
                what: "notification",
                expected: 1,
                actual: 2
            })
        );
        assert!(UdpNotification::decode(&[]).is_err());
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            UdpError::WrongLength {
                what: "request",
                expected: 14,
                actual: 3
            }
            .to_string(),
            "a UDP signal request is 14 bytes long, this one has 3"
        );
        assert_eq!(
            UdpError::UnknownDeviceType(9).to_string(),
            "unknown device type 9 (the DeviceType numbers are 0..=5)"
        );
    }

    fn request_type() -> impl Strategy<Value = UdpRequestType> {
        prop_oneof![
            Just(UdpRequestType::Heartbeat),
            Just(UdpRequestType::GoOffline)
        ]
    }

    fn device_type() -> impl Strategy<Value = DeviceType> {
        (0..=5i32).prop_map(|n| DeviceType::try_from(n).expect("0..=5 are device types"))
    }

    proptest! {
        #[test]
        fn requests_round_trip(
            kind in request_type(),
            user_id in any::<i64>(),
            device_type in device_type(),
            session_id in any::<i32>(),
        ) {
            let request = UdpSignalRequest { kind, user_id, device_type, session_id };
            prop_assert_eq!(UdpSignalRequest::decode(&request.encode()), Ok(request));
        }

        #[test]
        fn replies_round_trip(code in any::<u16>()) {
            let reply = UdpSignalReply::Code(ResponseStatusCode::from_i32(i32::from(code)));
            let wire = reply.encode().unwrap();
            prop_assert_eq!(UdpSignalReply::decode(&wire), Ok(reply));
        }

        /// Any datagram decodes to a value that encodes back to it, or to an error; never a panic.
        #[test]
        fn any_datagram_decodes_losslessly_or_fails(datagram in proptest::collection::vec(any::<u8>(), 0..20)) {
            if let Ok(request) = UdpSignalRequest::decode(&datagram) {
                prop_assert_eq!(&request.encode()[..], &datagram[..]);
            }
            if let Ok(reply) = UdpSignalReply::decode(&datagram) {
                prop_assert_eq!(reply.encode().unwrap(), datagram.clone());
            }
            if let Ok(notification) = UdpNotification::decode(&datagram) {
                prop_assert_eq!(&notification.encode()[..], &datagram[..]);
            }
        }
    }
}
