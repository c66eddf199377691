use prost::Message;
use serde::Deserialize;
use serde_json::{json, Value};

use super::read::{check_text_depth, check_value_depth};
use super::*;
use crate::proto::{
    turms_notification, turms_request, value, CreateMessageRequest, QueryNearbyUsersRequest,
    TurmsNotification, TurmsRequest, UpdateUserLocationRequest, UpdateUserOnlineStatusRequest,
    UserInfo, Value as ProtoValue,
};

/// `custom_attributes` holding a chain of `values` nested `Value`s; the last one is `last`.
fn value_chain(values: usize, last: &str) -> String {
    let mut text = String::from("[");
    for _ in 1..values {
        text.push_str("{\"list_value\":[");
    }
    text.push_str(last);
    for _ in 1..values {
        text.push_str("]}");
    }
    text.push(']');
    text
}

/// JSON of any depth.
fn parse(text: &str) -> Value {
    let mut reader = serde_json::Deserializer::from_str(text);
    reader.disable_recursion_limit();
    Value::deserialize(&mut reader).expect("valid JSON")
}

fn notification() -> TurmsNotification {
    TurmsNotification {
        timestamp: 1_700_000_000_000,
        request_id: Some(-3),
        code: Some(1000),
        reason: Some("ok \"quoted\" ✓".into()),
        data: Some(turms_notification::Data {
            kind: Some(turms_notification::data::Kind::Long(99)),
        }),
        custom_attributes: vec![ProtoValue {
            kind: Some(value::Kind::FloatValue(0.1)),
            list_value: vec![],
        }],
        ..Default::default()
    }
}

