//! Properties of classification: it never panics, never refuses a frame that decodes, and
//! agrees with a full decode on generated frames in any field order, with repeated fields and
//! with unknown fields of every wire type.

use bytes::{BufMut, Bytes};
use proptest::collection::vec;
use proptest::prelude::*;
use prost::encoding::{decode_key, encode_key, encode_varint, skip_field, DecodeContext};
use prost::Message;
use turms_wire::frame::{ClientFrame, GatewayRejection, RequestKind, ServerFrame};
use turms_wire::proto::turms_notification::{data, Data};
use turms_wire::proto::{
    turms_request, value, CreateMessageRequest, CreateSessionRequest, DeleteSessionRequest,
    LongsWithVersion, QueryUserProfilesRequest, TurmsNotification, TurmsRequest,
    UpdateTypingStatusRequest, UserSession, Value,
};
use turms_wire_test_support::classify::{
    agrees_if_decodable, assert_agrees_with_decode, assert_request_agrees_with_decode,
    expected_class, request_agrees_if_decodable,
};

// ---- strategies for messages ----

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z0-9]{1,6}", "\\PC{0,12}"]
}

fn custom_value() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        Just(None),
        any::<i32>().prop_map(|v| Some(value::Kind::Int32Value(v))),
        any::<i64>().prop_map(|v| Some(value::Kind::Int64Value(v))),
        any::<bool>().prop_map(|v| Some(value::Kind::BoolValue(v))),
        text().prop_map(|v| Some(value::Kind::StringValue(v))),
        vec(any::<u8>(), 0..6).prop_map(|v| Some(value::Kind::BytesValue(v.into()))),
    ];
    (kind, vec(any::<i32>(), 0..2)).prop_map(|(kind, list)| Value {
        kind,
        list_value: list
            .into_iter()
            .map(|v| Value {
                kind: Some(value::Kind::Int32Value(v)),
                list_value: vec![],
            })
            .collect(),
    })
}

fn data() -> impl Strategy<Value = Data> {
    // user_session is the member classification reads into, so it comes up most.
    let kind = prop_oneof![
        1 => Just(None),
        1 => any::<i64>().prop_map(|v| Some(data::Kind::Long(v))),
        1 => text().prop_map(|v| Some(data::Kind::String(v))),
        3 => (text(), text(), vec(custom_value(), 0..2)).prop_map(|(session_id, server_id, attrs)| {
            Some(data::Kind::UserSession(UserSession {
                session_id,
                server_id,
                custom_attributes: attrs,
            }))
        }),
        1 => (vec(any::<i64>(), 0..4), proptest::option::of(any::<i64>())).prop_map(
            |(longs, last_updated_date)| {
                Some(data::Kind::LongsWithVersion(LongsWithVersion {
                    longs,
                    last_updated_date,
                }))
            }
        ),
    ];
    kind.prop_map(|kind| Data { kind })
}

fn request_id() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        Just(None),
        Just(Some(-100)),
        Just(Some(-1)),
        Just(Some(0)),
        Just(Some(i64::MIN)),
        any::<i64>().prop_map(Some),
    ]
}

fn request_kind() -> impl Strategy<Value = Option<turms_request::Kind>> {
    prop_oneof![
        Just(None),
        (
            proptest::option::of(any::<i64>()),
            proptest::option::of(text())
        )
            .prop_map(|(recipient_id, text)| {
                Some(turms_request::Kind::CreateMessageRequest(
                    CreateMessageRequest {
                        recipient_id,
                        text,
                        ..Default::default()
                    },
                ))
            }),
        Just(Some(turms_request::Kind::DeleteSessionRequest(
            DeleteSessionRequest::default()
        ))),
        vec(any::<i64>(), 0..3).prop_map(|user_ids| {
            Some(turms_request::Kind::QueryUserProfilesRequest(
                QueryUserProfilesRequest {
                    user_ids,
                    ..Default::default()
                },
            ))
        }),
        (any::<i32>(), any::<i64>(), proptest::option::of(text())).prop_map(
            |(version, user_id, password)| {
                Some(turms_request::Kind::CreateSessionRequest(
                    CreateSessionRequest {
                        version,
                        user_id,
                        password,
                        ..Default::default()
                    },
                ))
            }
        ),
        (any::<bool>(), any::<i64>()).prop_map(|(is_group_message, to_id)| {
            Some(turms_request::Kind::UpdateTypingStatusRequest(
                UpdateTypingStatusRequest {
                    is_group_message,
                    to_id,
                    ..Default::default()
                },
            ))
        }),
    ]
}

