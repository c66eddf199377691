//! The settings of a [`ClientSession`](super::ClientSession).

use std::time::Duration;

use super::heartbeat::DEFAULT_HEARTBEAT_INTERVAL;
use crate::role::RoleKind;

/// The settings of a [`ClientSession`](super::ClientSession); the defaults are the official
/// clients'.
///
/// ```
/// use std::time::{Duration, Instant};
/// use turms_wire::session::client::{ClientSession, Config};
///
/// let config = Config::default()
///     .request_timeout(Duration::from_secs(10))
///     .no_heartbeats()
///     .seed(7);
/// // Nothing to wait for: no call in flight, no heartbeat to look after.
/// let session = ClientSession::new(config, Instant::now());
/// assert_eq!(session.poll_timeout(), None);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Config {
    pub(super) request_timeout: Duration,
    pub(super) heartbeat_interval: Option<Duration>,
    pub(super) session_info_grace: Duration,
    pub(super) max_pending_requests: usize,
    pub(super) max_outbound_frame: usize,
    pub(super) seed: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            request_timeout: Duration::from_secs(60),
            heartbeat_interval: Some(DEFAULT_HEARTBEAT_INTERVAL),
            session_info_grace: Duration::from_secs(1),
            max_pending_requests: 16 * 1024,
            max_outbound_frame: RoleKind::Client.limits().max_outbound_frame(),
            seed: None,
        }
    }
}

impl Config {
    /// How long a login, a request, a heartbeat or a logout waits for its answer (default
    /// 60 s); at the deadline, `102 REQUEST_TIMEOUT`.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Send a heartbeat when nothing has been sent for longer than this (default 120 s; the
    /// gateway closes sessions after 180 s of silence), looking every tenth of the interval.
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = Some(interval);
        self
    }

    /// Send no heartbeats by themselves ([`heartbeat`](super::ClientSession::heartbeat) still
    /// sends one).
    pub fn no_heartbeats(mut self) -> Self {
        self.heartbeat_interval = None;
        self
    }

    /// How long a login whose response came first waits for the session-info push (default
    /// 1 s).
    pub fn session_info_grace(mut self, grace: Duration) -> Self {
        self.session_info_grace = grace;
        self
    }

    /// How many requests (and, apart, how many heartbeats) may wait for an answer at once
    /// (default 16384); past it, `101 CLIENT_REQUESTS_TOO_FREQUENT` and nothing is sent.
    pub fn max_pending_requests(mut self, max: usize) -> Self {
        self.max_pending_requests = max;
        self
    }

    /// The largest request body sent (default the gateway's 16 KiB); a larger one is refused
    /// with `100 INVALID_REQUEST` and nothing is sent.
    pub fn max_outbound_frame(mut self, max: usize) -> Self {
        self.max_outbound_frame = max;
        self
    }

    /// Draw request ids from a generator seeded with `seed`, so that a simulation replays
    /// with the same ids (default: seeded from the operating system).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}
