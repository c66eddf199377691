//! A mock Turms gateway: a test double for IM-client authors.
//!
//! It speaks the gateway's side of the protocol on TCP and WebSocket at once and behaves as the
//! real turms-gateway does: login with version 1 and a
//! pluggable [`Authenticator`], the session-info push before the login response, heartbeats
//! and their failures, the login and idle timeouts, one session per user and device type,
//! logout, the strict request accept rule, oversize and corrupt frames, and the close
//! sequence. Messages are stored and relayed to their recipients' live sessions, and queried
//! back; every other request gets `NO_CONTENT` unless a [`Script`] answers it.
//!
//! The rules are [`session::gateway`](crate::session::gateway)'s machines; this module runs
//! them: it listens, owns each connection's transport on a task of its own, and moves frames,
//! commands and time between the transport and the connection's machine.
//!
//! **Everything lives in memory** and is gone when the gateway stops. There is no turms-service
//! behind it, no IP blocking and no rate limiting, so tests can hammer it from one address.
//!
//! Every timeout is configurable so tests run in milliseconds; a zero login or idle timeout
//! disables it, as on the real gateway. The close timeout (how long the gateway waits for the
//! client to close after a close notification) defaults to zero, closing right after the
//! notification is flushed; the real gateway waits up to 120 s.
//!
//! ```no_run
//! use std::time::Duration;
//! use turms_wire::gateway::{CloseNotice, GatewayBuilder, SessionTarget};
//! use turms_wire::SessionCloseStatus;
//!
//! # async fn run() -> Result<(), turms_wire::gateway::GatewayError> {
//! let gateway = GatewayBuilder::new()
//!     .tcp("127.0.0.1:0".parse().unwrap())
//!     .ws("127.0.0.1:0".parse().unwrap())
//!     .password("123")
//!     .group(100, [1, 2, 3])
//!     .idle_timeout(Duration::from_millis(500))
//!     .start()
//!     .await?;
//! println!("tcp {:?} ws {:?}", gateway.tcp_addr(), gateway.ws_addr());
//! // ... connect clients, then:
//! for session in gateway.sessions() {
//!     println!("user {} on {:?}", session.user_id, session.device_type);
//! }
//! gateway.close_session(
//!     SessionTarget::User(1),
//!     CloseNotice::new(SessionCloseStatus::DISCONNECTED_BY_ADMIN),
//! );
//! gateway.shutdown().await; // the remaining sessions get 201 SERVER_CLOSED
//! # Ok(())
//! # }
//! ```

mod connection;
mod mailbox;
mod transport;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::codec::{notification_to_bytes, Limits};
use crate::proto::{Message, TurmsNotification};
use crate::role::RoleKind;
use crate::session::gateway::{Dispatch, GatewayConfig, GatewayState, WallClock};
use crate::transport::Connection;

// The session rules' types are the gateway's API too, under the names they always had.
pub use crate::session::gateway::{
    AcceptAll, AuthDecision, Authenticator, ConnectionEnd, GatewayEvent, LoginAttempt,
    LoginConflictPolicy, Reply, Script, ScriptedResponse, Session, SessionTarget, SharedPassword,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_LOGIN_TIMEOUT, DEFAULT_SERVER_ID, REAL_CLOSE_TIMEOUT,
};
// The close notice and the transport kind belong to the floors below; they are part of this
// API too.
pub use crate::frame::CloseNotice;
pub use crate::transport::TransportKind;

/// The former name of [`CloseNotice`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `turms_wire::frame::CloseNotice`, the one close value"
)]
pub type CloseReason = CloseNotice;

/// The former name of [`Session`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `Session` (`frame::SessionInfo` is the session-info frame)"
)]
pub type SessionInfo = Session;

use mailbox::Mailbox;
use transport::Link;

/// How long a WebSocket client may take over its opening handshake (the real gateway's
/// `connect-timeout-millis`).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// Neither a TCP nor a WebSocket address was given.
    #[error("no listener: give a TCP address, a WebSocket address or both")]
    NoListener,
    /// An address could not be bound.
    #[error("cannot listen for {transport} on {addr}: {source}")]
    Bind {
        /// The transport that address was for.
        transport: TransportKind,
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        #[source]
        source: io::Error,
    },
}

