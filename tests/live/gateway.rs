//! The mock gateway over loopback (`Scenario`), driven by raw clients (`ClientPeer`) over TCP
//! and WebSocket.

use std::time::Duration;

use bytes::Bytes;
use prost::Message as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use turms_wire::frame::ServerFrame;
use turms_wire::gateway::{
    AuthDecision, CloseNotice, GatewayBuilder, GatewayEvent, LoginAttempt, LoginConflictPolicy,
    Reply, ScriptedResponse, SessionTarget, TransportKind,
};
use turms_wire::proto::turms_notification::data::Kind as DataKind;
use turms_wire::proto::turms_notification::Data;
use turms_wire::proto::turms_request::Kind;
use turms_wire::proto::{
    CreateMessageRequest, DeviceType, QueryMessagesRequest, TurmsNotification, TurmsRequest,
    UpdateUserRequest,
};
use turms_wire::{ResponseStatusCode, SessionCloseStatus};
use turms_wire_test_support::gateway::Scenario;
use turms_wire_test_support::notifications::push;
use turms_wire_test_support::peer::TRANSPORTS;
use turms_wire_test_support::requests::{
    group_message, login_request, logout, private_message, query_profiles, request,
};
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
async fn wrong_password_keeps_the_connection_open_until_the_login_timeout() {
    bounded(async {
        let gateway = Scenario::start(|gateway| {
            gateway
                .password("123")
                .login_timeout(Duration::from_millis(300))
        })
        .await;
        for transport in TRANSPORTS {
            let mut client = gateway.connect(transport).await;
            client
                .send(&login_request(5, 1, Some("wrong"), DeviceType::Desktop))
                .await;
            let refused = client.response().await;
            assert_eq!(refused.request_id, Some(5));
            assert_eq!(refused.code, Some(2011));
            assert_eq!(
                refused.reason.as_deref(),
                Some("The user's login information does not match")
            );
            // No password at all is wrong too.
            client
                .send(&login_request(6, 1, None, DeviceType::Desktop))
                .await;
            assert_eq!(client.response().await.code, Some(2011));
            // Still open: a heartbeat is answered (with the no-session failure).
            client.heartbeat().await;
            assert!(matches!(client.frame().await, ServerFrame::HeartbeatFailure(_)));

            let closed = client.closed().await;
            assert_eq!(closed.close_status, Some(111));
            assert_eq!(closed.code, None);
            assert_eq!(closed.reason, None);
            client.expect_end().await;
            if transport == TransportKind::WebSocket {
                assert_eq!(client.peer_close_code(), Some(CloseCode::Normal));
            }
        }
        assert!(gateway.sessions().is_empty());
        let failed = gateway
            .events()
            .all()
            .into_iter()
            .filter(|e| matches!(e, GatewayEvent::LoginFailed { code, .. } if *code == ResponseStatusCode::LOGIN_AUTHENTICATION_FAILED))
            .count();
        assert_eq!(failed, 4);
        let timed_out = gateway
            .events()
            .all()
            .into_iter()
            .filter(|e| {
                matches!(e, GatewayEvent::ConnectionClosed { notified: Some(close), .. }
                    if close.status == SessionCloseStatus::LOGIN_TIMEOUT)
            })
            .count();
        assert_eq!(timed_out, 2);
    })
    .await;
}

#[tokio::test]
async fn other_client_versions_are_refused() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let mut client = gateway.tcp().await;
        let mut login = login_request(9, 1, None, DeviceType::Desktop);
        if let Some(Kind::CreateSessionRequest(ref mut l)) = login.kind {
            l.version = 2;
        }
        client.send(&login).await;
        let refused = client.response().await;
        assert_eq!(refused.request_id, Some(9));
        assert_eq!(refused.code, Some(2000));
        assert_eq!(
            refused.reason.as_deref(),
            Some("Supported client versions are: [1], but got: 2")
        );
        // The connection stays usable: version 1 logs in.
        client.login(1, DeviceType::Desktop).await;
    })
    .await;
}

