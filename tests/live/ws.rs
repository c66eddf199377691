//! The WebSocket adapter over loopback: bodies, heartbeats, ignored text, limits, close.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use turms_wire::codec::Limits;
use turms_wire::codec::OutboundError;
use turms_wire::role::RoleKind;
use turms_wire::transport::ws::{websocket_config, WsError, WsTransport};

type ClientSide = WsTransport<MaybeTlsStream<TcpStream>>;
type GatewaySide = WsTransport<TcpStream>;

/// Runs `test` with a time bound, so a hung connection fails instead of stalling the suite.
async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(20), test)
        .await
        .expect("loopback test did not finish");
}

/// A connected pair over 127.0.0.1: (client side, gateway side).
async fn pair(client: Limits, gateway: Limits) -> (ClientSide, GatewaySide) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        tokio_tungstenite::accept_async_with_config(tcp, Some(websocket_config(gateway)))
            .await
            .unwrap()
    });
    let (ws, _) = tokio_tungstenite::connect_async_with_config(
        format!("ws://{addr}/any/path"),
        Some(websocket_config(client)),
        true,
    )
    .await
    .unwrap();
    let server: WebSocketStream<TcpStream> = accept.await.unwrap();
    (
        WsTransport::new(ws, client),
        WsTransport::new(server, gateway),
    )
}

#[tokio::test]
async fn raw_bodies_and_heartbeats_cross_both_ways() {
    bounded(async {
        let (mut client, mut gateway) =
            pair(RoleKind::Client.limits(), RoleKind::Gateway.limits()).await;
        client.send(Bytes::from_static(b"\x08\x01")).await.unwrap();
        client.send(Bytes::new()).await.unwrap();
        assert_eq!(gateway.next().await.unwrap().unwrap(), "\x08\x01");
        assert_eq!(gateway.next().await.unwrap().unwrap(), "");
        gateway.send(Bytes::new()).await.unwrap();
        gateway.send(Bytes::from_static(b"\x20\x01")).await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), "");
        assert_eq!(client.next().await.unwrap().unwrap(), "\x20\x01");
    })
    .await;
}

#[tokio::test]
async fn text_pings_and_pongs_are_skipped() {
    bounded(async {
        let (mut client, mut gateway) =
            pair(RoleKind::Client.limits(), RoleKind::Gateway.limits()).await;
        let raw = client.get_mut();
        raw.send(Message::text("not a request")).await.unwrap();
        raw.send(Message::Ping(Bytes::from_static(b"p")))
            .await
            .unwrap();
        raw.send(Message::Pong(Bytes::from_static(b"q")))
            .await
            .unwrap();
        raw.send(Message::binary(&b"\x08\x02"[..])).await.unwrap();
        assert_eq!(gateway.next().await.unwrap().unwrap(), "\x08\x02");
    })
    .await;
}

#[tokio::test]
async fn oversize_messages_are_refused_both_ways() {
    bounded(async {
        let (mut client, mut gateway) =
            pair(RoleKind::Client.limits(), RoleKind::Gateway.limits().with_max_inbound_frame(64)).await;
        // Outbound: refused before anything is sent.
        let small = RoleKind::Client.limits().max_outbound_frame();
        let err = client
            .send(Bytes::from(vec![1u8; small + 1]))
            .await
            .unwrap_err();
        assert!(
            matches!(err, WsError::Outbound(OutboundError::TooLarge { len, max }) if len == small + 1 && max == small)
        );
        client.send(Bytes::from(vec![2u8; 64])).await.unwrap();
        assert_eq!(gateway.next().await.unwrap().unwrap().len(), 64);
        // Inbound: a message over the gateway's limit, pushed past our own check.
        client
            .get_mut()
            .send(Message::binary(vec![3u8; 65]))
            .await
            .unwrap();
        let err = gateway.next().await.unwrap().unwrap_err();
        assert!(matches!(err, WsError::MessageTooLarge { max: 64, .. }), "{err:?}");
        assert!(gateway.next().await.is_none(), "the stream ends after a refusal");
    })
    .await;
}

#[tokio::test]
async fn the_peer_close_frame_is_kept() {
    bounded(async {
        let (mut client, mut gateway) =
            pair(RoleKind::Client.limits(), RoleKind::Gateway.limits()).await;
        gateway
            .send(Bytes::from_static(b"\x58\xf4\x03"))
            .await
            .unwrap();
        let closing = tokio::spawn(async move {
            gateway
                .close(Some(CloseFrame {
                    code: CloseCode::Normal,
                    reason: "".into(),
                }))
                .await
                .unwrap();
            // Drive the handshake until the client's answer arrives.
            assert!(gateway.next().await.is_none());
            gateway.peer_close().map(|f| f.map(|f| f.code))
        });
        assert_eq!(client.next().await.unwrap().unwrap(), &b"\x58\xf4\x03"[..]);
        assert!(client.peer_close().is_none());
        assert!(client.next().await.is_none());
        let frame = client.peer_close().expect("close frame surfaced");
        assert_eq!(frame.map(|f| f.code), Some(CloseCode::Normal));
        // The client answered the close, so the gateway saw one too.
        assert_eq!(closing.await.unwrap(), Some(Some(CloseCode::Normal)));
    })
    .await;
}