type EventSink = Box<dyn Fn(&GatewayEvent) + Send + Sync>;

/// What the listeners, the connections and the handle share.
pub(crate) struct Shared {
    /// The machines' shared state: one lock, held for one machine call at a time and never
    /// while an event is reported or a frame written.
    state: Mutex<GatewayState>,
    /// How to reach each connection's task, by connection number.
    mailboxes: Mutex<HashMap<u64, Mailbox>>,
    events: EventSink,
    limits: Limits,
    cancel: CancellationToken,
}

impl Shared {
    fn emit(&self, event: GatewayEvent) {
        (self.events)(&event);
    }

    // A panic elsewhere while holding a lock leaves the data itself intact: each machine call
    // changes it in one piece.
    fn state(&self) -> MutexGuard<'_, GatewayState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn mailboxes(&self) -> MutexGuard<'_, HashMap<u64, Mailbox>> {
        self.mailboxes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands a command to the connection it names; false if that connection is gone or, for a
    /// push, has too many waiting.
    fn deliver(&self, dispatch: Dispatch) -> bool {
        self.mailboxes()
            .get(&dispatch.connection)
            .is_some_and(|mailbox| mailbox.send(dispatch.command))
    }

    /// Delivers every command; returns how many were taken.
    fn deliver_all(&self, dispatches: Vec<Dispatch>) -> usize {
        dispatches
            .into_iter()
            .map(|dispatch| self.deliver(dispatch))
            .filter(|&taken| taken)
            .count()
    }
}

/// Configures and starts a mock gateway.
///
/// Defaults: no listener (give [`tcp`](Self::tcp), [`ws`](Self::ws) or both), any password
/// accepted, the real gateway's login timeout (5 min) and idle timeout (180 s), a zero close
/// timeout, a 16 KiB inbound frame limit, node id [`DEFAULT_SERVER_ID`], the real gateway's
/// login conflict policy, and every [`GatewayEvent`] printed as one line on stderr.
pub struct GatewayBuilder {
    tcp: Option<SocketAddr>,
    ws: Option<SocketAddr>,
    limits: Limits,
    state: GatewayState,
    events: EventSink,
}

impl fmt::Debug for GatewayBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = self.state.config();
        f.debug_struct("GatewayBuilder")
            .field("tcp", &self.tcp)
            .field("ws", &self.ws)
            .field("server_id", &config.server_id)
            .field("login_timeout", &config.login_timeout)
            .field("idle_timeout", &config.idle_timeout)
            .field("close_timeout", &config.close_timeout)
            .field("limits", &self.limits)
            .field("login_conflict", &config.login_conflict)
            .finish_non_exhaustive()
    }
}

impl Default for GatewayBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl GatewayBuilder {
    /// A builder with the defaults above.
    pub fn new() -> Self {
        GatewayBuilder {
            tcp: None,
            ws: None,
            limits: RoleKind::Gateway.limits(),
            state: GatewayState::new(GatewayConfig::default(), system_clock()),
            events: Box::new(|event| eprintln!("{event}")),
        }
    }

    /// Listens for varint32-framed TCP on `addr` (port 0 picks a free port).
    #[must_use]
    pub fn tcp(mut self, addr: SocketAddr) -> Self {
        self.tcp = Some(addr);
        self
    }

    /// Listens for WebSocket on `addr` (port 0 picks a free port). Any path is accepted.
    #[must_use]
    pub fn ws(mut self, addr: SocketAddr) -> Self {
        self.ws = Some(addr);
        self
    }

    /// Every user must log in with this password ([`SharedPassword`]); replaces any
    /// authenticator set before.
    #[must_use]
    pub fn password(self, password: impl Into<String>) -> Self {
        self.authenticator(SharedPassword::new(password))
    }

    /// Decides logins with `authenticator`; replaces any password set before.
    #[must_use]
    pub fn authenticator(mut self, authenticator: impl Authenticator) -> Self {
        self.state.set_authenticator(authenticator);
        self
    }

    /// Answers requests with `script` first ([`GatewayHandle::set_script`] changes it later).
    #[must_use]
    pub fn script(mut self, script: impl Script) -> Self {
        self.state.set_script(script);
        self
    }