#[tokio::test]
async fn authenticator_decides_and_a_second_login_on_one_connection_is_refused() {
    bounded(async {
        let gateway = Scenario::start(|gateway| {
            gateway.authenticator(|login: &LoginAttempt<'_>| match login.user_id() {
                13 => AuthDecision::user_not_active(),
                14 => AuthDecision::deny_with_reason(
                    ResponseStatusCode::LOGIN_FROM_FORBIDDEN_DEVICE_TYPE,
                    "no phones",
                ),
                _ => AuthDecision::Allow,
            })
        })
        .await;
        let mut client = gateway.tcp().await;
        client
            .send(&login_request(1, 13, None, DeviceType::Desktop))
            .await;
        let refused = client.response().await;
        assert_eq!(refused.code, Some(2012));
        assert_eq!(
            refused.reason.as_deref(),
            Some("The logging in user is inactive")
        );
        client
            .send(&login_request(2, 14, None, DeviceType::Ios))
            .await;
        let refused = client.response().await;
        assert_eq!(refused.code, Some(2013));
        assert_eq!(refused.reason.as_deref(), Some("no phones"));

        client.login(15, DeviceType::Desktop).await;
        client
            .send(&login_request(3, 15, None, DeviceType::Desktop))
            .await;
        let existing = client.response().await;
        assert_eq!(existing.request_id, Some(3));
        assert_eq!(existing.code, Some(2103));
        assert_eq!(existing.reason, None);
        assert_eq!(gateway.sessions().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn heartbeats_before_and_after_login() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        for transport in TRANSPORTS {
            let mut client = gateway.connect(transport).await;
            client.heartbeat().await;
            let ServerFrame::HeartbeatFailure(failure) = client.frame().await else {
                panic!("expected a heartbeat failure");
            };
            let failure = failure.decode().unwrap();
            assert_eq!(failure.request_id, Some(-100));
            assert_eq!(failure.code, Some(2104));
            assert_eq!(failure.reason, None);
            assert!(failure.timestamp > 0);

            client.login(1, DeviceType::Desktop).await;
            client.heartbeat().await;
            client.heartbeat().await;
            assert!(matches!(client.frame().await, ServerFrame::HeartbeatAck));
            assert!(matches!(client.frame().await, ServerFrame::HeartbeatAck));
        }
    })
    .await;
}

#[tokio::test]
async fn requests_before_login_get_1200_and_logout_before_login_nothing() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        for transport in TRANSPORTS {
            let mut client = gateway.connect(transport).await;
            client.send(&query_profiles(41)).await;
            let refused = client.response().await;
            assert_eq!(refused.request_id, Some(41));
            assert_eq!(refused.code, Some(1200));
            assert_eq!(refused.reason, None);
            // DeleteSessionRequest without a session: no answer, nothing closes.
            client.send(&logout(42)).await;
            client.expect_quiet().await;
        }
    })
    .await;
}

#[tokio::test]
async fn idle_sessions_close_with_heartbeat_timeout() {
    bounded(async {
        let gateway =
            Scenario::start(|gateway| gateway.idle_timeout(Duration::from_millis(150))).await;
        for transport in TRANSPORTS {
            let mut client = gateway.connect(transport).await;
            let session_id = client.login(3, DeviceType::Browser).await;
            let closed = client.closed().await;
            assert_eq!(closed.close_status, Some(110));
            assert_eq!(closed.code, None);
            assert_eq!(closed.reason, None);
            client.expect_end().await;
            assert!(gateway.sessions().is_empty());
            assert!(gateway.events().all().iter().any(|e| matches!(
                e,
                GatewayEvent::SessionClosed { session_id: id, reason, notified: true, .. }
                    if *id == session_id && reason.status == SessionCloseStatus::HEARTBEAT_TIMEOUT
            )));
        }
    })
    .await;
}

