//! One connection's machine: its life from accept to close, its timers, and what it hands out.
//! What it answers to each request is in [`requests`](super::requests).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::command::{Command, Dispatch};
use super::config::enabled;
use super::event::{ConnectionEnd, GatewayEvent};
use super::notify;
use super::registry::Session;
use super::state::GatewayState;
use crate::frame::{ClientFrame, CloseNotice, MalformedFrame};
use crate::status::{ResponseStatusCode, SessionCloseStatus};
use crate::transport::TransportKind;

/// Where a connection is in its life, which says what the driver does with its transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Reading, answering and writing.
    Open,
    /// The close notification is out (or on its way): keep reading and hand everything in,
    /// which is ignored, until the client closes or the close deadline.
    Closing,
    /// Over: write what [`poll_transmit`](GatewaySession::poll_transmit) still yields, then
    /// close the transport (TCP: a reset; WebSocket: close frame 1000, no reason).
    Closed,
}

#[derive(Debug)]
enum State {
    Open,
    Closing {
        notice: CloseNotice,
        deadline: Instant,
    },
    Closed,
}

/// The gateway's side of one connection, as a state machine without I/O.
///
/// Inputs are the `handle_*` methods, each with the current time as a value and the
/// [`GatewayState`] the connection shares with the others; outputs are polled:
/// [`poll_transmit`](Self::poll_transmit) (frame bodies to write, in order),
/// [`poll_event`](Self::poll_event), [`poll_dispatch`](Self::poll_dispatch) (commands for
/// other connections), [`next_deadline`](Self::next_deadline) (when to call
/// [`handle_timeout`](Self::handle_timeout)) and [`phase`](Self::phase) (what to do with the
/// transport). See [the module](super) for a driver.
#[derive(Debug)]
pub struct GatewaySession {
    pub(super) id: u64,
    pub(super) transport: TransportKind,
    pub(super) peer: SocketAddr,
    login_timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    close_timeout: Duration,
    opened: Instant,
    pub(super) session: Option<Session>,
    /// The last heartbeat or request of the open session.
    pub(super) last_activity: Instant,
    state: State,
    transmits: VecDeque<Bytes>,
    events: VecDeque<GatewayEvent>,
    dispatches: VecDeque<Dispatch>,
}

impl GatewaySession {
    /// A connection accepted at `now` (for WebSocket: its handshake done), numbered by
    /// `state`; it reports [`GatewayEvent::ConnectionOpened`] and takes the timeouts `state`
    /// is configured with.
    pub fn new(
        now: Instant,
        transport: TransportKind,
        peer: SocketAddr,
        state: &mut GatewayState,
    ) -> Self {
        let id = state.next_connection_id();
        let config = state.config();
        let mut machine = GatewaySession {
            id,
            transport,
            peer,
            login_timeout: enabled(config.login_timeout),
            idle_timeout: enabled(config.idle_timeout),
            close_timeout: config.close_timeout,
            opened: now,
            session: None,
            last_activity: now,
            state: State::Open,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            dispatches: VecDeque::new(),
        };
        machine.emit(GatewayEvent::ConnectionOpened {
            connection: id,
            transport,
            peer,
        });
        machine
    }

    /// The connection's number, as events and [`Dispatch`]es name it.
    pub fn connection_id(&self) -> u64 {
        self.id
    }

    /// The session logged in on this connection, until it closes.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Where the connection is in its life.
    pub fn phase(&self) -> Phase {
        match self.state {
            State::Open => Phase::Open,
            State::Closing { .. } => Phase::Closing,
            State::Closed => Phase::Closed,
        }
    }

    /// A frame from the client.
    pub fn handle_frame(&mut self, now: Instant, frame: ClientFrame, state: &mut GatewayState) {
        if !matches!(self.state, State::Open) {
            return;
        }
        match frame {
            ClientFrame::Heartbeat => self.on_heartbeat(now, state),
            ClientFrame::Request(request) => self.on_request(now, &request, state),
        }
    }

    /// A frame whose length was sound but whose body is not a `TurmsRequest`.
    pub fn handle_malformed(
        &mut self,
        now: Instant,
        frame: &MalformedFrame,
        state: &mut GatewayState,
    ) {
        if matches!(self.state, State::Open) {
            let message = format!("Not a valid TurmsRequest: {}", frame.error);
            self.refuse_unreadable(now, message, state);
        }
    }

    /// The client broke the framing (a TCP length prefix over the limit or unreadable, a
    /// WebSocket message over the limit): nothing more can be read as frames.
    ///
    /// As the real gateway: without a session the connection is dropped; with one, the
    /// session closes as on any unexpected error (200, code 1200, reason hidden).
    pub fn handle_violation(&mut self, now: Instant, what: String, state: &mut GatewayState) {
        if !matches!(self.state, State::Open) {
            return;
        }
        if self.session.is_some() {
            let notice = CloseNotice::new(SessionCloseStatus::SERVER_ERROR)
                .with_code(ResponseStatusCode::SERVER_INTERNAL_ERROR);
            self.close(now, notice, state);
        } else {
            self.end(ConnectionEnd::FramingViolation(what), state);
        }
    }

