//! What "classification agrees with a full decode" means, shared by the classification tests
//! and the fuzz checks. Payloads are compared with [`crate::dynamic_eq`], so a NaN in a decoded
//! vector equals itself and maps compare in any order.

use bytes::{BufMut, Bytes};
use prost::Message;
use turms_wire::frame::{ClientFrame, DataKind, FrameClass, RequestKind, ServerFrame};
use turms_wire::proto::turms_notification::{data, Data};
use turms_wire::proto::{TurmsNotification, TurmsRequest};

use crate::dynamic_eq::{assert_same, assert_same_opt};

/// The class §11.10 gives a decoded notification (`empty` = the frame had no bytes).
pub fn expected_class(n: &TurmsNotification, empty: bool) -> FrameClass {
    if empty {
        FrameClass::Heartbeat
    } else if n.request_id == Some(-100) {
        FrameClass::HeartbeatFailure
    } else if n.close_status.is_some() {
        FrameClass::Close
    } else if n.relayed_request.is_some() {
        FrameClass::Push
    } else if n.request_id.is_some() {
        FrameClass::Response
    } else if matches!(
        n.data.as_ref().and_then(|d| d.kind.as_ref()),
        Some(data::Kind::UserSession(_))
    ) {
        FrameClass::SessionInfo
    } else {
        FrameClass::Notification
    }
}

/// Asserts that every accessor of a classified frame says what the decoded frame holds.
/// Panics if the frame does not decode: call it only on frames that do.
pub fn assert_agrees_with_decode(frame: &ServerFrame) {
    let decoded = frame
        .decode()
        .expect("assert_agrees_with_decode needs a frame that decodes");
    assert_agrees_with(frame, &decoded);
}

/// [`assert_agrees_with_decode`] when the frame decodes; `false` (and no check) when not.
pub fn agrees_if_decodable(frame: &ServerFrame) -> bool {
    match frame.decode() {
        Ok(decoded) => {
            assert_agrees_with(frame, &decoded);
            true
        }
        Err(_) => false,
    }
}

pub fn assert_agrees_with(frame: &ServerFrame, n: &TurmsNotification) {
    let bytes = frame.bytes();
    assert_eq!(
        frame.class(),
        expected_class(n, bytes.is_empty()),
        "class of {n:?}"
    );
    let Some(e) = frame.envelope() else {
        assert!(bytes.is_empty());
        assert_eq!(*n, TurmsNotification::default());
        return;
    };
    assert_eq!(e.bytes(), bytes);
    assert_eq!(e.timestamp(), n.timestamp, "timestamp");
    assert_eq!(e.request_id(), n.request_id, "request_id");
    assert_eq!(e.code().map(|c| c.as_i32()), n.code, "code");
    assert_eq!(
        e.reason()
            .map(|r| r.expect("a decoded reason is UTF-8").to_owned()),
        n.reason,
        "reason"
    );
    assert_eq!(e.reason_bytes().is_some(), n.reason.is_some());
    assert_eq!(e.requester_id(), n.requester_id, "requester_id");
    assert_eq!(
        e.close_status().map(|c| c.as_i32()),
        n.close_status,
        "close_status"
    );
    assert_eq!(
        e.custom_attributes_count(),
        n.custom_attributes.len(),
        "custom_attributes"
    );

    // data: the bytes decode to the decoded data; the kind and session ids match.
    let data_kind = n
        .data
        .as_ref()
        .and_then(|d| d.kind.as_ref())
        .map(DataKind::of);
    assert_eq!(e.data_kind(), data_kind, "data_kind");
    match (&n.data, e.data()) {
        (None, None) => {}
        (Some(expected), Some(raw)) => {
            assert_same(
                &Data::decode(raw).expect("data() decodes"),
                expected,
                "data()",
            );
        }
        (expected, raw) => panic!("data: decoded {expected:?}, classified {raw:?}"),
    }
    assert_same_opt(
        &e.decode_data().expect("decode_data"),
        &n.data,
        "decode_data",
    );
    let session = match n.data.as_ref().and_then(|d| d.kind.as_ref()) {
        Some(data::Kind::UserSession(s)) => Some(s),
        _ => None,
    };
    match session {
        Some(s) => {
            assert_eq!(e.session_id().unwrap_or(""), s.session_id, "session_id");
            assert_eq!(e.server_id().unwrap_or(""), s.server_id, "server_id");
        }
        None => {
            assert_eq!(e.session_id(), None);
            assert_eq!(e.server_id(), None);
        }
    }

    // relayed_request
    let relayed = n.relayed_request.as_ref();
    assert_eq!(
        e.relayed_kind(),
        relayed.and_then(|r| r.kind.as_ref()).map(RequestKind::of),
        "relayed_kind"
    );
    assert_eq!(
        e.relayed_request_id(),
        relayed.and_then(|r| r.request_id),
        "relayed_request_id"
    );
    match (relayed, e.relayed_request()) {
        (None, None) => {}
        (Some(expected), Some(raw)) => assert_same(
            &TurmsRequest::decode(raw).expect("relayed_request() decodes"),
            expected,
            "relayed_request()",
        ),
        (expected, raw) => panic!("relayed: decoded {expected:?}, classified {raw:?}"),
    }
    assert_same_opt(
        &e.decode_relayed().expect("decode_relayed"),
        &n.relayed_request,
        "decode_relayed",
    );

    // The class views say the same.
    match frame {
        ServerFrame::HeartbeatAck => unreachable!(),
        ServerFrame::HeartbeatFailure(r) | ServerFrame::Response(r) => {
            assert_eq!(Some(r.request_id()), n.request_id);
            assert_eq!(r.code().map(|c| c.as_i32()), n.code);
            assert_eq!(
                r.is_success(),
                n.code.is_some_and(|c| (1000..1100).contains(&c))
            );
            assert_eq!(r.data(), e.data());
            assert_eq!(r.data_kind(), data_kind);
            assert_eq!(r.reason().is_some(), n.reason.is_some());
            assert_same_opt(
                &r.decode_data().expect("decode_data"),
                &n.data,
                "decode_data",
            );
        }
        ServerFrame::Close(c) => {
            assert_eq!(Some(c.status().as_i32()), n.close_status);
            assert_eq!(c.code().map(|c| c.as_i32()), n.code);
            assert_eq!(c.reason().is_some(), n.reason.is_some());
        }
        ServerFrame::Push(p) => {
            assert_eq!(p.requester_id(), n.requester_id);
            assert_eq!(p.relayed_kind(), e.relayed_kind());
            assert_eq!(p.relayed_request_id(), e.relayed_request_id());
            assert_eq!(Some(p.relayed_request()), e.relayed_request());
            assert_same_opt(
                &Some(p.decode_relayed().expect("decode_relayed")),
                &n.relayed_request,
                "decode_relayed",
            );
        }
        ServerFrame::SessionInfo(s) => {
            let expected = session.expect("session info has a user_session");
            assert_eq!(s.session_id().unwrap_or(""), expected.session_id);
            assert_eq!(s.server_id().unwrap_or(""), expected.server_id);
        }
        ServerFrame::Notification(v) => {
            assert_eq!(v.data(), e.data());
            assert_eq!(v.data_kind(), data_kind);
        }
    }
}

