//! The settings every connection of a gateway reads, and where its clock meets the calendar.

use std::time::{Duration, Instant};

use super::registry::LoginConflictPolicy;

/// The real gateway's login timeout (`establish-timeout-millis`): 5 minutes.
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(300);
/// The real gateway's idle timeout (`close-idle-session-after-seconds`): 180 s.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(180);
/// The real gateway's close timeout (`close-timeout-millis`): 120 s. The mock's default is
/// zero (close right after the close notification); set this to mimic the real wait.
pub const REAL_CLOSE_TIMEOUT: Duration = Duration::from_secs(120);
/// The node id sent in the session-info push unless another is configured.
pub const DEFAULT_SERVER_ID: &str = "turms-wire-mock";

/// The session settings of a gateway.
///
/// The default is the real gateway's, but for the close timeout: zero, so that tests do not
/// wait for their clients to close. A zero login or idle timeout disables it, as on the real
/// gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GatewayConfig {
    /// The node id sent as `server_id` in the session-info push.
    pub server_id: String,
    /// How long a connection may stay without a session before it is closed with
    /// `LOGIN_TIMEOUT` (111).
    pub login_timeout: Duration,
    /// How long a session may go without a heartbeat or request before it is closed with
    /// `HEARTBEAT_TIMEOUT` (110).
    pub idle_timeout: Duration,
    /// How long, after a close notification, the gateway waits for the client to close before
    /// closing the transport itself; zero closes it as soon as the notification is sent.
    pub close_timeout: Duration,
    /// What a second login of a user on the same device type does.
    pub login_conflict: LoginConflictPolicy,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            server_id: DEFAULT_SERVER_ID.to_owned(),
            login_timeout: DEFAULT_LOGIN_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            close_timeout: Duration::ZERO,
            login_conflict: LoginConflictPolicy::default(),
        }
    }
}

/// Where the machines' clock meets the calendar: one [`Instant`] and the Unix time, in
/// milliseconds, at that instant.
///
/// The machines only ever see `Instant`s, which have no calendar; the `timestamp` of every
/// notification and the `delivery_date` of every message are read off this anchor. A driver
/// takes it from the system clocks once; a simulator picks any pair and gets the same bytes
/// on every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    at: Instant,
    unix_millis: i64,
}

impl WallClock {
    /// The clock that read `unix_millis` at `at`.
    pub fn new(at: Instant, unix_millis: i64) -> Self {
        WallClock { at, unix_millis }
    }

    /// The Unix time in milliseconds at `now` (an instant before the anchor reads as the
    /// anchor).
    pub fn unix_millis(&self, now: Instant) -> i64 {
        let since = now.saturating_duration_since(self.at).as_millis();
        self.unix_millis
            .saturating_add(i64::try_from(since).unwrap_or(i64::MAX))
    }
}

/// A timeout of zero means "never", as in the real gateway's settings.
pub(crate) fn enabled(timeout: Duration) -> Option<Duration> {
    (!timeout.is_zero()).then_some(timeout)
}
