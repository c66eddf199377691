//! `turms-wire decode` end to end: the built binary against every conformance vector, every
//! stream and every bad input, text encodings of its input, and streaming through a pipe.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};

use prost_reflect::MessageDescriptor;
use serde_json::Value;
use turms_wire::json::{MessageType, NOTIFICATION, REQUEST};
use turms_wire::status::{ResponseStatusCode, SessionCloseStatus};

use turms_wire_test_support::data::{self, parse_json, read_json, BadEntry, Vector};
use turms_wire_test_support::proto_json_eq::{compare_message, Rule};
use turms_wire_test_support::wait;

use crate::turms_wire;

/// Runs `decode` and returns its exit code and its stdout lines as JSON.
fn decode(args: &[&str], stdin: Option<&[u8]>) -> (i32, Vec<Value>) {
    let mut all = vec!["decode"];
    all.extend_from_slice(args);
    let output = turms_wire(&all, stdin);
    let lines = output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(parse_json)
        .collect();
    let code = output.status.code().expect("exit code");
    assert!(
        code != 1,
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (code, lines)
}

fn descriptor(message_type: &MessageType) -> MessageDescriptor {
    message_type.descriptor().clone()
}

/// Asserts that the `message` JSON of a decoded frame is the expected one, as proto3 JSON
/// values compare; a plain `-0.0` is written, as Google writes it.
#[track_caller]
fn assert_same_message(descriptor: &MessageDescriptor, expected: &Value, got: &Value, what: &str) {
    let comparison = compare_message(descriptor, expected, got);
    assert!(
        comparison.is_equal(),
        "{what}: {:?}",
        comparison.differences
    );
    assert!(
        !comparison.rules.contains(&Rule::NegativeZeroDefault),
        "{what}: a plain -0.0 went missing"
    );
}

/// The class a notification vector must get, from what its JSON says it holds.
fn expected_class(vector: &Value) -> &'static str {
    let class = if vector["size"] == 0 {
        "heartbeat"
    } else if vector["request_id"] == -100 {
        "heartbeat_failure"
    } else if !vector["close_status"].is_null() {
        "close"
    } else if vector["has_relayed_request"] == true {
        "push"
    } else if !vector["request_id"].is_null() {
        "response"
    } else if vector["data_kind"] == "user_session" {
        "session_info"
    } else {
        "notification"
    };
    // The vectors' own, coarser classes agree.
    let coarse = match class {
        "heartbeat_failure" | "response" => "response",
        "close" => "close",
        _ => "notification",
    };
    assert_eq!(vector["class"], coarse, "{vector}");
    class
}

/// Checks one decoded notification line against its vector's JSON.
fn check_notification(line: &Value, vector: &Value, what: &str) {
    let class = expected_class(vector);
    assert_eq!(line["class"], class, "{what}");
    if class == "heartbeat" {
        for key in ["request_id", "code", "close_status", "reason", "message"] {
            assert_eq!(line[key], Value::Null, "{what}: {key}");
        }
        return;
    }
    for key in [
        "request_id",
        "requester_id",
        "code",
        "close_status",
        "reason",
        "relayed_kind",
    ] {
        assert_eq!(line[key], vector[key], "{what}: {key}");
    }
    // Request ids are exact JSON integers, not floats.
    if let Some(id) = vector["request_id"].as_i64() {
        assert_eq!(line["request_id"].as_i64(), Some(id), "{what}");
    }
    let code_name = vector["code"]
        .as_i64()
        .and_then(|c| ResponseStatusCode::from_i32(c as i32).name());
    assert_eq!(line["code_name"].as_str(), code_name, "{what}");
    let close_name = vector["close_status"]
        .as_i64()
        .and_then(|c| SessionCloseStatus::from_i32(c as i32).name());
    assert_eq!(line["close_status_name"].as_str(), close_name, "{what}");
    assert_same_message(
        &descriptor(&NOTIFICATION),
        &vector["message"],
        &line["message"],
        what,
    );
}

