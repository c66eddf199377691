//! The client against scripted peers on loopback, over TCP and WebSocket: every frame the
//! peer sends is chosen by the test, so ordering, resets and garbage are exact.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use prost::Message;
use rand::seq::SliceRandom;
use tokio::net::TcpListener;
use turms_wire::client::{
    Client, ClientBuilder, ClientError, CloseInfo, CloseOrigin, Event, Events, LoginRequest,
    SessionState,
};
use turms_wire::codec::request_to_bytes;
use turms_wire::frame::CloseNotice;
use turms_wire::frame::{ClientFrame, RequestKind};
use turms_wire::proto::turms_notification::{data, Data};
use turms_wire::proto::turms_request::Kind;
use turms_wire::proto::{
    CreateMessageRequest, DeviceType, Messages, QueryMessagesRequest, TurmsNotification,
    TurmsRequest, UserInfo, UserInfosWithVersion, UserStatus,
};
use turms_wire::role::RoleKind;
use turms_wire::transport::TransportKind;
use turms_wire::{ResponseStatusCode, SessionCloseStatus};
use turms_wire_test_support::notifications::{close, ok, push, response as answer};
use turms_wire_test_support::peer::{GatewayPeer, Listener, SessionInfoOrder};
use turms_wire_test_support::requests::{message_to, private_message};
use turms_wire_test_support::wait::{bounded, next_matching, within, WAIT};

// ---------------------------------------------------------------------------------------------
// Scripted peers: a `GatewayPeer` on a `Listener` of either transport.

fn builder() -> ClientBuilder {
    Client::builder()
        .connect_timeout(WAIT)
        .request_timeout(WAIT)
        .session_info_grace(Duration::from_secs(1))
        .close_timeout(Duration::from_millis(500))
}

/// Connects `builder` to a fresh scripted peer.
async fn connect_with(
    transport: TransportKind,
    builder: ClientBuilder,
) -> (Client, Events, GatewayPeer, Listener) {
    let listener = Listener::bind(transport).await;
    let url = listener.url();
    let (connected, peer) = tokio::join!(builder.connect(&url), listener.accept());
    let (client, events) = connected.expect("connect");
    (client, events, peer, listener)
}

async fn connect(transport: TransportKind) -> (Client, Events, GatewayPeer, Listener) {
    connect_with(transport, builder()).await
}

/// Connects and logs in (session info first, as the gateway sends it).
async fn logged_in(
    transport: TransportKind,
    builder: ClientBuilder,
) -> (Client, Events, GatewayPeer) {
    let (client, events, mut peer, _listener) = connect_with(transport, builder).await;
    let (session, _) = tokio::join!(
        client.login(LoginRequest::new(1).password("123")),
        peer.accept_login(SessionInfoOrder::Before)
    );
    session.expect("login");
    (client, events, peer)
}

/// Every event until `Disconnected` (included), leaving out heartbeat acks and traces.
async fn events_until_disconnected(events: &mut Events) -> Vec<Event> {
    let mut seen = Vec::new();
    loop {
        let event = within("the next event until Disconnected", events.recv())
            .await
            .expect("Disconnected comes before the end of the stream");
        let last = matches!(event, Event::Disconnected);
        if !matches!(
            event,
            Event::HeartbeatAck | Event::FrameSent(_) | Event::FrameReceived(_)
        ) {
            seen.push(event);
        }
        if last {
            assert!(
                within("the end of the events", events.recv())
                    .await
                    .is_none(),
                "nothing after Disconnected"
            );
            return seen;
        }
    }
}

fn closed_info(event: &Event) -> Option<&CloseInfo> {
    match event {
        Event::SessionClosed(info) => Some(info),
        _ => None,
    }
}

/// Runs one scenario on both transports.
macro_rules! on_both_transports {
    ($($name:ident),* $(,)?) => {
        mod tcp {
            $(
                #[tokio::test]
                async fn $name() {
                    super::bounded(super::$name(super::TransportKind::Tcp)).await;
                }
            )*
        }
        mod ws {
            $(
                #[tokio::test]
                async fn $name() {
                    super::bounded(super::$name(super::TransportKind::WebSocket)).await;
                }
            )*
        }
    };
}

on_both_transports!(
    login_with_session_info_before_the_response,
    login_with_session_info_after_the_response,
    login_without_session_info_returns_an_empty_session,
    refused_login_leaves_the_connection_open_for_another_try,
    unanswered_login_times_out_and_closes_the_connection,
    abandoned_login_closes_the_connection,
    session_rules_are_enforced_locally,
    request_and_response_with_typed_helpers,
    thousand_concurrent_requests_resolve_to_their_callers,
    request_timeout_is_102_and_the_late_answer_an_orphan,
    response_without_code_is_200,
    orphan_response_is_an_event,
    pushes_arrive_decoded,
    heartbeat_is_sent_when_idle_and_acked,
    heartbeats_go_out_while_the_peer_floods,
    heartbeat_refusal_fails_the_call_and_is_reported,
    every_close_status_is_reported_before_disconnected,
    logout_completes_on_the_close_notification,
    logout_completes_when_the_socket_closes,
    logout_completes_on_timeout,
    reset_mid_request_fails_pending_calls_with_301,
    broken_framing_fails_pending_calls_with_301,
    malformed_frame_is_reported_and_the_stream_goes_on,
    flood_of_pushes_cannot_stall_or_grow_the_client,
    dropping_every_handle_closes_the_connection,
);

