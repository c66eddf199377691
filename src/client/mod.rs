//! An async Turms client over TCP or WebSocket (feature `client`).
//!
//! [`Client::connect`] opens the connection and starts a background task that owns it: the
//! task reads and classifies every frame, matches responses to the requests waiting for them,
//! sends heartbeats when the connection is idle, and reports everything else as an [`Event`].
//! [`Client`] itself is a cheap handle (clone it freely); when the last clone is dropped the
//! connection is closed.
//!
//! ```no_run
//! use turms_wire::client::{Client, Event, LoginRequest};
//!
//! # async fn run() -> Result<(), turms_wire::client::ClientError> {
//! let (client, mut events) = Client::connect("tcp://127.0.0.1:11510").await?;
//! if let Some(session) = client.login(LoginRequest::new(1).password("123")).await?.session {
//!     println!("session {:?} on {:?}", session.session_id(), session.server_id());
//! }
//!
//! let message_id = client.send_private_message(2, "hello").await?;
//! println!("sent message {message_id}");
//!
//! tokio::spawn(async move {
//!     while let Some(event) = events.recv().await {
//!         if let Event::Push(push) = event {
//!             println!("{:?} from {:?}", push.kind, push.requester_id);
//!         }
//!     }
//! });
//! let close = client.logout().await?;
//! println!("closed: {close}");
//! # Ok(())
//! # }
//! ```
//!
//! # Session rules
//!
//! As in the official clients, the session state is enforced locally: a request before login,
//! or after the session closed, fails with `301 CLIENT_SESSION_HAS_BEEN_CLOSED` without being
//! sent; a second login on an open session fails with `300 CLIENT_SESSION_ALREADY_ESTABLISHED`.
//! When the server closes the session, [`Event::SessionClosed`] carries its close status, code
//! and reason, is reported before anything the socket does afterwards, and is never replaced
//! by it; every call still waiting fails with 301, and the client closes the connection itself.
//! The client never reconnects by itself; [`CloseInfo::recommendation`] says whether doing so
//! makes sense.
//!
//! The connection underneath is a [`transport::Connection`](crate::transport::Connection): the
//! client never sees whether it is TCP or WebSocket.
//!
//! # Bounds
//!
//! Frames are capped on their header ([`Limits`], 8 MiB inbound by default), events go through
//! a bounded channel that drops the oldest for receivers that fall behind (reporting
//! [`Event::Lagged`]), writes go through a bounded queue, and the number of requests waiting
//! for an answer is capped. Nothing the peer sends grows a buffer without limit.

mod driver;
mod error;
mod event;
mod heartbeat;
mod login;
mod messages;
mod request;
mod users;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use error::{ClientError, InvalidRequest, InvalidResponse};
pub use event::{CloseInfo, CloseOrigin, Event, Events, PushEvent};
pub use heartbeat::DEFAULT_HEARTBEAT_INTERVAL;
pub use login::{LoginRequest, PROTOCOL_VERSION};
pub use request::Answer;
// The connection types live in the transport floor; they are part of this API too.
pub use crate::transport::{ServerAddr, TransportError, TransportKind};

/// The former name of [`Answer`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `Answer` (`frame::Response` is the response frame)"
)]
pub type Response = Answer;

/// The former name of [`MalformedFrame`](crate::frame::MalformedFrame), which events now carry.
#[deprecated(since = "0.2.0", note = "use `turms_wire::frame::MalformedFrame`")]
pub type InvalidFrame = crate::frame::MalformedFrame;

/// The former session value; the session-info frame itself is now reported.
#[deprecated(since = "0.2.0", note = "use `turms_wire::frame::SessionInfo`")]
pub type Session = crate::frame::SessionInfo;

use crate::codec::{request_to_bytes, Limits};
use crate::frame::{self, RequestKind, SessionInfo};
use crate::proto::{turms_request::Kind, DeleteSessionRequest, TurmsRequest};
use crate::role::RoleKind;
use crate::transport::Connection;
use driver::{Phase, Shared};
use request::Purpose;

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The session id and node id the server assigned (`None` if it sent no session info in
    /// time).
    pub session: Option<SessionInfo>,
    /// The server's answer (1000 `OK`, without data).
    pub response: Answer,
}

