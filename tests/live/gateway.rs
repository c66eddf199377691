//! The mock gateway over loopback (`Scenario`), driven by raw clients (`ClientPeer`) over TCP
//! and WebSocket: what only its driver over real connections shows (frames on the wire in
//! order, the close sequence on the socket, framing violations and oversize messages on the
//! socket, pushes and closes from the handle, the bounded push queue, starting and shutdown).
//!
//! The gateway's rules (the accept rule, logins, heartbeats, idle and login timeouts, the
//! second-login kick, message routing, scripts) are tested on its session machine, with
//! injected time, in `src/session/gateway/tests.rs`; the client against it end to end is in
//! `client_gateway_e2e.rs`.

use std::time::Duration;

use bytes::Bytes;
use prost::Message as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use turms_wire::frame::ServerFrame;
use turms_wire::gateway::{GatewayBuilder, GatewayEvent, SessionTarget, TransportKind};
use turms_wire::proto::turms_notification::data::Kind as DataKind;
use turms_wire::proto::turms_notification::Data;
use turms_wire::proto::{DeviceType, TurmsNotification};
use turms_wire::SessionCloseStatus;
use turms_wire_test_support::gateway::Scenario;
use turms_wire_test_support::notifications::push;
use turms_wire_test_support::peer::TRANSPORTS;
use turms_wire_test_support::requests::{login_request, logout, query_profiles};
use turms_wire_test_support::wait::bounded;

const LOOPBACK: &str = "127.0.0.1:0";

const SERVER_ID: &str = "node-7";

#[tokio::test]
async fn login_pushes_session_info_before_the_ok_response() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway.password("123").server_id(SERVER_ID)).await;
        let mut clients = Vec::new();
        for (user, transport) in [(1, TransportKind::Tcp), (2, TransportKind::WebSocket)] {
            let mut client = gateway.connect(transport).await;
            client
                .send(&login_request(77, user, Some("123"), DeviceType::Android))
                .await;

            let ServerFrame::SessionInfo(info) = client.frame().await else {
                panic!("the session info comes first");
            };
            let info = info.decode().unwrap();
            assert_eq!(info.request_id, None);
            assert_eq!(info.code, None);
            assert!(info.timestamp > 0);
            let Some(Data {
                kind: Some(DataKind::UserSession(session)),
            }) = info.data
            else {
                panic!("no user_session");
            };
            let session_id: i32 = session.session_id.parse().unwrap();
            assert!(session_id > 0);
            assert_eq!(session.session_id, session_id.to_string());
            assert_eq!(session.server_id, SERVER_ID);

            let ok = client.response().await;
            assert_eq!(ok.request_id, Some(77));
            assert_eq!(ok.code, Some(1000));
            assert_eq!(ok.reason, None);
            assert_eq!(ok.data, None);
            assert!(ok.timestamp > 0);

            let live = gateway.sessions();
            let listed = live.iter().find(|s| s.user_id == user).unwrap();
            assert_eq!(listed.session_id, session_id);
            assert_eq!(listed.device_type, DeviceType::Android);
            assert_eq!(listed.transport, transport);
            client.expect_quiet().await;
            clients.push(client);
        }
        assert_eq!(gateway.sessions().len(), 2);
        // A client that goes away takes its session with it.
        drop(clients.pop());
        while gateway.sessions().len() != 1 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(gateway.events().all().iter().any(|e| matches!(
            e,
            GatewayEvent::SessionClosed { user_id: 2, reason, notified: false, .. }
                if reason.status == SessionCloseStatus::CONNECTION_CLOSED
        )));
        let lines = gateway.events().lines();
        assert_eq!(
            lines.iter().filter(|l| l.contains("login ok")).count(),
            2,
            "{lines:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn logout_closes_with_500_and_no_response() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        for transport in TRANSPORTS {
            let mut client = gateway.connect(transport).await;
            client.login(4, DeviceType::Ios).await;
            client.send(&logout(2)).await;
            // The close notification is the next frame: no response to the request.
            let closed = client.closed().await;
            assert_eq!(closed.close_status, Some(500));
            assert_eq!(closed.code, None);
            assert_eq!(closed.request_id, None);
            client.expect_end().await;
            if transport == TransportKind::WebSocket {
                assert_eq!(client.peer_close_code(), Some(CloseCode::Normal));
            }
            assert!(gateway.sessions().is_empty());
        }
    })
    .await;
}

/// Length prefixes the gateway refuses on sight (limit 16384): too large, negative as an
/// int32, and longer than 5 bytes.
const BAD_PREFIXES: [&[u8]; 3] = [
    b"\x81\x80\x01",
    b"\x80\x80\x80\x80\x08",
    b"\xff\xff\xff\xff\xff\x01",
];

#[tokio::test]
async fn bad_length_prefix_before_login_drops_the_connection() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        for prefix in BAD_PREFIXES {
            let mut client = gateway.tcp().await;
            client.write_unframed(prefix).await;
            client.expect_end().await;
        }
        let violations = gateway
            .events()
            .all()
            .into_iter()
            .filter(|e| {
                matches!(
                    e,
                    GatewayEvent::ConnectionClosed {
                        end: turms_wire::gateway::ConnectionEnd::FramingViolation(_),
                        ..
                    }
                )
            })
            .count();
        assert_eq!(violations, BAD_PREFIXES.len());
    })
    .await;
}

