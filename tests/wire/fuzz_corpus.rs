//! Replays the fuzz corpora (`fuzz/corpus/<target>/`), any crash artifacts (`fuzz/artifacts/`)
//! and the conformance `bad/` inputs through the checks the fuzz targets run, so that CI
//! exercises them on stable without cargo-fuzz. Every input goes through every check: an input
//! found by one target is an interesting input for the others too.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use turms_wire::role::RoleKind;
use turms_wire_test_support::{data, fuzz_checks};

const FUZZ_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz");

/// A fuzz target's check: returns on good behaviour, panics otherwise.
type Check = fn(&[u8]);

/// The checks, by fuzz target name.
const CHECKS: &[(&str, Check)] = &[
    ("full_decode", fuzz_checks::full_decode),
    ("framing", fuzz_checks::framing),
    ("classify", fuzz_checks::classify),
];

/// Targets whose check needs a feature this binary is built without, and the test that
/// replays their saved corpus instead.
const REPLAYED_ELSEWHERE: &[(&str, &str)] = &[("capture", "tests/capture/seeds.rs")];

/// Files directly inside `dir`, sorted; none if `dir` does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Files one level down: `dir/<target>/<file>`.
fn files_in_subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs.iter().flat_map(|dir| files_in(dir)).collect()
}

/// One input: its name, for the failure report, and its bytes.
type Input = (String, Bytes);

/// The files as inputs, named by their paths.
fn read_files(files: &[PathBuf]) -> Vec<Input> {
    files
        .iter()
        .map(|file| (file.display().to_string(), Bytes::from(data::read(file))))
        .collect()
}

/// Runs `check` on every input, collecting the names of those it panics on.
fn failures(inputs: &[Input], check: impl Fn(&[u8])) -> Vec<String> {
    inputs
        .iter()
        .filter(|(_, bytes)| catch_unwind(AssertUnwindSafe(|| check(bytes))).is_err())
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn every_fuzz_target_has_a_saved_corpus() {
    let targets = files_in(&Path::new(FUZZ_DIR).join("fuzz_targets"));
    assert!(
        !targets.is_empty(),
        "no fuzz targets found under {FUZZ_DIR}"
    );
    for target in targets {
        let name = target.file_stem().expect("a file name").to_string_lossy();
        assert!(
            CHECKS.iter().any(|(check, _)| *check == name)
                || REPLAYED_ELSEWHERE.iter().any(|(target, _)| *target == name),
            "fuzz target {name} has no check replayed here"
        );
        let corpus = files_in(&Path::new(FUZZ_DIR).join("corpus").join(&*name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{name}/ is empty or missing"
        );
    }
}

#[test]
fn saved_corpora_and_artifacts_pass_every_check() {
    let elsewhere = |path: &PathBuf| {
        REPLAYED_ELSEWHERE.iter().any(|(target, _)| {
            path.parent()
                .and_then(Path::file_name)
                .is_some_and(|dir| dir == *target)
        })
    };
    let mut files = files_in_subdirs(&Path::new(FUZZ_DIR).join("corpus"));
    files.extend(files_in_subdirs(&Path::new(FUZZ_DIR).join("artifacts")));
    // A capture file is not a frame stream; its own check replays it.
    files.retain(|path| !elsewhere(path));
    assert!(!files.is_empty(), "no saved fuzz inputs under {FUZZ_DIR}");
    let inputs = read_files(&files);
    for (name, check) in CHECKS {
        let failed = failures(&inputs, check);
        assert!(failed.is_empty(), "{name} check fails on {failed:?}");
    }
}

/// The frames of one conformance directory (`notif`, `req`).
fn conformance_frames(dir: &str) -> Vec<Input> {
    data::vectors(dir)
        .into_iter()
        .map(|vector| (vector.name, vector.bytes))
        .collect()
}

/// The good vectors are frames, not streams: they go through the decode and classification
/// checks (the framing check sees the streams built from them in the codec's own tests).
#[test]
fn conformance_frames_pass_the_decode_and_classification_checks() {
    let mut inputs = conformance_frames("notif");
    inputs.extend(conformance_frames("req"));
    assert_eq!(
        inputs.len(),
        516 + 387,
        "expected every notif and req vector"
    );
    for check in [fuzz_checks::full_decode, fuzz_checks::classify] {
        let failed = failures(&inputs, check);
        assert!(failed.is_empty(), "check fails on {failed:?}");
    }
}

#[test]
fn conformance_bad_inputs_pass_every_check() {
    let inputs: Vec<Input> = data::bad_index()
        .entries
        .into_iter()
        .map(|entry| (entry.name, entry.bytes))
        .collect();
    assert_eq!(inputs.len(), 70, "expected the 70 bad inputs");

    for check in [fuzz_checks::full_decode, fuzz_checks::classify] {
        let failed = failures(&inputs, check);
        assert!(failed.is_empty(), "check fails on {failed:?}");
    }

    // As framing input, each file is the stream itself (the fuzz target would read a plan
    // from its first byte): whole against one byte per read and against uneven reads.
    for limits in [RoleKind::Client.limits(), RoleKind::Gateway.limits()] {
        for sizes in [&[][..], &[3, 0, 200, 1]] {
            let failed = failures(&inputs, |stream| {
                fuzz_checks::framing_with(limits, sizes, stream)
            });
            assert!(
                failed.is_empty(),
                "framing check ({limits:?}, reads {sizes:?}) fails on {failed:?}"
            );
        }
    }
}
