//! The files the tests read, all inside the repository (`tests/data/`), so that a bare clone
//! runs the whole suite.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `tests/data/` of the repository.
pub fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data"))
}

/// A file under `tests/data/`.
pub fn path(relative: &str) -> PathBuf {
    dir().join(relative)
}

/// The conformance vectors: frames made by Google's protobuf from the official schema, with
/// their expected decoding (`tests/data/conformance/README.md`).
pub fn conformance(relative: &str) -> PathBuf {
    dir().join("conformance").join(relative)
}

/// The bytes of a file, or a panic naming it.
pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of a file, or a panic naming it.
pub fn read_to_string(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// JSON of any depth: `conformance/bad/INDEX.json` holds a 100-level message, deeper than
/// serde_json's default limit of 128 JSON levels.
pub fn parse_json(text: &[u8]) -> Value {
    use serde::Deserialize;
    let mut reader = serde_json::Deserializer::from_slice(text);
    reader.disable_recursion_limit();
    Value::deserialize(&mut reader).expect("the JSON parses")
}

/// [`parse_json`] of a file.
pub fn read_json(path: &Path) -> Value {
    parse_json(&read(path))
}