#[tokio::test]
async fn heartbeats_and_requests_keep_a_session_alive() {
    bounded(async {
        let gateway =
            Scenario::start(|gateway| gateway.idle_timeout(Duration::from_millis(400))).await;
        let mut client = gateway.tcp().await;
        client.login(3, DeviceType::Desktop).await;
        // Six pauses of 100 ms outlast the idle timeout; each is followed by activity.
        for round in 0..6 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if round % 2 == 0 {
                client.heartbeat().await;
                assert!(matches!(client.frame().await, ServerFrame::HeartbeatAck));
            } else {
                client.send(&query_profiles(round)).await;
                assert_eq!(client.response().await.code, Some(1001));
            }
        }
        assert_eq!(gateway.sessions().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_second_login_on_the_same_device_type_closes_the_first_with_500() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let mut first = gateway.tcp().await;
        let first_id = first.login(1, DeviceType::Desktop).await;
        let mut phone = gateway.ws().await;
        phone.login(1, DeviceType::Android).await;

        let mut second = gateway.ws().await;
        let second_id = second.login(1, DeviceType::Desktop).await;
        assert_ne!(first_id, second_id);

        let closed = first.closed().await;
        assert_eq!(closed.close_status, Some(500));
        assert_eq!(closed.code, None);
        assert_eq!(closed.reason, None);
        first.expect_end().await;

        // Another device type is not affected.
        phone.expect_quiet().await;
        second.expect_quiet().await;
        let ids: Vec<i32> = gateway.sessions().iter().map(|s| s.session_id).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&second_id) && !ids.contains(&first_id));
    })
    .await;
}

#[tokio::test]
async fn the_decline_policy_refuses_the_second_login() {
    bounded(async {
        let gateway =
            Scenario::start(|gateway| gateway.login_conflict(LoginConflictPolicy::DeclineNew))
                .await;
        let mut first = gateway.tcp().await;
        first.login(1, DeviceType::Desktop).await;
        let mut second = gateway.tcp().await;
        second
            .send(&login_request(8, 1, None, DeviceType::Desktop))
            .await;
        let refused = second.response().await;
        assert_eq!(refused.code, Some(2100));
        first.expect_quiet().await;
        assert_eq!(gateway.sessions().len(), 1);
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

#[tokio::test]
async fn after_a_close_notification_requests_are_ignored_until_the_close_timeout() {
    bounded(async {
        let gateway =
            Scenario::start(|gateway| gateway.close_timeout(Duration::from_millis(200))).await;
        for transport in TRANSPORTS {
            let mut client = gateway.connect(transport).await;
            client.login(4, DeviceType::Desktop).await;
            client.send(&logout(2)).await;
            assert_eq!(client.closed().await.close_status, Some(500));
            client.send(&query_profiles(3)).await;
            client.heartbeat().await;
            client
                .send(&login_request(4, 4, None, DeviceType::Desktop))
                .await;
            // Nothing is answered; the gateway closes the transport when the wait is over.
            client.expect_end().await;
        }
    })
    .await;
}

/// Request bodies the real gateway's fast parser refuses, and its message for each.
const UNREADABLE: [(&[u8], &str); 6] = [
    // custom_attributes (field 2) between request_id and the kind
    (
        b"\x08\x05\x12\x02\x08\x07\x22\x00",
        "Not a valid TurmsRequest: Unknown request type null",
    ),
    // the kind before request_id
    (
        b"\x22\x00\x08\x05",
        "Not a valid TurmsRequest: No request ID",
    ),
    // request_id twice
    (
        b"\x08\x05\x08\x06\x22\x00",
        "Not a valid TurmsRequest: Duplicate request ID",
    ),
    // no kind at all
    (
        b"\x08\x05",
        "Not a valid TurmsRequest: Unknown request type KIND_NOT_SET",
    ),
    // an unknown field (99) as the kind
    (
        b"\x08\x05\x9a\x06\x00",
        "Not a valid TurmsRequest: Unknown request type null",
    ),
    // an empty kind member is fine for the parser, so pair it with a truncated varint
    // instead: not protobuf at all
    (b"\x08\x05\x22", "Not a valid TurmsRequest: "),
];

#[tokio::test]
async fn accept_rule_violations_get_minus_one_and_1100_then_1106() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        for transport in TRANSPORTS {
            let mut client = gateway.connect(transport).await;
            for (body, message) in UNREADABLE {
                client.send_raw(body).await;
                let refused = client.response().await;
                assert_eq!(refused.request_id, Some(-1), "{body:02x?}");
                assert_eq!(refused.code, Some(1100), "{body:02x?}");
                let reason = refused.reason.unwrap();
                assert!(reason.starts_with(message), "{body:02x?}: {reason}");
            }
            client.expect_quiet().await;

            client.login(6, DeviceType::Desktop).await;
            for (body, _) in UNREADABLE {
                client.send_raw(body).await;
                let refused = client.response().await;
                assert_eq!(refused.request_id, Some(-1), "{body:02x?}");
                assert_eq!(refused.code, Some(1106), "{body:02x?}");
                assert_eq!(
                    refused.reason.as_deref(),
                    Some("The request is unauthorized")
                );
            }
            // The session is still open.
            client.heartbeat().await;
            assert!(matches!(client.frame().await, ServerFrame::HeartbeatAck));
        }
        assert!(gateway
            .events()
            .lines()
            .iter()
            .any(|l| l.contains("refused")));
    })
    .await;
}

