//! The files the tests read, all inside the repository (`tests/data/`), so that a bare clone
//! runs the whole suite: the conformance vectors ([`vectors`]), the index of the malformed
//! inputs ([`bad_index`]) and the reference tables.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bytes::Bytes;
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
    Value::deserialize(&mut reader)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(text)))
}

/// [`parse_json`] of a file.
pub fn read_json(path: &Path) -> Value {
    parse_json(&read(path))
}

/// One conformance vector: a frame body (no length prefix) and what its `.json` twin says of
/// it.
#[derive(Clone, Debug)]
pub struct Vector {
    /// The file under `conformance/`: `notif/000.bin`.
    pub name: String,
    /// The `.bin` file, for tools that read it themselves.
    pub path: PathBuf,
    /// The frame body.
    pub bytes: Bytes,
    /// The whole `.json` twin: the labels (`class`, `code`, `size`, `category`, …) and the
    /// expected decoding under `message`.
    pub json: Value,
}

impl Vector {
    /// Google's decoding of the frame, as proto3 JSON (the twin's `message`).
    pub fn message(&self) -> &Value {
        self.json
            .get("message")
            .unwrap_or_else(|| panic!("{}: the JSON has no `message`", self.name))
    }
}

/// Every `NNN.bin` of a conformance directory (`notif`, `req`) with its `NNN.json`, sorted by
/// name.
pub fn vectors(subdir: &str) -> Vec<Vector> {
    bin_files(subdir)
        .into_iter()
        .map(|path| {
            let file = path.file_name().expect("a file name").to_string_lossy();
            Vector {
                name: format!("{subdir}/{file}"),
                bytes: Bytes::from(read(&path)),
                json: read_json(&path.with_extension("json")),
                path,
            }
        })
        .collect()
}

/// The `.bin` files of a conformance directory, sorted.
fn bin_files(subdir: &str) -> Vec<PathBuf> {
    let dir = conformance(subdir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "bin"))
        .collect();
    paths.sort();
    paths
}

/// `conformance/bad/INDEX.json`: the inputs that must be refused, and the edge cases that must
/// be accepted, at the framing or the message layer.
#[derive(Debug)]
pub struct BadIndex {
    /// The frame limit the framing entries assume (`max_frame_assumed`).
    pub max_frame_assumed: usize,
    /// Every entry, in the index's order (which is the files' order).
    pub entries: Vec<BadEntry>,
}

/// One entry of `bad/INDEX.json`, with its input.
#[derive(Clone, Debug)]
pub struct BadEntry {
    /// The file under `conformance/`: `bad/016.bin`.
    pub name: String,
    /// The file's name as the index gives it: `016.bin`.
    pub file: String,
    /// The input file, for tools that read it themselves.
    pub path: PathBuf,
    /// The input.
    pub bytes: Bytes,
    /// The entry without its `message`: `layer`, `expect`, `description`, `message_type`,
    /// `lenient`, and for framing entries `reference_error`, `when`, `frames`,
    /// `frames_before_error`.
    pub info: Value,
    /// Google's decoding of an accepted message-layer entry, when the index gives one.
    pub message: Option<Value>,
}

impl BadEntry {
    /// `"framing"` or `"message"`.
    pub fn layer(&self) -> &str {
        self.str("layer")
    }

    /// Whether the input must be accepted (`expect: ok`) rather than refused (`expect: error`).
    pub fn expect_ok(&self) -> bool {
        match self.str("expect") {
            "ok" => true,
            "error" => false,
            other => panic!("{}: expect {other}", self.name),
        }
    }

    /// Whether the index marks the entry `lenient` (accepted by Google, refused by prost).
    pub fn lenient(&self) -> bool {
        self.info["lenient"] == true
    }

    /// `"TurmsNotification"` or `"TurmsRequest"`; `None` for framing entries.
    pub fn message_type(&self) -> Option<&str> {
        self.info["message_type"].as_str()
    }

    fn str(&self, key: &str) -> &str {
        self.info[key]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no `{key}` in the index", self.name))
    }
}

/// Reads `bad/INDEX.json` and every input it lists, and checks that it lists exactly the
/// `.bin` files of `bad/`.
///
/// The index holds a message 100 levels deep (about 200 JSON levels): it is parsed on a thread
/// with a large stack, whatever the caller's.
pub fn bad_index() -> BadIndex {
    let index = std::thread::Builder::new()
        .name("bad/INDEX.json".into())
        .stack_size(256 << 20)
        .spawn(|| read_json(&conformance("bad/INDEX.json")))
        .expect("spawn")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let Value::Object(mut index) = index else {
        panic!("bad/INDEX.json is not an object");
    };
    let max_frame_assumed = index
        .get("max_frame_assumed")
        .and_then(Value::as_u64)
        .expect("bad/INDEX.json: max_frame_assumed") as usize;
    let Some(Value::Array(entries)) = index.remove("entries") else {
        panic!("bad/INDEX.json has no `entries` array");
    };
    let entries: Vec<BadEntry> = entries
        .into_iter()
        .map(|mut info| {
            let file = info["file"].as_str().expect("an entry's file").to_owned();
            let message = info
                .as_object_mut()
                .and_then(|entry| entry.remove("message"));
            let path = conformance("bad").join(&file);
            BadEntry {
                name: format!("bad/{file}"),
                bytes: Bytes::from(read(&path)),
                path,
                info,
                message,
                file,
            }
        })
        .collect();
    let listed: BTreeSet<PathBuf> = entries.iter().map(|e| e.path.clone()).collect();
    let present: BTreeSet<PathBuf> = bin_files("bad").into_iter().collect();
    assert_eq!(
        listed, present,
        "bad/INDEX.json lists exactly the .bin files of bad/"
    );
    BadIndex {
        max_frame_assumed,
        entries,
    }
}
