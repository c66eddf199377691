//! The client against the mock gateway, end to end on loopback, over TCP and WebSocket: the
//! story of a session (login, heartbeats, requests and responses, a push from one session to
//! another, and every way a session ends), each step over both transports.
//!
//! The rule-by-rule variations are the session machines' tests (`src/session/client/tests.rs`,
//! `src/session/gateway/tests.rs`).

use std::time::Duration;

use turms_wire::client::{
    Client, ClientBuilder, ClientError, CloseOrigin, Event, Events, LoginRequest, PushEvent,
    SessionState,
};
use turms_wire::frame::RequestKind;
use turms_wire::gateway::{CloseNotice, SessionTarget};
use turms_wire::proto::turms_request::Kind;
use turms_wire::proto::{DeviceType, QueryMessagesRequest, UserStatus};
use turms_wire::transport::TransportKind;
use turms_wire::SessionCloseStatus;
use turms_wire_test_support::gateway::Scenario;
use turms_wire_test_support::wait::{bounded, next_matching, within, WAIT};

/// The mock gateway every test starts: password `123`, group 100 of users 1, 2 and 3.
async fn mock_gateway(
    configure: impl FnOnce(turms_wire::gateway::GatewayBuilder) -> turms_wire::gateway::GatewayBuilder,
) -> Scenario {
    Scenario::start(|gateway| configure(gateway.password("123").group(100, [1, 2, 3]))).await
}

fn client() -> ClientBuilder {
    Client::builder()
        .connect_timeout(WAIT)
        .request_timeout(WAIT)
        .close_timeout(Duration::from_millis(500))
}

fn tcp_url(gateway: &Scenario) -> String {
    gateway.url(TransportKind::Tcp)
}

fn ws_url(gateway: &Scenario) -> String {
    gateway.url(TransportKind::WebSocket)
}

async fn login_at(url: &str, builder: ClientBuilder, user: i64) -> (Client, Events) {
    let (client, events) = builder.connect(url).await.expect("connect");
    let logged_in = client
        .login(LoginRequest::new(user).password("123"))
        .await
        .expect("login");
    let session = logged_in.session.expect("session info");
    assert!(session.session_id_number().unwrap() > 0);
    assert_eq!(
        session.server_id(),
        Some(turms_wire::gateway::DEFAULT_SERVER_ID)
    );
    assert_eq!(client.session(), Some(session));
    assert_eq!(client.state(), SessionState::Open);
    (client, events)
}

async fn next_push(events: &mut Events) -> PushEvent {
    next_matching(
        async || events.recv().await,
        |e| match e {
            Event::Push(push) => Some(push),
            _ => None,
        },
    )
    .await
}

fn message_text(push: &PushEvent) -> (Option<i64>, Option<String>) {
    match &push.request.kind {
        Some(Kind::CreateMessageRequest(message)) => (message.message_id, message.text.clone()),
        other => panic!("not a message: {other:?}"),
    }
}

