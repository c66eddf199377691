//! An async Turms client over TCP or WebSocket (feature `client`).
//!
//! [`Client::connect`] opens the connection and starts a background task that owns it and a
//! [`ClientSession`], the I/O-free machine of [`session::client`](crate::session::client)
//! that holds every rule of the session: the task hands the machine each frame it reads, each
//! call a handle makes and the time, and carries out what the machine asks for (frames to
//! write, outcomes to hand back, events to report, when to wake, when to close). [`Client`]
//! itself is a cheap handle (clone it freely) that talks to the task only by message; when
//! the last clone is dropped the connection is closed.
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
//! client never sees whether it is TCP or WebSocket. Frames are written by a second task, so
//! a peer that stops reading cannot stop responses from being read.
//!
//! # Bounds
//!
//! Frames are capped on their header ([`Limits`], 8 MiB inbound by default), events go through
//! a bounded channel that drops the oldest for receivers that fall behind (reporting
//! [`Event::Lagged`]), writes go through a bounded queue, and the number of requests waiting
//! for an answer is capped. Nothing the peer sends grows a buffer without limit.

mod driver;
mod events;
mod messages;
mod users;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

pub use crate::session::client::{
    Answer, ClientError, CloseInfo, CloseOrigin, Event, InvalidRequest, InvalidResponse, LoggedIn,
    LoginRequest, PushEvent, SessionState, DEFAULT_HEARTBEAT_INTERVAL, PROTOCOL_VERSION,
};
pub use events::Events;
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

use crate::codec::Limits;
use crate::frame::SessionInfo;
use crate::proto::turms_request::Kind;
use crate::role::RoleKind;
use crate::session::client::{self as machine, ClientSession, Completion};
use crate::transport::Connection;
use driver::{Call, Command, Status};

/// Settings of a client, set through [`ClientBuilder`]: the session machine's, and the
/// driver's own.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) session: machine::Config,
    pub(crate) connect_timeout: Duration,
    pub(crate) close_timeout: Duration,
    pub(crate) limits: Limits,
    pub(crate) event_capacity: usize,
    pub(crate) outbound_capacity: usize,
    pub(crate) trace_frames: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session: machine::Config::default(),
            connect_timeout: Duration::from_secs(30),
            close_timeout: Duration::from_secs(2),
            limits: RoleKind::Client.limits(),
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
        self.config.session = self.config.session.request_timeout(timeout);
        self
    }

    /// Send a heartbeat when nothing has been sent for this long (default 120 s; the gateway
    /// closes sessions after 180 s of silence). Checked every tenth of the interval.
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.config.session = self.config.session.heartbeat_interval(interval);
        self
    }

    /// Send no heartbeats by themselves ([`Client::heartbeat`] still sends one).
    pub fn no_heartbeats(mut self) -> Self {
        self.config.session = self.config.session.no_heartbeats();
        self
    }

    /// How long a login whose response arrived first waits for the session-info push
    /// (default 1 s). The gateway usually sends the push first; it may be configured not to
    /// send it at all.
    pub fn session_info_grace(mut self, grace: Duration) -> Self {
        self.config.session = self.config.session.session_info_grace(grace);
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
        self.config.session = self.config.session.max_pending_requests(max);
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
        let mut config = self.config;
        let connection = Connection::connect(&server, config.limits, config.connect_timeout)
            .await
            .map_err(ClientError::Connect)?;
        config.session = config
            .session
            .max_outbound_frame(config.limits.max_outbound_frame());
        let session = ClientSession::new(config.session.clone(), driver::now());
        let (events, receiver) = broadcast::channel(config.event_capacity.max(1));
        let (commands, queued) = mpsc::channel(config.outbound_capacity.max(1));
        let (status, watched) = watch::channel(Status::of(&session));
        let shutdown = CancellationToken::new();
        let handle = Handle {
            server,
            commands,
            status: watched,
            events: events.downgrade(),
            shutdown: shutdown.clone(),
        };
        driver::spawn(driver::Parts {
            config: &config,
            connection,
            session,
            commands: queued,
            status,
            events,
            shutdown,
        });
        let client = Client {
            handle: Arc::new(handle),
        };
        Ok((client, Events::new(receiver)))
    }
}

/// A connection to a Turms gateway: log in, send requests, log out.
///
/// Cheap to clone; every clone drives the same connection. See the [module docs](self).
#[derive(Clone)]
pub struct Client {
    handle: Arc<Handle>,
}