fn path_args(vectors: &[Vector]) -> Vec<&str> {
    vectors.iter().map(|v| v.path.to_str().unwrap()).collect()
}

#[test]
fn every_notification_vector_as_one_message() {
    let vectors = data::vectors("notif");
    assert_eq!(vectors.len(), 516);
    let mut args = vec!["--framing", "none", "--json"];
    args.extend(path_args(&vectors));
    let (code, lines) = decode(&args, None);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), vectors.len());
    let mut classes = BTreeMap::<String, usize>::new();
    for (i, (line, vector)) in lines.iter().zip(&vectors).enumerate() {
        assert_eq!(line["index"], i, "{}", vector.name);
        assert_eq!(line["file"], vector.path.to_str().unwrap());
        check_notification(line, &vector.json, &vector.name);
        *classes
            .entry(line["class"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    // Every class occurs, the zero-byte vector being the heartbeat.
    assert_eq!(classes.len(), 7, "{classes:?}");
    assert_eq!(classes["heartbeat"], 1);
}

#[test]
fn every_request_vector_as_one_message() {
    let vectors = data::vectors("req");
    assert_eq!(vectors.len(), 387);
    let mut args = vec!["--type", "request", "--framing", "none", "--json"];
    args.extend(path_args(&vectors));
    let (code, lines) = decode(&args, None);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), vectors.len());
    let descriptor = descriptor(&REQUEST);
    let mut heartbeats = 0;
    for (i, (line, vector)) in lines.iter().zip(&vectors).enumerate() {
        let what = &vector.name;
        let vector = &vector.json;
        assert_eq!(line["index"], i, "{what}");
        if vector["size"] == 0 {
            heartbeats += 1;
            assert_eq!(line["class"], "heartbeat", "{what}");
            assert_eq!(line["message"], Value::Null, "{what}");
            continue;
        }
        assert_eq!(line["class"], "request", "{what}");
        assert_eq!(line["request_id"], vector["request_id"], "{what}");
        assert_eq!(line["kind"], vector["kind"], "{what}");
        assert_same_message(&descriptor, &vector["message"], &line["message"], what);
    }
    assert_eq!(heartbeats, 1);
}

#[test]
fn one_message_from_standard_input() {
    for (name, class) in [
        ("notif/000.bin", "response"),
        ("notif/464.bin", "heartbeat"),
    ] {
        let bytes = data::read(&data::conformance(name));
        let (code, lines) = decode(&["--framing", "none", "--json"], Some(&bytes));
        assert_eq!(code, 0, "{name}");
        assert_eq!(lines.len(), 1, "{name}");
        assert_eq!(lines[0]["class"], class, "{name}");
        assert!(lines[0].get("file").is_none());
    }
}

#[test]
fn every_stream_with_tcp_framing() {
    let index = read_json(&data::conformance("stream/INDEX.json"));
    let streams = index["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 9);
    let mut notifs = BTreeMap::<String, Value>::new();
    for stream in streams {
        let file = stream["file"].as_str().unwrap();
        let path = data::conformance(&format!("stream/{file}"));
        let (code, lines) = decode(&["--json", path.to_str().unwrap()], None);
        assert_eq!(code, 0, "{file}");
        let frames = stream["frames"].as_array().unwrap();
        assert_eq!(lines.len(), frames.len(), "{file}");
        assert_eq!(stream["frame_count"], frames.len(), "{file}");
        for (line, frame) in lines.iter().zip(frames) {
            let what = format!("{file} frame {}", frame["index"]);
            assert_eq!(line["index"], frame["index"], "{what}");
            assert_eq!(line["size"], frame["length"], "{what}");
            if frame["type"] == "heartbeat" {
                assert_eq!(line["class"], "heartbeat", "{what}");
                continue;
            }
            let id = frame["notif"].as_str().unwrap().to_owned();
            let vector = notifs
                .entry(id.clone())
                .or_insert_with(|| read_json(&data::conformance(&format!("notif/{id}.json"))));
            check_notification(line, vector, &what);
        }
    }
}

/// The `kind` a framing error must have, from the reference decoder's message.
fn framing_kind(reference_error: &str) -> &'static str {
    match reference_error {
        "truncated varint length prefix" => "truncated_header",
        "varint length prefix longer than 5 bytes" => "varint_too_long",
        "negative length (as int32)" | "varint length prefix exceeds 32 bits" => "length_overflow",
        "EOF in the middle of a frame" => "truncated_frame",
        other if other.starts_with("frame length ") => "frame_too_large",
        other => panic!("unexpected reference error {other}"),
    }
}

