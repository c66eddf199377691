//! [`ClientSession`]: every rule of a client session, fed inputs and polled for outputs.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::answer::Answer;
use super::call::{CallId, Completion, Outcome};
use super::config::Config;
use super::error::{ClientError, InvalidRequest};
use super::event::{CloseInfo, CloseOrigin, Event, PushEvent};
use super::heartbeat::HeartbeatSchedule;
use super::login::{LoggedIn, LoginRequest};
use super::pending::PendingRequests;
use super::state::{Phase, SessionState};
use crate::codec::request_to_bytes;
use crate::frame::{self, MalformedFrame, RequestKind, ServerFrame, SessionInfo};
use crate::proto::turms_request::Kind;
use crate::proto::{DeleteSessionRequest, TurmsRequest};
use crate::transport::TransportError;

/// The client end of one Turms session, without I/O: see the [module docs](super).
///
/// Inputs are method calls: the user's ([`login`](Self::login), [`request`](Self::request),
/// [`heartbeat`](Self::heartbeat), [`logout`](Self::logout), [`cancel`](Self::cancel),
/// [`close`](Self::close)) and the connection's ([`handle_frame`](Self::handle_frame),
/// [`handle_connection_lost`](Self::handle_connection_lost),
/// [`handle_timeout`](Self::handle_timeout)). Outputs are polled until `None` after each input:
/// [`poll_transmit`](Self::poll_transmit), [`poll_outcome`](Self::poll_outcome),
/// [`poll_event`](Self::poll_event), then [`poll_timeout`](Self::poll_timeout) for when to
/// call `handle_timeout` next. Once [`close_info`](Self::close_info) is `Some`, the session is
/// over and the connection should be closed.
///
/// Time is a value: every input that can start or end a wait takes `now`, which must never go
/// backwards. A deadline that `now` has reached is acted on before the input itself, so a
/// response that arrives at its request's deadline is too late, whether or not the driver
/// woke for the deadline first.
#[derive(Debug)]
pub struct ClientSession {
    config: Config,
    phase: Phase,
    /// Every call waiting for its outcome, oldest first (so that a close fails them in order).
    calls: BTreeMap<CallId, Waiting>,
    /// When waiting calls give up, earliest first.
    deadlines: BTreeSet<(Instant, CallId)>,
    pending: PendingRequests,
    /// Heartbeats are not correlated: one answer settles every one waiting.
    heartbeats: Vec<CallId>,
    logouts: Vec<CallId>,
    /// `None` without heartbeats by themselves.
    schedule: Option<HeartbeatSchedule>,
    /// The session-info push of the current login (reset when a login starts).
    session_info: Option<SessionInfo>,
    /// The login answered before its session info came, if it still waits for it.
    awaiting_info: Option<CallId>,
    next_call: u64,
    rng: StdRng,
    transmits: VecDeque<Transmit>,
    outcomes: VecDeque<Outcome>,
    events: VecDeque<Event>,
}

#[derive(Debug)]
struct Transmit {
    body: Bytes,
    /// The login or request this frame is, so that one abandoned before it left is never
    /// sent.
    call: Option<CallId>,
}

#[derive(Debug)]
struct Waiting {
    /// `None` when the timeout reaches past what an `Instant` can hold.
    deadline: Option<Instant>,
    awaits: Awaits,
}

#[derive(Debug)]
enum Awaits {
    /// A login or a request: its response.
    Response { request_id: i64, kind: RequestKind },
    /// A login already answered: the session-info push, until the grace runs out. Boxed: at
    /// most one call waits so, and every other entry stays small.
    SessionInfo { response: Box<Answer> },
    /// A heartbeat: the next empty frame (or `request_id = -100`).
    Heartbeat,
    /// A logout: the end of the session.
    Logout { request_id: i64 },
}

