//! The table printed after a criterion run: each benchmark's mean time per iteration (one
//! pass over a corpus), read back from criterion's estimates, as ns/frame, frames/s, MB/s and
//! the ratios to the bare floor and to the framing decoder of the same corpus.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::SystemTime;

use criterion::measurement::Measurement;
use criterion::{BenchmarkGroup, Throughput};

/// One measured benchmark: where criterion stores it and what one iteration processes.
pub struct Row {
    pub group: String,
    pub id: String,
    pub frames: usize,
    pub bytes: usize,
}

/// Registers one benchmark and remembers it for the table.
pub fn bench<M: Measurement>(
    group: &mut BenchmarkGroup<'_, M>,
    rows: &mut Vec<Row>,
    name: &str,
    id: &str,
    frames: usize,
    bytes: usize,
    f: impl FnMut(&mut criterion::Bencher<'_, M>),
) {
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(id, f);
    rows.push(Row {
        group: name.to_owned(),
        id: id.to_owned(),
        frames,
        bytes,
    });
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
        .join(&row.id)
        .join("new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    json.get("mean")?.get("point_estimate")?.as_f64()
}

pub fn report(rows: &[Row], since: SystemTime) {
    println!();
    println!("| corpus | path | frames | ns/frame | frames/s | MB/s | × bare | × framing |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let Some(ns) = mean_ns(row, since) else {
            continue;
        };
        let ratio = |id: &str| {
            rows.iter()
                .find(|r| r.group == row.group && r.id == id)
                .and_then(|r| mean_ns(r, since))
                .map_or_else(|| "–".to_owned(), |f| format!("{:.2}", ns / f))
        };
        let per_frame = ns / row.frames as f64;
        println!(
            "| {} | {} | {} | {:.1} | {:.2} M | {:.0} | {} | {} |",
            row.group,
            row.id,
            row.frames,
            per_frame,
            row.frames as f64 / ns * 1e3,
            row.bytes as f64 / ns * 1e3,
            ratio("bare"),
            ratio("framing"),
        );
    }
}