#[tokio::test]
async fn request_ids_must_be_positive() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let mut client = gateway.tcp().await;
        for logged_in in [false, true] {
            if logged_in {
                client.login(1, DeviceType::Desktop).await;
            }
            for id in [0, -5, i64::MIN + 1] {
                client.send(&query_profiles(id)).await;
                let refused = client.response().await;
                assert_eq!(refused.request_id, Some(id));
                assert_eq!(refused.code, Some(1100));
                assert_eq!(
                    refused.reason.as_deref(),
                    Some("The request ID must be greater than 0")
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn responses_carry_the_request_id_the_gateway_reads_before_the_kind() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        for transport in TRANSPORTS {
            let mut client = gateway.connect(transport).await;
            client.login(1, DeviceType::Desktop).await;
            // request_id 5 and the kind, as every client writes them, then request_id 9, which
            // a full decode would keep and the real gateway never reads.
            let mut body = turms_wire::codec::request_to_bytes(&query_profiles(5)).to_vec();
            body.extend_from_slice(&[0x08, 0x09]);
            client.send_raw(body).await;
            let response = client.response().await;
            assert_eq!(response.request_id, Some(5));
            assert!(response.code.is_some_and(|c| (1000..1100).contains(&c)));
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
async fn private_messages_reach_every_device_of_the_recipient_and_the_senders_others() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let mut sender = gateway.tcp().await;
        sender.login(1, DeviceType::Desktop).await;
        // The sender's other device gets the message too (Turms'
        // send-message-to-other-sender-online-devices); the sending session only its response.
        let mut senders_phone = gateway.ws().await;
        senders_phone.login(1, DeviceType::Android).await;
        let mut desktop = gateway.tcp().await;
        desktop.login(2, DeviceType::Desktop).await;
        let mut phone = gateway.ws().await;
        phone.login(2, DeviceType::Android).await;
        let mut bystander = gateway.tcp().await;
        bystander.login(3, DeviceType::Desktop).await;

        let sent = private_message(31, 2, "hello");
        sender.send(&sent).await;
        let ok = sender.response().await;
        assert_eq!(ok.request_id, Some(31));
        assert_eq!(ok.code, Some(1000));
        let Some(Data {
            kind: Some(DataKind::Long(message_id)),
        }) = ok.data
        else {
            panic!("the response carries the message id");
        };

        let mut pushed = Vec::new();
        for device in [&mut desktop, &mut phone, &mut senders_phone] {
            let ServerFrame::Push(push) = device.frame().await else {
                panic!("expected a push");
            };
            assert_eq!(push.requester_id(), Some(1));
            assert_eq!(push.relayed_request_id(), Some(31));
            let notification = push.decode().unwrap();
            assert_eq!(notification.request_id, None);
            assert_eq!(notification.code, None);
            let relayed = push.decode_relayed().unwrap();
            let Some(Kind::CreateMessageRequest(message)) = &relayed.kind else {
                panic!("relayed a {relayed:?}");
            };
            assert_eq!(message.message_id, Some(message_id));
            let delivery = message.delivery_date.expect("delivery_date filled in");
            assert!(delivery > 0);
            // The sender's request, with the two fields filled in.
            let mut expected = sent.clone();
            if let Some(Kind::CreateMessageRequest(m)) = &mut expected.kind {
                m.message_id = Some(message_id);
                m.delivery_date = Some(delivery);
            }
            assert_eq!(relayed, expected);
            pushed.push(push.into_bytes());
        }
        // One encoding for every recipient.
        assert!(pushed.iter().all(|bytes| *bytes == pushed[0]));
        sender.expect_quiet().await;
        bystander.expect_quiet().await;

        let stored = gateway.messages();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].id, Some(message_id));
        assert_eq!(stored[0].sender_id, Some(1));
        assert_eq!(stored[0].recipient_id, Some(2));
    })
    .await;
}