// ---------------------------------------------------------------------------------------------
// Login

async fn login_with_session_info_before_the_response(transport: TransportKind) {
    let (client, mut events, mut peer, _l) = connect(transport).await;
    let login = LoginRequest::new(7)
        .password("pw")
        .device_type(DeviceType::Android);
    let (session, request) = tokio::join!(
        client.login(login),
        peer.accept_login(SessionInfoOrder::Before)
    );
    let logged_in = session.unwrap();
    assert_eq!(logged_in.response.code(), ResponseStatusCode::OK);
    assert_eq!(logged_in.response.request_id(), request.request_id.unwrap());
    let session = logged_in.session.expect("session info");
    assert_eq!(session.session_id(), Some("4242"));
    assert_eq!(session.session_id_number(), Some(4242));
    assert_eq!(session.server_id(), Some("gw-1"));
    assert_eq!(client.state(), SessionState::Open);
    assert_eq!(client.session(), Some(session.clone()));

    // What went on the wire: version 1, status AVAILABLE by default.
    assert!(request.request_id.unwrap() > 0);
    let Some(Kind::CreateSessionRequest(create)) = request.kind else {
        panic!("not a login: {request:?}")
    };
    assert_eq!(create.version, 1);
    assert_eq!(create.user_id, 7);
    assert_eq!(create.password.as_deref(), Some("pw"));
    assert_eq!(create.user_status, Some(UserStatus::Available as i32));
    assert_eq!(create.device_type, DeviceType::Android as i32);

    let reported = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::SessionInfo(s) => Some(s),
            _ => None,
        },
    )
    .await;
    assert_eq!(reported, session);
}

async fn login_with_session_info_after_the_response(transport: TransportKind) {
    let (client, _events, mut peer, _l) = connect(transport).await;
    let (session, _) = tokio::join!(
        client.login(LoginRequest::new(1)),
        peer.accept_login(SessionInfoOrder::After)
    );
    let session = session.unwrap().session.expect("session info");
    assert_eq!(session.session_id(), Some("4242"));
    assert_eq!(session.server_id(), Some("gw-1"));
}

async fn login_without_session_info_returns_an_empty_session(transport: TransportKind) {
    let (client, _events, mut peer, _l) = connect(transport).await;
    let (session, _) = tokio::join!(
        client.login(LoginRequest::new(1)),
        peer.accept_login(SessionInfoOrder::Never)
    );
    assert_eq!(session.unwrap().session, Default::default());
    assert_eq!(client.state(), SessionState::Open);
}

async fn refused_login_leaves_the_connection_open_for_another_try(transport: TransportKind) {
    let (client, _events, mut peer, _l) = connect(transport).await;
    let peer_script = async {
        let request = peer.request().await;
        let mut refusal = answer(request.request_id.unwrap(), 2011, None);
        refusal.reason = Some("The user's login information does not match".into());
        peer.notify(&refusal).await;
    };
    let (refused, ()) = tokio::join!(client.login(LoginRequest::new(1)), peer_script);
    let error = refused.unwrap_err();
    assert_eq!(error.code().as_i32(), 2011);
    assert!(error.is_server_refusal());
    assert_eq!(
        error.reason(),
        Some("The user's login information does not match")
    );
    assert_eq!(client.state(), SessionState::Connected);

    let (session, _) = tokio::join!(
        client.login(LoginRequest::new(1).password("right")),
        peer.accept_login(SessionInfoOrder::Before)
    );
    assert!(session.is_ok());
    assert_eq!(client.state(), SessionState::Open);
}

async fn unanswered_login_times_out_and_closes_the_connection(transport: TransportKind) {
    let (client, mut events, mut peer, _l) = connect_with(
        transport,
        builder().request_timeout(Duration::from_millis(50)),
    )
    .await;
    let (result, request) = tokio::join!(client.login(LoginRequest::new(1)), peer.request());
    let error = result.unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::REQUEST_TIMEOUT);
    // The server could still accept the login; the client does not leave it a session.
    assert!(request.request_id.is_some());
    assert!(peer.next().await.is_none(), "the connection stays open");
    let seen = events_until_disconnected(&mut events).await;
    let closes: Vec<_> = seen.iter().filter_map(closed_info).collect();
    assert_eq!(closes.len(), 1);
    assert_eq!(closes[0].origin, CloseOrigin::Local);
    assert_eq!(client.state(), SessionState::Closed);
}