#[tokio::test]
async fn bad_length_prefix_after_login_closes_with_200_and_1200() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        for prefix in BAD_PREFIXES {
            let mut client = gateway.tcp().await;
            client.login(1, DeviceType::Desktop).await;
            client.write_unframed(prefix).await;
            let closed = client.closed().await;
            assert_eq!(closed.close_status, Some(200));
            assert_eq!(closed.code, Some(1200));
            assert_eq!(closed.reason, None);
            client.expect_end().await;
        }
        assert!(gateway.sessions().is_empty());
    })
    .await;
}

#[tokio::test]
async fn oversize_websocket_messages_follow_the_same_rule() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway.max_frame(64)).await;
        static BIG: [u8; 65] = [0x08; 65];

        let mut anonymous = gateway.ws().await;
        anonymous.send_raw(&BIG[..]).await;
        anonymous.expect_end().await;

        let mut client = gateway.ws().await;
        client.login(1, DeviceType::Desktop).await;
        client.send_raw(&BIG[..]).await;
        let closed = client.closed().await;
        assert_eq!(closed.close_status, Some(200));
        assert_eq!(closed.code, Some(1200));
        client.expect_end().await;
    })
    .await;
}

#[tokio::test]
async fn pushes_reach_users_and_sessions() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let mut desktop = gateway.tcp().await;
        let desktop_id = desktop.login(1, DeviceType::Desktop).await;
        let mut phone = gateway.ws().await;
        phone.login(1, DeviceType::Ios).await;

        let notification = push(5, query_profiles(123));
        assert_eq!(gateway.push(SessionTarget::User(1), &notification), 2);
        for client in [&mut desktop, &mut phone] {
            let ServerFrame::Push(push) = client.frame().await else {
                panic!("expected the push");
            };
            assert_eq!(push.decode().unwrap(), notification);
        }

        let raw = Bytes::from(
            TurmsNotification {
                timestamp: 1,
                data: Some(Data {
                    kind: Some(DataKind::Long(42)),
                }),
                ..TurmsNotification::default()
            }
            .encode_to_vec(),
        );
        assert_eq!(
            gateway.push_bytes(SessionTarget::Session(desktop_id), raw.clone()),
            1
        );
        let ServerFrame::Notification(plain) = desktop.frame().await else {
            panic!("expected a plain notification");
        };
        assert_eq!(plain.bytes(), &raw);
        phone.expect_quiet().await;
        assert_eq!(gateway.push(SessionTarget::User(2), &notification), 0);
    })
    .await;
}

#[tokio::test]
async fn shutdown_closes_every_session_with_201() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let tcp_addr = gateway.tcp_addr().unwrap();
        let mut clients = Vec::new();
        for (user, transport) in [(1, TransportKind::Tcp), (2, TransportKind::WebSocket)] {
            let mut client = gateway.connect(transport).await;
            client.login(user, DeviceType::Desktop).await;
            clients.push(client);
        }
        let mut anonymous = gateway.tcp().await;
        anonymous.expect_quiet().await;

        gateway.shutdown().await;
        for client in &mut clients {
            let closed = client.closed().await;
            assert_eq!(closed.close_status, Some(201));
            assert_eq!(closed.code, None);
            client.expect_end().await;
        }
        anonymous.expect_end().await;
        assert!(TcpStream::connect(tcp_addr).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn starting_needs_a_listener_and_a_free_address() {
    use turms_wire::gateway::GatewayError;

    let error = GatewayBuilder::new().start().await.unwrap_err();
    assert!(matches!(error, GatewayError::NoListener));

    let taken = std::net::TcpListener::bind(LOOPBACK).unwrap();
    let addr = taken.local_addr().unwrap();
    let error = GatewayBuilder::new()
        .tcp(LOOPBACK.parse().unwrap())
        .ws(addr)
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(error, GatewayError::Bind { transport: TransportKind::WebSocket, addr: a, .. } if a == addr),
        "{error}"
    );
}

#[tokio::test]
async fn shutdown_does_not_wait_for_a_client_that_stopped_reading() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let mut stalled = gateway.tcp().await;
        stalled.login(1, DeviceType::Desktop).await;
        let mut reader = gateway.ws().await;
        reader.login(2, DeviceType::Desktop).await;
        // Far more than loopback socket buffers hold: the gateway's writes block.
        let big = Bytes::from(vec![0x08; 1 << 20]);
        for _ in 0..64 {
            assert_eq!(gateway.push_bytes(SessionTarget::User(1), big.clone()), 1);
        }
        // Let the gateway write until the socket is full.
        tokio::time::sleep(Duration::from_millis(100)).await;
        gateway.shutdown().await;
        let closed = reader.closed().await;
        assert_eq!(closed.close_status, Some(201));
        drop(stalled);
    })
    .await;
}