    /// The transport ended: the client closed it (`None`), or reading or writing failed.
    pub fn handle_end(&mut self, error: Option<String>, state: &mut GatewayState) {
        let end = match error {
            None => ConnectionEnd::ByPeer,
            Some(error) => ConnectionEnd::TransportError(error),
        };
        match &self.state {
            State::Open => self.end(end, state),
            State::Closing { notice, .. } => {
                let notice = notice.clone();
                self.finish(end, Some(notice));
            }
            State::Closed => {}
        }
    }

    /// A command routed to this connection (see [`Dispatch`]).
    ///
    /// Once the close notification is out, pushes and closes are dropped, and so is a
    /// shutdown: the client still has its close timeout to close first.
    pub fn handle_command(&mut self, now: Instant, command: Command, state: &mut GatewayState) {
        if !matches!(self.state, State::Open) {
            return;
        }
        match command {
            Command::Push(body) => self.transmit(body),
            Command::Close(notice) => self.close(now, notice, state),
            Command::Shutdown if self.session.is_some() => {
                self.close(now, SessionCloseStatus::SERVER_CLOSED.into(), state);
            }
            Command::Shutdown => self.end(ConnectionEnd::ByGateway, state),
        }
    }

    /// The time is `now`: a deadline that has come closes the connection (login timeout 111
    /// without a session, idle timeout 110 with one, the end of the close wait). Calling it
    /// early does nothing.
    pub fn handle_timeout(&mut self, now: Instant, state: &mut GatewayState) {
        let Some(deadline) = self.next_deadline() else {
            return;
        };
        if now < deadline {
            return;
        }
        match &self.state {
            State::Open => {
                let status = if self.session.is_some() {
                    SessionCloseStatus::HEARTBEAT_TIMEOUT
                } else {
                    SessionCloseStatus::LOGIN_TIMEOUT
                };
                self.close(now, status.into(), state);
            }
            State::Closing { notice, .. } => {
                let notice = notice.clone();
                self.finish(ConnectionEnd::ByGateway, Some(notice));
            }
            State::Closed => {}
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due: the login deadline before
    /// login, the idle deadline after, the close deadline while closing; `None` if no timer
    /// runs (a zero login or idle timeout disables it).
    pub fn next_deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Open if self.session.is_none() => self.login_timeout.map(|t| self.opened + t),
            State::Open => self.idle_timeout.map(|t| self.last_activity + t),
            State::Closing { deadline, .. } => Some(*deadline),
            State::Closed => None,
        }
    }

    /// The next frame body to write, in order; an empty one is a heartbeat ack.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// The next event to report.
    pub fn poll_event(&mut self) -> Option<GatewayEvent> {
        self.events.pop_front()
    }

    /// The next command for another connection.
    pub fn poll_dispatch(&mut self) -> Option<Dispatch> {
        self.dispatches.pop_front()
    }

    pub(super) fn transmit(&mut self, body: Bytes) {
        self.transmits.push_back(body);
    }

    pub(super) fn emit(&mut self, event: GatewayEvent) {
        self.events.push_back(event);
    }

    pub(super) fn dispatch(&mut self, connection: u64, command: Command) {
        self.dispatches.push_back(Dispatch {
            connection,
            command,
        });
    }

    /// The close sequence, as `UserSession.close` and `NetConnection` run it: the session is
    /// closed first, then the close notification is written; from then on requests are
    /// ignored without reply until the client closes or the close timeout passes, and then the
    /// gateway closes the transport. The wait counts from here, not from when the notification
    /// is flushed: the machine does not see the socket.
    pub(super) fn close(&mut self, now: Instant, notice: CloseNotice, state: &mut GatewayState) {
        let timestamp = state.clock.unix_millis(now);
        self.forget_session(notice.clone(), true, state);
        self.transmit(notify::close(timestamp, &notice));
        self.state = State::Closing {
            notice,
            deadline: now + self.close_timeout,
        };
    }

    /// Ends the connection without a close notification.
    fn end(&mut self, end: ConnectionEnd, state: &mut GatewayState) {
        let status = if matches!(end, ConnectionEnd::ByGateway) {
            SessionCloseStatus::SERVER_CLOSED
        } else {
            SessionCloseStatus::CONNECTION_CLOSED
        };
        self.forget_session(status.into(), false, state);
        self.finish(end, None);
    }

    fn finish(&mut self, end: ConnectionEnd, notified: Option<CloseNotice>) {
        self.state = State::Closed;
        self.emit(GatewayEvent::ConnectionClosed {
            connection: self.id,
            end,
            notified,
        });
    }

    /// Drops the session from the registry (a kick or an admin's close may have dropped it
    /// already) and reports its end.
    fn forget_session(&mut self, reason: CloseNotice, notified: bool, state: &mut GatewayState) {
        if let Some(session) = self.session.take() {
            state.registry.remove(session.session_id);
            self.emit(GatewayEvent::SessionClosed {
                connection: self.id,
                session_id: session.session_id,
                user_id: session.user_id,
                reason,
                notified,
            });
        }
    }
}