    /// Adds a group with these members; group messages go to its members but the sender.
    #[must_use]
    pub fn group(mut self, group_id: i64, members: impl IntoIterator<Item = i64>) -> Self {
        self.state.add_group(group_id, members);
        self
    }

    /// The node id sent as `server_id` in the session-info push.
    #[must_use]
    pub fn server_id(mut self, server_id: impl Into<String>) -> Self {
        self.state.config_mut().server_id = server_id.into();
        self
    }

    /// How long a connection may stay without a session before it is closed with
    /// `LOGIN_TIMEOUT` (111). Zero disables it.
    #[must_use]
    pub fn login_timeout(mut self, timeout: Duration) -> Self {
        self.state.config_mut().login_timeout = timeout;
        self
    }

    /// How long a session may go without a heartbeat or request before it is closed with
    /// `HEARTBEAT_TIMEOUT` (110). Zero disables it.
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.state.config_mut().idle_timeout = timeout;
        self
    }

    /// How long, after a close notification, the gateway waits for the client to close before
    /// closing the transport itself (TCP: a reset; WebSocket: close frame 1000). Zero closes
    /// right after the notification is flushed.
    #[must_use]
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.state.config_mut().close_timeout = timeout;
        self
    }

    /// The largest inbound frame (TCP body or WebSocket message); the real default is 16384.
    #[must_use]
    pub fn max_frame(mut self, bytes: usize) -> Self {
        self.limits = self.limits.with_max_inbound_frame(bytes);
        self
    }

    /// What happens when a user logs in again on the same device type.
    #[must_use]
    pub fn login_conflict(mut self, policy: LoginConflictPolicy) -> Self {
        self.state.config_mut().login_conflict = policy;
        self
    }

    /// Sends every [`GatewayEvent`] to `sink` instead of stderr. It runs on the connection's
    /// task: keep it quick and never block on the gateway from it.
    #[must_use]
    pub fn on_event(mut self, sink: impl Fn(&GatewayEvent) + Send + Sync + 'static) -> Self {
        self.events = Box::new(sink);
        self
    }

    /// Binds the listeners and starts serving. Call it inside a tokio runtime.
    pub async fn start(self) -> Result<GatewayHandle, GatewayError> {
        if self.tcp.is_none() && self.ws.is_none() {
            return Err(GatewayError::NoListener);
        }
        let tcp = match self.tcp {
            Some(addr) => Some(bind(addr, TransportKind::Tcp).await?),
            None => None,
        };
        let ws = match self.ws {
            Some(addr) => Some(bind(addr, TransportKind::WebSocket).await?),
            None => None,
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(self.state),
            mailboxes: Mutex::new(HashMap::new()),
            events: self.events,
            limits: self.limits,
            cancel: CancellationToken::new(),
        });
        let tracker = TaskTracker::new();
        let mut handle = GatewayHandle {
            tcp_addr: None,
            ws_addr: None,
            shared: shared.clone(),
            tracker: tracker.clone(),
        };
        if let Some((listener, addr)) = tcp {
            handle.tcp_addr = Some(addr);
            tracker.spawn(accept(listener, shared.clone(), tracker.clone(), serve_tcp));
        }
        if let Some((listener, addr)) = ws {
            handle.ws_addr = Some(addr);
            tracker.spawn(accept(listener, shared, tracker.clone(), serve_ws));
        }
        Ok(handle)
    }
}

/// The machines' calendar, read off the system clock once; tokio's clock for the instants,
/// as the connections read them.
fn system_clock() -> WallClock {
    let unix_millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default();
    WallClock::new(tokio::time::Instant::now().into_std(), unix_millis)
}

async fn bind(
    addr: SocketAddr,
    transport: TransportKind,
) -> Result<(TcpListener, SocketAddr), GatewayError> {
    let error = |source| GatewayError::Bind {
        transport,
        addr,
        source,
    };
    let listener = TcpListener::bind(addr).await.map_err(error)?;
    let local = listener.local_addr().map_err(error)?;
    Ok((listener, local))
}