/// The `kind` a message-layer error must have. The conformance README lists the entries that
/// break the envelope itself (a classifier must refuse them: the classifier's own kinds), the
/// bad UTF-8 in `reason` (032–037), and those whose damage lies inside a payload, which only
/// the full decode finds (`invalid_payload`).
fn message_kind(file: &str) -> &'static str {
    let number: u32 = file.trim_end_matches(".bin").parse().unwrap();
    match number {
        16..=18 | 59 => "invalid_wire_type",
        19..=21 => "field_number_zero",
        22 | 23 => "key_too_large",
        24 | 25 => "truncated_varint",
        26 | 44 => "overlong_varint",
        27 => "wrong_wire_type",
        28 => "truncated_fixed",
        29 | 31 | 42 | 43 | 47 | 58 => "length_overrun",
        32..=37 => "invalid_utf8",
        48 => "unexpected_end_group",
        49 => "unterminated_group",
        50 => "mismatched_end_group",
        30 | 38..=41 | 45 | 46 | 51..=57 => "invalid_payload",
        other => panic!("no message-layer entry {other}"),
    }
}

fn bad_entries() -> Vec<BadEntry> {
    data::bad_index().entries
}

fn type_arg(entry: &BadEntry) -> &'static str {
    match entry.message_type() {
        Some("TurmsRequest") => "request",
        Some("TurmsNotification") => "notification",
        other => panic!("message type {other:?}"),
    }
}

#[test]
fn every_bad_input_fails_at_its_layer() {
    let mut checked = 0;
    for bad in bad_entries() {
        if bad.expect_ok() {
            continue;
        }
        let (file, entry) = (bad.file.as_str(), &bad.info);
        let path = bad.path.to_str().unwrap();
        let (code, lines) = if bad.layer() == "framing" {
            decode(&["--json", "--max-frame", "4194304", path], None)
        } else {
            decode(
                &[
                    "--json",
                    "--framing",
                    "none",
                    "--type",
                    type_arg(&bad),
                    path,
                ],
                None,
            )
        };
        assert_eq!(code, 2, "{file}");
        let before = entry["frames_before_error"].as_u64().unwrap_or(0) as usize;
        assert_eq!(lines.len(), before + 1, "{file}: {lines:?}");
        for (i, line) in lines[..before].iter().enumerate() {
            assert_eq!(line["index"], i, "{file}");
            assert!(line.get("error").is_none(), "{file}: {line}");
            assert!(line["class"].is_string(), "{file}: {line}");
        }
        let last = &lines[before];
        assert_eq!(last["index"], before, "{file}");
        let error = &last["error"];
        assert_eq!(error["layer"], entry["layer"], "{file}: {last}");
        assert!(!error["detail"].as_str().unwrap().is_empty(), "{file}");
        let kind = error["kind"].as_str().unwrap();
        if entry["layer"] == "framing" {
            assert_eq!(
                kind,
                framing_kind(entry["reference_error"].as_str().unwrap()),
                "{file}"
            );
        } else {
            assert_eq!(kind, message_kind(file), "{file}: {last}");
        }
        checked += 1;
    }
    assert_eq!(checked, 60);
}