/// What every clone shares: the way to the driver, and what the driver publishes.
struct Handle {
    server: ServerAddr,
    commands: mpsc::Sender<Command>,
    /// Written by the driver only.
    status: watch::Receiver<Status>,
    /// Weak, so that the event stream ends when the driver does, handles or not.
    events: broadcast::WeakSender<Event>,
    /// Closes the connection: [`Client::close`], or the last handle dropped.
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
            .field("server", &self.handle.server.as_str())
            .field("state", &self.state())
            .finish()
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
        Events::new(match self.handle.events.upgrade() {
            Some(events) => events.subscribe(),
            // The connection is gone: a receiver of a channel that has already ended.
            None => broadcast::channel(1).1,
        })
    }

    /// The server this client is connected to.
    pub fn server(&self) -> &ServerAddr {
        &self.handle.server
    }

    /// Where the session stands.
    pub fn state(&self) -> SessionState {
        self.handle.status.borrow().state
    }

    /// How the session ended, once it has.
    pub fn close_info(&self) -> Option<CloseInfo> {
        self.handle.status.borrow().close.clone()
    }

    /// Waits until the session ends, and says how.
    pub async fn closed(&self) -> CloseInfo {
        let mut status = self.handle.status.clone();
        let seen = status
            .wait_for(|status| status.close.is_some())
            .await
            .map(|status| status.close.clone());
        let info = match seen {
            Ok(info) => info,
            // The driver is gone; what it published last still stands.
            Err(_) => status.borrow().close.clone(),
        };
        info.unwrap_or_else(|| CloseInfo::connection_closed(CloseOrigin::Local))
    }

    /// The session info of the current login, if the server has sent it.
    pub fn session(&self) -> Option<SessionInfo> {
        self.handle.status.borrow().session.clone()
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
        match self.call(Call::Login(login)).await? {
            Completion::LoggedIn(logged_in) => Ok(logged_in),
            other => unreachable!("a login completed as {other:?}"),
        }
    }

    /// Sends any request (except login and logout, which have their own calls) and waits for
    /// its response.
    ///
    /// Success (1000–1099) comes back as an [`Answer`] with its data decoded; a failure code
    /// as [`ClientError::Refused`] with the server's code and reason; local failures with the
    /// local codes (`102 REQUEST_TIMEOUT`, `200 INVALID_NOTIFICATION` for a response without
    /// a code, `301` when the session is not open or closes meanwhile).
    pub async fn request(&self, kind: Kind) -> Result<Answer, ClientError> {
        match self.call(Call::Request(kind)).await? {
            Completion::Answered(answer) => Ok(answer),
            other => unreachable!("a request completed as {other:?}"),
        }
    }

    /// Sends a heartbeat now and waits for the server's answer. Heartbeats go out by
    /// themselves when the connection is idle; this is for checking that the session is alive.
    ///
    /// A refusal (`2104` when the server has no session, `1201` when it is unavailable) comes
    /// back as [`ClientError::HeartbeatRefused`].
    pub async fn heartbeat(&self) -> Result<(), ClientError> {
        match self.call(Call::Heartbeat).await? {
            Completion::HeartbeatAcked => Ok(()),
            other => unreachable!("a heartbeat completed as {other:?}"),
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
        match self.call(Call::Logout).await? {
            Completion::LoggedOut(info) => Ok(info),
            other => unreachable!("a logout completed as {other:?}"),
        }
    }

    /// Closes the connection without logging out (the server sees the connection drop). The
    /// session ends with `300 CONNECTION_CLOSED` from [`CloseOrigin::Local`].
    pub fn close(&self) {
        self.handle.shutdown.cancel();
    }

    /// Hands a call to the driver and waits for its outcome.
    async fn call(&self, call: Call) -> Result<Completion, ClientError> {
        let (reply, outcome) = oneshot::channel();
        // Dropped with this future however it ends, which tells the driver that nobody waits
        // for the call any more: a login abandoned after it went out must close the connection.
        let (_waiting, gone) = oneshot::channel();
        let command = Command { call, reply, gone };
        if self.handle.commands.send(command).await.is_err() {
            return Err(self.closed_error());
        }
        outcome.await.unwrap_or_else(|_| Err(self.closed_error()))
    }

    /// The error for a call that finds the driver gone.
    fn closed_error(&self) -> ClientError {
        ClientError::SessionClosed(
            self.close_info()
                .unwrap_or_else(|| CloseInfo::connection_closed(CloseOrigin::Local)),
        )
    }
}

fn invalid(problem: InvalidRequest) -> ClientError {
    ClientError::InvalidRequest { problem }
}