/// Accepts connections until shutdown, serving each on its own task.
async fn accept<F, Fut>(listener: TcpListener, shared: Arc<Shared>, tracker: TaskTracker, serve: F)
where
    F: Fn(TcpStream, SocketAddr, Arc<Shared>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        let accepted = tokio::select! {
            () = shared.cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                // As the real gateway sets it.
                let _ = stream.set_nodelay(true);
                tracker.spawn(serve(stream, peer, shared.clone()));
            }
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

async fn serve_tcp(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let connection = Connection::tcp(stream, shared.limits);
    connection::serve(Link::new(connection), peer, shared).await;
}

async fn serve_ws(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let limits = shared.limits;
    let handshake = tokio::time::timeout(
        HANDSHAKE_TIMEOUT,
        Connection::accept(stream, TransportKind::WebSocket, limits),
    );
    let handshake = tokio::select! {
        () = shared.cancel.cancelled() => return,
        handshake = handshake => handshake,
    };
    // A failed or abandoned handshake never became a connection: nothing to report.
    if let Ok(Ok(connection)) = handshake {
        connection::serve(Link::new(connection), peer, shared).await;
    }
}

/// A running mock gateway: its addresses, its sessions, and the levers a test pulls.
///
/// Dropping the handle stops the gateway without waiting: listeners close and live sessions
/// are closed with `SERVER_CLOSED` (201) in the background. [`shutdown`](Self::shutdown) does
/// the same and waits until every connection has closed.
pub struct GatewayHandle {
    tcp_addr: Option<SocketAddr>,
    ws_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
    tracker: TaskTracker,
}

impl fmt::Debug for GatewayHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayHandle")
            .field("tcp_addr", &self.tcp_addr)
            .field("ws_addr", &self.ws_addr)
            .finish_non_exhaustive()
    }
}

impl GatewayHandle {
    /// The bound TCP address, if TCP is served.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addr
    }

    /// The bound WebSocket address, if WebSocket is served.
    pub fn ws_addr(&self) -> Option<SocketAddr> {
        self.ws_addr
    }

    /// `ws://ADDR` for the WebSocket listener, if WebSocket is served.
    pub fn ws_url(&self) -> Option<String> {
        self.ws_addr.map(|addr| format!("ws://{addr}"))
    }

    /// Every live session, ordered by user, device type and session id.
    pub fn sessions(&self) -> Vec<Session> {
        self.shared.state().sessions()
    }

    /// Pushes `notification` to every session `target` names; returns how many. A notification
    /// that encodes to nothing arrives as an (unsolicited) heartbeat ack.
    pub fn push(&self, target: SessionTarget, notification: &TurmsNotification) -> usize {
        self.push_bytes(target, notification_to_bytes(notification))
    }

    /// Pushes a pre-encoded notification body, unchanged, to every session `target` names;
    /// returns how many. For testing clients against bytes no encoder would produce.
    pub fn push_bytes(&self, target: SessionTarget, body: Bytes) -> usize {
        let pushes = self.shared.state().push(target, &body);
        self.shared.deliver_all(pushes)
    }

    /// Closes every session `target` names with `reason` (close notification, then the close
    /// sequence); returns how many. They are gone from [`sessions`](Self::sessions) at once.
    pub fn close_session(&self, target: SessionTarget, reason: CloseNotice) -> usize {
        let closes = self.shared.state().close(target, &reason);
        self.shared.deliver_all(closes)
    }

    /// Adds members to a group (creating it if needed).
    pub fn add_group(&self, group_id: i64, members: impl IntoIterator<Item = i64>) {
        self.shared.state().add_group(group_id, members);
    }

    /// Every group and its members.
    pub fn groups(&self) -> BTreeMap<i64, Vec<i64>> {
        self.shared.state().groups()
    }

    /// Every message sent through the gateway, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        self.shared.state().messages().to_vec()
    }

    /// Answers requests with `script` from now on.
    pub fn set_script(&self, script: impl Script) {
        self.shared.state().set_script(script);
    }

    /// Goes back to the built-in handling for every request.
    pub fn clear_script(&self) {
        self.shared.state().clear_script();
    }

    /// Stops listening, closes every session with `SERVER_CLOSED` (201) and every other
    /// connection without a word, and waits until all of them are closed (each at most the
    /// close timeout after its notification).
    pub async fn shutdown(self) {
        self.shared.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

impl Drop for GatewayHandle {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
    }
}