/// Where a client's session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Connected, not logged in.
    Connected,
    /// A login is waiting for its answer.
    LoggingIn,
    /// Logged in: requests can be sent.
    Open,
    /// A logout is waiting for the server to close the session.
    LoggingOut,
    /// The session is over (see [`Client::close_info`]).
    Closed,
}

/// Settings of a client, set through [`ClientBuilder`].
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) heartbeat_interval: Option<Duration>,
    pub(crate) session_info_grace: Duration,
    pub(crate) close_timeout: Duration,
    pub(crate) limits: Limits,
    pub(crate) max_pending_requests: usize,
    pub(crate) event_capacity: usize,
    pub(crate) outbound_capacity: usize,
    pub(crate) trace_frames: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            connect_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            heartbeat_interval: Some(DEFAULT_HEARTBEAT_INTERVAL),
            session_info_grace: Duration::from_secs(1),
            close_timeout: Duration::from_secs(2),
            limits: RoleKind::Client.limits(),
            max_pending_requests: 16 * 1024,
            event_capacity: 1024,
            outbound_capacity: 256,
            trace_frames: false,
        }
    }
}

/// Settings for [`Client`]s; the defaults are the official clients'.
///
/// ```no_run
/// use std::time::Duration;
/// use turms_wire::client::Client;
///
/// # async fn run() -> Result<(), turms_wire::client::ClientError> {
/// let (client, events) = Client::builder()
///     .connect_timeout(Duration::from_secs(5))
///     .request_timeout(Duration::from_secs(10))
///     .connect("ws://127.0.0.1:10510")
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ClientBuilder {
    config: Config,
}

impl ClientBuilder {
    /// How long connecting may take, handshake included (default 30 s); past it,
    /// `1 CONNECT_TIMEOUT`.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// How long a request (or a heartbeat, or a logout) waits for its answer (default 60 s);
    /// past it, `102 REQUEST_TIMEOUT`.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    /// Send a heartbeat when nothing has been sent for this long (default 120 s; the gateway
    /// closes sessions after 180 s of silence). Checked every tenth of the interval.
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.config.heartbeat_interval = Some(interval);
        self
    }

    /// Send no heartbeats by themselves ([`Client::heartbeat`] still sends one).
    pub fn no_heartbeats(mut self) -> Self {
        self.config.heartbeat_interval = None;
        self
    }

    /// How long a login whose response arrived first waits for the session-info push
    /// (default 1 s). The gateway usually sends the push first; it may be configured not to
    /// send it at all.
    pub fn session_info_grace(mut self, grace: Duration) -> Self {
        self.config.session_info_grace = grace;
        self
    }

    /// How long closing the connection may take once the session is over (default 2 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.config.close_timeout = timeout;
        self
    }

    /// Frame-size limits (default [`RoleKind::Client`]'s: accept 8 MiB, send 16 KiB).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// How many requests may wait for an answer at once (default 16384); past it, calls fail
    /// locally with `101 CLIENT_REQUESTS_TOO_FREQUENT`.
    pub fn max_pending_requests(mut self, max: usize) -> Self {
        self.config.max_pending_requests = max;
        self
    }

    /// How many events a receiver may fall behind before it loses the oldest (default 1024).
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.config.event_capacity = capacity;
        self
    }

    /// Report every frame received and sent as [`Event::FrameReceived`] and
    /// [`Event::FrameSent`] (default off).
    pub fn trace_frames(mut self, trace: bool) -> Self {
        self.config.trace_frames = trace;
        self
    }

    /// Connects to `server` (`tcp://host:port`, `ws://host:port`, or `wss://` with the `tls`
    /// feature) and starts the connection's background task. The returned [`Events`] sees
    /// every event from the start.
    pub async fn connect(self, server: &str) -> Result<(Client, Events), ClientError> {
        let server: ServerAddr = server.parse().map_err(ClientError::Connect)?;
        let config = self.config;
        let connection = Connection::connect(&server, config.limits, config.connect_timeout)
            .await
            .map_err(ClientError::Connect)?;
        let (outbound, queued) = mpsc::channel(config.outbound_capacity.max(1));
        let (shared, events) = Shared::new(config, server);
        let shutdown = CancellationToken::new();
        driver::spawn(
            Arc::clone(&shared),
            connection,
            outbound.clone(),
            queued,
            shutdown.clone(),
        );
        let client = Client {
            handle: Arc::new(Handle {
                shared,
                outbound,
                shutdown,
            }),
        };
        Ok((client, Events::new(events)))
    }
}