mod roles {
    use super::*;
    use turms_wire::codec::{request_to_bytes, Heartbeat, HeartbeatAck};
    use turms_wire::frame::{ClientFrame, ServerFrame};
    use turms_wire::proto::{turms_request, DeleteSessionRequest, TurmsNotification, TurmsRequest};
    use turms_wire::transport::ws::{ClientWs, GatewayWs};

    async fn roles(
        client: Limits,
        gateway: Limits,
    ) -> (ClientWs<MaybeTlsStream<TcpStream>>, GatewayWs<TcpStream>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            GatewayWs::accept(tcp, gateway).await.unwrap()
        });
        let client = ClientWs::connect(format!("ws://{addr}"), client)
            .await
            .unwrap();
        (client, accept.await.unwrap())
    }

    fn delete_session(request_id: i64) -> TurmsRequest {
        TurmsRequest {
            request_id: Some(request_id),
            kind: Some(turms_request::Kind::DeleteSessionRequest(
                DeleteSessionRequest::default(),
            )),
            ..Default::default()
        }
    }

    fn close_notification() -> TurmsNotification {
        TurmsNotification {
            timestamp: 1,
            close_status: Some(500),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn requests_notifications_and_heartbeats() {
        bounded(async {
            let (mut client, mut gateway) =
                roles(RoleKind::Client.limits(), RoleKind::Gateway.limits()).await;
            client.send(&delete_session(2)).await.unwrap();
            client.send(Heartbeat).await.unwrap();
            client
                .transport()
                .get_mut()
                .send(Message::text("ignored"))
                .await
                .unwrap();
            client
                .send(Bytes::from_static(&[0x08, 0xff]))
                .await
                .unwrap();
            client.send(&delete_session(3)).await.unwrap();

            match gateway.next().await.unwrap().unwrap().unwrap() {
                ClientFrame::Request(request) => {
                    assert_eq!(request.bytes(), &request_to_bytes(&delete_session(2)));
                    assert_eq!(&request.bytes()[..], [0x08, 0x02, 0x22, 0x00]);
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(
                gateway.next().await.unwrap().unwrap().unwrap(),
                ClientFrame::Heartbeat
            );
            let malformed = gateway.next().await.unwrap().unwrap().unwrap_err();
            assert_eq!(&malformed.bytes[..], [0x08, 0xff]);
            let next = gateway.next().await.unwrap().unwrap().unwrap();
            assert_eq!(next.decode().unwrap(), delete_session(3));

            gateway.send(HeartbeatAck).await.unwrap();
            gateway.send(&close_notification()).await.unwrap();
            assert_eq!(
                client.next().await.unwrap().unwrap().unwrap(),
                ServerFrame::HeartbeatAck
            );
            let closed = client.next().await.unwrap().unwrap().unwrap();
            assert!(matches!(closed, ServerFrame::Close(_)), "{closed:?}");
            assert_eq!(closed.decode().unwrap(), close_notification());
        })
        .await;
    }

    #[tokio::test]
    async fn limits_and_empty_messages() {
        bounded(async {
            let (mut client, mut gateway) = roles(
                RoleKind::Client.limits().with_max_inbound_frame(32),
                RoleKind::Gateway.limits(),
            )
            .await;
            let err = client.send(&TurmsRequest::default()).await.unwrap_err();
            assert!(matches!(
                err,
                WsError::Outbound(OutboundError::EmptyMessage)
            ));
            let err = gateway
                .send(&TurmsNotification::default())
                .await
                .unwrap_err();
            assert!(matches!(
                err,
                WsError::Outbound(OutboundError::EmptyMessage)
            ));
            let big = TurmsNotification {
                reason: Some("r".repeat(40)),
                ..Default::default()
            };
            gateway.send(&big).await.unwrap();
            let err = client.next().await.unwrap().unwrap_err();
            assert!(
                matches!(err, WsError::MessageTooLarge { max: 32, .. }),
                "{err:?}"
            );
            assert!(client.next().await.is_none());
        })
        .await;
    }

    #[tokio::test]
    async fn the_gateway_sees_the_client_close() {
        bounded(async {
            let (mut client, mut gateway) =
                roles(RoleKind::Client.limits(), RoleKind::Gateway.limits()).await;
            client
                .close(Some(CloseFrame {
                    code: CloseCode::Away,
                    reason: "bye".into(),
                }))
                .await
                .unwrap();
            assert!(gateway.next().await.is_none());
            let frame = gateway.peer_close().unwrap().unwrap();
            assert_eq!(frame.code, CloseCode::Away);
            assert_eq!(frame.reason.as_str(), "bye");
            // The handshake is over; the server side drops the connection, which ends the
            // client's stream.
            drop(gateway);
            assert!(client.next().await.is_none());
            assert!(client.peer_close().is_some());
        })
        .await;
    }
}
