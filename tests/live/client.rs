//! The client's driver against scripted peers on loopback, over TCP and WebSocket: what only a
//! real connection shows (an abandoned login closing it, resets, garbage and oversize frames on
//! the socket, floods, the close sequence, connecting, TLS). Every frame the peer sends is
//! chosen by the test, so ordering, resets and garbage are exact.
//!
//! The session's rules (login, correlation, timeouts, heartbeats, every close) are tested on the
//! machine, with injected time, in `src/session/client/tests.rs`; the story end to end against
//! the mock gateway is in `client_gateway_e2e.rs`.

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
use turms_wire::frame::ClientFrame;
use turms_wire::frame::CloseNotice;
use turms_wire::proto::turms_notification::data;
use turms_wire::proto::turms_request::Kind;
use turms_wire::proto::{
    CreateMessageRequest, Messages, QueryMessagesRequest, TurmsRequest, UserInfo,
    UserInfosWithVersion, UserStatus,
};
use turms_wire::role::RoleKind;
use turms_wire::transport::TransportKind;
use turms_wire::{ResponseStatusCode, SessionCloseStatus};
use turms_wire_test_support::notifications::{close, push, response as answer};
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
    abandoned_login_closes_the_connection,
    heartbeats_go_out_while_the_peer_floods,
    server_close_then_reset_is_reported_once_before_disconnected,
    logout_completes_on_the_close_notification,
    reset_mid_request_fails_pending_calls_with_301,
    broken_framing_fails_pending_calls_with_301,
    malformed_frame_is_reported_and_the_stream_goes_on,
    flood_of_pushes_cannot_stall_or_grow_the_client,
    dropping_every_handle_closes_the_connection,
);

// ---------------------------------------------------------------------------------------------
// Login

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

// ---------------------------------------------------------------------------------------------
// Requests: the async calls over the driver (the rules of correlation, timeouts and answers are
// the session machine's, tested in `src/session/client/tests.rs`).

/// The typed helpers build their requests and read their answers; what they check is checked
/// before anything is sent. The helpers sit above the transport: TCP is enough.
#[tokio::test]
async fn request_and_response_with_typed_helpers() {
    bounded(typed_helpers_over(TransportKind::Tcp)).await;
}

async fn typed_helpers_over(transport: TransportKind) {
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

/// Many callers at once, answered in a random order: the driver hands each answer to its own
/// caller.
#[tokio::test]
async fn thousand_concurrent_requests_resolve_to_their_callers() {
    bounded(concurrent_requests_over(TransportKind::Tcp)).await;
}

async fn concurrent_requests_over(transport: TransportKind) {
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

// ---------------------------------------------------------------------------------------------
// Heartbeats

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

// ---------------------------------------------------------------------------------------------
// Session end

/// A close notification, then a reset as the gateway drops the connection: the close is
/// reported once and the reset changes nothing. Each status's meaning is the session machine's
/// (`every_close_status_reaches_the_waiting_calls_and_is_reported_once`).
async fn server_close_then_reset_is_reported_once_before_disconnected(transport: TransportKind) {
    let (client, mut events, mut peer) = logged_in(transport, builder()).await;
    let reason = "restarting";
    let pending = {
        let client = client.clone();
        tokio::spawn(async move { client.request(message_to(2, "pending")).await })
    };
    // The request is on its way before the close arrives.
    let request = peer.request().await;
    assert!(request.request_id.is_some());
    peer.notify(&close(201, Some(1200), Some(reason))).await;
    // Then the gateway drops the connection as it does, which must change nothing.
    peer.reset();

    let expected = CloseInfo {
        notice: CloseNotice::new(SessionCloseStatus::SERVER_CLOSED)
            .with_code(ResponseStatusCode::SERVER_INTERNAL_ERROR)
            .with_reason(reason),
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
        "{seen:?}"
    );
    assert_eq!(client.close_info(), Some(expected.clone()));
    assert_eq!(client.closed().await, expected);
    assert_eq!(client.state(), SessionState::Closed);
    // The driver is gone: calls fail with the close.
    let error = client.request(message_to(2, "late")).await.unwrap_err();
    assert!(matches!(&error, ClientError::SessionClosed(info) if *info == expected));
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
        drop(peer);
    };
    let (closed, ()) = tokio::join!(client.logout(), script);
    let info = closed.unwrap();
    assert_eq!(info.status(), SessionCloseStatus::DISCONNECTED_BY_CLIENT);
    assert_eq!(info.origin, CloseOrigin::Server);
    let seen = events_until_disconnected(&mut events).await;
    let closes: Vec<_> = seen.iter().filter_map(closed_info).collect();
    assert_eq!(closes, [&info], "500 is reported, not 300 (upstream #1612)");
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
    let (client, mut events, mut peer) = logged_in(transport, builder()).await;
    let script = async {
        let requests = [peer.request().await, peer.request().await];
        // An intact frame whose body is not a TurmsNotification, while both calls wait.
        peer.send_raw(Bytes::from_static(&[0xff, 0xff, 0xff])).await;
        // The stream goes on: each message is answered with its recipient. Had the bad frame
        // ended either call, its answer would come too late for it.
        for request in requests {
            let Some(Kind::CreateMessageRequest(message)) = &request.kind else {
                panic!("{request:?}")
            };
            peer.notify(&answer(
                request.request_id.unwrap(),
                1000,
                Some(data::Kind::Long(message.recipient_id.unwrap())),
            ))
            .await;
        }
        peer
    };
    let first = client.send_private_message(1, "first");
    let second = client.send_private_message(2, "second");
    let (a, b, _peer) = tokio::join!(first, second, script);
    assert_eq!(a.unwrap(), 1);
    assert_eq!(b.unwrap(), 2);
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
    drop(peer);
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
