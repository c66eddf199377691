//! Heap allocations per frame on every path the throughput benchmark times, over the same
//! corpora, counted by a global allocator. Prints a table; run with
//! `cargo bench --bench alloc_counts`.
//!
//! Only the measured call is counted: building its input and dropping its output are not.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/io.rs"]
mod io;
#[path = "support/paths.rs"]
mod paths;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use bytes::{Bytes, BytesMut};

use corpus::Corpus;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

fn note(size: usize) {
    if COUNTING.load(Relaxed) {
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED_BYTES.fetch_add(size as u64, Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` on `input`, counting only what `f` allocates; its output is dropped afterwards.
fn count<I, O>(input: I, f: impl FnOnce(I) -> O) -> (u64, u64, O) {
    ALLOCATIONS.store(0, Relaxed);
    ALLOCATED_BYTES.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let out = f(input);
    COUNTING.store(false, Relaxed);
    (
        ALLOCATIONS.load(Relaxed),
        ALLOCATED_BYTES.load(Relaxed),
        out,
    )
}

fn row(corpus: &str, path: &str, frames: usize, (allocations, bytes): (u64, u64)) {
    println!(
        "| {corpus} | {path} | {frames} | {allocations} | {:.4} | {:.1} |",
        allocations as f64 / frames as f64,
        bytes as f64 / frames as f64,
    );
}

fn inbound(corpus: &Corpus) {
    let frames = corpus.frames();
    let name = corpus.name;
    let wire = Bytes::from(corpus.wire.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");

    let (a, b, n) = count(&wire[..], paths::bare);
    assert_eq!(n, frames);
    row(name, "bare", frames, (a, b));

    let (a, b, n) = count(&wire[..], paths::framing);
    assert_eq!(n, frames);
    row(name, "framing", frames, (a, b));

    let (a, b, n) = count(&wire[..], paths::classify);
    assert_eq!(n, frames);
    row(name, "classify", frames, (a, b));

    let bodies: Vec<Bytes> = corpus.bodies().cloned().collect();
    let (a, b, n) = count(bodies, paths::classify_only);
    assert_eq!(n, frames);
    row(name, "classify_only", frames, (a, b));

    let (a, b, n) = count(wire.clone(), |w| paths::framed_read(&rt, w));
    assert_eq!(n, frames);
    row(name, "tcp_framed_read", frames, (a, b));

    #[cfg(feature = "ws")]
    {
        let ws = Bytes::from(corpus.websocket_stream());
        let (a, b, n) = count(ws.clone(), |s| paths::ws_transport(&rt, s));
        assert_eq!(n, frames);
        row(name, "ws_transport", frames, (a, b));
        let (a, b, n) = count(ws, |s| paths::ws_classify(&rt, s));
        assert_eq!(n, frames);
        row(name, "ws_classify", frames, (a, b));
    }

    let (a, b, n) = count(&wire[..], paths::prost_decode);
    assert_eq!(n, frames);
    row(name, "prost_decode", frames, (a, b));
}

fn outbound(corpus: &Corpus) {
    let pool = corpus.decoded_pool();
    let len = paths::encode_notifications(&pool, &corpus.order, BytesMut::new()).len();
    let (a, b, _) = count(BytesMut::with_capacity(len), |dst| {
        paths::encode_notifications(&pool, &corpus.order, dst)
    });
    row(
        "encode",
        &format!("notifications_{}", corpus.name),
        corpus.frames(),
        (a, b),
    );
}

fn main() {
    // `cargo test --benches` runs bench targets with `--test`: nothing to check here that the
    // test suite does not check, so stay quick.
    if std::env::args().any(|a| a == "--test") {
        return;
    }
    let a = corpus::session_mix();
    let b = corpus::notif_vectors_repeated();
    let requests = paths::request_stream();
    // `--write-corpus DIR`: write the TCP streams, for benchmarks in other languages
    // (benches/java/run.sh) and for profiling outside the harness.
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--write-corpus") {
        let dir = std::path::Path::new(args.get(at + 1).expect("--write-corpus DIR"));
        std::fs::create_dir_all(dir).expect("corpus directory");
        for corpus in [&a, &b] {
            let path = dir.join(format!("{}.bin", corpus.name));
            std::fs::write(&path, &corpus.wire).expect("corpus written");
            println!("{} -> {}", corpus.describe(), path.display());
        }
        let path = dir.join("requests.bin");
        std::fs::write(&path, &requests.wire).expect("corpus written");
        println!("{} -> {}", requests.describe(), path.display());
        return;
    }
    println!("{}", a.describe());
    println!("{}", b.describe());
    println!();
    println!(
        "| corpus | path | frames | allocations | allocations/frame | bytes allocated/frame |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    inbound(&a);
    inbound(&b);
    let wire = &requests.wire[..];
    let frames = requests.frames;
    let (x, y, n) = count(wire, paths::bare);
    assert_eq!(n, frames);
    row("requests", "bare", frames, (x, y));
    let (x, y, n) = count(wire, paths::gateway);
    assert_eq!(n, frames);
    row("requests", "gateway", frames, (x, y));
    outbound(&a);
    outbound(&b);
    let (pool, order) = corpus::requests(corpus::TARGET_BYTES / 5);
    let len = paths::encode_requests(&pool, &order, BytesMut::new()).len();
    let (x, y, _) = count(BytesMut::with_capacity(len), |dst| {
        paths::encode_requests(&pool, &order, dst)
    });
    row("encode", "requests", order.len(), (x, y));
}
