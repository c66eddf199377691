//! Both role codecs end to end through `Framed` over an in-memory duplex pipe.

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use prost::Message;
use tokio::io::{duplex, AsyncWriteExt, DuplexStream};
use tokio_util::codec::{Framed, FramedRead};

use super::*;
use crate::frame::{ClientFrame, ServerFrame};
use crate::proto::{
    turms_notification, turms_request, value, CreateSessionRequest, DeleteSessionRequest,
    TurmsNotification, TurmsRequest, Value,
};
use crate::role::RoleKind;

type ClientEnd = Framed<DuplexStream, ClientCodec>;
type GatewayEnd = Framed<DuplexStream, GatewayCodec>;

fn connected() -> (ClientEnd, GatewayEnd) {
    let (a, b) = duplex(64 * 1024);
    (
        Framed::new(a, ClientCodec::new()),
        Framed::new(b, GatewayCodec::new()),
    )
}

fn login(request_id: i64) -> TurmsRequest {
    TurmsRequest {
        request_id: Some(request_id),
        kind: Some(turms_request::Kind::CreateSessionRequest(
            CreateSessionRequest {
                version: 1,
                user_id: 1,
                password: Some("123".to_owned()),
                user_status: Some(0),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

fn ok_response(request_id: i64) -> TurmsNotification {
    TurmsNotification {
        timestamp: 1_700_000_000_000,
        request_id: Some(request_id),
        code: Some(1000),
        ..Default::default()
    }
}

#[tokio::test]
async fn requests_and_notifications_cross_both_ways() {
    let (mut client, mut gateway) = connected();
    let with_attributes = TurmsRequest {
        request_id: Some(2),
        custom_attributes: vec![Value {
            kind: Some(value::Kind::StringValue("a".into())),
            ..Default::default()
        }],
        kind: Some(turms_request::Kind::DeleteSessionRequest(
            DeleteSessionRequest::default(),
        )),
    };
    client.send(&login(1)).await.unwrap();
    client.send(Heartbeat).await.unwrap();
    client.send(&with_attributes).await.unwrap();

    for expected in [Some(login(1)), None, Some(with_attributes)] {
        let frame = gateway.next().await.unwrap().unwrap().unwrap();
        match (frame, expected) {
            (ClientFrame::Heartbeat, None) => {}
            (ClientFrame::Request(request), Some(expected)) => {
                assert_eq!(request.bytes(), &request_to_bytes(&expected));
                assert_eq!(request.request_id(), expected.request_id);
                assert_eq!(request.decode().unwrap(), expected);
            }
            (frame, expected) => panic!("{frame:?} instead of {expected:?}"),
        }
    }

    let session_info = TurmsNotification {
        timestamp: 1,
        data: Some(turms_notification::Data {
            kind: Some(turms_notification::data::Kind::UserSession(
                crate::proto::UserSession {
                    session_id: "7".into(),
                    server_id: "n1".into(),
                    ..Default::default()
                },
            )),
        }),
        ..Default::default()
    };
    let relayed = notification_to_bytes(&session_info);
    gateway.send(&ok_response(1)).await.unwrap();
    gateway.send(HeartbeatAck).await.unwrap();
    gateway.send(relayed.clone()).await.unwrap();

    match client.next().await.unwrap().unwrap().unwrap() {
        ServerFrame::Response(response) => {
            assert_eq!(response.request_id(), 1);
            assert_eq!(
                ServerFrame::Response(response).decode().unwrap(),
                ok_response(1)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        client.next().await.unwrap().unwrap().unwrap(),
        ServerFrame::HeartbeatAck
    );
    let info = client.next().await.unwrap().unwrap().unwrap();
    assert!(matches!(info, ServerFrame::SessionInfo(_)), "{info:?}");
    assert_eq!(info.bytes(), &relayed);
}

#[tokio::test]
async fn heartbeats_are_the_single_byte_zero() {
    let mut wire = BytesMut::new();
    tokio_util::codec::Encoder::encode(&mut ClientCodec::new(), Heartbeat, &mut wire).unwrap();
    tokio_util::codec::Encoder::encode(&mut GatewayCodec::new(), HeartbeatAck, &mut wire).unwrap();
    assert_eq!(&wire[..], [0x00, 0x00]);
}

#[tokio::test]
async fn empty_messages_are_refused_not_sent_as_heartbeats() {
    let mut wire = BytesMut::new();
    let err = tokio_util::codec::Encoder::encode(
        &mut ClientCodec::new(),
        &TurmsRequest::default(),
        &mut wire,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        FramingError::Outbound(OutboundError::EmptyMessage)
    ));
    let err = tokio_util::codec::Encoder::encode(
        &mut GatewayCodec::new(),
        &TurmsNotification::default(),
        &mut wire,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        FramingError::Outbound(OutboundError::EmptyMessage)
    ));
    assert!(wire.is_empty());
}

#[tokio::test]
async fn oversize_frames_are_refused_on_both_sides() {
    let (mut client, mut gateway) = connected();
    let mut big = login(3);
    if let Some(turms_request::Kind::CreateSessionRequest(login)) = &mut big.kind {
        login.password = Some("x".repeat(DEFAULT_MAX_REQUEST_FRAME));
    }
    let err = client.send(&big).await.unwrap_err();
    assert!(matches!(
        err,
        FramingError::Outbound(OutboundError::TooLarge { len, max: DEFAULT_MAX_REQUEST_FRAME }) if len == big.encoded_len()
    ));
    // Nothing of it went out: the next request is the next frame.
    client.send(&login(4)).await.unwrap();
    let frame = gateway.next().await.unwrap().unwrap().unwrap();
    assert_eq!(frame.bytes(), &request_to_bytes(&login(4)));

    // A client that ignores the limit is stopped at the header.
    let mut raw = client.into_inner();
    let mut header = BytesMut::new();
    write_length_prefix(DEFAULT_MAX_REQUEST_FRAME + 1, &mut header);
    raw.write_all(&header).await.unwrap();
    let err = gateway.next().await.unwrap().unwrap_err();
    assert!(matches!(
        err,
        FramingError::FrameTooLarge { len, max: DEFAULT_MAX_REQUEST_FRAME } if len == DEFAULT_MAX_REQUEST_FRAME + 1
    ));
    assert!(
        gateway.next().await.is_none(),
        "a framing error ends the stream"
    );
}

#[tokio::test]
async fn a_malformed_body_spoils_only_its_frame() {
    let (mut client, mut gateway) = connected();
    // Field 1 as a varint, cut off inside its value.
    client
        .send(Bytes::from_static(&[0x08, 0xff]))
        .await
        .unwrap();
    client.send(&login(5)).await.unwrap();
    let malformed = gateway.next().await.unwrap().unwrap().unwrap_err();
    assert_eq!(&malformed.bytes[..], [0x08, 0xff]);
    let frame = gateway.next().await.unwrap().unwrap().unwrap();
    assert_eq!(frame.bytes(), &request_to_bytes(&login(5)));

    gateway
        .send(Bytes::from_static(&[0x20, 0x80]))
        .await
        .unwrap();
    gateway.send(&ok_response(5)).await.unwrap();
    let malformed = client.next().await.unwrap().unwrap().unwrap_err();
    assert_eq!(&malformed.bytes[..], [0x20, 0x80]);
    assert!(malformed.to_string().contains("2-byte"), "{malformed}");
    assert!(matches!(
        client.next().await.unwrap().unwrap().unwrap(),
        ServerFrame::Response(_)
    ));
}

#[tokio::test]
async fn a_truncated_stream_delivers_every_frame_then_the_error() {
    let (mut writer, reader) = duplex(1024);
    let mut wire = BytesMut::new();
    for id in [1, 2] {
        let body = ok_response(id).encode_to_vec();
        write_length_prefix(body.len(), &mut wire);
        wire.put_slice(&body);
    }
    wire.put_slice(&[0x00, 0x10, 0x08, 0x01]);
    writer.write_all(&wire).await.unwrap();
    drop(writer);

    let mut client = FramedRead::new(reader, ClientCodec::new());
    for id in [1, 2] {
        match client.next().await.unwrap().unwrap().unwrap() {
            ServerFrame::Response(response) => assert_eq!(response.request_id(), id),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        client.next().await.unwrap().unwrap().unwrap(),
        ServerFrame::HeartbeatAck
    );
    let err = client.next().await.unwrap().unwrap_err();
    assert!(matches!(
        err,
        FramingError::TruncatedFrame {
            expected: 16,
            received: 2
        }
    ));
    assert!(client.next().await.is_none());
}

#[test]
fn role_defaults() {
    assert_eq!(ClientCodec::new().limits(), RoleKind::Client.limits());
    assert_eq!(ClientCodec::default().limits(), RoleKind::Client.limits());
    assert_eq!(GatewayCodec::new().limits(), RoleKind::Gateway.limits());
    assert_eq!(GatewayCodec::default().limits(), RoleKind::Gateway.limits());
}