async fn abandoned_login_closes_the_connection(transport: TransportKind) {
    let (client, _events, mut peer, _l) = connect(transport).await;
    let abandoned = async {
        tokio::select! {
            _ = client.login(LoginRequest::new(1)) => panic!("answered"),
            request = peer.request() => request,
        }
    };
    // The login future is dropped once the server has its request.
    let request = abandoned.await;
    assert!(request.request_id.is_some());
    assert!(peer.next().await.is_none(), "the connection stays open");
    assert_eq!(client.closed().await.origin, CloseOrigin::Local);
}

async fn session_rules_are_enforced_locally(transport: TransportKind) {
    let (client, mut events, mut peer, _l) = connect(transport).await;
    // Before login: refused locally with 301, nothing sent.
    let error = client.request(message_to(2, "early")).await.unwrap_err();
    assert_eq!(
        error.code(),
        ResponseStatusCode::CLIENT_SESSION_HAS_BEEN_CLOSED
    );
    assert!(matches!(error, ClientError::NotLoggedIn));
    assert_eq!(client.heartbeat().await.unwrap_err().code().as_i32(), 301);
    assert_eq!(client.logout().await.unwrap_err().code().as_i32(), 301);
    // Login and logout have their own calls.
    let error = client
        .request(Kind::CreateSessionRequest(Default::default()))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::LOCAL_INVALID_REQUEST);

    let (session, login) = tokio::join!(
        client.login(LoginRequest::new(1)),
        peer.accept_login(SessionInfoOrder::Before)
    );
    session.unwrap();
    // The first thing the peer saw was the login: nothing was sent before it.
    assert!(matches!(login.kind, Some(Kind::CreateSessionRequest(_))));

    // A second login on the open session: 300, nothing sent.
    let error = client.login(LoginRequest::new(1)).await.unwrap_err();
    assert_eq!(
        error.code(),
        ResponseStatusCode::CLIENT_SESSION_ALREADY_ESTABLISHED
    );

    peer.notify(&close(600, None, None)).await;
    let info = client.closed().await;
    assert_eq!(info.status(), SessionCloseStatus::DISCONNECTED_BY_ADMIN);
    // After the close: 301 for requests, logins and logouts alike.
    for error in [
        client.request(message_to(2, "late")).await.unwrap_err(),
        client.login(LoginRequest::new(1)).await.unwrap_err(),
        client.logout().await.unwrap_err(),
    ] {
        assert_eq!(error.code().as_i32(), 301, "{error}");
        assert!(matches!(&error, ClientError::SessionClosed(i) if i.status().as_i32() == 600));
    }
    let seen = events_until_disconnected(&mut events).await;
    assert_eq!(seen.iter().filter_map(closed_info).count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Requests

async fn request_and_response_with_typed_helpers(transport: TransportKind) {
    let (client, _events, mut peer) = logged_in(transport, builder()).await;
    let script = async {
        // send_private_message → data.long
        let request = peer.request().await;
        let id = request.request_id.unwrap();
        let Some(Kind::CreateMessageRequest(message)) = request.kind else {
            panic!("{request:?}")
        };
        assert_eq!(message.recipient_id, Some(2));
        assert_eq!(message.text.as_deref(), Some("hi"));
        peer.notify(&answer(id, 1000, Some(data::Kind::Long(99))))
            .await;

        // send_group_message
        let request = peer.request().await;
        let Some(Kind::CreateMessageRequest(message)) = &request.kind else {
            panic!("{request:?}")
        };
        assert_eq!(message.group_id, Some(5));
        peer.notify(&answer(
            request.request_id.unwrap(),
            1000,
            Some(data::Kind::Long(100)),
        ))
        .await;

        // query_user_profiles
        let request = peer.request().await;
        let Some(Kind::QueryUserProfilesRequest(query)) = &request.kind else {
            panic!("{request:?}")
        };
        assert_eq!(query.user_ids, [2, 3]);
        let infos = UserInfosWithVersion {
            user_infos: vec![UserInfo {
                id: Some(2),
                name: Some("two".into()),
                ..Default::default()
            }],
            last_updated_date: None,
        };
        peer.notify(&answer(
            request.request_id.unwrap(),
            1000,
            Some(data::Kind::UserInfosWithVersion(infos)),
        ))
        .await;

        // query_messages
        let request = peer.request().await;
        assert!(matches!(request.kind, Some(Kind::QueryMessagesRequest(_))));
        let messages = Messages {
            messages: vec![Default::default(), Default::default()],
        };
        peer.notify(&answer(
            request.request_id.unwrap(),
            1000,
            Some(data::Kind::Messages(messages)),
        ))
        .await;

        // update_online_status → 1001 without data is a success
        let request = peer.request().await;
        let Some(Kind::UpdateUserOnlineStatusRequest(update)) = &request.kind else {
            panic!("{request:?}")
        };
        assert_eq!(update.user_status, UserStatus::Busy as i32);
        peer.notify(&answer(request.request_id.unwrap(), 1001, None))
            .await;

        // generic request refused with a business code and reason
        let request = peer.request().await;
        let mut refusal = answer(request.request_id.unwrap(), 5000, None);
        refusal.reason = Some("blocked".into());
        peer.notify(&refusal).await;
    };
    let calls = async {
        assert_eq!(client.send_private_message(2, "hi").await.unwrap(), 99);
        assert_eq!(client.send_group_message(5, "all").await.unwrap(), 100);
        let profiles = client.query_user_profiles([2, 3]).await.unwrap();
        assert_eq!(profiles.len(), 1);
        assert_eq!(profiles[0].name.as_deref(), Some("two"));
        let messages = client
            .query_messages(QueryMessagesRequest::default())
            .await
            .unwrap();
        assert_eq!(messages.len(), 2);
        client.update_online_status(UserStatus::Busy).await.unwrap();
        let error = client.request(message_to(3, "x")).await.unwrap_err();
        assert_eq!(error.code().as_i32(), 5000);
        assert_eq!(error.reason(), Some("blocked"));
        assert!(matches!(error, ClientError::Refused { .. }));
    };
    tokio::join!(script, calls);

    // Arguments are checked before anything is sent.
    assert_eq!(
        client.query_user_profiles([]).await.unwrap_err().code(),
        ResponseStatusCode::LOCAL_ILLEGAL_ARGUMENT
    );
    assert_eq!(
        client
            .send_message(CreateMessageRequest::default())
            .await
            .unwrap_err()
            .code(),
        ResponseStatusCode::LOCAL_ILLEGAL_ARGUMENT
    );
    // Over the gateway's 16 KiB: refused locally.
    let huge = "x".repeat(20_000);
    let error = client.send_private_message(2, huge).await.unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::LOCAL_INVALID_REQUEST);
}

