//! What the gateway answers: heartbeats, the accept rule, login and logout, messages and
//! queries, scripts, and `NO_CONTENT` for the rest.

use std::time::Instant;

use bytes::Bytes;

use super::auth::{AuthDecision, LoginAttempt};
use super::command::Command;
use super::connection::GatewaySession;
use super::event::GatewayEvent;
use super::notify;
use super::registry::{NewSession, Registration, Session};
use super::script::Reply;
use super::state::GatewayState;
use crate::frame::{RequestFrame, RequestKind};
use crate::proto::turms_notification::data::Kind as DataKind;
use crate::proto::turms_request::Kind;
use crate::proto::{QueryMessagesRequest, TurmsRequest};
use crate::status::{ResponseStatusCode, SessionCloseStatus};

/// The only client version the gateway accepts.
const SUPPORTED_VERSION: i32 = 1;

impl GatewaySession {
    pub(super) fn on_heartbeat(&mut self, now: Instant, state: &mut GatewayState) {
        if self.session.is_some() {
            self.last_activity = now;
            self.transmit(Bytes::new());
        } else {
            self.transmit(notify::heartbeat_failure(state.clock.unix_millis(now)));
        }
    }

    pub(super) fn on_request(
        &mut self,
        now: Instant,
        frame: &RequestFrame,
        state: &mut GatewayState,
    ) {
        // Answered with the id the real gateway reads: the one before the kind.
        let request_id = match frame.gateway_reading() {
            Ok(reading) => reading.request_id,
            Err(rejection) => return self.refuse_unreadable(now, rejection.to_string(), state),
        };
        if request_id <= 0 {
            let reason = "The request ID must be greater than 0".to_owned();
            let code = ResponseStatusCode::INVALID_REQUEST;
            return self.refuse(now, request_id, code, Some(reason), state);
        }
        match frame.kind() {
            Some(RequestKind::CREATE_SESSION_REQUEST) => {
                return self.login(now, request_id, frame, state)
            }
            // Never answered; without a session there is nothing to close.
            Some(RequestKind::DELETE_SESSION_REQUEST) if self.session.is_some() => {
                let logout = SessionCloseStatus::DISCONNECTED_BY_CLIENT.into();
                return self.close(now, logout, state);
            }
            Some(RequestKind::DELETE_SESSION_REQUEST) => return,
            _ => {}
        }
        let Some(session) = self.session.clone() else {
            let code = ResponseStatusCode::SERVER_INTERNAL_ERROR;
            return self.refuse(now, request_id, code, None, state);
        };
        self.last_activity = now;
        let timestamp = state.clock.unix_millis(now);
        // The gateway forwards the bytes; turms-service decodes them whole and answers a
        // failure with the protobuf error text.
        let request = match frame.decode() {
            Ok(request) => request,
            Err(error) => {
                let code = ResponseStatusCode::INVALID_REQUEST;
                let reply =
                    notify::response(timestamp, request_id, code, Some(error.to_string()), None);
                return self.transmit(reply);
            }
        };
        let scripted = state
            .script
            .as_ref()
            .and_then(|script| script.reply(&session, &request));
        if let Some(reply) = scripted {
            match reply {
                Reply::Respond(r) => {
                    self.transmit(notify::response(
                        timestamp, request_id, r.code, r.reason, r.data,
                    ));
                }
                Reply::Ignore => {}
                Reply::Close(notice) => self.close(now, notice, state),
            }
            return;
        }
        let reply = match request.kind {
            Some(Kind::CreateMessageRequest(_)) => {
                self.create_message(timestamp, request_id, &session, request, state)
            }
            Some(Kind::QueryMessagesRequest(ref query)) => {
                query_messages(timestamp, request_id, &session, query, state)
            }
            _ => notify::response(
                timestamp,
                request_id,
                ResponseStatusCode::NO_CONTENT,
                None,
                None,
            ),
        };
        self.transmit(reply);
    }

    fn login(
        &mut self,
        now: Instant,
        request_id: i64,
        frame: &RequestFrame,
        state: &mut GatewayState,
    ) {
        if self.session.is_some() {
            let code = ResponseStatusCode::CREATE_EXISTING_SESSION;
            return self.refuse(now, request_id, code, None, state);
        }
        // The accept rule has decoded it once already, so this cannot fail.
        let Ok(Some(login)) = frame.create_session_request() else {
            return self.refuse_unreadable(now, "Not a valid TurmsRequest".to_owned(), state);
        };
        let attempt = LoginAttempt::new(&login, self.peer);
        if login.version != SUPPORTED_VERSION {
            let reason = format!(
                "Supported client versions are: [{SUPPORTED_VERSION}], but got: {}",
                login.version
            );
            let code = ResponseStatusCode::UNSUPPORTED_CLIENT_VERSION;
            return self.login_failed(now, request_id, &attempt, code, Some(reason), state);
        }
        if let AuthDecision::Deny { code, reason } = state.authenticator.authenticate(&attempt) {
            let reason = reason.or_else(|| code.default_reason().map(str::to_owned));
            return self.login_failed(now, request_id, &attempt, code, reason, state);
        }
        let new = NewSession {
            user_id: attempt.user_id(),
            device_type: attempt.device_type(),
            user_status: attempt.user_status(),
            connection_id: self.id,
            transport: self.transport,
            peer: self.peer,
        };
        let session = match state.registry.register(new, state.config.login_conflict) {
            Registration::Registered { session, displaced } => {
                for earlier in displaced {
                    let kick = SessionCloseStatus::DISCONNECTED_BY_CLIENT.into();
                    self.dispatch(earlier.connection_id, Command::Close(kick));
                }
                session
            }
            Registration::Declined => {
                let code = ResponseStatusCode::SESSION_SIMULTANEOUS_CONFLICTS_DECLINE;
                let reason = code.default_reason().map(str::to_owned);
                return self.login_failed(now, request_id, &attempt, code, reason, state);
            }
        };
        let timestamp = state.clock.unix_millis(now);
        self.last_activity = now;
        self.session = Some(session.clone());
        // The real gateway pushes the session info before it returns the OK result.
        let info = notify::session_info(timestamp, session.session_id, &state.config.server_id);
        self.emit(GatewayEvent::LoginSucceeded {
            connection: self.id,
            session,
        });
        self.transmit(info);
        self.transmit(notify::response(
            timestamp,
            request_id,
            ResponseStatusCode::OK,
            None,
            None,
        ));
    }

