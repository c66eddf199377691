//! Heartbeats as the official clients send them.
//!
//! A heartbeat is an empty frame. It is due when neither a request nor a heartbeat has gone
//! out for longer than the interval (120 s by default; the gateway closes a session after
//! 180 s of silence), and the client checks every tenth of the interval. The server's answer
//! is an empty frame as well, not correlated to any particular heartbeat: every heartbeat
//! waiting for an answer completes on it, and every one fails on a `request_id = -100`
//! refusal.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use super::error::ClientError;

/// The default heartbeat interval of every official client.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(120);

/// When heartbeats are due.
#[derive(Debug, Clone)]
pub(crate) struct HeartbeatSchedule {
    interval: Duration,
    last_request: Instant,
    last_heartbeat: Instant,
}

impl HeartbeatSchedule {
    pub(crate) fn new(interval: Duration, now: Instant) -> Self {
        HeartbeatSchedule {
            interval,
            last_request: now,
            last_heartbeat: now,
        }
    }

    /// How often to check whether a heartbeat is due: a tenth of the interval (at least 1 ms),
    /// so that idle time never exceeds the interval by more than that.
    pub(crate) fn check_period(&self) -> Duration {
        (self.interval / 10).max(Duration::from_millis(1))
    }

    pub(crate) fn request_sent(&mut self, now: Instant) {
        self.last_request = now;
    }

    pub(crate) fn heartbeat_sent(&mut self, now: Instant) {
        self.last_heartbeat = now;
    }

    /// `true` when min(now − last request, now − last heartbeat) exceeds the interval.
    pub(crate) fn is_due(&self, now: Instant) -> bool {
        let idle = now.saturating_duration_since(self.last_request.max(self.last_heartbeat));
        idle > self.interval
    }
}

/// Callers waiting for the server's answer to a heartbeat.
#[derive(Default)]
pub(crate) struct HeartbeatWaiters {
    waiting: Vec<oneshot::Sender<Result<(), ClientError>>>,
}

impl HeartbeatWaiters {
    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }

    pub(crate) fn push(&mut self, waiter: oneshot::Sender<Result<(), ClientError>>) {
        self.waiting.push(waiter);
    }

    /// Completes every waiting heartbeat with `outcome`.
    pub(crate) fn complete_all(&mut self, outcome: impl Fn() -> Result<(), ClientError>) {
        for waiter in self.waiting.drain(..) {
            let _ = waiter.send(outcome());
        }
    }

    /// Forgets waiters whose callers stopped waiting.
    pub(crate) fn sweep(&mut self) {
        self.waiting.retain(|waiter| !waiter.is_closed());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_only_after_a_full_interval_of_silence() {
        let start = Instant::now();
        let mut schedule = HeartbeatSchedule::new(Duration::from_secs(120), start);
        assert_eq!(schedule.check_period(), Duration::from_secs(12));
        assert!(!schedule.is_due(start + Duration::from_secs(120)));
        assert!(schedule.is_due(start + Duration::from_secs(121)));
        // A request resets the idle time as a heartbeat does.
        schedule.request_sent(start + Duration::from_secs(100));
        assert!(!schedule.is_due(start + Duration::from_secs(121)));
        assert!(schedule.is_due(start + Duration::from_secs(221)));
        schedule.heartbeat_sent(start + Duration::from_secs(221));
        assert!(!schedule.is_due(start + Duration::from_secs(300)));
        assert!(HeartbeatSchedule::new(Duration::ZERO, start).check_period() > Duration::ZERO);
    }

    #[test]
    fn every_waiter_completes_together() {
        let mut waiters = HeartbeatWaiters::default();
        let mut receivers = Vec::new();
        for _ in 0..3 {
            let (tx, rx) = oneshot::channel();
            waiters.push(tx);
            receivers.push(rx);
        }
        drop(receivers.pop());
        waiters.sweep();
        assert_eq!(waiters.len(), 2);
        waiters.complete_all(|| Err(ClientError::NotLoggedIn));
        assert_eq!(waiters.len(), 0);
        for mut rx in receivers {
            assert!(matches!(rx.try_recv(), Ok(Err(ClientError::NotLoggedIn))));
        }
    }
}
