//! Who may log in: the [`Authenticator`] the mock gateway asks on every `CreateSessionRequest`.
//!
//! The real gateway hands a login to one of several identity-and-access managers (password,
//! JWT, HTTP, LDAP, none, plugin) which answer "allowed", `LOGIN_AUTHENTICATION_FAILED` (2011)
//! or `LOGGING_IN_USER_NOT_ACTIVE` (2012). A test double needs the same three answers on demand,
//! so the decision is a plain function of the request.

use std::fmt;
use std::net::SocketAddr;

use crate::proto::{CreateSessionRequest, DeviceType, UserStatus};
use crate::status::ResponseStatusCode;

/// One login to decide on: the `CreateSessionRequest` as the client sent it, plus where it
/// came from.
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt<'a> {
    request: &'a CreateSessionRequest,
    device_type: DeviceType,
    peer: SocketAddr,
}

impl<'a> LoginAttempt<'a> {
    pub(crate) fn new(request: &'a CreateSessionRequest, peer: SocketAddr) -> Self {
        LoginAttempt {
            request,
            device_type: normalized_device_type(request.device_type),
            peer,
        }
    }

    /// The user logging in.
    pub fn user_id(&self) -> i64 {
        self.request.user_id
    }

    /// The password, if the client sent one.
    pub fn password(&self) -> Option<&'a str> {
        self.request.password.as_deref()
    }

    /// The device type, with a number the schema does not know read as `UNKNOWN`, as the
    /// gateway reads it.
    pub fn device_type(&self) -> DeviceType {
        self.device_type
    }

    /// The requested online status; a number the schema does not know counts as absent.
    pub fn user_status(&self) -> Option<UserStatus> {
        self.request
            .user_status
            .and_then(|status| UserStatus::try_from(status).ok())
    }

    /// The whole request (device details, location, custom attributes).
    pub fn request(&self) -> &'a CreateSessionRequest {
        self.request
    }

    /// The client's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }
}

/// The gateway's reading of a `device_type` number: unknown numbers become `UNKNOWN`.
pub(crate) fn normalized_device_type(number: i32) -> DeviceType {
    DeviceType::try_from(number).unwrap_or(DeviceType::Unknown)
}

/// What an [`Authenticator`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthDecision {
    /// Log the user in.
    Allow,
    /// Refuse with this code (usually 2011 or 2012) and reason; the connection stays open, as
    /// on the real gateway, and the client may try again until the login timeout.
    Deny {
        /// The response code.
        code: ResponseStatusCode,
        /// The response reason; `None` sends the code's default reason, as the real gateway does.
        reason: Option<String>,
    },
}

impl AuthDecision {
    /// Refuse with `code` and the code's default reason.
    pub fn deny(code: ResponseStatusCode) -> Self {
        AuthDecision::Deny { code, reason: None }
    }

    /// Refuse with `code` and a reason of your own.
    pub fn deny_with_reason(code: ResponseStatusCode, reason: impl Into<String>) -> Self {
        AuthDecision::Deny {
            code,
            reason: Some(reason.into()),
        }
    }

    /// `LOGIN_AUTHENTICATION_FAILED` (2011), the answer to a wrong password.
    pub fn authentication_failed() -> Self {
        Self::deny(ResponseStatusCode::LOGIN_AUTHENTICATION_FAILED)
    }

    /// `LOGGING_IN_USER_NOT_ACTIVE` (2012), the answer for a deactivated user.
    pub fn user_not_active() -> Self {
        Self::deny(ResponseStatusCode::LOGGING_IN_USER_NOT_ACTIVE)
    }
}

/// Decides whether a login may proceed: the mock gateway's
/// ([`GatewayBuilder::authenticator`](crate::gateway::GatewayBuilder::authenticator)), or any
/// driver's ([`GatewayState::set_authenticator`](super::GatewayState::set_authenticator)).
///
/// Asked for every `CreateSessionRequest` that passed the version check, while the connection
/// holds the gateway's shared state: keep it quick, and do not call the gateway from it.
///
/// Any `Fn(&LoginAttempt<'_>) -> AuthDecision` closure is an authenticator:
///
/// ```
/// use std::time::Instant;
/// use turms_wire::session::gateway::{
///     AuthDecision, GatewayConfig, GatewayState, LoginAttempt, WallClock,
/// };
///
/// let clock = WallClock::new(Instant::now(), 1_700_000_000_000);
/// let mut state = GatewayState::new(GatewayConfig::default(), clock);
/// state.set_authenticator(|login: &LoginAttempt<'_>| match login.user_id() {
///     13 => AuthDecision::user_not_active(),
///     _ if login.password() == Some("secret") => AuthDecision::Allow,
///     _ => AuthDecision::authentication_failed(),
/// });
/// ```
pub trait Authenticator: Send + Sync + 'static {
    /// The decision for one login.
    fn authenticate(&self, login: &LoginAttempt<'_>) -> AuthDecision;
}

impl<F> Authenticator for F
where
    F: Fn(&LoginAttempt<'_>) -> AuthDecision + Send + Sync + 'static,
{
    fn authenticate(&self, login: &LoginAttempt<'_>) -> AuthDecision {
        self(login)
    }
}

/// Lets everyone in, whatever the password (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAll;

impl Authenticator for AcceptAll {
    fn authenticate(&self, _: &LoginAttempt<'_>) -> AuthDecision {
        AuthDecision::Allow
    }
}

/// One password for every user: any other password, or none, gets
/// `LOGIN_AUTHENTICATION_FAILED` (2011).
#[derive(Clone)]
pub struct SharedPassword(String);

impl SharedPassword {
    /// Every user must log in with `password`.
    pub fn new(password: impl Into<String>) -> Self {
        SharedPassword(password.into())
    }
}

impl fmt::Debug for SharedPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedPassword(..)")
    }
}

impl Authenticator for SharedPassword {
    fn authenticate(&self, login: &LoginAttempt<'_>) -> AuthDecision {
        if login.password() == Some(self.0.as_str()) {
            AuthDecision::Allow
        } else {
            AuthDecision::authentication_failed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(password: Option<&str>, device_type: i32) -> CreateSessionRequest {
        CreateSessionRequest {
            version: 1,
            user_id: 7,
            password: password.map(str::to_owned),
            device_type,
            ..CreateSessionRequest::default()
        }
    }

    const PEER: SocketAddr =
        SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 1);

    #[test]
    fn shared_password_needs_the_exact_password() {
        let auth = SharedPassword::new("pw");
        let ok = login(Some("pw"), 0);
        let wrong = login(Some("pw "), 0);
        let none = login(None, 0);
        assert_eq!(
            auth.authenticate(&LoginAttempt::new(&ok, PEER)),
            AuthDecision::Allow
        );
        for request in [&wrong, &none] {
            assert_eq!(
                auth.authenticate(&LoginAttempt::new(request, PEER)),
                AuthDecision::Deny {
                    code: ResponseStatusCode::LOGIN_AUTHENTICATION_FAILED,
                    reason: None
                }
            );
        }
        assert_eq!(
            AcceptAll.authenticate(&LoginAttempt::new(&none, PEER)),
            AuthDecision::Allow
        );
    }

    #[test]
    fn unknown_device_types_read_as_unknown() {
        let request = login(None, 99);
        assert_eq!(
            LoginAttempt::new(&request, PEER).device_type(),
            DeviceType::Unknown
        );
        let request = login(None, DeviceType::Ios as i32);
        assert_eq!(
            LoginAttempt::new(&request, PEER).device_type(),
            DeviceType::Ios
        );
    }
}