    fn login_failed(
        &mut self,
        now: Instant,
        request_id: i64,
        attempt: &LoginAttempt<'_>,
        code: ResponseStatusCode,
        reason: Option<String>,
        state: &GatewayState,
    ) {
        self.emit(GatewayEvent::LoginFailed {
            connection: self.id,
            user_id: attempt.user_id(),
            device_type: attempt.device_type(),
            code,
        });
        let timestamp = state.clock.unix_millis(now);
        self.transmit(notify::response(timestamp, request_id, code, reason, None));
    }

    /// Stores a message and relays it; the answer is the message id.
    fn create_message(
        &mut self,
        timestamp: i64,
        request_id: i64,
        session: &Session,
        mut request: TurmsRequest,
        state: &mut GatewayState,
    ) -> Bytes {
        let Some(Kind::CreateMessageRequest(message)) = &mut request.kind else {
            unreachable!("dispatched on the kind");
        };
        let refusal = if message.is_system_message == Some(true) {
            Some("Users cannot send the system message")
        } else if message.group_id.is_none() && message.recipient_id.is_none() {
            Some("The recipientId must not be null for private messages")
        } else {
            None
        };
        if let Some(reason) = refusal {
            let code = ResponseStatusCode::ILLEGAL_ARGUMENT;
            return notify::response(timestamp, request_id, code, Some(reason.to_owned()), None);
        }
        let (saved, recipients) = state
            .store
            .save_message(session.user_id, message, timestamp);
        message.message_id = saved.id;
        message.delivery_date = Some(timestamp);
        // Encoded once; every recipient's connection, and every other device of the sender,
        // gets the same bytes.
        let push = notify::relayed(timestamp, session.user_id, request);
        let connections =
            state
                .registry
                .message_connections(&recipients, session.user_id, session.session_id);
        for connection in connections {
            self.dispatch(connection, Command::Push(push.clone()));
        }
        let id = saved.id.unwrap_or_default();
        notify::response_with(
            timestamp,
            request_id,
            ResponseStatusCode::OK,
            DataKind::Long(id),
        )
    }

    /// Answers a request the gateway could not read (`request_id` -1): `INVALID_REQUEST` with
    /// the parser's message before login; `UNAUTHORIZED_REQUEST` once logged in, because the
    /// real gateway's permission check overwrites the parse error (`ClientRequestDispatcher`).
    pub(super) fn refuse_unreadable(
        &mut self,
        now: Instant,
        message: String,
        state: &GatewayState,
    ) {
        if self.session.is_some() {
            let code = ResponseStatusCode::UNAUTHORIZED_REQUEST;
            let reason = code.default_reason().map(str::to_owned);
            self.refuse(now, -1, code, reason, state);
        } else {
            let code = ResponseStatusCode::INVALID_REQUEST;
            self.refuse(now, -1, code, Some(message), state);
        }
    }

    /// Refuses a request before any handler sees it.
    fn refuse(
        &mut self,
        now: Instant,
        request_id: i64,
        code: ResponseStatusCode,
        reason: Option<String>,
        state: &GatewayState,
    ) {
        self.emit(GatewayEvent::RequestRejected {
            connection: self.id,
            request_id,
            code,
            reason: reason.clone(),
        });
        let timestamp = state.clock.unix_millis(now);
        self.transmit(notify::response(timestamp, request_id, code, reason, None));
    }
}

/// Answers from the store: what turms-service would find, or `NO_CONTENT`.
fn query_messages(
    timestamp: i64,
    request_id: i64,
    session: &Session,
    query: &QueryMessagesRequest,
    state: &GatewayState,
) -> Bytes {
    match state.store.query(session.user_id, query) {
        Some(kind) => notify::response_with(timestamp, request_id, ResponseStatusCode::OK, kind),
        None => notify::response(
            timestamp,
            request_id,
            ResponseStatusCode::NO_CONTENT,
            None,
            None,
        ),
    }
}