fn request() -> TurmsRequest {
    TurmsRequest {
        request_id: Some(i64::MAX),
        kind: Some(turms_request::Kind::CreateMessageRequest(
            CreateMessageRequest {
                recipient_id: Some(0),
                text: Some("hi".into()),
                records: vec![vec![1, 2, 3].into()],
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// Every form of both envelopes converts to every other and back to the same message.
#[test]
fn both_envelopes_round_trip_through_text_values_and_bytes() {
    fn round_trip<M: Message + prost::Name + Default + PartialEq + std::fmt::Debug>(
        message_type: &MessageType,
        message: &M,
        expected: &Value,
    ) {
        let bytes = message.encode_to_vec();
        let text = message_type.bytes_to_json(&bytes).expect("bytes to text");
        let value = message_type.bytes_to_value(&bytes).expect("bytes to value");
        let raw = message_type
            .bytes_to_raw_json(&bytes)
            .expect("bytes to raw");
        assert_eq!(&value, expected);
        assert_eq!(raw.get(), text);
        assert_eq!(parse(&text), value);

        assert_eq!(
            message_type.json_to_bytes(&text).expect("text to bytes"),
            bytes
        );
        assert_eq!(
            message_type.value_to_bytes(&value).expect("value to bytes"),
            bytes
        );
        assert_eq!(&from_str::<M>(&text).expect("typed from text"), message);
        assert_eq!(&from_value::<M>(&value).expect("typed from value"), message);
        assert_eq!(to_string(message).expect("typed to text"), text);
        assert_eq!(to_value(message).expect("typed to value"), value);

        let dynamic = message_type
            .json_to_dynamic(&text)
            .expect("text to dynamic");
        assert_eq!(dynamic_to_string(&dynamic).expect("dynamic to text"), text);
        let dynamic = message_type
            .value_to_dynamic(&value)
            .expect("value to dynamic");
        assert_eq!(dynamic_to_value(&dynamic).expect("dynamic to value"), value);
    }
    round_trip(
        &NOTIFICATION,
        &notification(),
        &json!({
            "timestamp": "1700000000000",
            "request_id": "-3",
            "code": 1000,
            "reason": "ok \"quoted\" ✓",
            "data": { "long": "99" },
            "custom_attributes": [{ "float_value": 0.1 }]
        }),
    );
    round_trip(
        &REQUEST,
        &request(),
        &json!({
            "request_id": "9223372036854775807",
            "create_message_request": { "recipient_id": "0", "text": "hi", "records": ["AQID"] }
        }),
    );
    // Keys in field-number order, and the f32 with its own shortest digits.
    assert_eq!(
        NOTIFICATION
            .bytes_to_json(&notification().encode_to_vec())
            .unwrap(),
        r#"{"timestamp":"1700000000000","custom_attributes":[{"float_value":0.1}],"request_id":"-3","code":1000,"reason":"ok \"quoted\" ✓","data":{"long":"99"}}"#
    );
}

#[test]
fn message_types_by_constant_name_and_prost_type_are_one() {
    assert_eq!(
        MessageType::named("im.turms.proto.TurmsNotification").unwrap(),
        NOTIFICATION
    );
    assert_eq!(MessageType::of::<TurmsRequest>().unwrap(), REQUEST);
    assert_ne!(NOTIFICATION, REQUEST);
    assert_eq!(NOTIFICATION.full_name(), "im.turms.proto.TurmsNotification");
    assert_eq!(REQUEST.to_string(), "im.turms.proto.TurmsRequest");
    assert_eq!(REQUEST.descriptor().full_name(), REQUEST.full_name());

    let data = MessageType::named("im.turms.proto.TurmsNotification.Data").unwrap();
    assert_eq!(MessageType::of::<turms_notification::Data>().unwrap(), data);
    assert_eq!(data.descriptor().full_name(), data.full_name());
    let user = MessageType::of::<UserInfo>().unwrap();
    assert_ne!(user, data);
    let info = UserInfo {
        id: Some(5),
        name: Some("ada".into()),
        ..Default::default()
    };
    let text = user.bytes_to_json(&info.encode_to_vec()).unwrap();
    assert_eq!(text, r#"{"id":"5","name":"ada"}"#);
    assert_eq!(from_str::<UserInfo>(&text).unwrap(), info);
}

#[test]
fn an_unknown_message_name_is_an_error() {
    for name in ["im.turms.proto.Nope", "TurmsRequest", ""] {
        match MessageType::named(name) {
            Err(JsonError::UnknownMessageType(unknown)) => assert_eq!(unknown, name),
            other => panic!("{name:?}: {other:?}"),
        }
    }
    let error = MessageType::named("im.turms.proto.Nope").unwrap_err();
    assert_eq!(
        error.to_string(),
        "no message type named `im.turms.proto.Nope` in the schema"
    );
    // A prost type outside the schema.
    assert!(matches!(
        MessageType::of::<prost_types::Duration>(),
        Err(JsonError::UnknownMessageType(name)) if name == "google.protobuf.Duration"
    ));
}

/// A plain `float` or `double` holding `-0.0` is on the wire, so it is written, in field order
/// among the others; `+0.0` is the default and is not. prost's encoder drops it, so the typed
/// helpers, which encode first, do not see it.
#[test]
fn a_plain_negative_zero_on_the_wire_is_written() {
    // latitude (1) -0.0 and longitude (2) +0.0 as Google's encoder writes them, details (3).
    let mut location = vec![0x0d, 0x00, 0x00, 0x00, 0x80, 0x15, 0x00, 0x00, 0x00, 0x00];
    location.extend([0x1a, 0x06, 0x0a, 0x01, b'k', 0x12, 0x01, b'v']);
    let location_type = MessageType::of::<UpdateUserLocationRequest>().unwrap();
    assert_eq!(
        location_type.bytes_to_json(&location).unwrap(),
        r#"{"latitude":-0.0,"details":{"k":"v"}}"#
    );

    // The last field, inside an envelope: request_id 7, update_user_location_request (103)
    // with longitude -0.0.
    let mut request = vec![0x08, 0x07];
    prost::encoding::encode_key(
        103,
        prost::encoding::WireType::LengthDelimited,
        &mut request,
    );
    request.extend([0x05, 0x15, 0x00, 0x00, 0x00, 0x80]);
    let json = REQUEST.bytes_to_json(&request).unwrap();
    assert_eq!(
        json,
        r#"{"request_id":"7","update_user_location_request":{"longitude":-0.0}}"#
    );
    let value = REQUEST.bytes_to_value(&request).unwrap();
    let longitude = value["update_user_location_request"]["longitude"].as_f64();
    assert!(
        longitude.is_some_and(|l| l == 0.0 && l.is_sign_negative()),
        "{value}"
    );

    // JSON read into a reflected message keeps it; the encoders drop it.
    let dynamic = REQUEST.json_to_dynamic(&json).unwrap();
    assert_eq!(dynamic_to_string(&dynamic).unwrap(), json);
    let bytes = REQUEST.json_to_bytes(&json).unwrap();
    assert_eq!(
        REQUEST.bytes_to_json(&bytes).unwrap(),
        r#"{"request_id":"7","update_user_location_request":{}}"#
    );
    let nearby = QueryNearbyUsersRequest {
        latitude: -0.0,
        longitude: 1.5,
        ..Default::default()
    };
    assert_eq!(to_string(&nearby).unwrap(), r#"{"longitude":1.5}"#);
}

/// A map prints in key order whatever order it was decoded or built in (prost-reflect keeps it
/// in a `HashMap`, whose order differs from run to run).
#[test]
fn map_entries_are_written_in_key_order() {
    let keys = [
        "delta", "alpha", "echo", "charlie", "bravo", "foxtrot", "10", "9",
    ];
    let mut sorted = keys;
    sorted.sort_unstable();
    let expected = format!(
        "{{\"user_defined_attributes\":{{{}}}}}",
        sorted
            .iter()
            .map(|key| format!("\"{key}\":{{\"string_value\":\"{key}\"}}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    // Written in another order, read into a HashMap, written again: key order each time.
    let reversed = format!(
        "{{\"user_defined_attributes\":{{{}}}}}",
        keys.iter()
            .rev()
            .map(|key| format!("\"{key}\":{{\"string_value\":\"{key}\"}}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let user = MessageType::of::<UserInfo>().unwrap();
    for _ in 0..8 {
        let dynamic = user.json_to_dynamic(&reversed).unwrap();
        assert_eq!(dynamic_to_string(&dynamic).unwrap(), expected);
        let bytes = user.json_to_bytes(&reversed).unwrap();
        assert_eq!(user.bytes_to_json(&bytes).unwrap(), expected);
    }
    // Integer keys in numeric order.
    let group = MessageType::named("im.turms.proto.GroupConversation").unwrap();
    let text = group
        .value_to_bytes(&json!({ "member_id_to_read_date": { "10": "1", "-1": "2", "9": "3" } }))
        .and_then(|bytes| group.bytes_to_json(&bytes))
        .unwrap();
    assert_eq!(
        text,
        r#"{"member_id_to_read_date":{"-1":"2","9":"3","10":"1"}}"#
    );
}

#[test]
fn text_depth_ignores_brackets_in_strings() {
    let deep = "[".repeat(MAX_JSON_DEPTH + 1);
    let quoted = format!("{{\"reason\":\"{deep}\\\"{deep}\"}}");
    assert!(check_text_depth(quoted.as_bytes()).is_ok());
    assert!(matches!(
        check_text_depth(deep.as_bytes()),
        Err(JsonError::TooDeep { .. })
    ));
}

#[test]
fn value_depth_counts_objects_and_arrays() {
    let mut value = Value::Null;
    for _ in 0..MAX_JSON_DEPTH {
        value = Value::Array(vec![value]);
    }
    assert!(check_value_depth(&value).is_ok());
    let value = Value::Array(vec![value]);
    assert!(matches!(
        check_value_depth(&value),
        Err(JsonError::TooDeep { .. })
    ));
}

#[test]
fn the_deepest_valid_message_is_within_the_json_limit() {
    // 100 Values below the root: prost's limit exactly, and the deepest JSON it allows.
    let chain = value_chain(RECURSION_LIMIT, "{\"list_value\":[]}");
    let text = format!("{{\"custom_attributes\":{chain}}}");
    let message = NOTIFICATION
        .json_to_dynamic(&text)
        .expect("100 levels are valid");
    let json = dynamic_to_value(&message).expect("maps back to JSON");
    // The empty innermost list is a default and is omitted on the way out.
    let expected = format!(
        "{{\"custom_attributes\":{}}}",
        value_chain(RECURSION_LIMIT, "{}")
    );
    assert_eq!(json, parse(&expected));
    assert!(from_value::<TurmsNotification>(&json).is_ok());

    // One more Value is deeper than the JSON limit.
    let chain = value_chain(RECURSION_LIMIT + 1, "{\"list_value\":[]}");
    let text = format!("{{\"custom_attributes\":{chain}}}");
    assert!(matches!(
        NOTIFICATION.json_to_dynamic(&text),
        Err(JsonError::TooDeep { .. })
    ));

    // Within the JSON limit but 101 messages deep (relayed_request adds one level): prost's
    // limit refuses it.
    let chain = value_chain(RECURSION_LIMIT, "{}");
    let text = format!("{{\"relayed_request\":{{\"custom_attributes\":{chain}}}}}");
    assert!(matches!(
        NOTIFICATION.json_to_dynamic(&text),
        Err(JsonError::Decode { .. })
    ));
    assert!(matches!(
        from_value::<TurmsNotification>(&parse(&text)),
        Err(JsonError::Decode { .. })
    ));
}

#[test]
fn hostile_depth_is_an_error() {
    let text = format!("{{\"custom_attributes\":{}}}", value_chain(100_000, "{}"));
    assert!(matches!(
        NOTIFICATION.json_to_dynamic(&text),
        Err(JsonError::TooDeep { .. })
    ));
    let text = "[".repeat(1_000_000);
    assert!(matches!(
        REQUEST.json_to_bytes(&text),
        Err(JsonError::TooDeep { .. })
    ));
}

#[test]
fn output_follows_the_proto3_mapping() {
    let request = TurmsRequest {
        request_id: Some(i64::MAX),
        custom_attributes: vec![
            ProtoValue {
                kind: Some(value::Kind::FloatValue(0.1)),
                list_value: vec![],
            },
            ProtoValue {
                kind: Some(value::Kind::DoubleValue(f64::NAN)),
                list_value: vec![],
            },
            ProtoValue {
                kind: Some(value::Kind::FloatValue(f32::NEG_INFINITY)),
                list_value: vec![],
            },
            ProtoValue {
                kind: Some(value::Kind::BytesValue(vec![0xff, 0xfe].into())),
                list_value: vec![],
            },
        ],
        ..request()
    };
    let json = to_value(&request).expect("maps");
    assert_eq!(
        json,
        json!({
            "request_id": "9223372036854775807",
            "custom_attributes": [
                { "float_value": 0.1 },
                { "double_value": "NaN" },
                { "float_value": "-Infinity" },
                { "bytes_value": "//4=" }
            ],
            "create_message_request": { "recipient_id": "0", "text": "hi", "records": ["AQID"] }
        })
    );
    // The f32 keeps its own shortest digits in text.
    assert!(
        to_string(&request)
            .unwrap()
            .contains("\"float_value\":0.1}"),
        "{json}"
    );
}

#[test]
fn enums_by_name_and_unknown_numbers_as_numbers() {
    let request = TurmsRequest {
        kind: Some(turms_request::Kind::UpdateUserOnlineStatusRequest(
            UpdateUserOnlineStatusRequest {
                device_types: vec![2, 77],
                user_status: 3,
                ..Default::default()
            },
        )),
        ..Default::default()
    };
    let json = to_value(&request).expect("maps");
    let expected = json!({
        "update_user_online_status_request": { "device_types": ["IOS", 77], "user_status": "BUSY" }
    });
    assert_eq!(json, expected);
    assert_eq!(
        from_value::<TurmsRequest>(&expected).expect("reads back"),
        request
    );
    let by_number = json!({
        "update_user_online_status_request": { "device_types": [2, 77], "user_status": 3 }
    });
    assert_eq!(
        from_value::<TurmsRequest>(&by_number).expect("enums by number"),
        request
    );
}

#[test]
fn input_accepts_camel_case_and_numbers_for_int64() {
    let request: TurmsRequest = from_value(&json!({
        "requestId": 12,
        "createMessageRequest": { "recipientId": "9007199254740993", "text": "hi" }
    }))
    .expect("valid proto3 JSON");
    assert_eq!(request.request_id, Some(12));
    let Some(turms_request::Kind::CreateMessageRequest(create)) = request.kind else {
        panic!("kind: {:?}", request.kind);
    };
    assert_eq!(create.recipient_id, Some(9_007_199_254_740_993));
    assert_eq!(create.text.as_deref(), Some("hi"));
}

#[test]
fn input_errors_are_typed() {
    let error = |json: Value| from_value::<TurmsRequest>(&json).expect_err("invalid");
    assert!(matches!(
        error(json!({ "no_such_field": 1 })),
        JsonError::Deserialize { .. }
    ));
    assert!(matches!(
        error(json!({ "request_id": "x" })),
        JsonError::Deserialize { .. }
    ));
    assert!(matches!(
        error(json!({ "update_user_online_status_request": { "user_status": "NOPE" } })),
        JsonError::Deserialize { .. }
    ));
    assert!(matches!(error(json!([])), JsonError::Deserialize { .. }));
    assert!(matches!(
        REQUEST.json_to_bytes("{\"request_id\": \"1\"} trailing"),
        Err(JsonError::Deserialize { .. })
    ));
    assert!(matches!(
        from_str::<TurmsRequest>("{"),
        Err(JsonError::Deserialize { .. })
    ));
    assert!(matches!(
        NOTIFICATION.bytes_to_json(&[0x0f]),
        Err(JsonError::Decode { .. })
    ));
    assert!(matches!(
        NOTIFICATION.bytes_to_value(&[0x0f]),
        Err(JsonError::Decode { .. })
    ));
}

#[test]
fn float_extremes_round_as_google_reads_them() {
    let read = |number: f64| {
        let json = json!({ "custom_attributes": [{ "float_value": number }] });
        from_value::<TurmsRequest>(&json).map(|request| request.custom_attributes[0].kind.clone())
    };
    use value::Kind::FloatValue;
    // How Google writes f32::MAX, and the largest decimals that still round to it.
    assert_eq!(
        read(3.402_823_5e38).expect("rounds"),
        Some(FloatValue(f32::MAX))
    );
    assert_eq!(
        read(-3.402_823_5e38).expect("rounds"),
        Some(FloatValue(f32::MIN))
    );
    assert_eq!(
        read(f64::from(f32::MAX)).expect("exact"),
        Some(FloatValue(f32::MAX))
    );
    // Beyond the midpoint to 2^128 a float would be infinite: out of range.
    assert!(matches!(
        read(3.402_823_7e38),
        Err(JsonError::Deserialize { .. })
    ));
    assert!(matches!(read(-1e39), Err(JsonError::Deserialize { .. })));
    // Inside a map value and a list, too (pointer paths).
    let json = json!({
        "update_conversation_settings_request": {
            "settings": { "a/b~c": { "list_value": [{ "float_value": 3.402_823_5e38 }] } }
        }
    });
    let request: TurmsRequest = from_value(&json).expect("rounds inside maps");
    let Some(turms_request::Kind::UpdateConversationSettingsRequest(update)) = request.kind else {
        panic!("kind");
    };
    assert_eq!(
        update.settings["a/b~c"].list_value[0].kind,
        Some(FloatValue(f32::MAX))
    );
}

/// The first release's functions still answer as the new ones do.
#[test]
#[allow(deprecated)]
fn the_deprecated_functions_call_the_new_ones() {
    let body = notification().encode_to_vec();
    let value = NOTIFICATION.bytes_to_value(&body).unwrap();
    assert_eq!(notification_to_json(&body).unwrap(), value);
    assert_eq!(message_to_json(NOTIFICATION_TYPE, &body).unwrap(), value);
    assert_eq!(
        notification_to_raw_json(&body).unwrap().get(),
        NOTIFICATION.bytes_to_json(&body).unwrap()
    );
    assert_eq!(
        message_to_raw_json(NOTIFICATION_TYPE, &body).unwrap().get(),
        NOTIFICATION.bytes_to_json(&body).unwrap()
    );
    assert_eq!(to_json(NOTIFICATION_TYPE, &notification()).unwrap(), value);
    assert_eq!(json_to_notification(&value).unwrap(), notification());
    assert_eq!(
        from_json::<TurmsNotification>(NOTIFICATION_TYPE, &value).unwrap(),
        notification()
    );
    let dynamic = json_to_message(NOTIFICATION_TYPE, &value).unwrap();
    assert_eq!(dynamic_to_json(&dynamic).unwrap(), value);
    let dynamic = json_str_to_message(NOTIFICATION_TYPE, &value.to_string()).unwrap();
    assert_eq!(dynamic.encode_to_vec(), body);
    assert_eq!(
        message_descriptor(NOTIFICATION_TYPE).unwrap(),
        *NOTIFICATION.descriptor()
    );

    let body = request().encode_to_vec();
    let value = REQUEST.bytes_to_value(&body).unwrap();
    assert_eq!(request_to_json(&body).unwrap(), value);
    assert_eq!(
        request_to_raw_json(&body).unwrap().get(),
        REQUEST.bytes_to_json(&body).unwrap()
    );
    assert_eq!(json_to_request(&value).unwrap(), request());
    assert_eq!(REQUEST_TYPE, REQUEST.full_name());
    assert!(matches!(
        message_descriptor("im.turms.proto.Nope"),
        Err(JsonError::UnknownMessageType(_))
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        let _ = NOTIFICATION.bytes_to_json(&body);
        let _ = REQUEST.bytes_to_value(&body);
    }

    #[test]
    fn arbitrary_json_text_never_panics(text in "[\\[\\]{}\",:a-z_0-9.eE+-]{0,200}") {
        let _ = NOTIFICATION.json_to_dynamic(&text);
        let _ = REQUEST.json_to_bytes(&text);
    }

    #[test]
    fn decoded_bytes_survive_json(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        // Whatever maps to JSON reads back to the message prost decodes (compared as JSON,
        // where NaN equals NaN, and through prost's encoder on both sides, which drops a plain
        // -0.0 alike).
        if let Ok(json) = REQUEST.bytes_to_json(&body) {
            let request: TurmsRequest = from_str(&json).expect("JSON of a decoded request reads back");
            let decoded = TurmsRequest::decode(body.as_slice()).expect("what maps, prost decodes");
            proptest::prop_assert_eq!(to_string(&request).unwrap(), to_string(&decoded).unwrap());
        }
    }
}