impl ClientSession {
    /// A session on a connection that has just opened, at `now`.
    pub fn new(config: Config, now: Instant) -> ClientSession {
        let rng = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_rng(&mut rand::rng()),
        };
        let schedule = config
            .heartbeat_interval
            .map(|interval| HeartbeatSchedule::new(interval, now));
        ClientSession {
            config,
            phase: Phase::Connected,
            calls: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            pending: PendingRequests::default(),
            heartbeats: Vec::new(),
            logouts: Vec::new(),
            schedule,
            session_info: None,
            awaiting_info: None,
            next_call: 0,
            rng,
            transmits: VecDeque::new(),
            outcomes: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    // ---------------------------------------------------------------------------------------
    // The user's calls

    /// Logs in: queues the `CreateSessionRequest`.
    ///
    /// Completes with [`Completion::LoggedIn`] once the response is a success and the
    /// session-info push has come (before or after it), or the session-info grace has run out
    /// after the response. A refusal (`2011`, …) completes with [`ClientError::Refused`] and
    /// leaves the connection usable for another login. No response within the request
    /// timeout: `102`, and the session closes ([`CloseOrigin::Local`]), since the server may
    /// still open a session this client would not know of.
    ///
    /// Fails at once, sending nothing, with `300` while a session is open, being opened or
    /// being closed by a logout, `301` after the session is over, `101` past the pending cap,
    /// `100` when too large.
    pub fn login(&mut self, login: &LoginRequest, now: Instant) -> Result<CallId, ClientError> {
        self.advance(now);
        match &self.phase {
            Phase::Connected => {}
            Phase::Closed(info) => return Err(ClientError::SessionClosed(info.clone())),
            Phase::LoggingIn { .. } | Phase::Open | Phase::LoggingOut { .. } => {
                return Err(ClientError::SessionAlreadyEstablished)
            }
        }
        let call = self.send_request(
            Kind::CreateSessionRequest(login.to_proto()),
            RequestKind::CREATE_SESSION_REQUEST,
            now,
        )?;
        self.phase = Phase::LoggingIn { call };
        self.session_info = None;
        Ok(call)
    }

    /// Queues any request except login and logout (which have calls of their own).
    ///
    /// Completes with [`Completion::Answered`] for a success code (1000–1099), with the
    /// server's code ([`ClientError::Refused`]) for a failure, `200` for a response without a
    /// code, `201` for one that cannot be read, `102` at the request timeout (a later answer is
    /// then an [`Event::OrphanResponse`]), `301` if the session closes meanwhile.
    ///
    /// Fails at once, sending nothing, with `301` unless the session is open, `101` past the
    /// pending cap, `100` when too large or a session request.
    pub fn request(&mut self, kind: Kind, now: Instant) -> Result<CallId, ClientError> {
        self.advance(now);
        let request_kind = RequestKind::of(&kind);
        match request_kind {
            RequestKind::CREATE_SESSION_REQUEST => {
                return Err(invalid(InvalidRequest::SessionRequest("login")))
            }
            RequestKind::DELETE_SESSION_REQUEST => {
                return Err(invalid(InvalidRequest::SessionRequest("logout")))
            }
            _ => {}
        }
        self.check_open()?;
        self.send_request(kind, request_kind, now)
    }

    /// Queues a heartbeat (an empty frame) now, whatever the schedule.
    ///
    /// Completes with [`Completion::HeartbeatAcked`] on the next empty frame from the server,
    /// together with every other heartbeat waiting; with [`ClientError::HeartbeatRefused`] on
    /// a `request_id = -100` notification; `102` at the request timeout.
    ///
    /// Fails at once with `301` unless the session is open, `101` past the pending cap.
    pub fn heartbeat(&mut self, now: Instant) -> Result<CallId, ClientError> {
        self.advance(now);
        self.check_open()?;
        if self.heartbeats.len() >= self.config.max_pending_requests {
            return Err(ClientError::TooManyPendingRequests {
                limit: self.config.max_pending_requests,
            });
        }
        let call = self.wait(now, self.config.request_timeout, Awaits::Heartbeat);
        self.heartbeats.push(call);
        if let Some(schedule) = &mut self.schedule {
            schedule.heartbeat_sent(now);
        }
        self.transmits.push_back(Transmit {
            body: Bytes::new(),
            call: None,
        });
        Ok(call)
    }

    /// Logs out: queues a `DeleteSessionRequest`, which the gateway never answers; it closes
    /// the session with `500 DISCONNECTED_BY_CLIENT` instead.
    ///
    /// Completes with [`Completion::LoggedOut`] and whatever close comes first (the server's,
    /// or the connection's); at the request timeout with `102`, and the session closes
    /// ([`CloseOrigin::Local`]). A logout while one is under way sends nothing and waits for
    /// the same close.
    ///
    /// Fails at once with `301` before login or after the session is over.
    pub fn logout(&mut self, now: Instant) -> Result<CallId, ClientError> {
        self.advance(now);
        let request_id = match &self.phase {
            Phase::Open => {
                let request_id = self.pending.fresh_id(&mut self.rng);
                let body = request_to_bytes(&request(
                    request_id,
                    Kind::DeleteSessionRequest(DeleteSessionRequest::default()),
                ));
                self.transmits.push_back(Transmit { body, call: None });
                if let Some(schedule) = &mut self.schedule {
                    schedule.request_sent(now);
                }
                self.phase = Phase::LoggingOut { request_id };
                request_id
            }
            Phase::LoggingOut { request_id } => *request_id,
            Phase::Connected | Phase::LoggingIn { .. } => return Err(ClientError::NotLoggedIn),
            Phase::Closed(info) => return Err(ClientError::SessionClosed(info.clone())),
        };
        let call = self.wait(
            now,
            self.config.request_timeout,
            Awaits::Logout { request_id },
        );
        self.logouts.push(call);
        Ok(call)
    }

    /// The caller of `call` stopped waiting for it; it gets no outcome.
    ///
    /// A login or request whose frame has not been polled yet is never sent. A login that did
    /// go out closes the session ([`CloseOrigin::Local`]): the server may still open it, and
    /// only closing the connection ends a session this client would not know of. A response
    /// that comes later is an [`Event::OrphanResponse`]. Unknown or finished calls are ignored.
    pub fn cancel(&mut self, call: CallId) {
        let Some(waiting) = self.forget(call) else {
            return;
        };
        match waiting.awaits {
            Awaits::Response { request_id, .. } => {
                self.pending.remove(request_id);
                let unsent = self.transmits.iter().position(|t| t.call == Some(call));
                if let Some(at) = unsent {
                    self.transmits.remove(at);
                }
                if self.phase == (Phase::LoggingIn { call }) {
                    match unsent {
                        Some(_) => self.phase = Phase::Connected,
                        None => self.finish(CloseInfo::connection_closed(CloseOrigin::Local)),
                    }
                }
            }
            Awaits::SessionInfo { .. } => {}
            Awaits::Heartbeat => self.heartbeats.retain(|&waiting| waiting != call),
            Awaits::Logout { .. } => self.logouts.retain(|&waiting| waiting != call),
        }
    }

    /// Closes the session from this side without logging out (the server sees the connection
    /// drop): `300 CONNECTION_CLOSED` from [`CloseOrigin::Local`]. Nothing if it is over.
    pub fn close(&mut self) {
        self.finish(CloseInfo::connection_closed(CloseOrigin::Local));
    }

    // ---------------------------------------------------------------------------------------
    // The connection

    /// One frame from the server, classified (a malformed one is reported as
    /// [`Event::InvalidFrame`] and the session goes on). Frames after the session is over
    /// belong to no session and are ignored.
    pub fn handle_frame(&mut self, frame: Result<ServerFrame, MalformedFrame>, now: Instant) {
        self.advance(now);
        if self.is_closed() {
            return;
        }
        let frame = match frame {
            Ok(frame) => frame,
            Err(malformed) => return self.events.push_back(Event::InvalidFrame(malformed)),
        };
        match frame {
            ServerFrame::HeartbeatAck => {
                self.settle_heartbeats(|| Ok(Completion::HeartbeatAcked));
                self.events.push_back(Event::HeartbeatAck);
            }
            ServerFrame::HeartbeatFailure(failure) => {
                let code = failure.code();
                let reason = failure
                    .reason()
                    .map(|r| r.map(str::to_owned).unwrap_or_default());
                self.settle_heartbeats(|| {
                    Err(ClientError::HeartbeatRefused {
                        code,
                        reason: reason.clone(),
                    })
                });
                self.events
                    .push_back(Event::HeartbeatFailure { code, reason });
            }
            ServerFrame::Close(close) => self.finish(CloseInfo::from_server(&close)),
            ServerFrame::Push(push) => self.events.push_back(match push.decode_relayed() {
                Ok(request) => Event::Push(PushEvent {
                    requester_id: push.requester_id(),
                    kind: push.relayed_kind(),
                    request: Arc::new(request),
                    frame: push,
                }),
                Err(error) => Event::UndecodablePush { frame: push, error },
            }),
            ServerFrame::Response(response) => match self.pending.remove(response.request_id()) {
                Some(call) => self.answer(call, response, now),
                None => self.events.push_back(Event::OrphanResponse(response)),
            },
            ServerFrame::SessionInfo(info) => {
                self.session_info = Some(info.clone());
                if let Some(call) = self.awaiting_info.take() {
                    self.complete_login(call);
                }
                self.events.push_back(Event::SessionInfo(info));
            }
            ServerFrame::Notification(notification) => {
                self.events.push_back(Event::Notification(notification));
            }
        }
    }

    /// The connection ended without a close notification: with `error` if it failed
    /// (reported first, as [`Event::TransportError`]), without if the peer closed it. The
    /// session closes with `300 CONNECTION_CLOSED` from [`CloseOrigin::Transport`]; after a
    /// close notification it changes nothing (the server's close is never replaced).
    pub fn handle_connection_lost(&mut self, error: Option<TransportError>) {
        if self.is_closed() {
            return;
        }
        if let Some(error) = error {
            self.events
                .push_back(Event::TransportError(Arc::new(error)));
        }
        self.finish(CloseInfo::connection_closed(CloseOrigin::Transport));
    }

    /// The time is `now`: calls whose deadline it has reached end (`102`, or a login without
    /// session info), and a heartbeat goes out if one is due. Harmless to call early.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.advance(now);
    }

