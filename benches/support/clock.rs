//! A criterion measurement of the CPU time the benchmarking thread itself consumes.
//!
//! The benchmark machines have two cores shared with other work, so wall-clock time counts
//! whatever else was scheduled meanwhile; the thread's own CPU time does not. Every measured
//! path runs on the calling thread (the async ones on a current-thread runtime), so nothing
//! it does is left out. Select wall-clock time with `TURMS_BENCH_CLOCK=wall`.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
pub struct ThreadCpuTime;

/// Lends its nanosecond formatter to [`ThreadCpuTime`], whose values are nanoseconds too.
static WALL_TIME: WallTime = WallTime;

/// The calling thread's CPU time so far.
pub fn now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        now()
    }

    fn end(&self, start: Duration) -> Duration {
        now().saturating_sub(start)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        WALL_TIME.formatter()
    }
}

/// Whether the run asked for wall-clock time instead.
pub fn wall_clock_requested() -> bool {
    std::env::var("TURMS_BENCH_CLOCK").is_ok_and(|v| v == "wall")
}