/// Asserts that a classified request frame says what the decoded request holds.
pub fn assert_request_agrees_with_decode(frame: &ClientFrame) {
    let decoded = frame
        .decode()
        .expect("assert_request_agrees_with_decode needs a frame that decodes");
    assert_request_agrees_with(frame, &decoded);
}

/// [`assert_request_agrees_with_decode`] when the frame decodes; `false` when not.
pub fn request_agrees_if_decodable(frame: &ClientFrame) -> bool {
    match frame.decode() {
        Ok(decoded) => {
            assert_request_agrees_with(frame, &decoded);
            true
        }
        Err(_) => false,
    }
}

pub fn assert_request_agrees_with(frame: &ClientFrame, r: &TurmsRequest) {
    let request = match frame {
        ClientFrame::Heartbeat => {
            assert!(frame.bytes().is_empty());
            assert_eq!(*r, TurmsRequest::default());
            return;
        }
        ClientFrame::Request(request) => request,
    };
    assert_eq!(request.bytes(), frame.bytes());
    assert_eq!(request.request_id(), r.request_id, "request_id");
    assert_eq!(request.kind(), r.kind.as_ref().map(RequestKind::of), "kind");
    assert_eq!(
        request.custom_attributes_count(),
        r.custom_attributes.len(),
        "custom_attributes"
    );
    match (request.kind(), request.body()) {
        (None, None) => {}
        (Some(kind), Some(body)) => {
            // The body, put back under its kind's field, decodes to the decoded kind.
            let mut rebuilt = Vec::new();
            prost::encoding::encode_key(
                kind.number(),
                prost::encoding::WireType::LengthDelimited,
                &mut rebuilt,
            );
            prost::encoding::encode_varint(body.len() as u64, &mut rebuilt);
            rebuilt.put_slice(body);
            let alone = TurmsRequest::decode(Bytes::from(rebuilt)).expect("body() decodes");
            let expected = TurmsRequest {
                kind: r.kind.clone(),
                ..TurmsRequest::default()
            };
            assert_same(&alone, &expected, "body()");
        }
        (kind, body) => panic!("kind {kind:?} with body {body:?}"),
    }
    let body = TurmsRequest {
        kind: request.decode_body().expect("decode_body"),
        ..TurmsRequest::default()
    };
    let expected = TurmsRequest {
        kind: r.kind.clone(),
        ..TurmsRequest::default()
    };
    assert_same(&body, &expected, "decode_body");
}
