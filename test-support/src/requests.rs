//! Requests as the official clients build them, for tests to send.

use turms_wire::proto::turms_request::Kind;
use turms_wire::proto::{
    CreateMessageRequest, CreateSessionRequest, DeleteSessionRequest, DeviceType,
    QueryUserProfilesRequest, TurmsRequest,
};

/// A request of `kind` with `request_id`.
pub fn request(request_id: i64, kind: Kind) -> TurmsRequest {
    TurmsRequest {
        request_id: Some(request_id),
        kind: Some(kind),
        ..TurmsRequest::default()
    }
}

/// A login (`CreateSessionRequest`, version 1, user status AVAILABLE).
pub fn login_request(
    request_id: i64,
    user_id: i64,
    password: Option<&str>,
    device: DeviceType,
) -> TurmsRequest {
    request(
        request_id,
        Kind::CreateSessionRequest(CreateSessionRequest {
            version: 1,
            user_id,
            password: password.map(str::to_owned),
            device_type: device as i32,
            user_status: Some(0),
            ..CreateSessionRequest::default()
        }),
    )
}

/// A logout (`DeleteSessionRequest`).
pub fn logout(request_id: i64) -> TurmsRequest {
    request(
        request_id,
        Kind::DeleteSessionRequest(DeleteSessionRequest::default()),
    )
}

/// A text message to a user.
pub fn private_message(request_id: i64, to: i64, text: &str) -> TurmsRequest {
    request(request_id, message_to(to, text))
}

/// The kind of [`private_message`], for calls that take a kind and set the request id themselves.
pub fn message_to(to: i64, text: &str) -> Kind {
    Kind::CreateMessageRequest(CreateMessageRequest {
        recipient_id: Some(to),
        text: Some(text.to_owned()),
        ..CreateMessageRequest::default()
    })
}

/// A text message to a group.
pub fn group_message(request_id: i64, group: i64, text: &str) -> TurmsRequest {
    request(
        request_id,
        Kind::CreateMessageRequest(CreateMessageRequest {
            group_id: Some(group),
            text: Some(text.to_owned()),
            ..CreateMessageRequest::default()
        }),
    )
}

/// A query of user 1's profile.
pub fn query_profiles(request_id: i64) -> TurmsRequest {
    request(
        request_id,
        Kind::QueryUserProfilesRequest(QueryUserProfilesRequest {
            user_ids: vec![1],
            ..QueryUserProfilesRequest::default()
        }),
    )
}
