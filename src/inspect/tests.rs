use std::io::Read;

use bytes::Bytes;
use prost::Message;
use serde_json::{json, Value};

use super::*;
use crate::proto::{turms_request, CreateMessageRequest, TurmsNotification, TurmsRequest};

fn notification(n: &TurmsNotification) -> Bytes {
    Bytes::from(n.encode_to_vec())
}

fn to_json(record: &FrameRecord) -> Value {
    serde_json::to_value(record).unwrap()
}

fn text(record: &FrameRecord) -> String {
    let mut out = Vec::new();
    record.write_text(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn heartbeat_ack_has_every_key_null() {
    let json = to_json(&inspect_notification(3, Bytes::new()));
    assert_eq!(
        json,
        json!({
            "index": 3, "class": "heartbeat", "request_id": null, "requester_id": null,
            "code": null, "code_name": null, "code_category": null, "close_status": null,
            "close_status_name": null, "reason": null, "relayed_kind": null, "data_kind": null,
            "size": 0, "message": null
        })
    );
}

#[test]
fn close_with_code_and_reason() {
    let frame = notification(&TurmsNotification {
        close_status: Some(200),
        code: Some(1200),
        reason: Some("boom".into()),
        ..Default::default()
    });
    let record = inspect_notification(0, frame);
    let json = to_json(&record);
    assert_eq!(json["class"], "close");
    assert_eq!(json["close_status"], 200);
    assert_eq!(json["close_status_name"], "SERVER_ERROR");
    assert_eq!(json["code"], 1200);
    assert_eq!(json["code_name"], "SERVER_INTERNAL_ERROR");
    assert_eq!(json["reason"], "boom");
    assert_eq!(
        json["message"],
        json!({"close_status": 200, "code": 1200, "reason": "boom"})
    );
    let line = text(&record);
    assert!(
        line.starts_with("#0 close code=1200 SERVER_INTERNAL_ERROR (server error) close_status=200 SERVER_ERROR reason=\"boom\""),
        "{line}"
    );
}

#[test]
fn request_ids_are_exact_json_numbers_and_unknown_codes_have_no_name() {
    let frame = notification(&TurmsNotification {
        request_id: Some(i64::MAX),
        code: Some(7777),
        ..Default::default()
    });
    let json = to_json(&inspect_notification(0, frame));
    assert_eq!(json["request_id"].as_i64(), Some(i64::MAX));
    assert_eq!(json["code"], 7777);
    assert_eq!(json["code_name"], Value::Null);
    assert_eq!(json["message"]["request_id"], i64::MAX.to_string());
}

#[test]
fn push_names_the_relayed_kind() {
    let frame = notification(&TurmsNotification {
        requester_id: Some(9),
        relayed_request: Some(TurmsRequest {
            request_id: Some(1),
            kind: Some(turms_request::Kind::CreateMessageRequest(
                CreateMessageRequest {
                    text: Some("hi".into()),
                    ..Default::default()
                },
            )),
            ..Default::default()
        }),
        ..Default::default()
    });
    let record = inspect_notification(0, frame);
    let json = to_json(&record);
    assert_eq!(json["class"], "push");
    assert_eq!(json["requester_id"], 9);
    assert_eq!(json["relayed_kind"], "create_message_request");
    assert_eq!(
        json["message"]["relayed_request"]["create_message_request"]["text"],
        "hi"
    );
    let line = text(&record);
    assert!(line.contains(" relayed=create_message_request "), "{line}");
    assert!(line.contains("\"text\":\"hi\""), "{line}");
}

#[test]
fn requests_and_heartbeats() {
    let request = TurmsRequest {
        request_id: Some(-5),
        kind: Some(turms_request::Kind::CreateMessageRequest(
            CreateMessageRequest::default(),
        )),
        ..Default::default()
    };
    let record = inspect_request(1, crate::codec::request_to_bytes(&request));
    let json = to_json(&record);
    assert_eq!(
        json,
        json!({
            "index": 1, "class": "request", "request_id": -5,
            "kind": "create_message_request", "gateway_rejection": null, "size": 13,
            "message": {"request_id": "-5", "create_message_request": {}}
        })
    );
    assert_eq!(
        text(&record),
        "#1 request request_id=-5 kind=create_message_request {\"create_message_request\":{}}\n"
    );
    let heartbeat = inspect_request(2, Bytes::new());
    assert_eq!(to_json(&heartbeat)["class"], "heartbeat");
    assert_eq!(to_json(&heartbeat)["message"], Value::Null);
    assert_eq!(text(&heartbeat), "#2 heartbeat\n");

    // prost's field order puts nothing between the id and the kind here, but a kind first is
    // refused by the gateway.
    let kind_first = Bytes::from_static(&[0x42, 0x00, 0x08, 0x01]);
    let json = to_json(&inspect_request(0, kind_first));
    assert_eq!(
        json["gateway_rejection"],
        "Not a valid TurmsRequest: No request ID"
    );
}

#[test]
fn errors_at_each_message_layer() {
    // Wire type 6 breaks the envelope.
    let envelope = inspect_notification(0, Bytes::from_static(&[0x0e]));
    let error = envelope.error().unwrap();
    assert_eq!(error.layer, ErrorLayer::Message);
    assert_eq!(error.kind, "invalid_wire_type");
    // Bad UTF-8 in the reason.
    let reason = inspect_notification(0, Bytes::from_static(&[0x32, 0x02, 0xff, 0xfe]));
    assert_eq!(reason.error().unwrap().kind, "invalid_utf8");
    // Bad UTF-8 inside data: only the full decode sees it.
    let data = inspect_notification(0, Bytes::from_static(&[0x3a, 0x03, 0x0a, 0x01, 0xff]));
    let error = data.error().unwrap();
    assert_eq!(error.kind, "invalid_payload");
    assert_eq!(
        to_json(&data),
        json!({"index": 0, "error": {"layer": "message", "kind": "invalid_payload", "detail": error.detail}})
    );
    assert!(text(&data).starts_with("#0 error message/invalid_payload: "));
}

/// A reader that hands out its bytes a few at a time.
struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(self.bytes.len()).min(buf.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

fn read_all(bytes: &[u8], step: usize, options: ReaderOptions) -> Vec<FrameRecord> {
    FrameReader::new(Trickle { bytes, step }, options)
        .map(Result::unwrap)
        .collect()
}

fn classes(records: &[FrameRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Notification(n) => n.class.to_string(),
            Outcome::Request(r) => r.class_name().to_owned(),
            Outcome::Error(e) => format!("{}/{}", e.layer.as_str(), e.kind),
        })
        .collect()
}

#[test]
fn reader_yields_the_same_records_however_the_input_is_cut() {
    let response = notification(&TurmsNotification {
        request_id: Some(1),
        code: Some(1000),
        ..Default::default()
    });
    let mut stream = vec![0x00, response.len() as u8];
    stream.extend_from_slice(&response);
    stream.extend_from_slice(&[0x01, 0x0e, 0x00]);
    let options = ReaderOptions::new(RoleKind::Client);
    let whole = read_all(&stream, usize::MAX, options);
    assert_eq!(
        classes(&whole),
        [
            "heartbeat",
            "response",
            "message/invalid_wire_type",
            "heartbeat"
        ]
    );
    let indices: Vec<u64> = whole.iter().map(|r| r.index).collect();
    assert_eq!(indices, [0, 1, 2, 3]);
    for step in 1..4 {
        assert_eq!(read_all(&stream, step, options), whole, "step {step}");
    }
}

#[test]
fn framing_error_is_reported_before_the_input_ends() {
    // A heartbeat, then a prefix over the limit; the reader never reaches the end.
    let mut input = vec![0x00, 0x80, 0x80, 0x80, 0x01];
    input.extend(std::iter::repeat_n(0u8, 100));
    let options = ReaderOptions {
        max_frame: 1024,
        ..ReaderOptions::new(RoleKind::Gateway)
    };
    let mut reader = FrameReader::new(
        Trickle {
            bytes: &input,
            step: 5,
        },
        options,
    );
    reader.read_more().unwrap();
    assert_eq!(classes(&[reader.next_buffered().unwrap()]), ["heartbeat"]);
    let error = reader.next_buffered().unwrap();
    assert_eq!(error.index, 1);
    assert_eq!(error.error().unwrap().kind, "frame_too_large", "{error:?}");
    assert!(reader.is_finished());
    assert!(reader.next().is_none());
}

#[test]
fn truncation_is_reported_at_the_end() {
    let records = read_all(&[0x00, 0x05, 0x08], 1, ReaderOptions::new(RoleKind::Client));
    assert_eq!(classes(&records), ["heartbeat", "framing/truncated_frame"]);
}

#[test]
fn whole_input_is_one_frame_and_obeys_the_limit() {
    let options = ReaderOptions {
        boundaries: Boundaries::WholeInput,
        ..ReaderOptions::new(RoleKind::Client)
    };
    assert_eq!(classes(&read_all(&[], 1, options)), ["heartbeat"]);
    assert_eq!(classes(&read_all(&[0x20, 0x01], 1, options)), ["response"]);
    let small = ReaderOptions {
        max_frame: 3,
        ..options
    };
    assert_eq!(
        classes(&read_all(&[0x08, 0x01, 0x20, 0x01], 1, small)),
        ["framing/frame_too_large"]
    );
}

#[test]
fn text_input_errors_come_after_the_frames_before_them() {
    let options = ReaderOptions {
        encoding: InputEncoding::Hex,
        ..ReaderOptions::new(RoleKind::Client)
    };
    let records = read_all(b"00 02 20 01\n00 03 2x", 3, options);
    assert_eq!(
        classes(&records),
        [
            "heartbeat",
            "response",
            "heartbeat",
            "input/invalid_character"
        ]
    );
    let base64 = ReaderOptions {
        encoding: InputEncoding::Base64,
        ..options
    };
    // 00 02 20 01 00
    let records = read_all(b"AAIg\nAQA=\n", 2, base64);
    assert_eq!(classes(&records), ["heartbeat", "response", "heartbeat"]);
}