#[tokio::test]
async fn group_messages_reach_the_other_members() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway.group(100, [1, 2])).await;
        gateway.add_group(100, [3]);
        let mut members = Vec::new();
        for user in [1, 2, 3, 4] {
            let mut client = gateway.tcp().await;
            client.login(user, DeviceType::Desktop).await;
            members.push(client);
        }
        members[0].send(&group_message(7, 100, "hi all")).await;
        let ok = members[0].response().await;
        assert_eq!(ok.code, Some(1000));
        for member in &mut members[1..3] {
            let ServerFrame::Push(push) = member.frame().await else {
                panic!("expected a push");
            };
            assert_eq!(push.requester_id(), Some(1));
            let Some(Kind::CreateMessageRequest(message)) = push.decode_relayed().unwrap().kind
            else {
                panic!("not a message");
            };
            assert_eq!(message.group_id, Some(100));
            assert_eq!(message.text.as_deref(), Some("hi all"));
        }
        // Not to the sender, not to non-members.
        members[0].expect_quiet().await;
        members[3].expect_quiet().await;
        assert_eq!(gateway.groups()[&100], [1, 2, 3]);
    })
    .await;
}

#[tokio::test]
async fn messages_are_refused_without_a_target_or_as_system_messages() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let mut client = gateway.tcp().await;
        client.login(1, DeviceType::Desktop).await;
        client
            .send(&request(
                1,
                Kind::CreateMessageRequest(CreateMessageRequest::default()),
            ))
            .await;
        let refused = client.response().await;
        assert_eq!(refused.code, Some(1102));
        let mut system = private_message(2, 2, "x");
        if let Some(Kind::CreateMessageRequest(m)) = &mut system.kind {
            m.is_system_message = Some(true);
        }
        client.send(&system).await;
        assert_eq!(client.response().await.code, Some(1102));
        assert!(gateway.messages().is_empty());
    })
    .await;
}