#[tokio::test]
async fn two_sessions_exchange_messages_tcp_to_ws_and_back() {
    bounded(async {
        let gateway = mock_gateway(|gateway| gateway).await;
        let (alice, mut alice_events) = login_at(&tcp_url(&gateway), client(), 1).await;
        let (bob, mut bob_events) = login_at(&ws_url(&gateway), client(), 2).await;

        let id = alice.send_private_message(2, "hello bob").await.unwrap();
        let push = next_push(&mut bob_events).await;
        assert_eq!(push.requester_id, Some(1));
        assert_eq!(push.kind, Some(RequestKind::CREATE_MESSAGE_REQUEST));
        assert_eq!(message_text(&push), (Some(id), Some("hello bob".into())));

        let reply = bob.send_private_message(1, "hi alice").await.unwrap();
        assert_ne!(reply, id);
        let push = next_push(&mut alice_events).await;
        assert_eq!(push.requester_id, Some(2));
        assert_eq!(message_text(&push), (Some(reply), Some("hi alice".into())));

        // Both messages are stored and visible to both.
        for who in [&alice, &bob] {
            let messages = who
                .query_messages(QueryMessagesRequest::default())
                .await
                .unwrap();
            let texts: Vec<_> = messages.iter().filter_map(|m| m.text.as_deref()).collect();
            assert_eq!(texts, ["hello bob", "hi alice"]);
        }
        gateway.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn query_with_no_match_is_no_content_and_empty() {
    bounded(async {
        let gateway = mock_gateway(|gateway| gateway).await;
        for url in gateway.urls() {
            let (alice, _events) = login_at(&url, client(), 1).await;
            let messages = alice
                .query_messages(QueryMessagesRequest {
                    ids: vec![424242],
                    ..QueryMessagesRequest::default()
                })
                .await
                .unwrap();
            assert!(messages.is_empty());
            // Everything else the mock answers with NO_CONTENT: a success without data.
            alice.update_online_status(UserStatus::Busy).await.unwrap();
            assert!(alice.query_user_profiles([2]).await.unwrap().is_empty());
            alice.logout().await.unwrap();
        }
        gateway.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn logout_reports_500_from_the_gateway_on_both_transports() {
    bounded(async {
        let gateway = mock_gateway(|gateway| gateway).await;
        for url in gateway.urls() {
            let (client, mut events) = login_at(&url, client(), 1).await;
            let info = client.logout().await.unwrap();
            assert_eq!(info.status(), SessionCloseStatus::DISCONNECTED_BY_CLIENT);
            assert_eq!(info.origin, CloseOrigin::Server);
            // The close is reported once, then the connection ends: no 300 afterwards.
            let mut closes = Vec::new();
            loop {
                match within("the next event", events.recv()).await {
                    Some(Event::SessionClosed(info)) => closes.push(info),
                    Some(Event::TransportError(e)) => panic!("transport error after close: {e}"),
                    Some(Event::Disconnected) | None => break,
                    Some(_) => {}
                }
            }
            assert_eq!(closes, [info]);
        }
        gateway.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn heartbeats_keep_an_idle_session_alive_and_silence_gets_110() {
    bounded(async {
        // An idle timeout twenty heartbeat intervals long: a busy machine does not make the
        // heartbeating session miss it.
        let gateway =
            mock_gateway(|gateway| gateway.idle_timeout(Duration::from_millis(1000))).await;
        // Heartbeats every 50 ms: the gateway's idle timeout never fires.
        let (alive, _events) = login_at(
            &tcp_url(&gateway),
            client().heartbeat_interval(Duration::from_millis(50)),
            1,
        )
        .await;
        alive.heartbeat().await.unwrap();
        // Without heartbeats of its own: one asked for is acked, then silence is closed with
        // 110 HEARTBEAT_TIMEOUT.
        let (silent, _events) = login_at(&ws_url(&gateway), client().no_heartbeats(), 2).await;
        silent.heartbeat().await.unwrap();
        let info = within("the close for silence", silent.closed()).await;
        assert_eq!(info.status(), SessionCloseStatus::HEARTBEAT_TIMEOUT);
        assert_eq!(info.origin, CloseOrigin::Server);
        // The other one, idle as long and longer, is still open.
        assert_eq!(alive.state(), SessionState::Open);
        alive.send_private_message(2, "still here").await.unwrap();
        gateway.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn second_login_of_the_same_device_closes_the_first_with_500() {
    bounded(async {
        let gateway = mock_gateway(|gateway| gateway).await;
        let (first, mut first_events) = login_at(&tcp_url(&gateway), client(), 1).await;
        let (_second, _events2) = login_at(&ws_url(&gateway), client(), 1).await;
        let info = within("the first session's close", first.closed()).await;
        assert_eq!(info.status(), SessionCloseStatus::DISCONNECTED_BY_CLIENT);
        assert_eq!(info.origin, CloseOrigin::Server);
        // Once the connection is gone too, calls fail with that close.
        next_matching(
            async || first_events.recv().await,
            |e| matches!(e, Event::Disconnected).then_some(()),
        )
        .await;
        let error = first.send_private_message(2, "x").await.unwrap_err();
        assert_eq!(error.code().as_i32(), 301);
        assert!(matches!(&error, ClientError::SessionClosed(closed) if *closed == info));
        // Another device type logs in alongside.
        let (mobile, _events3) = client().connect(&tcp_url(&gateway)).await.unwrap();
        mobile
            .login(
                LoginRequest::new(1)
                    .password("123")
                    .device_type(DeviceType::Android),
            )
            .await
            .unwrap();
        assert_eq!(gateway.sessions().len(), 2);
        gateway.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn admin_close_and_shutdown_carry_their_status() {
    bounded(async {
        let gateway = mock_gateway(|gateway| gateway).await;
        let (kicked, _events) = login_at(&tcp_url(&gateway), client(), 1).await;
        let (stays, _events2) = login_at(&ws_url(&gateway), client(), 2).await;
        gateway.close_session(
            SessionTarget::User(1),
            CloseNotice::new(SessionCloseStatus::USER_IS_BLOCKED).with_reason("blocked"),
        );
        let info = within("the kicked session's close", kicked.closed()).await;
        assert_eq!(info.status(), SessionCloseStatus::USER_IS_BLOCKED);
        assert_eq!(info.reason(), Some("blocked"));
        assert_eq!(
            info.recommendation(),
            Some(turms_wire::status::Recommendation::StayOffline)
        );
        assert_eq!(stays.state(), SessionState::Open);
        gateway.shutdown().await;
        let info = within("the close at shutdown", stays.closed()).await;
        assert_eq!(info.status(), SessionCloseStatus::SERVER_CLOSED);
        assert_eq!(
            info.recommendation(),
            Some(turms_wire::status::Recommendation::Reconnect)
        );
    })
    .await;
}