/// A connection to a Turms gateway: log in, send requests, log out.
///
/// Cheap to clone; every clone drives the same connection. See the [module docs](self).
#[derive(Clone)]
pub struct Client {
    handle: Arc<Handle>,
}

struct Handle {
    shared: Arc<Shared>,
    outbound: mpsc::Sender<Bytes>,
    shutdown: CancellationToken,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.handle.shared.server.as_str())
            .field("state", &self.state())
            .finish()
    }
}

/// Removes a request from the table if its caller stops waiting (timeout, or the caller's
/// future dropped), and settles the state of an unanswered login.
struct PendingGuard<'a> {
    shared: &'a Shared,
    shutdown: &'a CancellationToken,
    id: i64,
    purpose: Purpose,
    /// The request went out: the server may act on it.
    sent: bool,
    armed: bool,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let mut state = self.shared.lock();
        state.pending.remove(self.id);
        if self.purpose == Purpose::Login && state.phase == Phase::LoggingIn {
            if self.sent {
                // The server may still open the session, which this client would then not
                // know of; closing the connection is what ends it for sure.
                self.shutdown.cancel();
            } else {
                state.phase = Phase::Connected;
            }
        }
    }
}

impl Client {
    /// Settings for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Connects with the default settings; see [`ClientBuilder::connect`].
    pub async fn connect(server: &str) -> Result<(Client, Events), ClientError> {
        Client::builder().connect(server).await
    }

    /// Another receiver of events, seeing those from now on.
    pub fn subscribe(&self) -> Events {
        Events::new(self.handle.shared.lock().subscribe())
    }

    /// The server this client is connected to.
    pub fn server(&self) -> &ServerAddr {
        &self.handle.shared.server
    }

    /// Where the session stands.
    pub fn state(&self) -> SessionState {
        match self.handle.shared.lock().phase {
            Phase::Connected => SessionState::Connected,
            Phase::LoggingIn => SessionState::LoggingIn,
            Phase::Open => SessionState::Open,
            Phase::LoggingOut => SessionState::LoggingOut,
            Phase::Closed(_) => SessionState::Closed,
        }
    }

    /// How the session ended, once it has.
    pub fn close_info(&self) -> Option<CloseInfo> {
        self.handle.shared.closed.borrow().clone()
    }

    /// Waits until the session ends, and says how.
    pub async fn closed(&self) -> CloseInfo {
        let mut closed = self.handle.shared.closed.subscribe();
        let info = match closed.wait_for(Option::is_some).await {
            Ok(info) => info.clone(),
            // Unreachable while this handle holds the sender; answer sensibly anyway.
            Err(_) => None,
        };
        info.unwrap_or_else(|| CloseInfo::connection_closed(CloseOrigin::Local))
    }

    /// The session info of the current login, if the server has sent it.
    pub fn session(&self) -> Option<SessionInfo> {
        self.handle.shared.session.borrow().clone()
    }