async fn thousand_concurrent_requests_resolve_to_their_callers(transport: TransportKind) {
    const N: i64 = 1000;
    let (client, _events, mut peer) = logged_in(transport, builder()).await;
    let calls = futures_util::future::join_all((0..N).map(|i| {
        let client = client.clone();
        async move {
            let id = client
                .send_private_message(i, format!("message {i}"))
                .await
                .unwrap();
            // The peer answers each message with 1_000_000 + its recipient.
            assert_eq!(id, 1_000_000 + i);
        }
    }));
    let script = async {
        let mut requests = Vec::new();
        for _ in 0..N {
            requests.push(peer.request().await);
        }
        let mut ids: Vec<i64> = requests.iter().map(|r| r.request_id.unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), N as usize, "request ids are unique");
        assert!(ids.iter().all(|&id| id > 0));
        requests.shuffle(&mut rand::rng());
        for request in requests {
            let Some(Kind::CreateMessageRequest(message)) = request.kind else {
                panic!("{request:?}")
            };
            let recipient = message.recipient_id.unwrap();
            peer.notify(&answer(
                request.request_id.unwrap(),
                1000,
                Some(data::Kind::Long(1_000_000 + recipient)),
            ))
            .await;
        }
    };
    tokio::join!(calls, script);
}

async fn request_timeout_is_102_and_the_late_answer_an_orphan(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(
        transport,
        builder().request_timeout(Duration::from_millis(50)),
    )
    .await;
    let error = client.request(message_to(2, "anyone?")).await.unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::REQUEST_TIMEOUT);
    let ClientError::RequestTimeout { request_id, .. } = error else {
        panic!("{error:?}")
    };
    let request = peer.request().await;
    assert_eq!(request.request_id, Some(request_id));
    peer.notify(&ok(request_id)).await;
    let orphan = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::OrphanResponse(r) => Some(r),
            _ => None,
        },
    )
    .await;
    assert_eq!(orphan.request_id(), request_id);
    // The session is still usable.
    assert_eq!(client.state(), SessionState::Open);
}

async fn response_without_code_is_200(transport: TransportKind) {
    let (client, _events, mut peer) = logged_in(transport, builder()).await;
    let script = async {
        let request = peer.request().await;
        peer.notify(&TurmsNotification {
            request_id: request.request_id,
            ..Default::default()
        })
        .await;
    };
    let (result, ()) = tokio::join!(client.request(message_to(2, "x")), script);
    let error = result.unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::INVALID_NOTIFICATION);
    assert!(matches!(error, ClientError::MissingCode { .. }));
}

