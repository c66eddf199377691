//! The scripting hook: a test decides how the gateway answers any request.

use crate::proto::turms_notification::data::Kind as DataKind;
use crate::proto::turms_notification::Data;
use crate::proto::TurmsRequest;
use crate::status::ResponseStatusCode;

use super::registry::Session;
use crate::frame::CloseNotice;

/// A response chosen by a [`Script`]: any code, reason and data.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedResponse {
    /// The response code.
    pub code: ResponseStatusCode,
    /// The reason text, if any.
    pub reason: Option<String>,
    /// The data, if any.
    pub data: Option<Data>,
}

impl ScriptedResponse {
    /// A response with `code`, no reason and no data.
    pub fn new(code: ResponseStatusCode) -> Self {
        ScriptedResponse {
            code,
            reason: None,
            data: None,
        }
    }

    /// The same response with a reason.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The same response with `data.kind` set.
    #[must_use]
    pub fn data(mut self, kind: DataKind) -> Self {
        self.data = Some(Data { kind: Some(kind) });
        self
    }
}

/// What to do with a request, as a [`Script`] decides.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Answer with this response (the request's id is filled in).
    Respond(ScriptedResponse),
    /// Send nothing: for testing a client's request timeout.
    Ignore,
    /// Close the session with this status, code and reason instead of answering.
    Close(CloseNotice),
}

impl Reply {
    /// Answer with `code` alone.
    pub fn code(code: ResponseStatusCode) -> Self {
        Reply::Respond(ScriptedResponse::new(code))
    }

    /// Answer `OK` (1000) with `data.kind` set.
    pub fn ok_with(kind: DataKind) -> Self {
        Reply::Respond(ScriptedResponse::new(ResponseStatusCode::OK).data(kind))
    }
}

impl From<ScriptedResponse> for Reply {
    fn from(response: ScriptedResponse) -> Self {
        Reply::Respond(response)
    }
}

impl From<CloseNotice> for Reply {
    fn from(reason: CloseNotice) -> Self {
        Reply::Close(reason)
    }
}

/// Decides the answer to requests of logged-in sessions.
///
/// Consulted for every well-formed request of a logged-in session except `CreateSessionRequest`
/// and `DeleteSessionRequest` (whose handling is the gateway's own), before the built-in
/// handling; `None` leaves the request to the built-ins (messages are stored and relayed,
/// queried messages come from the store, everything else gets `NO_CONTENT`). Requests the
/// gateway refuses before that point (the §5.4 accept rule, non-positive ids, requests before
/// login) never reach the script.
///
/// It runs while the connection holds the gateway's shared state: keep it quick, and do not
/// call the gateway from it. The mock gateway takes one from
/// [`GatewayBuilder::script`](crate::gateway::GatewayBuilder::script), any driver from
/// [`GatewayState::set_script`](super::GatewayState::set_script).
///
/// Any `Fn(&Session, &TurmsRequest) -> Option<Reply>` closure is a script:
///
/// ```
/// use std::time::Instant;
/// use turms_wire::proto::{turms_request::Kind, TurmsRequest};
/// use turms_wire::session::gateway::{
///     GatewayConfig, GatewayState, Reply, ScriptedResponse, Session, WallClock,
/// };
/// use turms_wire::ResponseStatusCode;
///
/// let clock = WallClock::new(Instant::now(), 1_700_000_000_000);
/// let mut state = GatewayState::new(GatewayConfig::default(), clock);
/// state.set_script(|_: &Session, request: &TurmsRequest| match request.kind {
///     Some(Kind::QueryUserProfilesRequest(_)) => Some(
///         ScriptedResponse::new(ResponseStatusCode::NOT_FRIEND_TO_QUERY_USER_PROFILE)
///             .reason("not friends")
///             .into(),
///     ),
///     Some(Kind::UpdateUserRequest(_)) => Some(Reply::Ignore),
///     _ => None,
/// });
/// ```
pub trait Script: Send + Sync + 'static {
    /// The reply to `request` from `session`, or `None` for the built-in handling.
    fn reply(&self, session: &Session, request: &TurmsRequest) -> Option<Reply>;
}

impl<F> Script for F
where
    F: Fn(&Session, &TurmsRequest) -> Option<Reply> + Send + Sync + 'static,
{
    fn reply(&self, session: &Session, request: &TurmsRequest) -> Option<Reply> {
        self(session, request)
    }
}