    /// Logs in, and returns the server's answer with the session id and node id it assigned.
    ///
    /// The server's refusal (`2011 LOGIN_AUTHENTICATION_FAILED`, …) comes back as
    /// [`ClientError::Refused`] and leaves the connection open for another try. The
    /// session-info push may come before or after the response; when the response comes
    /// first, the login waits up to [`ClientBuilder::session_info_grace`] for it, and returns
    /// no session info if it does not come.
    ///
    /// A login that goes unanswered for the request timeout fails with `102 REQUEST_TIMEOUT`
    /// and closes the connection, as does dropping this future once the login went out: the
    /// server may still open the session, and only closing the connection ends a session this
    /// client would not know of.
    pub async fn login(&self, login: LoginRequest) -> Result<LoggedIn, ClientError> {
        let kind = Kind::CreateSessionRequest(login.to_proto());
        let frame = self.call(kind, Purpose::Login).await?;
        let response = Answer::from_frame(frame, RequestKind::CREATE_SESSION_REQUEST)?;
        let shared = &self.handle.shared;
        let mut session = shared.session.subscribe();
        let grace = shared.config.session_info_grace;
        let info = match tokio::time::timeout(grace, session.wait_for(Option::is_some)).await {
            Ok(Ok(info)) => info.clone(),
            _ => None,
        };
        Ok(LoggedIn {
            session: info,
            response,
        })
    }

    /// Sends any request (except login and logout, which have their own calls) and waits for
    /// its response.
    ///
    /// Success (1000–1099) comes back as an [`Answer`] with its data decoded; a failure code
    /// as [`ClientError::Refused`] with the server's code and reason; local failures with the
    /// local codes (`102 REQUEST_TIMEOUT`, `200 INVALID_NOTIFICATION` for a response without
    /// a code, `301` when the session is not open or closes meanwhile).
    pub async fn request(&self, kind: Kind) -> Result<Answer, ClientError> {
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
        let frame = self.call(kind, Purpose::Call).await?;
        Answer::from_frame(frame, request_kind)
    }

