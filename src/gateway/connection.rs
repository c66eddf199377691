//! One client connection, from accept to close: the session logic, written once for both
//! transports.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::{sleep_until, timeout, Instant};

use crate::frame::{ClientFrame, RequestFrame, RequestKind};
use crate::proto::turms_notification::data::Kind as DataKind;
use crate::proto::turms_request::Kind;
use crate::proto::{QueryMessagesRequest, TurmsRequest};
use crate::status::{ResponseStatusCode, SessionCloseStatus};

use super::session::{Command, Mailbox, NewSession, Registration};
use super::transport::{Inbound, Link};
use super::Shared;
use crate::frame::CloseNotice;
use crate::session::gateway::notify;
use crate::session::gateway::{
    AuthDecision, ConnectionEnd, GatewayEvent, LoginAttempt, Reply, Session,
};

/// The only client version the gateway accepts.
const SUPPORTED_VERSION: i32 = 1;

/// How long a close notification may take to reach a client that does not read, before the
/// gateway closes the transport anyway.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the connection does next.
enum Step {
    /// Keep serving.
    Continue,
    /// Send this close notification, then run the close sequence.
    Close(CloseNotice),
    /// The gateway is shutting down.
    Shutdown,
    /// The connection is over without a close notification.
    End(ConnectionEnd),
}

/// What woke the connection up.
enum Wakeup {
    Shutdown,
    Command(Command),
    Inbound(Inbound),
    Deadline,
}

/// Serves one accepted connection until it closes.
pub(crate) async fn serve(transport: Link, peer: SocketAddr, shared: Arc<Shared>) {
    let id = shared.next_connection_id();
    shared.emit(GatewayEvent::ConnectionOpened {
        connection: id,
        transport: transport.kind(),
        peer,
    });
    let (commands, inbox) = unbounded_channel();
    let mailbox = Mailbox::new(commands);
    let now = Instant::now();
    Connection {
        transport,
        shared,
        id,
        peer,
        mailbox,
        inbox,
        session: None,
        opened: now,
        last_activity: now,
    }
    .run()
    .await;
}

struct Connection {
    transport: Link,
    shared: Arc<Shared>,
    id: u64,
    peer: SocketAddr,
    /// How the registry reaches this connection.
    mailbox: Mailbox,
    inbox: UnboundedReceiver<Command>,
    session: Option<Session>,
    opened: Instant,
    /// The last heartbeat or request of the open session.
    last_activity: Instant,
}

impl Connection {
    async fn run(mut self) {
        let step = loop {
            let deadline = self.deadline();
            let wakeup = tokio::select! {
                biased;
                () = self.shared.cancel.cancelled() => Wakeup::Shutdown,
                Some(command) = self.inbox.recv() => Wakeup::Command(command),
                inbound = self.transport.recv() => Wakeup::Inbound(inbound),
                () = sleep_until_some(deadline) => Wakeup::Deadline,
            };
            let step = match wakeup {
                Wakeup::Shutdown => Step::Shutdown,
                Wakeup::Command(Command::Push(body)) => {
                    self.mailbox.push_taken();
                    self.write(body).await
                }
                Wakeup::Command(Command::Close(reason)) => Step::Close(reason),
                Wakeup::Inbound(inbound) => self.on_inbound(inbound).await,
                Wakeup::Deadline => Step::Close(CloseNotice::new(if self.session.is_some() {
                    SessionCloseStatus::HEARTBEAT_TIMEOUT
                } else {
                    SessionCloseStatus::LOGIN_TIMEOUT
                })),
            };
            if !matches!(step, Step::Continue) {
                break step;
            }
        };
        match step {
            Step::Close(reason) => self.close(reason).await,
            Step::Shutdown if self.session.is_some() => {
                self.close(SessionCloseStatus::SERVER_CLOSED.into()).await;
            }
            Step::Shutdown => self.end(ConnectionEnd::ByGateway).await,
            Step::End(end) => self.end(end).await,
            Step::Continue => unreachable!("the loop only ends on another step"),
        }
    }

    /// When the login timeout (no session yet) or the idle timeout (session open) runs out.
    fn deadline(&self) -> Option<Instant> {
        let config = &self.shared.config;
        match self.session {
            None => enabled(config.login_timeout).map(|t| self.opened + t),
            Some(_) => enabled(config.idle_timeout).map(|t| self.last_activity + t),
        }
    }