fn turms_request() -> impl Strategy<Value = TurmsRequest> {
    (request_id(), vec(custom_value(), 0..3), request_kind()).prop_map(
        |(request_id, custom_attributes, kind)| TurmsRequest {
            request_id,
            custom_attributes,
            kind,
        },
    )
}

pub(crate) fn notification() -> impl Strategy<Value = TurmsNotification> {
    (
        any::<i64>(),
        request_id(),
        proptest::option::of(prop_oneof![
            Just(1000),
            Just(2104),
            Just(1201),
            any::<i32>()
        ]),
        proptest::option::of(text()),
        proptest::option::of(data()),
        proptest::option::of(any::<i64>()),
        proptest::option::of(prop_oneof![Just(0), Just(110), any::<i32>()]),
        proptest::option::of(turms_request()),
        vec(custom_value(), 0..3),
    )
        .prop_map(
            |(
                timestamp,
                request_id,
                code,
                reason,
                data,
                requester_id,
                close_status,
                relayed_request,
                custom_attributes,
            )| TurmsNotification {
                timestamp,
                custom_attributes,
                request_id,
                code,
                reason,
                data,
                requester_id,
                close_status,
                relayed_request,
            },
        )
}

// ---- strategies for rearranging encoded messages ----

/// An unknown field of any wire type, groups nested up to three deep, with a field number
/// neither `TurmsNotification` nor `TurmsRequest` declares.
fn unknown_field() -> impl Strategy<Value = Vec<u8>> {
    let number = prop_oneof![15u32..100, 110u32..200, 2000u32..3000, Just((1 << 29) - 1)];
    let leaf = (number.clone(), 0u8..5, vec(any::<u8>(), 0..8), any::<u64>()).prop_map(
        |(number, wire, payload, varint)| {
            let mut out = Vec::new();
            match wire {
                0 => {
                    encode_key(number, prost::encoding::WireType::Varint, &mut out);
                    encode_varint(varint, &mut out);
                }
                1 => {
                    encode_key(number, prost::encoding::WireType::SixtyFourBit, &mut out);
                    out.put_u64_le(varint);
                }
                2 => {
                    encode_key(number, prost::encoding::WireType::LengthDelimited, &mut out);
                    encode_varint(payload.len() as u64, &mut out);
                    out.extend_from_slice(&payload);
                }
                _ => {
                    encode_key(number, prost::encoding::WireType::ThirtyTwoBit, &mut out);
                    out.put_u32_le(varint as u32);
                }
            }
            out
        },
    );
    leaf.prop_recursive(3, 12, 3, move |inner| {
        (number.clone(), vec(inner, 0..3)).prop_map(|(number, fields)| {
            let mut out = Vec::new();
            encode_key(number, prost::encoding::WireType::StartGroup, &mut out);
            for f in fields {
                out.extend_from_slice(&f);
            }
            encode_key(number, prost::encoding::WireType::EndGroup, &mut out);
            out
        })
    })
}

/// How to rearrange a message's top-level fields.
#[derive(Debug, Clone)]
struct Rearrangement {
    shuffle_seed: u64,
    duplicates: Vec<prop::sample::Index>,
    unknown: Vec<(prop::sample::Index, Vec<u8>)>,
}

fn rearrangement() -> impl Strategy<Value = Rearrangement> {
    (
        any::<u64>(),
        vec(any::<prop::sample::Index>(), 0..3),
        vec((any::<prop::sample::Index>(), unknown_field()), 0..3),
    )
        .prop_map(|(shuffle_seed, duplicates, unknown)| Rearrangement {
            shuffle_seed,
            duplicates,
            unknown,
        })
}

/// A message's top-level fields, each as its own encoded bytes.
fn split_fields(mut buf: &[u8]) -> Vec<Vec<u8>> {
    let mut fields = Vec::new();
    while !buf.is_empty() {
        let before = buf;
        let (number, wire_type) = decode_key(&mut buf).unwrap();
        skip_field(wire_type, number, &mut buf, DecodeContext::default()).unwrap();
        fields.push(before[..before.len() - buf.len()].to_vec());
    }
    fields
}