async fn orphan_response_is_an_event(transport: TransportKind) {
    let (_client, mut events, mut peer) = logged_in(transport, builder()).await;
    let mut unparsable = answer(-1, 1106, None);
    unparsable.reason = Some("The request type is not allowed".into());
    peer.notify(&unparsable).await;
    let orphan = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::OrphanResponse(r) => Some(r),
            _ => None,
        },
    )
    .await;
    assert_eq!(orphan.request_id(), -1);
    assert_eq!(orphan.code().unwrap().as_i32(), 1106);
}

async fn pushes_arrive_decoded(transport: TransportKind) {
    let (_client, mut events, mut peer) = logged_in(transport, builder()).await;
    let relayed = TurmsRequest {
        request_id: Some(555),
        kind: Some(Kind::CreateMessageRequest(CreateMessageRequest {
            message_id: Some(77),
            recipient_id: Some(1),
            text: Some("hello from 2".into()),
            ..Default::default()
        })),
        custom_attributes: Vec::new(),
    };
    peer.notify(&push(2, relayed.clone())).await;
    let push = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::Push(p) => Some(p),
            _ => None,
        },
    )
    .await;
    assert_eq!(push.requester_id, Some(2));
    assert_eq!(push.kind, Some(RequestKind::CREATE_MESSAGE_REQUEST));
    assert_eq!(*push.request, relayed);

    // A push whose relayed request does not decode is reported with its bytes.
    let broken = Bytes::from_static(&[0x50, 0x02, 0x62, 0x03, 0x42, 0x01, 0xff]);
    peer.send_raw(broken.clone()).await;
    let (frame, error) = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::UndecodablePush { frame, error } => Some((frame, error)),
            _ => None,
        },
    )
    .await;
    assert_eq!(frame.into_bytes(), broken);
    assert!(!error.to_string().is_empty());

    // A notification that is none of the above is reported as such.
    peer.notify(&TurmsNotification {
        timestamp: 2,
        data: Some(Data {
            kind: Some(data::Kind::String("news".into())),
        }),
        ..Default::default()
    })
    .await;
    let notification = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::Notification(n) => Some(n),
            _ => None,
        },
    )
    .await;
    assert_eq!(notification.timestamp(), 2);
}

// ---------------------------------------------------------------------------------------------
// Heartbeats

async fn heartbeat_is_sent_when_idle_and_acked(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(
        transport,
        builder().heartbeat_interval(Duration::from_millis(30)),
    )
    .await;
    // Idle after login: a heartbeat comes by itself.
    match peer.next().await.expect("connection open") {
        ClientFrame::Heartbeat => {}
        ClientFrame::Request(r) => panic!("unexpected request {r:?}"),
    }
    peer.send_raw(Bytes::new()).await;
    next_matching(
        async || events.recv().await,
        |e| matches!(e, Event::HeartbeatAck).then_some(()),
    )
    .await;

    // An explicit heartbeat completes on the next empty frame, along with any other.
    let script = async {
        loop {
            if let ClientFrame::Heartbeat = peer.next().await.expect("open") {
                break;
            }
        }
        peer.send_raw(Bytes::new()).await;
    };
    let (a, b, ()) = tokio::join!(client.heartbeat(), client.heartbeat(), script);
    a.unwrap();
    b.unwrap();
}

async fn heartbeats_go_out_while_the_peer_floods(transport: TransportKind) {
    let (_client, _events, peer) = logged_in(
        transport,
        builder()
            .heartbeat_interval(Duration::from_millis(30))
            .event_capacity(8),
    )
    .await;
    let body = Bytes::from(push(2, private_message(1, 1, "flood")).encode_to_vec());
    // The client has frames to read all the time; it must still send its heartbeat.
    let saw_heartbeat = flood_until_heartbeat(peer, body).await;
    assert!(saw_heartbeat);
}

/// Sends `body` over and over until the client's heartbeat arrives (`true`), or the connection
/// ends (`false`).
async fn flood_until_heartbeat(peer: GatewayPeer, body: Bytes) -> bool {
    let (mut sink, mut stream) = peer.into_connection().split();
    let flood = async {
        loop {
            for _ in 0..1000 {
                if sink.feed(body.clone()).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    };
    let watch = async {
        while let Some(Ok(Ok(frame))) = stream.next().await {
            if let ClientFrame::Heartbeat = frame {
                return true;
            }
        }
        false
    };
    tokio::select! {
        saw = watch => saw,
        () = flood => false,
    }
}

async fn heartbeat_refusal_fails_the_call_and_is_reported(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(transport, builder().no_heartbeats()).await;
    let script = async {
        assert!(matches!(peer.next().await, Some(ClientFrame::Heartbeat)));
        peer.notify(&answer(-100, 2104, None)).await;
    };
    let (result, ()) = tokio::join!(client.heartbeat(), script);
    let error = result.unwrap_err();
    assert_eq!(error.code().as_i32(), 2104);
    assert!(matches!(error, ClientError::HeartbeatRefused { .. }));
    let (code, reason) = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::HeartbeatFailure { code, reason } => Some((code, reason)),
            _ => None,
        },
    )
    .await;
    assert_eq!(code.map(ResponseStatusCode::as_i32), Some(2104));
    assert_eq!(reason, None);

    // 1201 with a reason, reported the same way.
    let mut unavailable = answer(-100, 1201, None);
    unavailable.reason = Some("shutting down".into());
    peer.notify(&unavailable).await;
    let (code, reason) = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::HeartbeatFailure { code, reason } => Some((code, reason)),
            _ => None,
        },
    )
    .await;
    assert_eq!(code.map(ResponseStatusCode::as_i32), Some(1201));
    assert_eq!(reason.as_deref(), Some("shutting down"));
    // A heartbeat failure does not end the session.
    assert_eq!(client.state(), SessionState::Open);
}

