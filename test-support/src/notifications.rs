//! Notifications as the gateway builds them, for tests that stand in for a gateway.

use turms_wire::proto::turms_notification::{data, Data};
use turms_wire::proto::{TurmsNotification, TurmsRequest, UserSession};

/// The timestamp every notification built here carries (2023-11-14T22:13:20Z).
pub const TIMESTAMP: i64 = 1_700_000_000_000;

/// A response to `request_id` with `code` and, if given, data of that kind.
pub fn response(request_id: i64, code: i32, data: Option<data::Kind>) -> TurmsNotification {
    TurmsNotification {
        timestamp: TIMESTAMP,
        request_id: Some(request_id),
        code: Some(code),
        data: data.map(|kind| Data { kind: Some(kind) }),
        ..TurmsNotification::default()
    }
}

/// A `1000 OK` response to `request_id`, without data.
pub fn ok(request_id: i64) -> TurmsNotification {
    response(request_id, 1000, None)
}

/// The session-info push that follows a login (`data.user_session`).
pub fn session_info(session_id: &str, server_id: &str) -> TurmsNotification {
    TurmsNotification {
        timestamp: TIMESTAMP,
        data: Some(Data {
            kind: Some(data::Kind::UserSession(UserSession {
                session_id: session_id.into(),
                server_id: server_id.into(),
                ..UserSession::default()
            })),
        }),
        ..TurmsNotification::default()
    }
}

/// The notification that closes a session: `close_status`, and the code and reason if given.
pub fn close(status: i32, code: Option<i32>, reason: Option<&str>) -> TurmsNotification {
    TurmsNotification {
        timestamp: TIMESTAMP,
        close_status: Some(status),
        code,
        reason: reason.map(str::to_owned),
        ..TurmsNotification::default()
    }
}

/// A push relaying `request` from user `requester_id`.
pub fn push(requester_id: i64, request: TurmsRequest) -> TurmsNotification {
    TurmsNotification {
        timestamp: TIMESTAMP,
        requester_id: Some(requester_id),
        relayed_request: Some(request),
        ..TurmsNotification::default()
    }
}