#[test]
fn every_valid_edge_case_decodes_and_lenient_ones_as_documented() {
    let mut checked = 0;
    for bad in bad_entries() {
        if !bad.expect_ok() {
            continue;
        }
        let (file, entry) = (bad.file.as_str(), &bad.info);
        let path = bad.path.to_str().unwrap();
        let lenient = bad.lenient();
        checked += 1;
        if bad.layer() == "framing" {
            let (code, lines) = decode(&["--json", path], None);
            assert_eq!(
                lines.len() as u64,
                entry["frames"].as_u64().unwrap(),
                "{file}"
            );
            if lenient {
                // 061: the framing accepts the non-minimal two-byte prefix, as the gateway
                // does, and delivers one 5-byte frame; that frame's body is a truncated
                // varint, so it fails at the message layer (not the framing layer).
                assert_eq!(code, 2, "{file}");
                assert_eq!(lines[0]["index"], 0, "{file}");
                assert_eq!(lines[0]["error"]["layer"], "message", "{file}");
                assert_eq!(lines[0]["error"]["kind"], "truncated_varint", "{file}");
            } else {
                assert_eq!(code, 0, "{file}");
                assert!(lines.iter().all(|l| l.get("error").is_none()), "{file}");
            }
            continue;
        }
        let (code, lines) = decode(
            &[
                "--json",
                "--framing",
                "none",
                "--type",
                type_arg(&bad),
                path,
            ],
            None,
        );
        assert_eq!(lines.len(), 1, "{file}");
        let line = &lines[0];
        if lenient {
            // 064: a known int64 field sent as length-delimited. Google keeps it as an unknown
            // field; prost, and so `decode`, refuses the frame.
            assert_eq!(code, 2, "{file}");
            assert_eq!(line["error"]["layer"], "message", "{file}");
            assert_eq!(line["error"]["kind"], "wrong_wire_type", "{file}");
            continue;
        }
        assert_eq!(code, 0, "{file}: {line}");
        assert!(line.get("error").is_none(), "{file}: {line}");
        if let Some(expected) = &bad.message {
            assert_same_message(&descriptor(&NOTIFICATION), expected, &line["message"], file);
        }
    }
    assert_eq!(checked, 10);
}

#[test]
fn errors_use_up_an_index_and_the_decode_goes_on() {
    // A response, a frame with wire type 6, a heartbeat.
    let response = data::read(&data::conformance("notif/000.bin"));
    let mut stream = vec![response.len() as u8];
    stream.extend_from_slice(&response);
    stream.extend_from_slice(&[0x01, 0x0e, 0x00]);
    let (code, lines) = decode(&["--json"], Some(&stream));
    assert_eq!(code, 2);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["class"], "response");
    assert_eq!(lines[1]["index"], 1);
    assert_eq!(lines[1]["error"]["layer"], "message");
    assert_eq!(lines[1]["error"]["kind"], "invalid_wire_type");
    assert_eq!(lines[2]["index"], 2);
    assert_eq!(lines[2]["class"], "heartbeat");
}

/// `bytes` as hex, wrapped with assorted whitespace.
fn hex_with_whitespace(bytes: &[u8]) -> Vec<u8> {
    let mut text = String::new();
    for (i, byte) in bytes.iter().enumerate() {
        text.push_str(&format!("{byte:02x}"));
        text.push_str(match i % 7 {
            0 => " ",
            3 => "\n",
            5 => "\r\n\t",
            _ => "",
        });
    }
    text.push('\n');
    text.into_bytes()
}

/// `bytes` as standard base64 with padding, wrapped at 76 characters.
fn base64_wrapped(bytes: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = Vec::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                text.push(b'=');
            }
        }
    }
    let mut wrapped = Vec::new();
    for line in text.chunks(76) {
        wrapped.extend_from_slice(line);
        wrapped.push(b'\n');
    }
    wrapped
}