// ---------------------------------------------------------------------------------------------
// Session end

async fn every_close_status_is_reported_before_disconnected(transport: TransportKind) {
    let statuses: Vec<i32> = SessionCloseStatus::all()
        .map(SessionCloseStatus::as_i32)
        .chain([0, 999])
        .collect();
    for status in statuses {
        let (client, mut events, mut peer) = logged_in(transport, builder()).await;
        let reason = format!("reason for {status}");
        let pending = {
            let client = client.clone();
            tokio::spawn(async move { client.request(message_to(2, "pending")).await })
        };
        // The request is on its way before the close arrives.
        let request = peer.request().await;
        assert!(request.request_id.is_some());
        peer.notify(&close(status, Some(1200 + status % 7), Some(&reason)))
            .await;
        // Then the gateway drops the connection as it does, which must change nothing.
        peer.reset();

        let expected = CloseInfo {
            notice: CloseNotice::new(SessionCloseStatus::from_i32(status))
                .with_code(ResponseStatusCode::from_i32(1200 + status % 7))
                .with_reason(reason.clone()),
            origin: CloseOrigin::Server,
        };
        let error = pending.await.unwrap().unwrap_err();
        assert_eq!(error.code().as_i32(), 301);
        assert!(matches!(&error, ClientError::SessionClosed(info) if *info == expected));

        let seen = events_until_disconnected(&mut events).await;
        // Exactly: session info (from the login), SessionClosed, Disconnected. No transport
        // error after the close notification.
        assert!(
            matches!(
                seen.as_slice(),
                [Event::SessionInfo(_), Event::SessionClosed(info), Event::Disconnected]
                    if *info == expected
            ),
            "status {status}: {seen:?}"
        );
        assert_eq!(client.close_info(), Some(expected.clone()));
        assert_eq!(client.closed().await, expected);
        assert_eq!(
            expected.recommendation(),
            SessionCloseStatus::from_i32(status).recommendation()
        );
        assert_eq!(client.state(), SessionState::Closed);
    }
}

async fn logout_completes_on_the_close_notification(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(transport, builder()).await;
    let script = async {
        let request = peer.request().await;
        assert!(matches!(request.kind, Some(Kind::DeleteSessionRequest(_))));
        assert!(request.request_id.unwrap() > 0);
        peer.notify(&close(500, None, None)).await;
        // The client closes its side itself: the peer sees the end of the stream.
        assert!(peer.next().await.is_none());
    };
    let (closed, ()) = tokio::join!(client.logout(), script);
    let info = closed.unwrap();
    assert_eq!(info.status(), SessionCloseStatus::DISCONNECTED_BY_CLIENT);
    assert_eq!(info.origin, CloseOrigin::Server);
    let seen = events_until_disconnected(&mut events).await;
    let closes: Vec<_> = seen.iter().filter_map(closed_info).collect();
    assert_eq!(closes, [&info], "500 is reported, not 300 (upstream #1612)");
}

async fn logout_completes_when_the_socket_closes(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(transport, builder()).await;
    let script = async {
        let request = peer.request().await;
        assert!(matches!(request.kind, Some(Kind::DeleteSessionRequest(_))));
        drop(peer);
    };
    let (closed, ()) = tokio::join!(client.logout(), script);
    let info = closed.unwrap();
    assert_eq!(info.status(), SessionCloseStatus::CONNECTION_CLOSED);
    assert_eq!(info.origin, CloseOrigin::Transport);
    let seen = events_until_disconnected(&mut events).await;
    assert_eq!(seen.iter().filter_map(closed_info).count(), 1);
}

