//! When heartbeats are due, as the official clients send them.
//!
//! A heartbeat is an empty frame. It is due when neither a request nor a heartbeat has gone
//! out for longer than the interval (120 s by default; the gateway closes a session after
//! 180 s of silence), and the official clients look every tenth of the interval, so a
//! schedule names the next time to look rather than the instant it becomes due. The server's
//! answer is an empty frame as well, not correlated to any particular heartbeat: every
//! heartbeat waiting for an answer completes on it, and every one fails on a
//! `request_id = -100` refusal.

use std::time::{Duration, Instant};

/// The default heartbeat interval of every official client.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(120);

/// When heartbeats are due, and when to look next.
#[derive(Debug, Clone)]
pub(crate) struct HeartbeatSchedule {
    interval: Duration,
    last_request: Instant,
    last_heartbeat: Instant,
    /// `None` when a period from now is past what an `Instant` can hold: never.
    next_check: Option<Instant>,
}

impl HeartbeatSchedule {
    pub(crate) fn new(interval: Duration, now: Instant) -> Self {
        let mut schedule = HeartbeatSchedule {
            interval,
            last_request: now,
            last_heartbeat: now,
            next_check: None,
        };
        schedule.next_check = now.checked_add(schedule.check_period());
        schedule
    }

    /// How often to look whether a heartbeat is due: a tenth of the interval (at least 1 ms),
    /// so that idle time never exceeds the interval by more than that.
    pub(crate) fn check_period(&self) -> Duration {
        (self.interval / 10).max(Duration::from_millis(1))
    }

    /// The session has just opened: heartbeats start an interval from now, as after a
    /// heartbeat.
    pub(crate) fn restart(&mut self, now: Instant) {
        self.heartbeat_sent(now);
        self.next_check = now.checked_add(self.check_period());
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

    /// When to look next.
    pub(crate) fn next_check(&self) -> Option<Instant> {
        self.next_check
    }

    /// Looks, if it is time to: `true` when a heartbeat is due now. The next look is a period
    /// after this one, however late this one came.
    pub(crate) fn check(&mut self, now: Instant) -> bool {
        match self.next_check {
            Some(at) if at <= now => {
                self.next_check = now.checked_add(self.check_period());
                self.is_due(now)
            }
            _ => false,
        }
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
    fn looks_once_a_period_and_only_when_the_time_has_come() {
        let start = Instant::now();
        let secs = |s| start + Duration::from_secs(s);
        let mut schedule = HeartbeatSchedule::new(Duration::from_secs(120), start);
        assert_eq!(schedule.next_check(), Some(secs(12)));
        // Before its time a look does nothing, and moves nothing.
        assert!(!schedule.check(secs(11)));
        assert_eq!(schedule.next_check(), Some(secs(12)));
        assert!(!schedule.check(secs(12)));
        assert_eq!(schedule.next_check(), Some(secs(24)));
        // A late look counts the period from when it happened.
        assert!(schedule.check(secs(130)));
        assert_eq!(schedule.next_check(), Some(secs(142)));
        schedule.restart(secs(130));
        assert!(!schedule.is_due(secs(250)));
        assert!(schedule.is_due(secs(251)));
    }
}