#[tokio::test]
async fn query_messages_answers_from_the_store() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let mut alice = gateway.tcp().await;
        alice.login(1, DeviceType::Desktop).await;
        let mut bob = gateway.ws().await;
        bob.login(2, DeviceType::Desktop).await;

        for (id, text) in [(1, "one"), (2, "two"), (3, "three")] {
            alice.send(&private_message(id, 2, text)).await;
            assert_eq!(alice.response().await.code, Some(1000));
            assert!(matches!(bob.frame().await, ServerFrame::Push(_)));
        }

        let query = |request_id, q: QueryMessagesRequest| {
            request(request_id, Kind::QueryMessagesRequest(q))
        };
        bob.send(&query(
            10,
            QueryMessagesRequest {
                from_ids: vec![1],
                descending: Some(true),
                max_count: Some(2),
                ..QueryMessagesRequest::default()
            },
        ))
        .await;
        let found = bob.response().await;
        assert_eq!(found.code, Some(1000));
        let Some(Data {
            kind: Some(DataKind::Messages(messages)),
        }) = found.data
        else {
            panic!("expected data.messages");
        };
        let texts: Vec<_> = messages
            .messages
            .iter()
            .filter_map(|m| m.text.as_deref())
            .collect();
        assert_eq!(texts, ["three", "two"]);
        assert!(messages.messages.iter().all(|m| m.sender_id == Some(1)));

        bob.send(&query(
            11,
            QueryMessagesRequest {
                with_total: true,
                max_count: Some(1),
                ..QueryMessagesRequest::default()
            },
        ))
        .await;
        let found = bob.response().await;
        let Some(Data {
            kind: Some(DataKind::MessagesWithTotalList(list)),
        }) = found.data
        else {
            panic!("expected data.messages_with_total_list");
        };
        assert_eq!(list.messages_with_total_list.len(), 1);
        let from_alice = &list.messages_with_total_list[0];
        assert_eq!(
            (
                from_alice.from_id,
                from_alice.is_group_message,
                from_alice.total
            ),
            (1, false, 3)
        );
        assert_eq!(from_alice.messages.len(), 1);
        assert_eq!(from_alice.messages[0].text.as_deref(), Some("one"));

        // Nothing matches: NO_CONTENT, as turms-service answers.
        bob.send(&query(
            12,
            QueryMessagesRequest {
                are_group_messages: Some(true),
                ..QueryMessagesRequest::default()
            },
        ))
        .await;
        let empty = bob.response().await;
        assert_eq!((empty.request_id, empty.code), (Some(12), Some(1001)));
        assert_eq!(empty.data, None);
    })
    .await;
}

#[tokio::test]
async fn unscripted_requests_get_no_content() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        let mut client = gateway.ws().await;
        client.login(1, DeviceType::Desktop).await;
        client.send(&query_profiles(5)).await;
        let answer = client.response().await;
        assert_eq!(answer.request_id, Some(5));
        assert_eq!(answer.code, Some(1001));
        assert_eq!(answer.reason, None);
        assert_eq!(answer.data, None);
    })
    .await;
}