async fn logout_completes_on_timeout(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(
        transport,
        builder().request_timeout(Duration::from_millis(50)),
    )
    .await;
    let (result, request) = tokio::join!(client.logout(), peer.request());
    assert!(matches!(request.kind, Some(Kind::DeleteSessionRequest(_))));
    let error = result.unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::REQUEST_TIMEOUT);
    // The client gave up and closed the connection itself.
    let seen = events_until_disconnected(&mut events).await;
    let closes: Vec<_> = seen.iter().filter_map(closed_info).collect();
    assert_eq!(closes.len(), 1);
    assert_eq!(closes[0].origin, CloseOrigin::Local);
    assert!(peer.next().await.is_none());
}

async fn reset_mid_request_fails_pending_calls_with_301(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(transport, builder()).await;
    let calls = futures_util::future::join_all((0..3).map(|i| {
        let client = client.clone();
        async move { client.request(message_to(i, "x")).await }
    }));
    let script = async {
        for _ in 0..3 {
            peer.request().await;
        }
        peer.reset();
    };
    let (results, ()) = tokio::join!(calls, script);
    for result in results {
        let error = result.unwrap_err();
        assert_eq!(error.code().as_i32(), 301);
        assert!(error.is_connection_failure());
    }
    let seen = events_until_disconnected(&mut events).await;
    let closes: Vec<_> = seen.iter().filter_map(closed_info).collect();
    assert_eq!(closes.len(), 1);
    assert_eq!(closes[0].status(), SessionCloseStatus::CONNECTION_CLOSED);
    assert_eq!(closes[0].origin, CloseOrigin::Transport);
}

async fn broken_framing_fails_pending_calls_with_301(transport: TransportKind) {
    // TCP: a length prefix longer than 5 bytes. WebSocket: a message over the client's limit.
    let (client, mut events, peer) = logged_in(
        transport,
        builder().limits(RoleKind::Client.limits().with_max_inbound_frame(1024)),
    )
    .await;
    let script = async move {
        let mut peer = peer;
        peer.request().await;
        // Keep the socket open: the client must end the connection by itself.
        match peer.kind() {
            TransportKind::Tcp => {
                peer.write_unframed(&[0xff; 6]).await;
                Some(peer)
            }
            TransportKind::WebSocket => {
                peer.send_raw(vec![0x08; 4096]).await;
                drop(peer.next_item().await);
                None
            }
            TransportKind::Udp => unreachable!("the peers are TCP or WebSocket"),
        }
    };
    let (result, _socket) = tokio::join!(client.request(message_to(2, "x")), script);
    assert_eq!(result.unwrap_err().code().as_i32(), 301);
    let seen = events_until_disconnected(&mut events).await;
    let position = |pick: fn(&Event) -> bool| seen.iter().position(pick).unwrap();
    let error_at = position(|e| matches!(e, Event::TransportError(_)));
    let closed_at = position(|e| matches!(e, Event::SessionClosed(_)));
    assert!(error_at < closed_at, "{seen:?}");
    assert_eq!(client.close_info().unwrap().origin, CloseOrigin::Transport);
}

async fn malformed_frame_is_reported_and_the_stream_goes_on(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(
        transport,
        builder().request_timeout(Duration::from_millis(800)),
    )
    .await;
    let script = async {
        let requests = [peer.request().await, peer.request().await];
        // An intact frame whose body is not a TurmsNotification.
        peer.send_raw(Bytes::from_static(&[0xff, 0xff, 0xff])).await;
        // The stream goes on: the message to user 1 is answered, the other never is.
        let to_user_1 = requests
            .iter()
            .find(|r| matches!(&r.kind, Some(Kind::CreateMessageRequest(m)) if m.recipient_id == Some(1)))
            .unwrap();
        peer.notify(&answer(
            to_user_1.request_id.unwrap(),
            1000,
            Some(data::Kind::Long(1)),
        ))
        .await;
        peer
    };
    let answered = client.send_private_message(1, "first");
    let unanswered = client.send_private_message(2, "second");
    let (a, b, _peer) = tokio::join!(answered, unanswered, script);
    assert_eq!(a.unwrap(), 1);
    assert_eq!(b.unwrap_err().code(), ResponseStatusCode::REQUEST_TIMEOUT);
    let invalid = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::InvalidFrame(f) => Some(f),
            _ => None,
        },
    )
    .await;
    assert_eq!(&invalid.bytes[..], [0xff, 0xff, 0xff]);
    assert_eq!(client.state(), SessionState::Open);
}

