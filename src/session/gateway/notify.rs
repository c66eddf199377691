//! The notifications the gateway writes, byte for byte as the real one writes them.
//!
//! Every one carries a `timestamp` (Unix milliseconds), which the caller reads off its
//! [`WallClock`](super::WallClock).

use bytes::{Bytes, BytesMut};

use crate::codec::notification_to_bytes;
use crate::frame::HEARTBEAT_FAILURE_REQUEST_ID;
use crate::proto::turms_notification::data::Kind as DataKind;
use crate::proto::turms_notification::Data;
use crate::proto::{TurmsNotification, TurmsRequest, UserSession};
use crate::status::ResponseStatusCode;

use crate::frame::CloseNotice;

/// Field numbers of `TurmsNotification` written by hand.
const TIMESTAMP: u32 = 1;
const CODE: u32 = 5;
const REASON: u32 = 6;
const CLOSE_STATUS: u32 = 11;

/// A response: `{timestamp, request_id, code, reason?, data?}`.
pub(crate) fn response(
    timestamp: i64,
    request_id: i64,
    code: ResponseStatusCode,
    reason: Option<String>,
    data: Option<Data>,
) -> Bytes {
    notification_to_bytes(&TurmsNotification {
        timestamp,
        request_id: Some(request_id),
        code: Some(code.as_i32()),
        reason,
        data,
        ..TurmsNotification::default()
    })
}

/// A response carrying `data.kind`.
pub(crate) fn response_with(
    timestamp: i64,
    request_id: i64,
    code: ResponseStatusCode,
    kind: DataKind,
) -> Bytes {
    response(
        timestamp,
        request_id,
        code,
        None,
        Some(Data { kind: Some(kind) }),
    )
}

/// The answer to a heartbeat without a session: `{timestamp, request_id: -100, code: 2104}`.
pub(crate) fn heartbeat_failure(timestamp: i64) -> Bytes {
    response(
        timestamp,
        HEARTBEAT_FAILURE_REQUEST_ID,
        ResponseStatusCode::UPDATE_HEARTBEAT_OF_NONEXISTENT_SESSION,
        None,
        None,
    )
}

/// The push after a login: `{timestamp, data.user_session{session_id, server_id}}`.
pub(crate) fn session_info(timestamp: i64, session_id: i32, server_id: &str) -> Bytes {
    notification_to_bytes(&TurmsNotification {
        timestamp,
        data: Some(Data {
            kind: Some(DataKind::UserSession(UserSession {
                session_id: session_id.to_string(),
                server_id: server_id.to_owned(),
                custom_attributes: Vec::new(),
            })),
        }),
        ..TurmsNotification::default()
    })
}

/// A relayed request: `{timestamp, requester_id, relayed_request}`.
pub(crate) fn relayed(timestamp: i64, requester_id: i64, request: TurmsRequest) -> Bytes {
    notification_to_bytes(&TurmsNotification {
        timestamp,
        requester_id: Some(requester_id),
        relayed_request: Some(request),
        ..TurmsNotification::default()
    })
}

/// A close notification in the real gateway's field order: `timestamp` (1), `close_status`
/// (11), then `code` (5) and `reason` (6) when present
/// (`ClientMessageEncoder.encodeCloseNotification`). Clients must cope with 11 before 5.
pub(crate) fn close(timestamp: i64, close: &CloseNotice) -> Bytes {
    use prost::encoding::{int32, int64, string};
    let mut buf = BytesMut::with_capacity(32 + close.reason.as_ref().map_or(0, String::len));
    int64::encode(TIMESTAMP, &timestamp, &mut buf);
    int32::encode(CLOSE_STATUS, &close.status.as_i32(), &mut buf);
    if let Some(code) = close.code {
        int32::encode(CODE, &code.as_i32(), &mut buf);
    }
    if let Some(reason) = &close.reason {
        string::encode(REASON, reason, &mut buf);
    }
    buf.freeze()
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::status::SessionCloseStatus;

    #[test]
    fn close_notifications_match_the_documented_bytes() {
        // The real encoder's bytes for timestamp 1700000000000.
        let heartbeat_timeout = close(
            1_700_000_000_000,
            &SessionCloseStatus::HEARTBEAT_TIMEOUT.into(),
        );
        assert_eq!(
            &heartbeat_timeout[..],
            [0x08, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x58, 0x6e]
        );
        let server_error = close(
            1_700_000_000_000,
            &CloseNotice::new(SessionCloseStatus::SERVER_ERROR)
                .with_code(ResponseStatusCode::SERVER_INTERNAL_ERROR),
        );
        assert_eq!(
            &server_error[..],
            [0x08, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x58, 0xc8, 0x01, 0x28, 0xb0, 0x09]
        );
        let with_reason = close(
            5,
            &CloseNotice::new(SessionCloseStatus::DISCONNECTED_BY_ADMIN)
                .with_code(ResponseStatusCode::from_i32(-3))
                .with_reason("bye"),
        );
        let decoded = TurmsNotification::decode(with_reason).unwrap();
        assert_eq!(
            (
                decoded.timestamp,
                decoded.close_status,
                decoded.code,
                decoded.reason.as_deref()
            ),
            (5, Some(600), Some(-3), Some("bye"))
        );
    }

    #[test]
    fn heartbeat_failure_and_session_info_fields() {
        let failure = TurmsNotification::decode(heartbeat_failure(7)).unwrap();
        assert_eq!(failure.request_id, Some(-100));
        assert_eq!(failure.code, Some(2104));
        assert_eq!(failure.reason, None);
        assert_eq!(failure.timestamp, 7);

        let info = TurmsNotification::decode(session_info(8, 42, "node-a")).unwrap();
        assert_eq!(info.request_id, None);
        assert_eq!(info.timestamp, 8);
        let Some(Data {
            kind: Some(DataKind::UserSession(session)),
        }) = info.data
        else {
            panic!("no user_session");
        };
        assert_eq!(
            (session.session_id.as_str(), session.server_id.as_str()),
            ("42", "node-a")
        );
    }
}
