//! Throughput of every inbound and outbound path over the same two 50 MB corpora
//! (`support/corpus.rs`): framing alone (the floor), framing + classification, framing + full
//! prost decode, the TCP and WebSocket client transports, and encoding.
//!
//! One iteration processes a whole corpus; criterion reports its time and bytes/s, and the
//! table printed at the end turns the same estimates into ns/frame, frames/s and the ratio to
//! the framing floor. Time is the benchmarking thread's CPU time (`support/clock.rs`);
//! `TURMS_BENCH_CLOCK=wall` measures wall-clock time instead. Run with
//! `cargo bench --bench throughput`.

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

use bytes::{Bytes, BytesMut};
use criterion::measurement::Measurement;
use criterion::{BatchSize, Criterion};

use corpus::Corpus;
use report::{bench, report, Row};

fn inbound<M: Measurement>(c: &mut Criterion<M>, corpus: &Corpus, rows: &mut Vec<Row>) {
    let frames = corpus.frames();
    let wire = Bytes::from(corpus.wire.clone());
    let ws_stream = Bytes::from(corpus.websocket_stream());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");

    // Check the paths once, outside any measurement.
    assert_eq!(paths::framing(&wire), frames);
    assert_eq!(paths::classify(&wire), frames);

    let mut group = c.benchmark_group(corpus.name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let name = corpus.name;
    let n = wire.len();
    bench(&mut group, rows, name, "framing", frames, n, |b| {
        b.iter(|| paths::framing(&wire))
    });
    bench(&mut group, rows, name, "classify", frames, n, |b| {
        b.iter(|| paths::classify(&wire))
    });
    bench(&mut group, rows, name, "classify_only", frames, n, |b| {
        b.iter_batched(
            || corpus.bodies().cloned().collect::<Vec<Bytes>>(),
            paths::classify_only,
            BatchSize::PerIteration,
        )
    });
    bench(&mut group, rows, name, "tcp_framed_read", frames, n, |b| {
        b.iter_batched(
            || wire.clone(),
            |wire| paths::framed_read(&rt, wire),
            BatchSize::PerIteration,
        )
    });
    #[cfg(feature = "ws")]
    {
        let ws_len = ws_stream.len();
        assert_eq!(paths::ws_classify(&rt, ws_stream.clone()), frames);
        bench(
            &mut group,
            rows,
            name,
            "ws_transport",
            frames,
            ws_len,
            |b| {
                b.iter_batched(
                    || ws_stream.clone(),
                    |s| paths::ws_transport(&rt, s),
                    BatchSize::PerIteration,
                )
            },
        );
        bench(&mut group, rows, name, "ws_classify", frames, ws_len, |b| {
            b.iter_batched(
                || ws_stream.clone(),
                |s| paths::ws_classify(&rt, s),
                BatchSize::PerIteration,
            )
        });
    }
    #[cfg(not(feature = "ws"))]
    drop(ws_stream);
    group.measurement_time(Duration::from_secs(8));
    bench(&mut group, rows, name, "prost_decode", frames, n, |b| {
        b.iter(|| paths::prost_decode(&wire))
    });
    group.finish();
}

fn outbound<M: Measurement>(c: &mut Criterion<M>, a: &Corpus, b: &Corpus, rows: &mut Vec<Row>) {
    let mut group = c.benchmark_group("encode");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for corpus in [a, b] {
        let pool = corpus.decoded_pool();
        let id = match corpus.name {
            "session_mix" => "notifications_session_mix",
            _ => "notifications_notif_vectors",
        };
        let len = paths::encode_notifications(&pool, &corpus.order, BytesMut::new()).len();
        bench(
            &mut group,
            rows,
            "encode",
            id,
            corpus.frames(),
            len,
            |bench| {
                bench.iter_batched(
                    || BytesMut::with_capacity(len),
                    |dst| paths::encode_notifications(&pool, &corpus.order, dst),
                    BatchSize::PerIteration,
                )
            },
        );
    }
    let (pool, order) = corpus::requests(corpus::TARGET_BYTES / 5);
    let len = paths::encode_requests(&pool, &order, BytesMut::new()).len();
    bench(
        &mut group,
        rows,
        "encode",
        "requests",
        order.len(),
        len,
        |bench| {
            bench.iter_batched(
                || BytesMut::with_capacity(len),
                |dst| paths::encode_requests(&pool, &order, dst),
                BatchSize::PerIteration,
            )
        },
    );
    eprintln!(
        "requests: {} frames ({} distinct), {} wire bytes",
        order.len(),
        pool.len(),
        len
    );
    group.finish();
}

/// Alternated passes of framing and classification, for their ratio.
const PAIRS: usize = 25;

/// Measures classify ÷ framing in pairs of whole passes over the corpus, one right after the
/// other (in alternating order), so that both passes of a pair see the same machine: on a
/// shared machine the floor itself moves by several percent between criterion's groups, which
/// moves a ratio of two separately taken means with it.
fn paired_ratio(corpus: &Corpus, wall: bool) -> String {
    let wire = Bytes::from(corpus.wire.clone());
    let time = |pass: fn(&[u8]) -> usize| {
        let (wall_start, cpu_start) = (std::time::Instant::now(), clock::now());
        std::hint::black_box(pass(&wire));
        if wall {
            wall_start.elapsed()
        } else {
            clock::now().saturating_sub(cpu_start)
        }
    };
    // One unmeasured pair first: caches and the allocator warm up.
    time(paths::framing);
    time(paths::classify);
    let mut ratios: Vec<f64> = (0..PAIRS)
        .map(|i| {
            let (framing, classify) = if i % 2 == 0 {
                let f = time(paths::framing);
                (f, time(paths::classify))
            } else {
                let c = time(paths::classify);
                (time(paths::framing), c)
            };
            classify.as_secs_f64() / framing.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
    format!(
        "| {} | {:.2} | {:.2}–{:.2} | {:.2}–{:.2} |",
        corpus.name,
        at(0.5),
        at(0.25),
        at(0.75),
        ratios[0],
        ratios[ratios.len() - 1]
    )
}

fn run<M: Measurement>(mut criterion: Criterion<M>, clock: &str) {
    let since = SystemTime::now();
    let a = corpus::session_mix();
    let b = corpus::notif_vectors_repeated();
    eprintln!("{}", a.describe());
    eprintln!("{}", b.describe());
    let mut rows = Vec::new();
    inbound(&mut criterion, &a, &mut rows);
    inbound(&mut criterion, &b, &mut rows);
    outbound(&mut criterion, &a, &b, &mut rows);
    criterion.final_summary();
    println!("\nclock: {clock}");
    report(&rows, since);
    let wall = clock == "wall";
    println!();
    println!("classify ÷ framing in {PAIRS} alternated pairs of passes ({clock}):");
    println!("| corpus | median | quartiles | range |");
    println!("|---|---:|---:|---:|");
    println!("{}", paired_ratio(&a, wall));
    println!("{}", paired_ratio(&b, wall));
}

fn main() {
    if clock::wall_clock_requested() {
        run(Criterion::default().configure_from_args(), "wall");
    } else {
        run(
            Criterion::default()
                .with_measurement(clock::ThreadCpuTime)
                .configure_from_args(),
            "thread CPU time",
        );
    }
}