impl Rearrangement {
    fn apply(&self, encoded: &[u8]) -> Vec<u8> {
        let mut fields = split_fields(encoded);
        if !fields.is_empty() {
            for index in &self.duplicates {
                let copy = fields[index.index(fields.len())].clone();
                fields.push(copy);
            }
        }
        // Fisher–Yates with a small xorshift, so the order follows from the seed.
        let mut state = self.shuffle_seed | 1;
        for i in (1..fields.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            fields.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for (at, field) in &self.unknown {
            let at = at.index(fields.len() + 1);
            fields.insert(at, field.clone());
        }
        fields.concat()
    }
}

/// A notification whose relayed request is rearranged too.
fn encode_notification(n: &TurmsNotification, relayed: &Rearrangement) -> Vec<u8> {
    let mut outer = n.clone();
    let inner = outer.relayed_request.take();
    let mut out = outer.encode_to_vec();
    if let Some(request) = inner {
        let request = relayed.apply(&request.encode_to_vec());
        encode_key(12, prost::encoding::WireType::LengthDelimited, &mut out);
        encode_varint(request.len() as u64, &mut out);
        out.extend_from_slice(&request);
    }
    out
}

// ---- field soup: plausible but arbitrary envelopes ----

#[derive(Debug, Clone)]
enum Soup {
    Varint(u32, u64),
    Fixed64(u32, u64),
    Fixed32(u32, u32),
    Len(u32, Vec<u8>),
    Nested(u32, Vec<Soup>),
    Group(u32, Vec<Soup>),
    Raw(Vec<u8>),
}

fn soup_number() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => 1u32..13,
        1 => 13u32..20,
        1 => prop::sample::select(vec![100u32, 200, 400, 1201, 2000]),
    ]
}

fn soup() -> impl Strategy<Value = Soup> {
    let leaf = prop_oneof![
        3 => (soup_number(), any::<u64>()).prop_map(|(n, v)| Soup::Varint(n, v)),
        3 => (soup_number(), prop_oneof![Just(-100i64 as u64), Just(0u64), Just(1u64)])
            .prop_map(|(n, v)| Soup::Varint(n, v)),
        2 => (soup_number(), any::<u64>()).prop_map(|(n, v)| Soup::Fixed64(n, v)),
        2 => (soup_number(), any::<u32>()).prop_map(|(n, v)| Soup::Fixed32(n, v)),
        3 => (soup_number(), vec(any::<u8>(), 0..6)).prop_map(|(n, v)| Soup::Len(n, v)),
        1 => vec(any::<u8>(), 1..3).prop_map(Soup::Raw),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            3 => (soup_number(), vec(inner.clone(), 0..4)).prop_map(|(n, v)| Soup::Nested(n, v)),
            1 => (soup_number(), vec(inner, 0..3)).prop_map(|(n, v)| Soup::Group(n, v)),
        ]
    })
}

fn encode_soup(fields: &[Soup], out: &mut Vec<u8>) {
    use prost::encoding::WireType as W;
    for field in fields {
        match field {
            Soup::Varint(n, v) => {
                encode_key(*n, W::Varint, out);
                encode_varint(*v, out);
            }
            Soup::Fixed64(n, v) => {
                encode_key(*n, W::SixtyFourBit, out);
                out.put_u64_le(*v);
            }
            Soup::Fixed32(n, v) => {
                encode_key(*n, W::ThirtyTwoBit, out);
                out.put_u32_le(*v);
            }
            Soup::Len(n, v) => {
                encode_key(*n, W::LengthDelimited, out);
                encode_varint(v.len() as u64, out);
                out.extend_from_slice(v);
            }
            Soup::Nested(n, inner) => {
                let mut body = Vec::new();
                encode_soup(inner, &mut body);
                encode_key(*n, W::LengthDelimited, out);
                encode_varint(body.len() as u64, out);
                out.extend_from_slice(&body);
            }
            Soup::Group(n, inner) => {
                encode_key(*n, W::StartGroup, out);
                encode_soup(inner, out);
                encode_key(*n, W::EndGroup, out);
            }
            Soup::Raw(bytes) => out.extend_from_slice(bytes),
        }
    }
}

/// Classification and full decode on arbitrary bytes: no panic, no refusal of what decodes,
/// agreement where both accept.
fn check_both_ways(bytes: &[u8]) {
    let bytes = Bytes::copy_from_slice(bytes);
    let notification_decodes = TurmsNotification::decode(bytes.clone()).is_ok();
    match ServerFrame::classify(bytes.clone()) {
        Ok(frame) => {
            agrees_if_decodable(&frame);
        }
        Err(e) => {
            assert!(
                !notification_decodes,
                "refused a notification that decodes: {e}"
            );
            assert!(e.offset() as usize <= bytes.len());
        }
    }
    let request_decodes = TurmsRequest::decode(bytes.clone()).is_ok();
    match ClientFrame::classify(bytes.clone()) {
        Ok(frame) => {
            request_agrees_if_decodable(&frame);
            if let ClientFrame::Request(r) = &frame {
                let _ = r.gateway_accepts();
            }
        }
        Err(e) => assert!(!request_decodes, "refused a request that decodes: {e}"),
    }
}