    async fn on_inbound(&mut self, inbound: Inbound) -> Step {
        match inbound {
            Inbound::Frame(ClientFrame::Heartbeat) => self.on_heartbeat().await,
            Inbound::Frame(ClientFrame::Request(request)) => self.on_request(request).await,
            Inbound::Malformed(malformed) => {
                self.refuse_unreadable(format!("Not a valid TurmsRequest: {}", malformed.error))
                    .await
            }
            Inbound::Discarded => Step::Continue,
            // As the real gateway does: without a session the connection is dropped; with one,
            // the session closes as on any unexpected error (200, code 1200, reason hidden).
            Inbound::Violation(_) if self.session.is_some() => Step::Close(
                CloseNotice::new(SessionCloseStatus::SERVER_ERROR)
                    .with_code(ResponseStatusCode::SERVER_INTERNAL_ERROR),
            ),
            Inbound::Violation(what) => Step::End(ConnectionEnd::FramingViolation(what)),
            Inbound::Ended(None) => Step::End(ConnectionEnd::ByPeer),
            Inbound::Ended(Some(error)) => Step::End(ConnectionEnd::TransportError(error)),
        }
    }

    async fn on_heartbeat(&mut self) -> Step {
        if self.session.is_some() {
            self.last_activity = Instant::now();
            self.write(Bytes::new()).await
        } else {
            self.write(notify::heartbeat_failure(now_millis())).await
        }
    }

    async fn on_request(&mut self, frame: RequestFrame) -> Step {
        // Answered with the id the real gateway reads: the one before the kind.
        let request_id = match frame.gateway_reading() {
            Ok(reading) => reading.request_id,
            Err(rejection) => return self.refuse_unreadable(rejection.to_string()).await,
        };
        if request_id <= 0 {
            return self
                .refuse(
                    request_id,
                    ResponseStatusCode::INVALID_REQUEST,
                    Some("The request ID must be greater than 0".to_owned()),
                )
                .await;
        }
        match frame.kind() {
            Some(RequestKind::CREATE_SESSION_REQUEST) => {
                return self.login(request_id, &frame).await
            }
            // Never answered; without a session there is nothing to close.
            Some(RequestKind::DELETE_SESSION_REQUEST) if self.session.is_some() => {
                return Step::Close(SessionCloseStatus::DISCONNECTED_BY_CLIENT.into())
            }
            Some(RequestKind::DELETE_SESSION_REQUEST) => return Step::Continue,
            _ => {}
        }
        let Some(session) = self.session.clone() else {
            return self
                .refuse(request_id, ResponseStatusCode::SERVER_INTERNAL_ERROR, None)
                .await;
        };
        self.last_activity = Instant::now();
        // The gateway forwards the bytes; turms-service decodes them whole and answers a
        // failure with the protobuf error text.
        let request = match frame.decode() {
            Ok(request) => request,
            Err(error) => {
                let reply = notify::response(
                    now_millis(),
                    request_id,
                    ResponseStatusCode::INVALID_REQUEST,
                    Some(error.to_string()),
                    None,
                );
                return self.write(reply).await;
            }
        };
        if let Some(reply) = self.shared.scripted_reply(&session, &request) {
            return match reply {
                Reply::Respond(r) => {
                    self.write(notify::response(
                        now_millis(),
                        request_id,
                        r.code,
                        r.reason,
                        r.data,
                    ))
                    .await
                }
                Reply::Ignore => Step::Continue,
                Reply::Close(reason) => Step::Close(reason),
            };
        }
        match request.kind {
            Some(Kind::CreateMessageRequest(_)) => {
                self.create_message(request_id, &session, request).await
            }
            Some(Kind::QueryMessagesRequest(ref query)) => {
                self.query_messages(request_id, &session, query).await
            }
            _ => {
                self.write(notify::response(
                    now_millis(),
                    request_id,
                    ResponseStatusCode::NO_CONTENT,
                    None,
                    None,
                ))
                .await
            }
        }
    }