#[tokio::test]
async fn scripts_answer_ignore_or_close() {
    bounded(async {
        let gateway = Scenario::start(|gateway| {
            gateway.script(
                |session: &turms_wire::gateway::Session, request: &TurmsRequest| match request.kind
                {
                    Some(Kind::QueryUserProfilesRequest(_)) => Some(
                        ScriptedResponse::new(ResponseStatusCode::from_i32(2301))
                            .reason(format!("user {} may not look", session.user_id))
                            .data(DataKind::String("extra".to_owned()))
                            .into(),
                    ),
                    Some(Kind::UpdateUserRequest(_)) if session.user_id == 9 => Some(
                        CloseNotice::new(SessionCloseStatus::USER_IS_BLOCKED)
                            .with_code(ResponseStatusCode::from_i32(1300))
                            .with_reason("blocked")
                            .into(),
                    ),
                    Some(Kind::UpdateUserRequest(_)) => Some(Reply::Ignore),
                    _ => None,
                },
            )
        })
        .await;
        let mut client = gateway.tcp().await;
        client.login(1, DeviceType::Desktop).await;
        client.send(&query_profiles(3)).await;
        let answer = client.response().await;
        assert_eq!(answer.request_id, Some(3));
        assert_eq!(answer.code, Some(2301));
        assert_eq!(answer.reason.as_deref(), Some("user 1 may not look"));
        assert_eq!(
            answer.data,
            Some(Data {
                kind: Some(DataKind::String("extra".to_owned()))
            })
        );
        let update = request(4, Kind::UpdateUserRequest(UpdateUserRequest::default()));
        client.send(&update).await;
        client.expect_quiet().await;
        // Messages fall through to the built-in handling.
        client.send(&private_message(5, 2, "x")).await;
        assert_eq!(client.response().await.code, Some(1000));

        // Scripts change at run time.
        gateway.set_script(|_: &turms_wire::gateway::Session, _: &TurmsRequest| {
            Some(Reply::code(ResponseStatusCode::ALREADY_UP_TO_DATE))
        });
        client.send(&private_message(6, 2, "y")).await;
        assert_eq!(client.response().await.code, Some(1002));
        gateway.clear_script();
        client.send(&query_profiles(7)).await;
        assert_eq!(client.response().await.code, Some(1001));

        let mut blocked = gateway.ws().await;
        gateway.set_script(
            |session: &turms_wire::gateway::Session, request: &TurmsRequest| {
                (session.user_id == 9 && matches!(request.kind, Some(Kind::UpdateUserRequest(_))))
                    .then(|| {
                        CloseNotice::new(SessionCloseStatus::USER_IS_BLOCKED)
                            .with_code(ResponseStatusCode::from_i32(1300))
                            .with_reason("blocked")
                            .into()
                    })
            },
        );
        blocked.login(9, DeviceType::Desktop).await;
        blocked
            .send(&request(
                8,
                Kind::UpdateUserRequest(UpdateUserRequest::default()),
            ))
            .await;
        let closed = blocked.closed().await;
        assert_eq!(closed.close_status, Some(701));
        assert_eq!(closed.code, Some(1300));
        assert_eq!(closed.reason.as_deref(), Some("blocked"));
        blocked.expect_end().await;
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
async fn sessions_close_with_any_status_code_and_reason() {
    bounded(async {
        let gateway = Scenario::start(|gateway| gateway).await;
        for (i, status) in SessionCloseStatus::all().enumerate() {
            let transport = TRANSPORTS[i % 2];
            let mut client = gateway.connect(transport).await;
            let session_id = client.login(50, DeviceType::Desktop).await;
            let code = ResponseStatusCode::from_i32(1000 + i as i32);
            let reason = format!("because {status}");
            let target = if i % 3 == 0 {
                SessionTarget::Session(session_id)
            } else {
                SessionTarget::UserDevice(50, DeviceType::Desktop)
            };
            let closing = CloseNotice::new(status)
                .with_code(code)
                .with_reason(reason.clone());
            assert_eq!(gateway.close_session(target, closing), 1);
            assert!(gateway.sessions().is_empty());
            let closed = client.closed().await;
            assert_eq!(closed.close_status, Some(status.as_i32()));
            assert_eq!(closed.code, Some(code.as_i32()));
            assert_eq!(closed.reason.as_deref(), Some(reason.as_str()));
            client.expect_end().await;
        }
        // A status alone, and an unknown one.
        let mut client = gateway.tcp().await;
        client.login(51, DeviceType::Desktop).await;
        gateway.close_session(
            SessionTarget::User(51),
            CloseNotice::new(SessionCloseStatus::from_i32(999)),
        );
        let closed = client.closed().await;
        assert_eq!(
            (closed.close_status, closed.code, closed.reason),
            (Some(999), None, None)
        );
        assert_eq!(
            gateway.close_session(
                SessionTarget::All,
                SessionCloseStatus::DISCONNECTED_BY_ADMIN.into()
            ),
            0
        );
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
