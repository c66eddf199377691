//! The WebSocket adapter over loopback: bodies, heartbeats, ignored text, limits, close.

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
use turms_wire_test_support::wait::bounded;

type ClientSide = WsTransport<MaybeTlsStream<TcpStream>>;
type GatewaySide = WsTransport<TcpStream>;

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

/// The role-typed ends: a `ClientWs` (the adapter under test) against a `GatewayPeer` (the
/// same adapter under `Connection`).
mod roles {
    use super::*;
    use turms_wire::codec::{request_to_bytes, Heartbeat, HeartbeatAck};
    use turms_wire::frame::{ClientFrame, ServerFrame};
    use turms_wire::proto::{TurmsNotification, TurmsRequest};
    use turms_wire::transport::ws::ClientWs;
    use turms_wire::transport::{TransportError, TransportKind};
    use turms_wire_test_support::notifications::close;
    use turms_wire_test_support::peer::{GatewayPeer, Listener};
    use turms_wire_test_support::requests::logout;

    async fn roles(
        client: Limits,
        gateway: Limits,
    ) -> (ClientWs<MaybeTlsStream<TcpStream>>, GatewayPeer) {
        let listener = Listener::bind(TransportKind::WebSocket).await;
        let (client, gateway) = tokio::join!(
            ClientWs::connect(format!("ws://{}", listener.addr()), client),
            listener.accept_with_limits(gateway)
        );
        (client.unwrap(), gateway)
    }

    #[tokio::test]
    async fn requests_notifications_and_heartbeats() {
        bounded(async {
            let (mut client, mut gateway) =
                roles(RoleKind::Client.limits(), RoleKind::Gateway.limits()).await;
            client.send(&logout(2)).await.unwrap();
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
            client.send(&logout(3)).await.unwrap();

            match gateway.frame().await {
                ClientFrame::Request(request) => {
                    assert_eq!(request.bytes(), &request_to_bytes(&logout(2)));
                    assert_eq!(&request.bytes()[..], [0x08, 0x02, 0x22, 0x00]);
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(gateway.frame().await, ClientFrame::Heartbeat);
            let malformed = gateway.next_item().await.unwrap().unwrap_err();
            assert_eq!(&malformed.bytes[..], [0x08, 0xff]);
            let next = gateway.frame().await;
            assert_eq!(next.decode().unwrap(), logout(3));

            gateway.send(HeartbeatAck).await;
            gateway.notify(&close(500, None, None)).await;
            assert_eq!(
                client.next().await.unwrap().unwrap().unwrap(),
                ServerFrame::HeartbeatAck
            );
            let closed = client.next().await.unwrap().unwrap().unwrap();
            assert!(matches!(closed, ServerFrame::Close(_)), "{closed:?}");
            assert_eq!(closed.decode().unwrap(), close(500, None, None));
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
                .try_send(&TurmsNotification::default())
                .await
                .unwrap_err();
            assert!(matches!(
                err,
                TransportError::WebSocket(WsError::Outbound(OutboundError::EmptyMessage))
            ));
            let big = TurmsNotification {
                reason: Some("r".repeat(40)),
                ..Default::default()
            };
            gateway.notify(&big).await;
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
            assert!(gateway.received().await.is_none());
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