    async fn login(&mut self, request_id: i64, frame: &RequestFrame) -> Step {
        if self.session.is_some() {
            return self
                .refuse(
                    request_id,
                    ResponseStatusCode::CREATE_EXISTING_SESSION,
                    None,
                )
                .await;
        }
        // The accept rule has decoded it once already, so this cannot fail.
        let Ok(Some(login)) = frame.create_session_request() else {
            return self
                .refuse_unreadable("Not a valid TurmsRequest".to_owned())
                .await;
        };
        let attempt = LoginAttempt::new(&login, self.peer);
        if login.version != SUPPORTED_VERSION {
            let reason = format!(
                "Supported client versions are: [{SUPPORTED_VERSION}], but got: {}",
                login.version
            );
            let code = ResponseStatusCode::UNSUPPORTED_CLIENT_VERSION;
            return self
                .login_failed(request_id, &attempt, code, Some(reason))
                .await;
        }
        if let AuthDecision::Deny { code, reason } =
            self.shared.authenticator.authenticate(&attempt)
        {
            let reason = reason.or_else(|| code.default_reason().map(str::to_owned));
            return self.login_failed(request_id, &attempt, code, reason).await;
        }
        let new = NewSession {
            user_id: attempt.user_id(),
            device_type: attempt.device_type(),
            user_status: attempt.user_status(),
            connection_id: self.id,
            transport: self.transport.kind(),
            peer: self.peer,
        };
        let registration = self.shared.registry().register(
            new,
            self.shared.config.login_conflict,
            self.mailbox.clone(),
        );
        let info = match registration {
            Registration::Registered { info, displaced } => {
                for earlier in displaced {
                    // A closed channel means that connection is already on its way out.
                    let _ = earlier.close(SessionCloseStatus::DISCONNECTED_BY_CLIENT.into());
                }
                info
            }
            Registration::Declined => {
                let code = ResponseStatusCode::SESSION_SIMULTANEOUS_CONFLICTS_DECLINE;
                let reason = code.default_reason().map(str::to_owned);
                return self.login_failed(request_id, &attempt, code, reason).await;
            }
        };
        self.last_activity = Instant::now();
        self.session = Some(info.clone());
        let session_info =
            notify::session_info(now_millis(), info.session_id, &self.shared.config.server_id);
        self.shared.emit(GatewayEvent::LoginSucceeded {
            connection: self.id,
            session: info,
        });
        // The real gateway pushes the session info before it returns the OK result.
        match self.write(session_info).await {
            Step::Continue => {}
            other => return other,
        }
        self.write(notify::response(
            now_millis(),
            request_id,
            ResponseStatusCode::OK,
            None,
            None,
        ))
        .await
    }

    async fn login_failed(
        &mut self,
        request_id: i64,
        attempt: &LoginAttempt<'_>,
        code: ResponseStatusCode,
        reason: Option<String>,
    ) -> Step {
        self.shared.emit(GatewayEvent::LoginFailed {
            connection: self.id,
            user_id: attempt.user_id(),
            device_type: attempt.device_type(),
            code,
        });
        self.write(notify::response(
            now_millis(),
            request_id,
            code,
            reason,
            None,
        ))
        .await
    }