#[test]
fn hex_and_base64_input_with_whitespace() {
    let binary = data::read(&data::conformance("stream/session_transcript.bin"));
    let (code, expected) = decode(&["--json"], Some(&binary));
    assert_eq!(code, 0);
    assert_eq!(expected.len(), 8);
    let (code, hex) = decode(
        &["--json", "--input", "hex"],
        Some(&hex_with_whitespace(&binary)),
    );
    assert_eq!(code, 0);
    assert_eq!(hex, expected);
    let (code, base64) = decode(
        &["--json", "--input", "base64"],
        Some(&base64_wrapped(&binary)),
    );
    assert_eq!(code, 0);
    assert_eq!(base64, expected);

    // One message body as hex, and the empty one.
    let body = data::read(&data::conformance("notif/000.bin"));
    let (code, lines) = decode(
        &["--json", "--framing", "none", "--input", "hex"],
        Some(&hex_with_whitespace(&body)),
    );
    assert_eq!(code, 0);
    assert_eq!(lines[0]["class"], "response");
    let (code, lines) = decode(
        &["--json", "--framing", "none", "--input", "base64"],
        Some(b"\n"),
    );
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["class"], "heartbeat");

    // Broken text ends the decode after the frames before it.
    let (code, lines) = decode(&["--json", "--input", "hex"], Some(b"00 00 0g 00"));
    assert_eq!(code, 2);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["error"]["layer"], "input");
    assert_eq!(lines[2]["error"]["kind"], "invalid_character");
}

#[test]
fn text_lines_name_codes_and_statuses() {
    let path = data::conformance("stream/session_transcript.bin");
    let output = turms_wire(&["decode", path.to_str().unwrap()], None);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8);
    assert!(
        lines[0].starts_with("#0 session_info data=user_session "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(
            "#1 response request_id=6542703110081877171 code=1000 OK (success response)"
        ),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "#2 heartbeat");
    assert!(
        lines[5].contains(" relayed=create_message_request "),
        "{}",
        lines[5]
    );
    assert!(
        lines[7].starts_with("#7 close close_status=500 DISCONNECTED_BY_CLIENT"),
        "{}",
        lines[7]
    );
}

/// A running `decode` with its stdin held open and its stdout lines arriving on a channel.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_turms-wire"))
            .arg("decode")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run turms-wire");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            stdin,
            lines,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn next_line(&self) -> Value {
        let line = wait::recv(&self.lines, "a line while stdin is still open");
        parse_json(line.as_bytes())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn each_frame_is_printed_before_the_input_ends() {
    let body = data::read(&data::conformance("notif/000.bin"));
    let mut framed = vec![body.len() as u8];
    framed.extend_from_slice(&body);

    let mut decode = Running::start(&["--json"]);
    decode.write(&framed);
    let first = decode.next_line();
    assert_eq!(first["index"], 0);
    assert_eq!(first["class"], "response");

    // A frame in two writes: its line comes once the second part is in.
    decode.write(&framed[..5]);
    decode.write(&framed[5..]);
    assert_eq!(decode.next_line()["index"], 1);
    decode.write(&[0x00]);
    assert_eq!(decode.next_line()["class"], "heartbeat");

    drop(decode.stdin.take());
    let status = decode.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(decode.lines.recv().is_err(), "nothing after the end");
}

#[test]
fn a_framing_error_is_printed_as_soon_as_its_bytes_arrive() {
    for bad in bad_entries() {
        let (file, entry, bytes) = (&bad.file, &bad.info, &bad.bytes);
        if entry["when"] != "immediate" {
            continue;
        }
        let mut decode = Running::start(&["--json", "--max-frame", "4194304"]);
        decode.write(bytes);
        let before = entry["frames_before_error"].as_u64().unwrap();
        for i in 0..before {
            assert_eq!(decode.next_line()["index"], i, "{file}");
        }
        let error = decode.next_line();
        assert_eq!(error["error"]["layer"], "framing", "{file}: {error}");
        // The decode ends by itself, stdin still open.
        let status = decode.child.wait().unwrap();
        assert_eq!(status.code(), Some(2), "{file}");
    }
}
