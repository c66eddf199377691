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

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use criterion::measurement::Measurement;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput};

use corpus::Corpus;

/// One measured benchmark: where criterion stores it and what one iteration processes.
struct Row {
    group: String,
    id: &'static str,
    frames: usize,
    bytes: usize,
}

/// Registers one benchmark and remembers it for the table.
fn bench<M: Measurement>(
    group: &mut BenchmarkGroup<'_, M>,
    rows: &mut Vec<Row>,
    name: &str,
    id: &'static str,
    frames: usize,
    bytes: usize,
    f: impl FnMut(&mut criterion::Bencher<'_, M>),
) {
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(id, f);
    rows.push(Row {
        group: name.to_owned(),
        id,
        frames,
        bytes,
    });
}

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

/// Where criterion keeps its estimates (its own rule: `CRITERION_HOME`, then
/// `CARGO_TARGET_DIR/criterion`, then `target/criterion` under the package, where
/// `cargo bench` runs).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("criterion")
}

/// The mean time of one iteration in ns, if criterion measured it in this run.
fn mean_ns(row: &Row, since: SystemTime) -> Option<f64> {
    let path = criterion_dir()
        .join(&row.group)
        .join(row.id)
        .join("new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    json.get("mean")?.get("point_estimate")?.as_f64()
}

fn report(rows: &[Row], since: SystemTime) {
    println!();
    println!("| corpus | path | frames | ns/frame | frames/s | MB/s | × framing |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let Some(ns) = mean_ns(row, since) else {
            continue;
        };
        let floor = rows
            .iter()
            .find(|r| r.group == row.group && r.id == "framing")
            .and_then(|r| mean_ns(r, since));
        let per_frame = ns / row.frames as f64;
        println!(
            "| {} | {} | {} | {:.1} | {:.2} M | {:.0} | {} |",
            row.group,
            row.id,
            row.frames,
            per_frame,
            row.frames as f64 / ns * 1e3,
            row.bytes as f64 / ns * 1e3,
            floor.map_or_else(|| "–".to_owned(), |f| format!("{:.2}", ns / f)),
        );
    }
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