/// The gateway's rule, restated over a list of top-level fields.
fn gateway_model(fields: &[Vec<u8>]) -> Result<(), GatewayRejection> {
    let mut request_id: Option<i64> = None;
    for field in fields {
        let mut buf = &field[..];
        let (number, wire_type) = decode_key(&mut buf).unwrap();
        if number == 1 && wire_type == prost::encoding::WireType::Varint {
            if request_id.is_some() {
                return Err(GatewayRejection::DuplicateRequestId);
            }
            let id = prost::encoding::decode_varint(&mut buf).unwrap() as i64;
            request_id = (id != i64::MIN).then_some(id);
            continue;
        }
        if request_id.is_none() {
            return Err(GatewayRejection::NoRequestId);
        }
        return if RequestKind::from_number(number).is_known() {
            Ok(())
        } else {
            Err(GatewayRejection::UnknownRequestType { field: number })
        };
    }
    if request_id.is_none() {
        Err(GatewayRejection::NoRequestId)
    } else {
        Err(GatewayRejection::UnknownRequestType { field: 0 })
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..128)) {
        check_both_ways(&bytes);
    }

    #[test]
    fn field_soup_classifies_as_it_decodes(fields in vec(soup(), 0..8)) {
        let mut bytes = Vec::new();
        encode_soup(&fields, &mut bytes);
        check_both_ways(&bytes);
    }

    #[test]
    fn generated_notifications_agree(n in notification()) {
        let bytes = Bytes::from(n.encode_to_vec());
        let frame = ServerFrame::classify(bytes.clone()).unwrap();
        prop_assert_eq!(frame.class(), expected_class(&n, bytes.is_empty()));
        assert_agrees_with_decode(&frame);
    }

    #[test]
    fn repeated_data_and_relayed_merge_as_decoded(
        datas in vec(data(), 1..6),
        relayed in vec(turms_request(), 0..4),
        request_id in request_id(),
    ) {
        let mut encoded = Vec::new();
        if let Some(id) = request_id {
            prost::encoding::int64::encode(4, &id, &mut encoded);
        }
        for d in &datas {
            prost::encoding::message::encode(7, d, &mut encoded);
        }
        for r in &relayed {
            prost::encoding::message::encode(12, r, &mut encoded);
        }
        let frame = ServerFrame::classify(Bytes::from(encoded)).unwrap();
        assert_agrees_with_decode(&frame);
    }

    #[test]
    fn generated_requests_agree(r in turms_request()) {
        let bytes = Bytes::from(r.encode_to_vec());
        let frame = ClientFrame::classify(bytes.clone()).unwrap();
        assert_request_agrees_with_decode(&frame);
        // prost writes fields in number order: request_id, custom_attributes, kind.
        if let ClientFrame::Request(request) = &frame {
            let expected = match (r.request_id, r.custom_attributes.is_empty(), &r.kind) {
                (None | Some(i64::MIN), _, _) => Err(GatewayRejection::NoRequestId),
                (Some(_), false, _) => Err(GatewayRejection::UnknownRequestType { field: 2 }),
                (Some(_), true, None) => Err(GatewayRejection::UnknownRequestType { field: 0 }),
                (Some(_), true, Some(_)) => Ok(()),
            };
            prop_assert_eq!(request.gateway_accepts(), expected);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn rearranged_notifications_agree(
        n in notification(),
        outer in rearrangement(),
        inner in rearrangement(),
        more_data in vec(data(), 0..3),
        more_relayed in vec(turms_request(), 0..2),
    ) {
        // Further occurrences of data and relayed_request, which merge into the first.
        let mut encoded = encode_notification(&n, &inner);
        for d in more_data {
            prost::encoding::message::encode(7, &d, &mut encoded);
        }
        for r in more_relayed {
            prost::encoding::message::encode(12, &r, &mut encoded);
        }
        let bytes = Bytes::from(outer.apply(&encoded));
        let frame = ServerFrame::classify(bytes.clone()).unwrap();
        assert_agrees_with_decode(&frame);
    }

    #[test]
    fn rearranged_requests_agree(r in turms_request(), how in rearrangement()) {
        let bytes = Bytes::from(how.apply(&r.encode_to_vec()));
        let frame = ClientFrame::classify(bytes.clone()).unwrap();
        assert_request_agrees_with_decode(&frame);
        if let ClientFrame::Request(request) = &frame {
            prop_assert_eq!(request.gateway_accepts(), gateway_model(&split_fields(&bytes)));
        }
    }
}
