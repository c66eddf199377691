//! [`LoginRequest`]: what a `CreateSessionRequest` carries, with the official clients'
//! defaults; [`LoggedIn`]: what a successful login completes with.

use std::collections::BTreeMap;

use super::answer::Answer;
use crate::frame::SessionInfo;
use crate::proto::{CreateSessionRequest, DeviceType, UserLocation, UserStatus};

/// The only `CreateSessionRequest.version` the gateway accepts.
pub const PROTOCOL_VERSION: i32 = 1;

/// A login: user, password, device, and the optional status, device details and location.
///
/// The status defaults to `AVAILABLE` and is always sent, as the official clients do; the
/// device type defaults to `DESKTOP`.
///
/// ```
/// use turms_wire::session::client::LoginRequest;
/// use turms_wire::proto::{DeviceType, UserStatus};
///
/// let login = LoginRequest::new(1)
///     .password("123")
///     .device_type(DeviceType::Android)
///     .user_status(UserStatus::Busy)
///     .device_detail("os", "14");
/// let request = login.to_proto();
/// assert_eq!(request.version, 1);
/// assert_eq!(request.user_id, 1);
/// assert_eq!(request.password.as_deref(), Some("123"));
/// assert_eq!(request.device_type, DeviceType::Android as i32);
/// assert_eq!(request.user_status, Some(UserStatus::Busy as i32));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LoginRequest {
    user_id: i64,
    password: Option<String>,
    device_type: DeviceType,
    user_status: UserStatus,
    device_details: BTreeMap<String, String>,
    location: Option<UserLocation>,
}

impl LoginRequest {
    /// A login as `user_id` from a desktop, without password, status `AVAILABLE`.
    pub fn new(user_id: i64) -> Self {
        LoginRequest {
            user_id,
            password: None,
            device_type: DeviceType::Desktop,
            user_status: UserStatus::Available,
            device_details: BTreeMap::new(),
            location: None,
        }
    }

    /// The password.
    #[must_use]
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The device type (the gateway allows one session per device type by default, and
    /// closes the older one).
    #[must_use]
    pub fn device_type(mut self, device_type: DeviceType) -> Self {
        self.device_type = device_type;
        self
    }

    /// The online status to log in with.
    #[must_use]
    pub fn user_status(mut self, status: UserStatus) -> Self {
        self.user_status = status;
        self
    }

    /// One entry of the free-form device details.
    #[must_use]
    pub fn device_detail(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.device_details.insert(key.into(), value.into());
        self
    }

    /// The user's location.
    #[must_use]
    pub fn location(mut self, latitude: f32, longitude: f32) -> Self {
        self.location = Some(UserLocation {
            latitude,
            longitude,
            ..UserLocation::default()
        });
        self
    }

    /// The user logging in.
    pub fn user_id(&self) -> i64 {
        self.user_id
    }

    /// The `CreateSessionRequest` this login sends.
    pub fn to_proto(&self) -> CreateSessionRequest {
        CreateSessionRequest {
            version: PROTOCOL_VERSION,
            user_id: self.user_id,
            password: self.password.clone(),
            user_status: Some(self.user_status as i32),
            device_type: self.device_type as i32,
            device_details: self.device_details.clone(),
            location: self.location.clone(),
            custom_attributes: Vec::new(),
        }
    }
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The session id and node id the server assigned (`None` if it sent no session info in
    /// time).
    pub session: Option<SessionInfo>,
    /// The server's answer (1000 `OK`, without data).
    pub response: Answer,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::request_to_bytes;
    use crate::proto::{turms_request::Kind, TurmsRequest};

    /// The documented example login frame: request_id 1, user 1, password "123", AVAILABLE, DESKTOP.
    #[test]
    fn encodes_as_the_reference_login_frame() {
        let request = TurmsRequest {
            request_id: Some(1),
            kind: Some(Kind::CreateSessionRequest(
                LoginRequest::new(1).password("123").to_proto(),
            )),
            custom_attributes: Vec::new(),
        };
        let body = request_to_bytes(&request);
        let mut frame = vec![body.len() as u8];
        frame.extend_from_slice(&body);
        assert_eq!(
            frame,
            [
                0x0f, 0x08, 0x01, 0x1a, 0x0b, 0x08, 0x01, 0x10, 0x01, 0x1a, 0x03, 0x31, 0x32, 0x33,
                0x20, 0x00
            ]
        );
    }
}
