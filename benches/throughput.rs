//! Throughput of every inbound and outbound path over the same two 50 MB corpora
//! (`support/corpus.rs`) and a 50 MB stream of requests: the bare floor (a hand-written
//! framing loop, the reference), the framing decoder, framing + classification (both ends'
//! codecs), framing + full prost decode, the TCP and WebSocket client transports, and encoding.
//!
//! One iteration processes a whole corpus; criterion reports its time and bytes/s, and the
//! table printed at the end turns the same estimates into ns/frame, frames/s and the ratios to
//! the bare floor and to the framing decoder. The ratios that the goals are about are measured
//! again at the end in alternated pairs of passes (`paired_ratios`), which a shared machine
//! disturbs far less. Time is the benchmarking thread's CPU time (`support/clock.rs`);
//! `TURMS_BENCH_CLOCK=wall` measures wall-clock time instead. Run with
//! `cargo bench --bench throughput`; `-- nomatch` runs the paired ratios alone.

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
    assert_eq!(paths::bare(&wire), frames);
    assert_eq!(paths::framing(&wire), frames);
    assert_eq!(paths::classify(&wire), frames);

    let mut group = c.benchmark_group(corpus.name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let name = corpus.name;
    let n = wire.len();
    bench(&mut group, rows, name, "bare", frames, n, |b| {
        b.iter(|| paths::bare(&wire))
    });
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

/// The gateway's inbound path over the request stream: the bare floor, the framing decoder
/// and `GatewayCodec`.
fn inbound_requests<M: Measurement>(
    c: &mut Criterion<M>,
    requests: &paths::RequestStream,
    rows: &mut Vec<Row>,
) {
    let wire = &requests.wire[..];
    let frames = requests.frames;
    assert_eq!(paths::bare(wire), frames);
    assert_eq!(paths::framing_gateway(wire), frames);
    assert_eq!(paths::gateway(wire), frames);
    let mut group = c.benchmark_group("requests");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let n = wire.len();
    bench(&mut group, rows, "requests", "bare", frames, n, |b| {
        b.iter(|| paths::bare(wire))
    });
    bench(&mut group, rows, "requests", "framing", frames, n, |b| {
        b.iter(|| paths::framing_gateway(wire))
    });
    bench(&mut group, rows, "requests", "gateway", frames, n, |b| {
        b.iter(|| paths::gateway(wire))
    });
    group.finish();
}

/// Rounds of alternated passes, for the ratios: 25, or `TURMS_BENCH_ROUNDS` (1 to count
/// instructions under callgrind, where time means nothing).
fn rounds() -> usize {
    std::env::var("TURMS_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(25)
}

/// One measured path of [`paired_ratios`].
type Pass = (&'static str, fn(&[u8]) -> usize);

/// Measures each path against the bare floor in rounds of whole passes over the stream, one
/// right after the other (each round in the opposite order to the one before), so that the
/// passes of a round see the same machine: on a shared machine the floor itself moves by
/// several percent between criterion's groups, which moves a ratio of two separately taken
/// means with it. Prints one row per path: the median ratio to the floor, its quartiles and
/// range over the rounds, the median ratio to the framing decoder, and the path's median time
/// per frame over the rounds.
fn paired_ratios(name: &str, wire: &[u8], passes: &[Pass], wall: bool) {
    let time = |pass: fn(&[u8]) -> usize| {
        let (wall_start, cpu_start) = (std::time::Instant::now(), clock::now());
        std::hint::black_box(pass(wire));
        if wall {
            wall_start.elapsed()
        } else {
            clock::now().saturating_sub(cpu_start)
        }
        .as_secs_f64()
    };
    // One unmeasured round first: caches and the allocator warm up.
    let frames = passes
        .iter()
        .map(|&(_, pass)| pass(wire))
        .max()
        .unwrap_or(1);
    let rounds = rounds();
    let mut times = vec![Vec::with_capacity(rounds); passes.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..passes.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            times[i].push(time(passes[i].1));
        }
    }
    let ratios = |path: usize, to: usize| {
        let mut r: Vec<f64> = (0..rounds).map(|k| times[path][k] / times[to][k]).collect();
        r.sort_by(f64::total_cmp);
        r
    };
    let at = |r: &[f64], q: f64| r[((r.len() - 1) as f64 * q).round() as usize];
    let floor = passes
        .iter()
        .position(|p| p.0 == "bare")
        .expect("a bare pass");
    let framing = passes.iter().position(|p| p.0 == "framing");
    for (i, &(path, _)) in passes.iter().enumerate() {
        let r = ratios(i, floor);
        let f = framing.map_or_else(
            || "–".to_owned(),
            |f| format!("{:.2}", at(&ratios(i, f), 0.5)),
        );
        let mut t = times[i].clone();
        t.sort_by(f64::total_cmp);
        println!(
            "| {name} | {path} | {:.2} | {:.2}–{:.2} | {:.2}–{:.2} | {f} | {:.1} |",
            at(&r, 0.5),
            at(&r, 0.25),
            at(&r, 0.75),
            r[0],
            r[r.len() - 1],
            at(&t, 0.5) * 1e9 / frames as f64,
        );
    }
}

fn run<M: Measurement>(mut criterion: Criterion<M>, clock: &str) {
    let since = SystemTime::now();
    let a = corpus::session_mix();
    let b = corpus::notif_vectors_repeated();
    let requests = paths::request_stream();
    eprintln!("{}", a.describe());
    eprintln!("{}", b.describe());
    eprintln!("{}", requests.describe());
    let mut rows = Vec::new();
    inbound(&mut criterion, &a, &mut rows);
    inbound(&mut criterion, &b, &mut rows);
    inbound_requests(&mut criterion, &requests, &mut rows);
    outbound(&mut criterion, &a, &b, &mut rows);
    criterion.final_summary();
    println!("\nclock: {clock}");
    report(&rows, since);
    let wall = clock == "wall";
    println!();
    println!(
        "Each path ÷ the bare floor, {} rounds of alternated passes ({clock}):",
        rounds()
    );
    println!(
        "| corpus | path | median × bare | quartiles | range | median × framing | ns/frame, median |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    let client: [Pass; 3] = [
        ("bare", paths::bare),
        ("framing", paths::framing),
        ("classify", paths::classify),
    ];
    paired_ratios(a.name, &a.wire, &client, wall);
    paired_ratios(b.name, &b.wire, &client, wall);
    let gateway: [Pass; 3] = [
        ("bare", paths::bare),
        ("framing", paths::framing_gateway),
        ("gateway", paths::gateway),
    ];
    paired_ratios("requests", &requests.wire, &gateway, wall);
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
