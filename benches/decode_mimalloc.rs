//! The full prost decode of `throughput`, with mimalloc as the global allocator instead of the
//! system's: most of what a full decode costs beyond parsing is allocating and freeing the
//! strings and vectors of the decoded message, and the allocator is the application's choice.
//! Each corpus is decoded twice: into a fresh message per frame (`prost_decode`), and into one
//! message kept across frames, cleared before each (`prost_decode_reuse`). Run with
//! `cargo bench --bench decode_mimalloc`; compare with
//! `cargo bench --bench throughput -- prost_decode`.

#[path = "support/clock.rs"]
mod clock;
#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/io.rs"]
mod io;
#[path = "support/paths.rs"]
mod paths;
#[path = "support/report.rs"]
mod report;

use std::time::{Duration, SystemTime};

use criterion::measurement::Measurement;
use criterion::Criterion;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn run<M: Measurement>(mut criterion: Criterion<M>) {
    let since = SystemTime::now();
    let mut rows = Vec::new();
    let mut group = criterion.benchmark_group("decode_mimalloc");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(8));
    for corpus in [corpus::session_mix(), corpus::notif_vectors_repeated()] {
        let frames = corpus.frames();
        eprintln!("{}", corpus.describe());
        assert_eq!(paths::prost_decode(&corpus.wire), frames);
        let id = format!("prost_decode_{}", corpus.name);
        report::bench(
            &mut group,
            &mut rows,
            "decode_mimalloc",
            &id,
            frames,
            corpus.wire.len(),
            |b| b.iter(|| paths::prost_decode(&corpus.wire)),
        );
        assert_eq!(paths::prost_decode_reuse(&corpus.wire), frames);
        let id = format!("prost_decode_reuse_{}", corpus.name);
        report::bench(
            &mut group,
            &mut rows,
            "decode_mimalloc",
            &id,
            frames,
            corpus.wire.len(),
            |b| b.iter(|| paths::prost_decode_reuse(&corpus.wire)),
        );
    }
    group.finish();
    criterion.final_summary();
    report::report(&rows, since);
}

fn main() {
    if clock::wall_clock_requested() {
        run(Criterion::default().configure_from_args());
    } else {
        run(Criterion::default()
            .with_measurement(clock::ThreadCpuTime)
            .configure_from_args());
    }
}