    // ---------------------------------------------------------------------------------------
    // Outputs

    /// The next frame body to send (empty for a heartbeat), in order.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front().map(|transmit| transmit.body)
    }

    /// The next call that ended.
    pub fn poll_outcome(&mut self) -> Option<Outcome> {
        self.outcomes.pop_front()
    }

    /// The next event to report, in the order things happened.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next: the earliest deadline of a
    /// waiting call, or the next heartbeat check while the session is open. `None`: nothing
    /// to wait for.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let deadline = self.deadlines.first().map(|&(at, _)| at);
        let check = match self.phase {
            Phase::Open => self
                .schedule
                .as_ref()
                .and_then(HeartbeatSchedule::next_check),
            _ => None,
        };
        match (deadline, check) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ---------------------------------------------------------------------------------------
    // State

    /// Where the session stands.
    pub fn state(&self) -> SessionState {
        self.phase.state()
    }

    /// The session info of the current login, if the server has sent it.
    pub fn session_info(&self) -> Option<&SessionInfo> {
        self.session_info.as_ref()
    }

    /// How the session ended, once it has: then the connection should be closed (unless the
    /// origin is [`CloseOrigin::Transport`]: it is already gone).
    pub fn close_info(&self) -> Option<&CloseInfo> {
        match &self.phase {
            Phase::Closed(info) => Some(info),
            _ => None,
        }
    }

    /// `true` once the session is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed(_))
    }

    // ---------------------------------------------------------------------------------------
    // Rules

    /// Ends what `now` has reached, earliest first, then looks whether a heartbeat is due.
    fn advance(&mut self, now: Instant) {
        while let Some(&(at, call)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.expire(call);
        }
        if self.phase == Phase::Open {
            if let Some(schedule) = &mut self.schedule {
                if schedule.check(now) {
                    schedule.heartbeat_sent(now);
                    self.transmits.push_back(Transmit {
                        body: Bytes::new(),
                        call: None,
                    });
                }
            }
        }
    }

    fn expire(&mut self, call: CallId) {
        let Some(waiting) = self.forget(call) else {
            return;
        };
        let timeout = self.config.request_timeout;
        match waiting.awaits {
            Awaits::Response { request_id, kind } => {
                self.pending.remove(request_id);
                self.fail(
                    call,
                    ClientError::RequestTimeout {
                        request_id,
                        timeout,
                    },
                );
                if kind == RequestKind::CREATE_SESSION_REQUEST
                    && self.phase == (Phase::LoggingIn { call })
                {
                    // The server may still open the session; only closing the connection
                    // makes sure it does not stay open unknown to this client.
                    self.finish(CloseInfo::connection_closed(CloseOrigin::Local));
                }
            }
            Awaits::SessionInfo { response } => self.outcomes.push_back(Outcome {
                call,
                result: Ok(Completion::LoggedIn(LoggedIn {
                    session: None,
                    response: *response,
                })),
            }),
            Awaits::Heartbeat => {
                self.heartbeats.retain(|&waiting| waiting != call);
                self.fail(
                    call,
                    ClientError::RequestTimeout {
                        request_id: 0,
                        timeout,
                    },
                );
            }
            Awaits::Logout { request_id } => {
                self.logouts.retain(|&waiting| waiting != call);
                self.fail(
                    call,
                    ClientError::RequestTimeout {
                        request_id,
                        timeout,
                    },
                );
                self.finish(CloseInfo::connection_closed(CloseOrigin::Local));
            }
        }
    }

    /// The response to the login or request `call`.
    fn answer(&mut self, call: CallId, response: frame::Response, now: Instant) {
        let Some(Waiting {
            awaits: Awaits::Response { kind, .. },
            ..
        }) = self.forget(call)
        else {
            return;
        };
        if kind != RequestKind::CREATE_SESSION_REQUEST {
            let result = Answer::from_frame(response, kind).map(Completion::Answered);
            return self.outcomes.push_back(Outcome { call, result });
        }
        // The session opens on the code alone, as the official clients decide it: a success
        // whose reason or data cannot be read still opened it on the server.
        if response.is_success() {
            self.phase = Phase::Open;
            if let Some(schedule) = &mut self.schedule {
                schedule.restart(now);
            }
        } else {
            self.phase = Phase::Connected;
        }
        match Answer::from_frame(response, kind) {
            Err(error) => self.fail(call, error),
            Ok(response) => {
                let grace = self.config.session_info_grace;
                let awaits = Awaits::SessionInfo {
                    response: Box::new(response),
                };
                self.wait_as(call, now, grace, awaits);
                if self.session_info.is_some() || grace.is_zero() {
                    self.complete_login(call);
                } else {
                    self.awaiting_info = Some(call);
                }
            }
        }
    }

    /// Completes a login that was waiting for its session info, with what there is.
    fn complete_login(&mut self, call: CallId) {
        if let Some(Waiting {
            awaits: Awaits::SessionInfo { response },
            ..
        }) = self.forget(call)
        {
            let session = self.session_info.clone();
            self.outcomes.push_back(Outcome {
                call,
                result: Ok(Completion::LoggedIn(LoggedIn {
                    session,
                    response: *response,
                })),
            });
        }
    }

    fn settle_heartbeats(&mut self, result: impl Fn() -> Result<Completion, ClientError>) {
        for call in std::mem::take(&mut self.heartbeats) {
            self.forget(call);
            self.outcomes.push_back(Outcome {
                call,
                result: result(),
            });
        }
    }

    /// Ends the session with `info`, once: every call still waiting fails with `301` (a
    /// logout completes with the close; a login waiting for its session info completes
    /// without it), nothing more is sent, and [`Event::SessionClosed`] goes out.
    fn finish(&mut self, info: CloseInfo) {
        if self.is_closed() {
            return;
        }
        self.phase = Phase::Closed(info.clone());
        self.pending.clear();
        self.heartbeats.clear();
        self.logouts.clear();
        self.deadlines.clear();
        self.transmits.clear();
        for (call, waiting) in std::mem::take(&mut self.calls) {
            let result = match waiting.awaits {
                Awaits::Response { .. } | Awaits::Heartbeat => {
                    Err(ClientError::SessionClosed(info.clone()))
                }
                Awaits::SessionInfo { response } => Ok(Completion::LoggedIn(LoggedIn {
                    session: self.session_info.clone(),
                    response: *response,
                })),
                Awaits::Logout { .. } => Ok(Completion::LoggedOut(info.clone())),
            };
            self.outcomes.push_back(Outcome { call, result });
        }
        self.events.push_back(Event::SessionClosed(info));
    }

    /// Encodes, checks and queues a login or request, and registers it for its response.
    fn send_request(
        &mut self,
        kind: Kind,
        request_kind: RequestKind,
        now: Instant,
    ) -> Result<CallId, ClientError> {
        let limit = self.config.max_pending_requests;
        if self.pending.len() >= limit {
            return Err(ClientError::TooManyPendingRequests { limit });
        }
        let request_id = self.pending.fresh_id(&mut self.rng);
        let body = request_to_bytes(&request(request_id, kind));
        let max = self.config.max_outbound_frame;
        if body.len() > max {
            return Err(invalid(InvalidRequest::TooLarge {
                len: body.len(),
                max,
            }));
        }
        let call = self.wait(
            now,
            self.config.request_timeout,
            Awaits::Response {
                request_id,
                kind: request_kind,
            },
        );
        self.pending.insert(request_id, call);
        if let Some(schedule) = &mut self.schedule {
            schedule.request_sent(now);
        }
        self.transmits.push_back(Transmit {
            body,
            call: Some(call),
        });
        Ok(call)
    }

    /// Registers a new call waiting `timeout` from `now`.
    fn wait(&mut self, now: Instant, timeout: Duration, awaits: Awaits) -> CallId {
        let call = CallId(self.next_call);
        self.next_call += 1;
        self.wait_as(call, now, timeout, awaits);
        call
    }

    fn wait_as(&mut self, call: CallId, now: Instant, timeout: Duration, awaits: Awaits) {
        let deadline = now.checked_add(timeout);
        if let Some(at) = deadline {
            self.deadlines.insert((at, call));
        }
        self.calls.insert(call, Waiting { deadline, awaits });
    }

    /// Takes `call` out of the waiting calls and their deadlines.
    fn forget(&mut self, call: CallId) -> Option<Waiting> {
        let waiting = self.calls.remove(&call)?;
        if let Some(at) = waiting.deadline {
            self.deadlines.remove(&(at, call));
        }
        Some(waiting)
    }

    fn fail(&mut self, call: CallId, error: ClientError) {
        self.outcomes.push_back(Outcome {
            call,
            result: Err(error),
        });
    }

    /// Requests need an open session.
    fn check_open(&self) -> Result<(), ClientError> {
        match &self.phase {
            Phase::Open => Ok(()),
            Phase::Closed(info) => Err(ClientError::SessionClosed(info.clone())),
            Phase::Connected | Phase::LoggingIn { .. } | Phase::LoggingOut { .. } => {
                Err(ClientError::NotLoggedIn)
            }
        }
    }
}

/// A request as the gateway parses it: `request_id` first, then the kind.
fn request(request_id: i64, kind: Kind) -> TurmsRequest {
    TurmsRequest {
        request_id: Some(request_id),
        kind: Some(kind),
        custom_attributes: Vec::new(),
    }
}

fn invalid(problem: InvalidRequest) -> ClientError {
    ClientError::InvalidRequest { problem }
}