async fn flood_of_pushes_cannot_stall_or_grow_the_client(transport: TransportKind) {
    const FLOOD: usize = 3000;
    let (client, mut events, mut peer) = logged_in(transport, builder().event_capacity(16)).await;
    let body = Bytes::from(push(2, private_message(1, 1, "spam")).encode_to_vec());
    let script = async {
        for _ in 0..FLOOD {
            peer.send_raw(body.clone()).await;
        }
        // A request answered behind the flood still resolves: nobody reads the events, and
        // the client keeps reading anyway.
        let request = peer.request().await;
        peer.notify(&answer(
            request.request_id.unwrap(),
            1000,
            Some(data::Kind::Long(3)),
        ))
        .await;
    };
    let (id, ()) = tokio::join!(client.send_private_message(2, "still there?"), script);
    assert_eq!(id.unwrap(), 3);
    // The receiver fell behind and is told how much it missed; the channel held at most 16.
    let missed = next_matching(
        async || events.recv().await,
        |e| match e {
            Event::Lagged { missed } => Some(missed),
            _ => None,
        },
    )
    .await;
    assert!(missed > 0);
    let mut kept = 0;
    while let Some(event) = events.try_recv() {
        assert!(!matches!(event, Event::Lagged { .. }));
        kept += 1;
    }
    assert!(kept <= 16, "{kept} events buffered");
}

async fn dropping_every_handle_closes_the_connection(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(transport, builder()).await;
    let other = client.clone();
    drop(client);
    // One handle is left: still open.
    assert_eq!(other.state(), SessionState::Open);
    drop(other);
    assert!(peer.next().await.is_none());
    let seen = events_until_disconnected(&mut events).await;
    let closes: Vec<_> = seen.iter().filter_map(closed_info).collect();
    assert_eq!(closes.len(), 1);
    assert_eq!(closes[0].origin, CloseOrigin::Local);
}

// ---------------------------------------------------------------------------------------------
// Connecting

#[tokio::test]
async fn connection_refused_is_a_network_error() {
    bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        for url in [format!("tcp://{addr}"), format!("ws://{addr}")] {
            let error = builder().connect(&url).await.unwrap_err();
            assert_eq!(error.code(), ResponseStatusCode::NETWORK_ERROR, "{error}");
            assert!(error.is_connection_failure());
        }
    })
    .await;
}

#[tokio::test]
async fn websocket_handshake_that_never_ends_is_a_connect_timeout() {
    bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        // Accept the TCP connection, never answer the handshake.
        let silent = tokio::spawn(async move { listener.accept().await.map(|(tcp, _)| tcp) });
        let error = builder()
            .connect_timeout(Duration::from_millis(100))
            .connect(&url)
            .await
            .unwrap_err();
        assert_eq!(error.code(), ResponseStatusCode::CONNECT_TIMEOUT, "{error}");
        drop(silent.await);
    })
    .await;
}

#[tokio::test]
async fn bad_addresses_are_refused_before_connecting() {
    for url in ["localhost:1", "http://localhost:1", "tcp://localhost"] {
        let error = Client::connect(url).await.unwrap_err();
        assert_eq!(error.code(), ResponseStatusCode::LOCAL_ILLEGAL_ARGUMENT);
    }
}

#[tokio::test]
async fn requests_go_out_id_first_then_kind() {
    bounded(async {
        let (client, _events, mut peer) = logged_in(TransportKind::Tcp, builder()).await;
        let (_, body) = tokio::join!(client.request(message_to(2, "order")), async {
            let body = peer.next().await.unwrap().bytes().clone();
            let request = TurmsRequest::decode(body.clone()).unwrap();
            peer.notify(&ok(request.request_id.unwrap())).await;
            body
        });
        // Field 1 (tag 08) first, then field 8 (tag 42): the order the gateway parses.
        assert_eq!(body[0], 0x08);
        let request = TurmsRequest::decode(body.clone()).unwrap();
        assert_eq!(request_to_bytes(&request), body);
    })
    .await;
}

#[tokio::test]
async fn traced_frames_show_both_directions() {
    bounded(async {
        let (client, mut events, mut peer) =
            logged_in(TransportKind::Tcp, builder().trace_frames(true)).await;
        let sent = next_matching(
            async || events.recv().await,
            |e| match e {
                Event::FrameSent(body) => Some(body),
                _ => None,
            },
        )
        .await;
        let login = TurmsRequest::decode(sent).unwrap();
        assert!(matches!(login.kind, Some(Kind::CreateSessionRequest(_))));
        let received = next_matching(
            async || events.recv().await,
            |e| match e {
                Event::FrameReceived(frame) => Some(frame),
                _ => None,
            },
        )
        .await;
        assert_eq!(received.class(), turms_wire::FrameClass::SessionInfo);
        drop(client);
        assert!(peer.next().await.is_none());
    })
    .await;
}

/// wss:// goes through TLS: against a peer that answers in plain text the handshake fails
/// with a typed connect error.
#[cfg(feature = "tls")]
#[tokio::test]
async fn wss_against_a_plain_peer_is_a_connect_error() {
    use tokio::io::AsyncWriteExt;

    bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let peer = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            tcp.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
                .await
                .unwrap();
        });
        let error = builder()
            .connect(&format!("wss://localhost:{port}"))
            .await
            .unwrap_err();
        assert_eq!(error.code(), ResponseStatusCode::NETWORK_ERROR, "{error}");
        peer.await.unwrap();
    })
    .await;
}