    async fn create_message(
        &mut self,
        request_id: i64,
        session: &Session,
        mut request: TurmsRequest,
    ) -> Step {
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
            return self
                .write(notify::response(
                    now_millis(),
                    request_id,
                    ResponseStatusCode::ILLEGAL_ARGUMENT,
                    Some(reason.to_owned()),
                    None,
                ))
                .await;
        }
        let now = now_millis();
        let (saved, recipients) = self
            .shared
            .store()
            .save_message(session.user_id, message, now);
        message.message_id = saved.id;
        message.delivery_date = Some(now);
        // Encoded once; every recipient's connection, and every other device of the sender,
        // gets the same bytes.
        let push = notify::relayed(now, session.user_id, request);
        self.shared.registry().push_message(
            &recipients,
            session.user_id,
            session.session_id,
            &push,
        );
        let id = saved.id.unwrap_or_default();
        self.write(notify::response_with(
            now_millis(),
            request_id,
            ResponseStatusCode::OK,
            DataKind::Long(id),
        ))
        .await
    }

    async fn query_messages(
        &mut self,
        request_id: i64,
        session: &Session,
        query: &QueryMessagesRequest,
    ) -> Step {
        let found = self.shared.store().query(session.user_id, query);
        let reply = match found {
            Some(kind) => {
                notify::response_with(now_millis(), request_id, ResponseStatusCode::OK, kind)
            }
            None => notify::response(
                now_millis(),
                request_id,
                ResponseStatusCode::NO_CONTENT,
                None,
                None,
            ),
        };
        self.write(reply).await
    }

    /// Answers a request the gateway could not read (`request_id` -1): `INVALID_REQUEST` with
    /// the parser's message before login; `UNAUTHORIZED_REQUEST` once logged in, because the
    /// real gateway's permission check overwrites the parse error (`ClientRequestDispatcher`).
    async fn refuse_unreadable(&mut self, message: String) -> Step {
        if self.session.is_some() {
            let code = ResponseStatusCode::UNAUTHORIZED_REQUEST;
            let reason = code.default_reason().map(str::to_owned);
            self.refuse(-1, code, reason).await
        } else {
            self.refuse(-1, ResponseStatusCode::INVALID_REQUEST, Some(message))
                .await
        }
    }

    async fn refuse(
        &mut self,
        request_id: i64,
        code: ResponseStatusCode,
        reason: Option<String>,
    ) -> Step {
        self.shared.emit(GatewayEvent::RequestRejected {
            connection: self.id,
            request_id,
            code,
            reason: reason.clone(),
        });
        self.write(notify::response(
            now_millis(),
            request_id,
            code,
            reason,
            None,
        ))
        .await
    }

    /// Writes one frame; a failed write ends the connection.
    ///
    /// A client that stops reading can block a write for good; shutting down still goes ahead
    /// (the frame stays buffered, so the close notification follows it whole).
    async fn write(&mut self, body: Bytes) -> Step {
        tokio::select! {
            sent = self.transport.send(body) => match sent {
                Ok(()) => Step::Continue,
                Err(error) => Step::End(ConnectionEnd::TransportError(error)),
            },
            () = self.shared.cancel.cancelled() => Step::Shutdown,
        }
    }

    /// Drops the session from the registry (if it is still there) and reports its end.
    fn forget_session(&mut self, reason: CloseNotice, notified: bool) {
        if let Some(info) = self.session.take() {
            self.shared.registry().remove(info.session_id);
            self.shared.emit(GatewayEvent::SessionClosed {
                connection: self.id,
                session_id: info.session_id,
                user_id: info.user_id,
                reason,
                notified,
            });
        }
    }

    /// The close sequence (as `UserSession.close` and `NetConnection` do it): the session is closed first, then the
    /// close notification is written; from then on requests are ignored without reply until
    /// the client closes or the close timeout passes, and then the gateway closes the
    /// transport.
    async fn close(mut self, reason: CloseNotice) {
        let notification = notify::close(now_millis(), &reason);
        self.forget_session(reason.clone(), true);
        let end = match timeout(CLOSE_WRITE_TIMEOUT, self.transport.send(notification)).await {
            Err(_) => ConnectionEnd::TransportError(format!(
                "the close notification was not flushed within {CLOSE_WRITE_TIMEOUT:?}"
            )),
            Ok(Err(error)) => ConnectionEnd::TransportError(error),
            Ok(Ok(())) if self.wait_for_client_close().await => ConnectionEnd::ByPeer,
            Ok(Ok(())) => ConnectionEnd::ByGateway,
        };
        self.transport.close().await;
        self.shared.emit(GatewayEvent::ConnectionClosed {
            connection: self.id,
            end,
            notified: Some(reason),
        });
    }

    /// Reads and ignores everything until the client closes (true) or the close timeout
    /// passes (false).
    async fn wait_for_client_close(&mut self) -> bool {
        let wait = self.shared.config.close_timeout;
        if wait.is_zero() {
            return false;
        }
        let transport = &mut self.transport;
        timeout(wait, async {
            while !matches!(transport.recv().await, Inbound::Ended(_)) {}
        })
        .await
        .is_ok()
    }

    /// Ends the connection without a close notification.
    async fn end(mut self, end: ConnectionEnd) {
        let status = if matches!(end, ConnectionEnd::ByGateway) {
            SessionCloseStatus::SERVER_CLOSED
        } else {
            SessionCloseStatus::CONNECTION_CLOSED
        };
        self.forget_session(status.into(), false);
        self.transport.close().await;
        self.shared.emit(GatewayEvent::ConnectionClosed {
            connection: self.id,
            end,
            notified: None,
        });
    }
}

/// A timeout of zero means "never", as in the real gateway's settings.
fn enabled(timeout: Duration) -> Option<Duration> {
    (!timeout.is_zero()).then_some(timeout)
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
