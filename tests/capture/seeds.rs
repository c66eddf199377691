//! Seed inputs for the fuzz target, replayed as an ordinary test: the committed captures cut
//! short and garbled at many places must be read without panic, into consistent events.

use std::path::PathBuf;

use turms_wire_test_support::capture_writer::*;

pub fn captures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures")
}

/// The committed captures, by name.
pub fn committed() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(captures_dir())
        .expect("tests/data/captures")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "pcap" || ext == "pcapng")
        })
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a readable capture"))
        })
        .collect();
    files.sort();
    files
}

/// The fuzz target's saved corpus (`fuzz/corpus/capture/`) and any crash artifacts.
fn saved_fuzz_inputs() -> Vec<PathBuf> {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in ["corpus/capture", "artifacts/capture"] {
        if let Ok(entries) = std::fs::read_dir(fuzz.join(dir)) {
            files.extend(entries.map(|e| e.expect("a directory entry").path()));
        }
    }
    files.sort();
    files
}

#[test]
fn the_saved_fuzz_corpus_passes_the_check() {
    let files = saved_fuzz_inputs();
    assert!(
        !files.is_empty(),
        "fuzz/corpus/capture/ is empty or missing"
    );
    for file in files {
        replay(&std::fs::read(&file).expect("a readable input"));
    }
}

/// Reads an input as the fuzz target does, checking that the events hang together.
pub fn replay(input: &[u8]) {
    turms_wire_test_support::capture_check::capture(input);
}

/// A deterministic sequence of positions (no randomness in CI).
fn positions(len: usize, count: usize, seed: u64) -> impl Iterator<Item = usize> {
    let mut state = seed | 1;
    (0..count).map(move |_| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % len.max(1)
    })
}

/// Truncated and garbled versions of a capture.
pub fn variants(capture: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for cut in positions(capture.len(), 24, 1) {
        out.push(capture[..cut].to_vec());
    }
    for (i, at) in positions(capture.len(), 48, 2).enumerate() {
        let mut garbled = capture.to_vec();
        garbled[at] ^= 1 << (i % 8);
        out.push(garbled);
    }
    // Lengths set to extremes where a length field may be.
    for at in positions(capture.len().saturating_sub(4), 12, 3) {
        let mut garbled = capture.to_vec();
        garbled[at..at + 4].copy_from_slice(&[0xff, 0xff, 0xff, 0x7f]);
        out.push(garbled);
    }
    out
}

#[test]
fn committed_captures_cut_and_garbled_are_read_without_panic() {
    let captures = committed();
    assert!(!captures.is_empty(), "captures are committed");
    for (name, capture) in &captures {
        replay(capture);
        for (i, variant) in variants(capture).iter().enumerate() {
            let result = std::panic::catch_unwind(|| replay(variant));
            assert!(result.is_ok(), "{name}, variant {i}");
        }
    }
}

#[test]
fn synthesized_captures_cut_and_garbled_are_read_without_panic() {
    let c = Conversation::new("[::1]:40000", "[::1]:10510", u32::MAX - 2, 7);
    let mut packets = c.handshake();
    packets.push(c.c2s(0, b"GET / HTTP/1.1\r\n\r\n"));
    packets.push(c.s2c(0, b"HTTP/1.1 101 Switching Protocols\r\n\r\n"));
    packets.push(c.c2s_fin(18));
    packets.push(c.s2c_rst(37));
    let mut file = PcapNg::new(true);
    file.interface(LINKTYPE_LINUX_SLL2, Some(9));
    for (i, packet) in packets.iter().enumerate() {
        file.enhanced(0, i as u64 * 1_000_000_007, &Link::Sll2.frame(packet));
    }
    file.simple(&Link::Sll2.frame(&packets[3]));
    let mut pcap = Pcap::new(LINKTYPE_ETHERNET, true, true);
    for packet in &packets {
        pcap.packet(
            1_700_000_000_000_000,
            &Link::EthernetVlan(&[0x8100]).frame(packet),
        );
    }
    for capture in [file.bytes(), pcap.bytes()] {
        replay(&capture);
        for variant in variants(&capture) {
            replay(&variant);
        }
    }
}