    /// Sends a heartbeat now and waits for the server's answer. Heartbeats go out by
    /// themselves when the connection is idle; this is for checking that the session is alive.
    ///
    /// A refusal (`2104` when the server has no session, `1201` when it is unavailable) comes
    /// back as [`ClientError::HeartbeatRefused`].
    pub async fn heartbeat(&self) -> Result<(), ClientError> {
        let shared = &self.handle.shared;
        let (tx, rx) = oneshot::channel();
        {
            let mut state = shared.lock();
            check_open(&state.phase)?;
            if state.heartbeats.len() >= shared.config.max_pending_requests {
                return Err(ClientError::TooManyPendingRequests {
                    limit: shared.config.max_pending_requests,
                });
            }
            state.heartbeats.push(tx);
            state.schedule.heartbeat_sent(Instant::now());
        }
        self.handle
            .outbound
            .send(Bytes::new())
            .await
            .map_err(|_| shared.closed_error())?;
        let timeout = shared.config.request_timeout;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(shared.closed_error()),
            Err(_) => Err(ClientError::RequestTimeout {
                request_id: 0,
                timeout,
            }),
        }
    }

    /// Logs out: sends `DeleteSessionRequest` and waits for the session to end.
    ///
    /// The gateway does not answer it; it closes the session with
    /// `500 DISCONNECTED_BY_CLIENT`, and that close (or whatever close comes first) is
    /// returned. If the connection drops instead, the returned close is
    /// `300 CONNECTION_CLOSED`. If nothing happens within the request timeout, the client
    /// closes the connection itself and returns `102 REQUEST_TIMEOUT`.
    pub async fn logout(&self) -> Result<CloseInfo, ClientError> {
        let shared = &self.handle.shared;
        let (tx, rx) = oneshot::channel();
        let body = {
            let mut state = shared.lock();
            let send = match &state.phase {
                Phase::Open => true,
                Phase::LoggingOut => false,
                Phase::Connected | Phase::LoggingIn => return Err(ClientError::NotLoggedIn),
                Phase::Closed(info) => return Err(ClientError::SessionClosed(info.clone())),
            };
            state.phase = Phase::LoggingOut;
            state.logouts.push(tx);
            send.then(|| {
                state.schedule.request_sent(Instant::now());
                let pending = &state.pending;
                let id = request::fresh_id(&mut rand::rng(), |id| pending.contains(id));
                (
                    id,
                    request_to_bytes(&request(
                        id,
                        Kind::DeleteSessionRequest(DeleteSessionRequest::default()),
                    )),
                )
            })
        };
        let request_id = body.as_ref().map_or(0, |(id, _)| *id);
        if let Some((_, body)) = body {
            // If the writer is gone, the session is ending and the wait below ends with it.
            let _ = self.handle.outbound.send(body).await;
        }
        let timeout = shared.config.request_timeout;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(info)) => Ok(info),
            Ok(Err(_)) => Err(shared.closed_error()),
            Err(_) => {
                self.close();
                Err(ClientError::RequestTimeout {
                    request_id,
                    timeout,
                })
            }
        }
    }

    /// Closes the connection without logging out (the server sees the connection drop). The
    /// session ends with `300 CONNECTION_CLOSED` from [`CloseOrigin::Local`].
    pub fn close(&self) {
        self.handle.shutdown.cancel();
    }

    /// Registers a request, sends it, and waits for its response frame.
    async fn call(&self, kind: Kind, purpose: Purpose) -> Result<frame::Response, ClientError> {
        let shared = &self.handle.shared;
        let (tx, rx) = oneshot::channel();
        let id = {
            let mut state = shared.lock();
            match (purpose, &state.phase) {
                (Purpose::Login, Phase::Connected) => {
                    state.phase = Phase::LoggingIn;
                    shared.session.send_replace(None);
                }
                (Purpose::Login, Phase::Closed(info)) => {
                    return Err(ClientError::SessionClosed(info.clone()))
                }
                (Purpose::Login, _) => return Err(ClientError::SessionAlreadyEstablished),
                (Purpose::Call, phase) => check_open(phase)?,
            }
            if state.pending.len() >= shared.config.max_pending_requests {
                if purpose == Purpose::Login {
                    state.phase = Phase::Connected;
                }
                return Err(ClientError::TooManyPendingRequests {
                    limit: shared.config.max_pending_requests,
                });
            }
            state.schedule.request_sent(Instant::now());
            state.pending.insert(purpose, tx)
        };
        let mut guard = PendingGuard {
            shared,
            shutdown: &self.handle.shutdown,
            id,
            purpose,
            sent: false,
            armed: true,
        };
        let body = request_to_bytes(&request(id, kind));
        let max = shared.config.limits.max_outbound_frame();
        if body.len() > max {
            return Err(invalid(InvalidRequest::TooLarge {
                len: body.len(),
                max,
            }));
        }
        if self.handle.outbound.send(body).await.is_err() {
            return Err(shared.closed_error());
        }
        guard.sent = true;
        let timeout = shared.config.request_timeout;
        let outcome = tokio::time::timeout(timeout, rx).await;
        match outcome {
            Ok(Ok(reply)) => {
                // The reader removed the entry when it answered.
                guard.armed = false;
                reply
            }
            Ok(Err(_)) => {
                guard.armed = false;
                Err(shared.closed_error())
            }
            Err(_) => Err(ClientError::RequestTimeout {
                request_id: id,
                timeout,
            }),
        }
    }
}

fn request(id: i64, kind: Kind) -> TurmsRequest {
    TurmsRequest {
        request_id: Some(id),
        kind: Some(kind),
        custom_attributes: Vec::new(),
    }
}

fn invalid(problem: InvalidRequest) -> ClientError {
    ClientError::InvalidRequest { problem }
}

/// Requests need an open session.
fn check_open(phase: &Phase) -> Result<(), ClientError> {
    match phase {
        Phase::Open => Ok(()),
        Phase::Closed(info) => Err(ClientError::SessionClosed(info.clone())),
        Phase::Connected | Phase::LoggingIn | Phase::LoggingOut => Err(ClientError::NotLoggedIn),
    }
}
