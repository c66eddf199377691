//! Classification against the conformance vectors made by Google's protobuf, and the real
//! gateway's request rule (`turms-protocol.md` §5.4) against hand-made frames.

use std::collections::BTreeSet;

use bytes::Bytes;
use serde_json::Value;
use turms_wire::frame::{
    ClassifyErrorKind, ClientFrame, DataKind, FrameClass, GatewayRejection, RequestKind,
    ServerFrame, WireType,
};
use turms_wire_test_support::classify::{
    agrees_if_decodable, assert_agrees_with_decode, assert_request_agrees_with_decode,
    request_agrees_if_decodable,
};
use turms_wire_test_support::data::{self, vectors};

fn opt_i64(v: &Value) -> Option<i64> {
    (!v.is_null()).then(|| v.as_i64().expect("an integer"))
}

fn opt_str(v: &Value) -> Option<&str> {
    (!v.is_null()).then(|| v.as_str().expect("a string"))
}

#[test]
fn every_notification_vector_classifies_as_its_json_says() {
    let vectors = vectors("notif");
    assert_eq!(vectors.len(), 516);
    let mut seen = BTreeSet::new();
    for vector in &vectors {
        let (name, bin, json) = (&vector.name, &vector.bytes, &vector.json);
        let frame = ServerFrame::classify(bin.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        seen.insert(frame.class());
        let class = json["class"].as_str().unwrap();
        let ours = frame.class();
        let fits = match class {
            "response" => matches!(ours, FrameClass::Response | FrameClass::HeartbeatFailure),
            "close" => ours == FrameClass::Close,
            "notification" => matches!(
                ours,
                FrameClass::Push
                    | FrameClass::SessionInfo
                    | FrameClass::Notification
                    | FrameClass::Heartbeat
            ),
            other => panic!("{name}: unknown class {other}"),
        };
        assert!(fits, "{name}: JSON says {class}, classified {ours:?}");
        assert_eq!(bin.is_empty(), ours == FrameClass::Heartbeat, "{name}");
        assert_eq!(frame.bytes(), bin);

        if let Some(e) = frame.envelope() {
            let ctx = name;
            assert_eq!(
                e.code().map(|c| c.as_i32() as i64),
                opt_i64(&json["code"]),
                "{ctx}"
            );
            assert_eq!(
                e.close_status().map(|c| c.as_i32() as i64),
                opt_i64(&json["close_status"]),
                "{ctx}"
            );
            assert_eq!(e.request_id(), opt_i64(&json["request_id"]), "{ctx}");
            assert_eq!(e.requester_id(), opt_i64(&json["requester_id"]), "{ctx}");
            assert_eq!(e.timestamp(), json["timestamp"].as_i64().unwrap(), "{ctx}");
            assert_eq!(
                e.reason().map(|r| r.unwrap()),
                opt_str(&json["reason"]),
                "{ctx}"
            );
            assert_eq!(
                e.relayed_kind().and_then(RequestKind::name),
                opt_str(&json["relayed_kind"]),
                "{ctx}"
            );
            assert_eq!(
                e.data_kind().and_then(DataKind::name),
                opt_str(&json["data_kind"]),
                "{ctx}"
            );
            assert_eq!(
                e.custom_attributes_count() as u64,
                json["custom_attributes_count"].as_u64().unwrap(),
                "{ctx}"
            );
            assert_eq!(
                e.data().is_some(),
                json["has_data"].as_bool().unwrap(),
                "{ctx}"
            );
            assert_eq!(
                e.relayed_request().is_some(),
                json["has_relayed_request"].as_bool().unwrap(),
                "{ctx}"
            );
        } else {
            assert_eq!(json["size"].as_u64(), Some(0));
        }
        assert_agrees_with_decode(&frame);
    }
    // The vectors reach every class.
    assert_eq!(seen.len(), 7, "classes seen: {seen:?}");
}

#[test]
fn every_request_vector_classifies_as_its_json_says() {
    let vectors = vectors("req");
    assert_eq!(vectors.len(), 387);
    let mut kinds = BTreeSet::new();
    for vector in &vectors {
        let (name, bin, json) = (&vector.name, &vector.bytes, &vector.json);
        let frame = ClientFrame::classify(bin.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(frame.bytes(), bin);
        assert_request_agrees_with_decode(&frame);
        let ClientFrame::Request(request) = &frame else {
            assert!(bin.is_empty(), "{name}");
            assert!(json["kind"].is_null() && json["request_id"].is_null());
            continue;
        };
        let ctx = name;
        assert_eq!(
            request.kind().and_then(RequestKind::name),
            opt_str(&json["kind"]),
            "{ctx}"
        );
        assert_eq!(request.request_id(), opt_i64(&json["request_id"]), "{ctx}");
        assert_eq!(
            request.custom_attributes_count() as u64,
            json["custom_attributes_count"].as_u64().unwrap(),
            "{ctx}"
        );
        kinds.extend(request.kind());

        // The vectors are in canonical field order: request_id, custom_attributes, kind, then
        // appended unknown fields. The strict rule follows from that.
        let expected = match (opt_i64(&json["request_id"]), json["kind"].is_null()) {
            (None, _) | (Some(i64::MIN), _) => Err(GatewayRejection::NoRequestId),
            (Some(_), _) if json["custom_attributes_count"].as_u64() != Some(0) => {
                Err(GatewayRejection::UnknownRequestType { field: 2 })
            }
            (Some(_), true) => Err(request.gateway_accepts().unwrap_err()),
            (Some(_), false) => Ok(()),
        };
        assert_eq!(request.gateway_accepts(), expected, "{ctx}");
        if json["kind"].is_null() && opt_i64(&json["request_id"]).is_some() {
            assert!(
                matches!(
                    request.gateway_accepts(),
                    Err(GatewayRejection::UnknownRequestType { .. })
                ),
                "{ctx}"
            );
        }
    }
    assert_eq!(kinds.len(), 72, "every kind appears");
}

/// The message-layer entries of `bad/` a classifier reading only the envelope must refuse.
const ENVELOPE_BREAKERS: &[&str] = &[
    "016", "017", "018", "019", "020", "021", "022", "023", "024", "025", "026", "027", "028",
    "029", "031", "042", "043", "044", "047", "048", "049", "050", "058", "059",
];

#[test]
fn bad_vectors_are_refused_exactly_where_the_envelope_breaks() {
    let index = data::bad_index();
    let mut refused = BTreeSet::new();
    let mut message_entries = 0;
    for entry in &index.entries {
        if entry.layer() != "message" {
            continue;
        }
        message_entries += 1;
        let id = entry.file.trim_end_matches(".bin").to_owned();
        let bin = entry.bytes.clone();
        let ctx = format!("{} ({})", entry.name, entry.info["description"]);
        let (classified, decodes) = match entry.message_type().unwrap() {
            "TurmsNotification" => match ServerFrame::classify(bin.clone()) {
                Ok(frame) => (Ok(()), agrees_if_decodable(&frame)),
                Err(e) => {
                    assert_eq!(e.message(), "TurmsNotification", "{ctx}");
                    assert!(e.offset() as usize <= bin.len(), "{ctx}");
                    (Err(e), decode_notif(&bin))
                }
            },
            "TurmsRequest" => match ClientFrame::classify(bin.clone()) {
                Ok(frame) => (Ok(()), request_agrees_if_decodable(&frame)),
                Err(e) => {
                    assert_eq!(e.message(), "TurmsRequest", "{ctx}");
                    (Err(e), decode_req(&bin))
                }
            },
            other => panic!("{ctx}: message type {other}"),
        };
        // Classification never refuses what a full decode accepts.
        if classified.is_err() {
            assert!(!decodes, "{ctx}: refused but decodes");
            refused.insert(id.clone());
        }
        match entry.info["expect"].as_str().unwrap() {
            "error" => assert!(!decodes, "{ctx}: prost decodes a frame Google refuses"),
            "ok" => {
                // 064 is a known field with the wrong wire type: Google keeps it as unknown,
                // prost refuses it, and classification sides with prost.
                if id == "064" {
                    assert!(!decodes);
                    assert!(matches!(
                        classified.unwrap_err().kind(),
                        ClassifyErrorKind::WrongWireType {
                            field: 1,
                            found: WireType::Len,
                            expected: WireType::Varint
                        }
                    ));
                } else {
                    assert!(classified.is_ok() && decodes, "{ctx}");
                }
            }
            other => panic!("{ctx}: expect {other}"),
        }
    }
    assert_eq!(message_entries, 51);
    let mut expected: BTreeSet<String> = ENVELOPE_BREAKERS.iter().map(|s| s.to_string()).collect();
    expected.insert("064".into());
    assert_eq!(refused, expected);
}

fn decode_notif(bin: &Bytes) -> bool {
    <turms_wire::proto::TurmsNotification as prost::Message>::decode(bin.clone()).is_ok()
}

fn decode_req(bin: &Bytes) -> bool {
    <turms_wire::proto::TurmsRequest as prost::Message>::decode(bin.clone()).is_ok()
}

#[test]
fn bad_vector_errors_say_what_and_where() {
    let read = |name: &str| Bytes::from(data::read(&data::conformance("bad").join(name)));
    let kind = |name: &str| ServerFrame::classify(read(name)).unwrap_err().kind();
    assert!(matches!(
        kind("016.bin"),
        ClassifyErrorKind::InvalidWireType { wire_type: 6, .. }
    ));
    assert!(matches!(
        kind("017.bin"),
        ClassifyErrorKind::InvalidWireType { wire_type: 7, .. }
    ));
    assert_eq!(kind("019.bin"), ClassifyErrorKind::FieldNumberZero);
    assert!(matches!(
        kind("022.bin"),
        ClassifyErrorKind::KeyTooLarge { .. }
    ));
    assert!(matches!(
        kind("023.bin"),
        ClassifyErrorKind::KeyTooLarge { .. }
    ));
    assert_eq!(kind("024.bin"), ClassifyErrorKind::TruncatedVarint);
    assert_eq!(kind("026.bin"), ClassifyErrorKind::OverlongVarint);
    // 027 sends field 1 (timestamp, a varint) as fixed64: prost refuses the wire type first.
    assert!(matches!(
        kind("027.bin"),
        ClassifyErrorKind::WrongWireType {
            field: 1,
            found: WireType::I64,
            ..
        }
    ));
    assert!(matches!(
        kind("028.bin"),
        ClassifyErrorKind::TruncatedFixed { width: 4, .. }
    ));
    assert!(matches!(
        kind("029.bin"),
        ClassifyErrorKind::LengthOverrun { field: 7, .. }
    ));
    assert!(matches!(
        kind("031.bin"),
        ClassifyErrorKind::LengthOverrun { field: 6, .. }
    ));
    assert!(matches!(
        kind("048.bin"),
        ClassifyErrorKind::UnexpectedEndGroup { .. }
    ));
    assert!(matches!(
        kind("049.bin"),
        ClassifyErrorKind::UnterminatedGroup { .. }
    ));
    assert!(matches!(
        kind("050.bin"),
        ClassifyErrorKind::MismatchedEndGroup { .. }
    ));
    // 021: a zero tag after a valid 2-byte field.
    let e = ServerFrame::classify(read("021.bin")).unwrap_err();
    assert_eq!(
        (e.kind(), e.offset()),
        (ClassifyErrorKind::FieldNumberZero, 2)
    );
    assert!(
        e.to_string().contains("at byte 2 in TurmsNotification"),
        "{e}"
    );
    let e = ClientFrame::classify(read("058.bin")).unwrap_err();
    assert!(
        matches!(e.kind(), ClassifyErrorKind::LengthOverrun { field: 8, .. }),
        "{e}"
    );
}

// ---- classification of the frames turms-protocol.md spells out ----

fn classify(hex: &[u8]) -> ServerFrame {
    let frame = ServerFrame::classify(Bytes::copy_from_slice(hex)).unwrap();
    assert_agrees_with_decode(&frame);
    frame
}

#[test]
fn heartbeat_failure_example() {
    // §3.1, without its length prefix 0x15.
    let frame = classify(&[
        0x08, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x20, 0x9c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0x01, 0x28, 0xb8, 0x10,
    ]);
    let ServerFrame::HeartbeatFailure(failure) = frame else {
        panic!("{frame:?}")
    };
    assert_eq!(failure.request_id(), -100);
    assert_eq!(failure.code().map(|c| c.as_i32()), Some(2104));
    assert!(!failure.is_success());
    assert_eq!(failure.timestamp(), 1_700_000_000_000);
}

#[test]
fn close_examples_in_encoder_order() {
    // §4.1: fields 1, 11, then 5 (and 6).
    let frame = classify(&[0x08, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x58, 0x6e]);
    let ServerFrame::Close(closed) = frame else {
        panic!("{frame:?}")
    };
    assert_eq!(closed.status().as_i32(), 110);
    assert_eq!(closed.code(), None);

    let frame = classify(&[
        0x08, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x58, 0xc8, 0x01, 0x28, 0xb0, 0x09,
    ]);
    let ServerFrame::Close(closed) = frame else {
        panic!("{frame:?}")
    };
    assert_eq!(closed.status().as_i32(), 200);
    assert_eq!(closed.code().map(|c| c.as_i32()), Some(1200));
    assert!(closed.reason().is_none());

    // close_status 0 is still a close: presence counts.
    assert_eq!(classify(&[0x58, 0x00]).class(), FrameClass::Close);
}

#[test]
fn ok_response_example() {
    // §8.4
    let frame = classify(&[
        0x08, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x20, 0x01, 0x28, 0xe8, 0x07,
    ]);
    let ServerFrame::Response(ok) = frame else {
        panic!("{frame:?}")
    };
    assert_eq!(ok.request_id(), 1);
    assert!(ok.is_success());
    assert_eq!(ok.data(), None);
}

#[test]
fn presence_not_value_decides() {
    // A response without a code is still a response.
    let ServerFrame::Response(r) = classify(&[0x20, 0x05]) else {
        panic!()
    };
    assert_eq!(r.code(), None);
    // data present but empty is Some(&[]), and a plain notification.
    let ServerFrame::Notification(n) = classify(&[0x3a, 0x00]) else {
        panic!()
    };
    assert_eq!(n.data(), Some(&[][..]));
    assert_eq!(n.data_kind(), None);
    // An empty relayed_request is a push without kind.
    let ServerFrame::Push(p) = classify(&[0x50, 0x00, 0x62, 0x00]) else {
        panic!()
    };
    assert_eq!((p.requester_id(), p.relayed_kind()), (Some(0), None));
    assert_eq!(p.relayed_request(), &[] as &[u8]);
    // A heartbeat failure wins over a close.
    let failure = [
        0x58, 0x01, 0x20, 0x9c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ];
    assert_eq!(classify(&failure).class(), FrameClass::HeartbeatFailure);
    // A close wins over a push, a push over a response.
    assert_eq!(
        classify(&[0x62, 0x00, 0x58, 0x01]).class(),
        FrameClass::Close
    );
    assert_eq!(
        classify(&[0x20, 0x01, 0x62, 0x00]).class(),
        FrameClass::Push
    );
}

#[test]
fn session_info_with_explicit_empty_server_id() {
    // data { user_session { session_id: "42", server_id: "" } }
    let frame = classify(&[0x3a, 0x08, 0x42, 0x06, 0x0a, 0x02, b'4', b'2', 0x12, 0x00]);
    let ServerFrame::SessionInfo(info) = frame else {
        panic!("{frame:?}")
    };
    assert_eq!(info.session_id(), Some("42"));
    assert_eq!(info.server_id(), Some(""));
    // Without the explicit field there is nothing.
    let frame = classify(&[0x3a, 0x06, 0x42, 0x04, 0x0a, 0x02, b'4', b'2']);
    let ServerFrame::SessionInfo(info) = frame else {
        panic!("{frame:?}")
    };
    assert_eq!(info.server_id(), None);
    // With a request id it is a response carrying the session.
    let frame = classify(&[0x20, 0x01, 0x3a, 0x02, 0x42, 0x00]);
    assert_eq!(frame.class(), FrameClass::Response);
}

#[test]
fn repeated_fields_merge_as_protobuf_does() {
    // data twice: { user_session { session_id "1" } } then { user_session { server_id "s" } }
    // merge into one user_session with both.
    let frame = classify(&[
        0x3a, 0x05, 0x42, 0x03, 0x0a, 0x01, b'1', 0x3a, 0x05, 0x42, 0x03, 0x12, 0x01, b's',
    ]);
    let ServerFrame::SessionInfo(info) = &frame else {
        panic!("{frame:?}")
    };
    assert_eq!(
        (info.session_id(), info.server_id()),
        (Some("1"), Some("s"))
    );
    // Another member between the two user_sessions starts the oneof afresh.
    let frame = classify(&[
        0x3a, 0x05, 0x42, 0x03, 0x0a, 0x01, b'1', 0x3a, 0x02, 0x08, 0x07, 0x3a, 0x05, 0x42, 0x03,
        0x12, 0x01, b's',
    ]);
    let ServerFrame::SessionInfo(info) = &frame else {
        panic!("{frame:?}")
    };
    assert_eq!((info.session_id(), info.server_id()), (None, Some("s")));
    // bad/067: data twice, the last member wins.
    let frame = classify(&[0x3a, 0x02, 0x08, 0x01, 0x3a, 0x03, 0x12, 0x01, 0x73]);
    assert_eq!(
        frame.envelope().unwrap().data_kind(),
        Some(DataKind::STRING)
    );
    // relayed_request twice: the kind of the first, the request id of the second.
    let frame = classify(&[0x62, 0x02, 0x42, 0x00, 0x62, 0x02, 0x08, 0x09]);
    let ServerFrame::Push(push) = &frame else {
        panic!("{frame:?}")
    };
    assert_eq!(
        push.relayed_kind(),
        Some(RequestKind::CREATE_MESSAGE_REQUEST)
    );
    assert_eq!(push.relayed_request_id(), Some(9));
    assert_eq!(push.relayed_request(), &[0x42, 0x00, 0x08, 0x09]);
    // Singular scalars: the last one wins; int32 keeps the low 32 bits as prost does.
    let frame = classify(&[
        0x20, 0x01, 0x20, 0x02, 0x28, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x28, 0xe8, 0x87, 0x80, 0x80,
        0x10,
    ]);
    let e = frame.envelope().unwrap();
    assert_eq!(e.request_id(), Some(2));
    assert_eq!(e.code().map(|c| c.as_i32()), Some(1000));
}

#[test]
fn unknown_fields_of_every_wire_type_are_skipped() {
    let frame = classify(&[
        0x18, 0x96, 0x01, // 3: varint
        0x19, 1, 2, 3, 4, 5, 6, 7, 8, // 3: i64
        0x1a, 0x02, 0xaa, 0xbb, // 3: len
        0x1b, 0x23, 0x28, 0x01, 0x24, 0x1c, // 3: group { 4: group { 5: 1 } }
        0x1d, 1, 2, 3, 4, // 3: i32
        0x20, 0x07, // request_id 7
    ]);
    assert_eq!(frame.envelope().unwrap().request_id(), Some(7));
}

#[test]
fn frames_reclassify_from_their_own_bytes() {
    for vector in vectors("notif") {
        let frame = ServerFrame::classify(vector.bytes.clone()).unwrap();
        let again = ServerFrame::classify(frame.clone().into_bytes()).unwrap();
        assert_eq!(frame, again, "{}", vector.name);
    }
}

// ---- the real gateway's rule (§5.4) ----

fn request(bytes: &[u8]) -> turms_wire::frame::RequestFrame {
    let frame = ClientFrame::classify(Bytes::copy_from_slice(bytes)).unwrap();
    assert_request_agrees_with_decode(&frame);
    match frame {
        ClientFrame::Request(request) => request,
        ClientFrame::Heartbeat => panic!("heartbeat"),
    }
}

#[test]
fn gateway_accepts_the_login_example() {
    // §8.4 without its length prefix 0x0f.
    let login = request(&[
        0x08, 0x01, 0x1a, 0x0b, 0x08, 0x01, 0x10, 0x01, 0x1a, 0x03, 0x31, 0x32, 0x33, 0x20, 0x00,
    ]);
    assert_eq!(login.gateway_accepts(), Ok(()));
    assert_eq!(login.request_id(), Some(1));
    assert_eq!(login.kind(), Some(RequestKind::CREATE_SESSION_REQUEST));
    assert_eq!(
        login.body(),
        Some(&[0x08, 0x01, 0x10, 0x01, 0x1a, 0x03, 0x31, 0x32, 0x33, 0x20, 0x00][..])
    );
    let body = login.create_session_request().unwrap().unwrap();
    assert_eq!((body.version, body.user_id), (1, 1));
    assert_eq!(body.password.as_deref(), Some("123"));
    // §8.4 logout
    let logout = request(&[0x08, 0x02, 0x22, 0x00]);
    assert_eq!(logout.gateway_accepts(), Ok(()));
    assert_eq!(logout.kind(), Some(RequestKind::DELETE_SESSION_REQUEST));
    assert_eq!(logout.create_session_request().unwrap(), None);
}

#[test]
fn the_gateway_reads_the_id_before_the_kind_where_protobuf_keeps_the_last() {
    // request_id 5, delete_session_request {}, then request_id 9 and a second kind member.
    let r = request(&[0x08, 0x05, 0x22, 0x00, 0x08, 0x09, 0x1a, 0x00]);
    let reading = r.gateway_reading().unwrap();
    assert_eq!(reading.request_id, 5);
    assert_eq!(reading.kind, RequestKind::DELETE_SESSION_REQUEST);
    assert_eq!(r.gateway_accepts(), Ok(()));
    // A full decode (and the classifier, which follows it) keeps the last of each.
    assert_eq!(r.request_id(), Some(9));
    assert_eq!(r.kind(), Some(RequestKind::CREATE_SESSION_REQUEST));
    assert_eq!(r.decode().unwrap().request_id, Some(9));
    // Refused requests have no reading.
    let refused = request(&[0x22, 0x00, 0x08, 0x05]);
    assert_eq!(
        refused.gateway_reading().map(|_| ()),
        refused.gateway_accepts()
    );
    assert!(refused.gateway_accepts().is_err());
}

#[test]
fn gateway_refuses_a_second_request_id() {
    let r = request(&[0x08, 0x01, 0x08, 0x02, 0x22, 0x00]);
    assert_eq!(
        r.gateway_accepts(),
        Err(GatewayRejection::DuplicateRequestId)
    );
    // Protobuf itself takes the last one.
    assert_eq!(r.request_id(), Some(2));
    assert_eq!(
        GatewayRejection::DuplicateRequestId.to_string(),
        "Not a valid TurmsRequest: Duplicate request ID"
    );
}

#[test]
fn gateway_refuses_a_missing_or_late_request_id() {
    // The kind first: the gateway stops reading before the id.
    let r = request(&[0x22, 0x00, 0x08, 0x01]);
    assert_eq!(r.gateway_accepts(), Err(GatewayRejection::NoRequestId));
    assert_eq!(
        (r.request_id(), r.kind()),
        (Some(1), Some(RequestKind::DELETE_SESSION_REQUEST))
    );
    // No id at all.
    let r = request(&[0x22, 0x00]);
    assert_eq!(r.gateway_accepts(), Err(GatewayRejection::NoRequestId));
    // i64::MIN is the gateway's own "no id yet" marker.
    let mut min = vec![
        0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
    ];
    min.extend_from_slice(&[0x22, 0x00]);
    let r = request(&min);
    assert_eq!(r.request_id(), Some(i64::MIN));
    assert_eq!(r.gateway_accepts(), Err(GatewayRejection::NoRequestId));
    assert_eq!(
        GatewayRejection::NoRequestId.to_string(),
        "Not a valid TurmsRequest: No request ID"
    );
}

#[test]
fn gateway_refuses_anything_between_request_id_and_kind() {
    // custom_attributes in canonical order, before the kind.
    let r = request(&[0x08, 0x01, 0x12, 0x00, 0x22, 0x00]);
    assert_eq!(
        r.gateway_accepts(),
        Err(GatewayRejection::UnknownRequestType { field: 2 })
    );
    assert_eq!(r.custom_attributes_count(), 1);
    // The same after the kind is fine.
    assert_eq!(
        request(&[0x08, 0x01, 0x22, 0x00, 0x12, 0x00]).gateway_accepts(),
        Ok(())
    );
    // An unknown field first.
    let r = request(&[0x08, 0x01, 0xf8, 0x01, 0x00, 0x22, 0x00]);
    assert_eq!(
        r.gateway_accepts(),
        Err(GatewayRejection::UnknownRequestType { field: 31 })
    );
    assert_eq!(
        GatewayRejection::UnknownRequestType { field: 31 }.to_string(),
        "Not a valid TurmsRequest: Unknown request type null"
    );
}

#[test]
fn gateway_refuses_a_request_without_kind() {
    let r = request(&[0x08, 0x01]);
    assert_eq!(r.kind(), None);
    assert_eq!(r.body(), None);
    assert_eq!(
        r.gateway_accepts(),
        Err(GatewayRejection::UnknownRequestType { field: 0 })
    );
    assert_eq!(
        GatewayRejection::UnknownRequestType { field: 0 }.to_string(),
        "Not a valid TurmsRequest: Unknown request type KIND_NOT_SET"
    );
    // A kind number the schema does not declare.
    let r = request(&[0x08, 0x01, 0x82, 0x7d, 0x00]);
    assert_eq!(r.kind(), None);
    assert_eq!(
        r.gateway_accepts(),
        Err(GatewayRejection::UnknownRequestType { field: 2000 })
    );
}

#[test]
fn gateway_parses_the_login_body_itself() {
    // create_session_request { password: 0xff } — not UTF-8 (bad/056's shape).
    let r = match ClientFrame::classify(Bytes::from_static(&[
        0x08, 0x01, 0x1a, 0x03, 0x1a, 0x01, 0xff,
    ]))
    .unwrap()
    {
        ClientFrame::Request(r) => r,
        ClientFrame::Heartbeat => unreachable!(),
    };
    assert!(matches!(
        r.gateway_accepts(),
        Err(GatewayRejection::InvalidCreateSessionRequest(_))
    ));
    assert!(r.decode().is_err());
}

#[test]
fn client_heartbeat_and_repeated_kind() {
    assert_eq!(
        ClientFrame::classify(Bytes::new()).unwrap(),
        ClientFrame::Heartbeat
    );
    // The same kind twice in a row merges: the body is both payloads.
    let r = request(&[
        0x08, 0x01, 0x22, 0x00, 0x1a, 0x02, 0x08, 0x01, 0x1a, 0x02, 0x10, 0x05,
    ]);
    assert_eq!(r.kind(), Some(RequestKind::CREATE_SESSION_REQUEST));
    assert_eq!(r.body(), Some(&[0x08, 0x01, 0x10, 0x05][..]));
    let login = r.create_session_request().unwrap().unwrap();
    assert_eq!((login.version, login.user_id), (1, 5));
    // A different kind between them starts afresh.
    let r = request(&[0x1a, 0x02, 0x08, 0x01, 0x22, 0x00, 0x1a, 0x02, 0x10, 0x05]);
    assert_eq!(r.body(), Some(&[0x10, 0x05][..]));
}
