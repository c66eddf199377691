//! Every rule of the mock gateway, one test each, on machines driven with hand-made frames
//! and explicit times: no sockets, no sleeping.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use prost::Message as _;

use super::*;
use crate::codec::request_to_bytes;
use crate::frame::{ClientFrame, CloseNotice, MalformedFrame, ServerFrame};
use crate::proto::turms_notification::data::Kind as DataKind;
use crate::proto::turms_notification::Data;
use crate::proto::turms_request::Kind;
use crate::proto::{
    CreateMessageRequest, CreateSessionRequest, DeleteSessionRequest, DeviceType,
    QueryMessagesRequest, QueryUserProfilesRequest, TurmsNotification, TurmsRequest,
    UpdateUserRequest,
};
use crate::status::{ResponseStatusCode, SessionCloseStatus};
use crate::transport::TransportKind;

/// What the wall clock reads at the simulation's start.
const EPOCH_MILLIS: i64 = 1_700_000_000_000;
const SERVER_ID: &str = "node-7";

/// A gateway's shared state on a clock the test moves, in milliseconds from its start.
struct Sim {
    state: GatewayState,
    t0: Instant,
}

impl Sim {
    fn new() -> Sim {
        Sim::with(|_| {})
    }

    fn with(configure: impl FnOnce(&mut GatewayConfig)) -> Sim {
        let t0 = Instant::now();
        let mut config = GatewayConfig {
            server_id: SERVER_ID.to_owned(),
            ..GatewayConfig::default()
        };
        configure(&mut config);
        Sim {
            state: GatewayState::new(config, WallClock::new(t0, EPOCH_MILLIS)),
            t0,
        }
    }

    fn at(&self, millis: u64) -> Instant {
        self.t0 + Duration::from_millis(millis)
    }

    /// A TCP connection accepted at `millis`.
    fn connect(&mut self, millis: u64) -> GatewaySession {
        self.connect_over(millis, TransportKind::Tcp)
    }

    fn connect_over(&mut self, millis: u64, transport: TransportKind) -> GatewaySession {
        let peer: SocketAddr = "192.0.2.1:40000".parse().unwrap();
        GatewaySession::new(self.at(millis), transport, peer, &mut self.state)
    }

    fn send(&mut self, conn: &mut GatewaySession, millis: u64, request: &TurmsRequest) {
        self.send_raw(conn, millis, &request_to_bytes(request));
    }

    /// Hands a body to the machine as a driver would: classified, or malformed.
    fn send_raw(&mut self, conn: &mut GatewaySession, millis: u64, body: &[u8]) {
        let now = self.at(millis);
        match ClientFrame::try_classify(Bytes::copy_from_slice(body)) {
            Ok(frame) => conn.handle_frame(now, frame, &mut self.state),
            Err((error, bytes)) => {
                conn.handle_malformed(now, &MalformedFrame { bytes, error }, &mut self.state)
            }
        }
    }

    fn heartbeat(&mut self, conn: &mut GatewaySession, millis: u64) {
        conn.handle_frame(self.at(millis), ClientFrame::Heartbeat, &mut self.state);
    }

    fn timeout(&mut self, conn: &mut GatewaySession, at: Instant) {
        conn.handle_timeout(at, &mut self.state);
    }

    /// Logs `user` in on `device` and returns the session id, checking the two frames.
    fn login(
        &mut self,
        conn: &mut GatewaySession,
        millis: u64,
        user: i64,
        device: DeviceType,
    ) -> i32 {
        self.send(conn, millis, &login_request(1, user, None, device));
        let frames = sent(conn);
        assert_eq!(frames.len(), 2, "{frames:?}");
        let ServerFrame::SessionInfo(info) = &frames[0] else {
            panic!("the session info comes first: {frames:?}");
        };
        let ServerFrame::Response(ok) = &frames[1] else {
            panic!("then the response: {frames:?}");
        };
        assert_eq!(ok.code(), Some(ResponseStatusCode::OK));
        info.session_id_number().expect("a session id")
    }

    fn deliver(&mut self, dispatch: Dispatch, millis: u64, to: &mut [&mut GatewaySession]) {
        let now = self.at(millis);
        let conn = to
            .iter_mut()
            .find(|conn| conn.connection_id() == dispatch.connection)
            .expect("a dispatch for a connection the test drives");
        conn.handle_command(now, dispatch.command, &mut self.state);
    }
}

fn request(request_id: i64, kind: Kind) -> TurmsRequest {
    TurmsRequest {
        request_id: Some(request_id),
        kind: Some(kind),
        ..TurmsRequest::default()
    }
}

fn login_request(
    request_id: i64,
    user_id: i64,
    password: Option<&str>,
    device: DeviceType,
) -> TurmsRequest {
    request(
        request_id,
        Kind::CreateSessionRequest(CreateSessionRequest {
            version: 1,
            user_id,
            password: password.map(str::to_owned),
            device_type: device as i32,
            ..CreateSessionRequest::default()
        }),
    )
}

fn logout(request_id: i64) -> TurmsRequest {
    request(
        request_id,
        Kind::DeleteSessionRequest(DeleteSessionRequest::default()),
    )
}

fn query_profiles(request_id: i64) -> TurmsRequest {
    request(
        request_id,
        Kind::QueryUserProfilesRequest(QueryUserProfilesRequest::default()),
    )
}

fn message(request_id: i64, recipient_id: Option<i64>, group_id: Option<i64>) -> TurmsRequest {
    request(
        request_id,
        Kind::CreateMessageRequest(CreateMessageRequest {
            recipient_id,
            group_id,
            text: Some(format!("message {request_id}")),
            ..CreateMessageRequest::default()
        }),
    )
}

/// Everything the machine has to write, classified as a client reads it.
fn sent(conn: &mut GatewaySession) -> Vec<ServerFrame> {
    std::iter::from_fn(|| conn.poll_transmit())
        .map(|body| ServerFrame::classify(body).expect("the gateway writes valid frames"))
        .collect()
}

/// Everything the machine has to write, decoded.
fn notifications(conn: &mut GatewaySession) -> Vec<TurmsNotification> {
    std::iter::from_fn(|| conn.poll_transmit())
        .map(|body| TurmsNotification::decode(body).unwrap())
        .collect()
}

/// The one frame the machine has to write, decoded.
fn only_notification(conn: &mut GatewaySession) -> TurmsNotification {
    let mut all = notifications(conn);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

fn events(conn: &mut GatewaySession) -> Vec<GatewayEvent> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}

fn dispatches(conn: &mut GatewaySession) -> Vec<Dispatch> {
    std::iter::from_fn(|| conn.poll_dispatch()).collect()
}

/// The close notification the machine wrote, with nothing else.
fn close_notice(conn: &mut GatewaySession) -> CloseNotice {
    let frames = sent(conn);
    let [ServerFrame::Close(close)] = &frames[..] else {
        panic!("expected a close notification alone: {frames:?}");
    };
    close.notice()
}

fn closed_event(conn: &mut GatewaySession) -> (ConnectionEnd, Option<CloseNotice>) {
    events(conn)
        .into_iter()
        .find_map(|event| match event {
            GatewayEvent::ConnectionClosed { end, notified, .. } => Some((end, notified)),
            _ => None,
        })
        .expect("the connection closed")
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
    // not protobuf at all (a kind tag without its length): a malformed frame
    (
        b"\x08\x05\x22",
        "Not a valid TurmsRequest: truncated varint",
    ),
];

#[test]
fn accept_rule_refusals_get_minus_one_with_1100_before_login_and_1106_after() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    events(&mut conn);
    for (body, message) in UNREADABLE {
        sim.send_raw(&mut conn, 1, body);
        let refused = only_notification(&mut conn);
        assert_eq!(refused.request_id, Some(-1), "{body:02x?}");
        assert_eq!(refused.code, Some(1100), "{body:02x?}");
        let reason = refused.reason.unwrap();
        assert!(reason.starts_with(message), "{body:02x?}: {reason}");
        let rejected = events(&mut conn);
        assert!(matches!(
            &rejected[..],
            [GatewayEvent::RequestRejected { request_id: -1, code, .. }]
                if *code == ResponseStatusCode::INVALID_REQUEST
        ));
        assert!(
            rejected[0].to_string().contains("refused"),
            "{}",
            rejected[0]
        );
    }
    sim.login(&mut conn, 2, 6, DeviceType::Desktop);
    for (body, _) in UNREADABLE {
        sim.send_raw(&mut conn, 3, body);
        let refused = only_notification(&mut conn);
        assert_eq!(refused.request_id, Some(-1), "{body:02x?}");
        assert_eq!(refused.code, Some(1106), "{body:02x?}");
        assert_eq!(
            refused.reason.as_deref(),
            Some("The request is unauthorized")
        );
    }
    // The session stays open.
    assert_eq!(conn.phase(), Phase::Open);
    assert_eq!(sim.state.sessions().len(), 1);
}

#[test]
fn non_positive_request_ids_get_1100_with_the_id_echoed() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    for logged_in in [false, true] {
        if logged_in {
            sim.login(&mut conn, 1, 1, DeviceType::Desktop);
        }
        for id in [0, -5, i64::MIN + 1] {
            sim.send(&mut conn, 2, &query_profiles(id));
            let refused = only_notification(&mut conn);
            assert_eq!(refused.request_id, Some(id));
            assert_eq!(refused.code, Some(1100));
            assert_eq!(
                refused.reason.as_deref(),
                Some("The request ID must be greater than 0")
            );
        }
    }
}

#[test]
fn responses_carry_the_request_id_read_before_the_kind() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    sim.login(&mut conn, 1, 1, DeviceType::Desktop);
    // request_id 5 and the kind, then request_id 9, which a full decode would keep and the
    // real gateway never reads.
    let mut body = request_to_bytes(&query_profiles(5)).to_vec();
    body.extend_from_slice(&[0x08, 0x09]);
    sim.send_raw(&mut conn, 2, &body);
    let response = only_notification(&mut conn);
    assert_eq!(response.request_id, Some(5));
    assert_eq!(response.code, Some(1001));
}

#[test]
fn only_client_version_1_logs_in() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    let mut login = login_request(9, 1, None, DeviceType::Desktop);
    if let Some(Kind::CreateSessionRequest(l)) = &mut login.kind {
        l.version = 2;
    }
    sim.send(&mut conn, 1, &login);
    let refused = only_notification(&mut conn);
    assert_eq!(refused.request_id, Some(9));
    assert_eq!(refused.code, Some(2000));
    assert_eq!(
        refused.reason.as_deref(),
        Some("Supported client versions are: [1], but got: 2")
    );
    assert!(conn.session().is_none());
    // The connection stays usable: version 1 logs in.
    sim.login(&mut conn, 2, 1, DeviceType::Desktop);
    assert!(conn.session().is_some());
}

#[test]
fn the_authenticator_decides_with_its_code_and_reason() {
    let mut sim = Sim::new();
    sim.state
        .set_authenticator(|login: &LoginAttempt<'_>| match login.user_id() {
            13 => AuthDecision::user_not_active(),
            14 => AuthDecision::deny_with_reason(
                ResponseStatusCode::LOGIN_FROM_FORBIDDEN_DEVICE_TYPE,
                "no phones",
            ),
            _ if login.password() == Some("123") => AuthDecision::Allow,
            _ => AuthDecision::authentication_failed(),
        });
    let mut conn = sim.connect(0);
    events(&mut conn);
    let cases = [
        (13, None, 2012, Some("The logging in user is inactive")),
        (14, None, 2013, Some("no phones")),
        (
            15,
            Some("wrong"),
            2011,
            Some("The user's login information does not match"),
        ),
        (
            15,
            None,
            2011,
            Some("The user's login information does not match"),
        ),
    ];
    for (user, password, code, reason) in cases {
        sim.send(
            &mut conn,
            1,
            &login_request(3, user, password, DeviceType::Ios),
        );
        let refused = only_notification(&mut conn);
        assert_eq!(
            (refused.request_id, refused.code, refused.reason.as_deref()),
            (Some(3), Some(code), reason)
        );
        assert!(matches!(
            &events(&mut conn)[..],
            [GatewayEvent::LoginFailed { user_id, device_type: DeviceType::Ios, code: c, .. }]
                if *user_id == user && c.as_i32() == code
        ));
    }
    sim.send(
        &mut conn,
        2,
        &login_request(4, 15, Some("123"), DeviceType::Ios),
    );
    assert_eq!(sent(&mut conn).len(), 2);
    assert_eq!(conn.session().map(|s| s.user_id), Some(15));
}

#[test]
fn a_refused_login_keeps_the_connection_open_until_the_login_timeout() {
    let mut sim = Sim::with(|config| config.login_timeout = Duration::from_millis(300));
    sim.state.set_authenticator(SharedPassword::new("123"));
    let mut conn = sim.connect(10);
    events(&mut conn);
    // A wrong password, and none at all.
    for password in [Some("wrong"), None] {
        sim.send(
            &mut conn,
            20,
            &login_request(5, 1, password, DeviceType::Desktop),
        );
        let refused = only_notification(&mut conn);
        assert_eq!(
            (refused.request_id, refused.code, refused.reason.as_deref()),
            (
                Some(5),
                Some(2011),
                Some("The user's login information does not match")
            )
        );
        assert!(matches!(
            &events(&mut conn)[..],
            [GatewayEvent::LoginFailed { code, .. }]
                if *code == ResponseStatusCode::LOGIN_AUTHENTICATION_FAILED
        ));
    }
    // Still open, still without a session: a heartbeat gets the no-session failure.
    assert_eq!(conn.phase(), Phase::Open);
    sim.heartbeat(&mut conn, 30);
    assert_eq!(only_notification(&mut conn).code, Some(2104));
    // The refused login did not move the login deadline.
    assert_eq!(conn.next_deadline(), Some(sim.at(310)));
    sim.timeout(&mut conn, sim.at(309));
    assert_eq!(conn.phase(), Phase::Open);
    sim.timeout(&mut conn, sim.at(310));
    let notice = close_notice(&mut conn);
    assert_eq!(notice, CloseNotice::new(SessionCloseStatus::LOGIN_TIMEOUT));
    sim.timeout(&mut conn, sim.at(310));
    assert_eq!(
        closed_event(&mut conn),
        (ConnectionEnd::ByGateway, Some(notice))
    );
    assert!(sim.state.sessions().is_empty());
}

#[test]
fn login_pushes_session_info_before_the_ok_response() {
    let mut sim = Sim::new();
    let mut conn = sim.connect_over(0, TransportKind::WebSocket);
    events(&mut conn);
    sim.send(
        &mut conn,
        250,
        &login_request(77, 3, Some("any"), DeviceType::Android),
    );
    let frames = notifications(&mut conn);
    assert_eq!(frames.len(), 2);
    let info = &frames[0];
    assert_eq!((info.request_id, info.code), (None, None));
    assert_eq!(info.timestamp, EPOCH_MILLIS + 250);
    let Some(Data {
        kind: Some(DataKind::UserSession(user_session)),
    }) = &info.data
    else {
        panic!("no user_session: {info:?}");
    };
    assert_eq!(user_session.server_id, SERVER_ID);
    let ok = &frames[1];
    assert_eq!(
        (
            ok.request_id,
            ok.code,
            ok.reason.as_deref(),
            ok.data.as_ref()
        ),
        (Some(77), Some(1000), None, None)
    );
    assert_eq!(ok.timestamp, EPOCH_MILLIS + 250);

    let session = conn.session().unwrap().clone();
    assert!(session.session_id > 0);
    assert_eq!(user_session.session_id, session.session_id.to_string());
    assert_eq!(
        (session.user_id, session.device_type, session.transport),
        (3, DeviceType::Android, TransportKind::WebSocket)
    );
    assert_eq!(session.connection_id, conn.connection_id());
    assert_eq!(sim.state.sessions(), std::slice::from_ref(&session));
    assert_eq!(
        events(&mut conn),
        [GatewayEvent::LoginSucceeded {
            connection: conn.connection_id(),
            session
        }]
    );
}

#[test]
fn a_second_login_on_one_connection_gets_2103() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    let first = sim.login(&mut conn, 1, 15, DeviceType::Desktop);
    sim.send(&mut conn, 2, &login_request(3, 16, None, DeviceType::Ios));
    let existing = only_notification(&mut conn);
    assert_eq!(
        (existing.request_id, existing.code, existing.reason),
        (Some(3), Some(2103), None)
    );
    assert_eq!(conn.session().unwrap().session_id, first);
    assert_eq!(sim.state.sessions().len(), 1);
}

#[test]
fn heartbeats_get_2104_before_login_and_an_empty_ack_after() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    sim.heartbeat(&mut conn, 5);
    let failure = only_notification(&mut conn);
    assert_eq!(
        (failure.request_id, failure.code, failure.reason),
        (Some(-100), Some(2104), None)
    );
    assert_eq!(failure.timestamp, EPOCH_MILLIS + 5);
    sim.login(&mut conn, 6, 1, DeviceType::Desktop);
    sim.heartbeat(&mut conn, 7);
    sim.heartbeat(&mut conn, 8);
    assert_eq!(
        std::iter::from_fn(|| conn.poll_transmit()).collect::<Vec<_>>(),
        [Bytes::new(), Bytes::new()]
    );
}

#[test]
fn requests_before_login_get_1200_without_a_reason() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    events(&mut conn);
    sim.send(&mut conn, 1, &query_profiles(41));
    let refused = only_notification(&mut conn);
    assert_eq!(
        (refused.request_id, refused.code, refused.reason),
        (Some(41), Some(1200), None)
    );
    assert!(matches!(
        &events(&mut conn)[..],
        [GatewayEvent::RequestRejected {
            request_id: 41,
            reason: None,
            ..
        }]
    ));
}

#[test]
fn logout_before_login_gets_no_answer() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    events(&mut conn);
    sim.send(&mut conn, 1, &logout(42));
    assert_eq!(conn.poll_transmit(), None);
    assert!(events(&mut conn).is_empty());
    assert_eq!(conn.phase(), Phase::Open);
}

#[test]
fn logout_closes_with_500_and_no_response() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    let session_id = sim.login(&mut conn, 1, 4, DeviceType::Ios);
    events(&mut conn);
    sim.send(&mut conn, 2, &logout(2));
    // The close notification is the only frame: no response to the request.
    let notice = close_notice(&mut conn);
    assert_eq!(
        notice,
        CloseNotice::new(SessionCloseStatus::DISCONNECTED_BY_CLIENT)
    );
    assert!(sim.state.sessions().is_empty());
    assert!(events(&mut conn).contains(&GatewayEvent::SessionClosed {
        connection: conn.connection_id(),
        session_id,
        user_id: 4,
        reason: notice,
        notified: true,
    }));
}

#[test]
fn idle_sessions_close_with_110_exactly_at_the_idle_deadline() {
    let mut sim = Sim::with(|config| config.idle_timeout = Duration::from_millis(150));
    let mut conn = sim.connect(0);
    let session_id = sim.login(&mut conn, 100, 3, DeviceType::Browser);
    events(&mut conn);
    assert_eq!(conn.next_deadline(), Some(sim.at(250)));
    sim.timeout(&mut conn, sim.at(250) - Duration::from_nanos(1));
    assert_eq!(conn.poll_transmit(), None);
    assert_eq!(sim.state.sessions().len(), 1);
    sim.timeout(&mut conn, sim.at(250));
    let notice = close_notice(&mut conn);
    assert_eq!(
        notice,
        CloseNotice::new(SessionCloseStatus::HEARTBEAT_TIMEOUT)
    );
    assert!(sim.state.sessions().is_empty());
    assert!(events(&mut conn).contains(&GatewayEvent::SessionClosed {
        connection: conn.connection_id(),
        session_id,
        user_id: 3,
        reason: notice,
        notified: true,
    }));
}

#[test]
fn heartbeats_and_requests_move_the_idle_deadline() {
    let mut sim = Sim::with(|config| config.idle_timeout = Duration::from_millis(400));
    let mut conn = sim.connect(0);
    sim.login(&mut conn, 0, 3, DeviceType::Desktop);
    sim.heartbeat(&mut conn, 300);
    assert_eq!(conn.next_deadline(), Some(sim.at(700)));
    sim.send(&mut conn, 600, &query_profiles(1));
    assert_eq!(conn.next_deadline(), Some(sim.at(1000)));
    // A request the gateway refuses before any handler does not count.
    sim.send(&mut conn, 900, &query_profiles(0));
    assert_eq!(conn.next_deadline(), Some(sim.at(1000)));
    sent(&mut conn);
    sim.timeout(&mut conn, sim.at(999));
    assert_eq!((conn.phase(), conn.poll_transmit()), (Phase::Open, None));
    sim.timeout(&mut conn, sim.at(1000));
    assert_eq!(
        close_notice(&mut conn).status,
        SessionCloseStatus::HEARTBEAT_TIMEOUT
    );
}

#[test]
fn connections_without_a_session_close_with_111_exactly_at_the_login_deadline() {
    let mut sim = Sim::with(|config| config.login_timeout = Duration::from_millis(300));
    let mut conn = sim.connect(50);
    events(&mut conn);
    assert_eq!(conn.next_deadline(), Some(sim.at(350)));
    // Heartbeats and refused requests do not move it.
    sim.heartbeat(&mut conn, 200);
    sim.send(&mut conn, 210, &query_profiles(3));
    assert_eq!(conn.next_deadline(), Some(sim.at(350)));
    sent(&mut conn);
    sim.timeout(&mut conn, sim.at(350) - Duration::from_nanos(1));
    assert_eq!(conn.poll_transmit(), None);
    sim.timeout(&mut conn, sim.at(350));
    let notice = close_notice(&mut conn);
    assert_eq!(notice, CloseNotice::new(SessionCloseStatus::LOGIN_TIMEOUT));
    // No session to close: the connection alone reports the notification.
    let events = events(&mut conn);
    assert!(!events
        .iter()
        .any(|e| matches!(e, GatewayEvent::SessionClosed { .. })));
    assert_eq!(conn.phase(), Phase::Closing);
    sim.timeout(&mut conn, sim.at(350));
    assert_eq!(
        closed_event(&mut conn),
        (ConnectionEnd::ByGateway, Some(notice))
    );
}

#[test]
fn zero_login_and_idle_timeouts_disable_them() {
    let mut sim = Sim::with(|config| {
        config.login_timeout = Duration::ZERO;
        config.idle_timeout = Duration::ZERO;
    });
    let mut conn = sim.connect(0);
    assert_eq!(conn.next_deadline(), None);
    sim.login(&mut conn, 1, 1, DeviceType::Desktop);
    assert_eq!(conn.next_deadline(), None);
    sim.timeout(&mut conn, sim.at(10_000_000));
    assert_eq!((conn.phase(), conn.poll_transmit()), (Phase::Open, None));
}

#[test]
fn after_a_close_notification_everything_is_ignored_until_the_close_deadline() {
    let mut sim = Sim::with(|config| config.close_timeout = Duration::from_millis(200));
    let mut conn = sim.connect(0);
    sim.login(&mut conn, 0, 4, DeviceType::Desktop);
    sim.send(&mut conn, 100, &logout(2));
    let notice = close_notice(&mut conn);
    assert_eq!(notice.status, SessionCloseStatus::DISCONNECTED_BY_CLIENT);
    assert_eq!(conn.phase(), Phase::Closing);
    assert_eq!(conn.next_deadline(), Some(sim.at(300)));
    events(&mut conn);

    // Requests, heartbeats, logins, unreadable frames, violations and commands: no answer.
    sim.send(&mut conn, 110, &query_profiles(3));
    sim.heartbeat(&mut conn, 120);
    sim.send(
        &mut conn,
        130,
        &login_request(4, 4, None, DeviceType::Desktop),
    );
    sim.send_raw(&mut conn, 140, b"\x08\x05");
    conn.handle_violation(sim.at(150), "too long".to_owned(), &mut sim.state);
    for command in [
        Command::Push(Bytes::from_static(b"\x08\x01")),
        Command::Close(SessionCloseStatus::DISCONNECTED_BY_ADMIN.into()),
        Command::Shutdown,
    ] {
        conn.handle_command(sim.at(160), command, &mut sim.state);
    }
    assert_eq!(conn.poll_transmit(), None);
    assert!(events(&mut conn).is_empty());
    assert!(sim.state.sessions().is_empty());

    sim.timeout(&mut conn, sim.at(299));
    assert_eq!(conn.phase(), Phase::Closing);
    sim.timeout(&mut conn, sim.at(300));
    assert_eq!(conn.phase(), Phase::Closed);
    assert_eq!(conn.next_deadline(), None);
    assert_eq!(
        closed_event(&mut conn),
        (ConnectionEnd::ByGateway, Some(notice))
    );
}

#[test]
fn a_client_that_closes_during_the_close_wait_ends_the_connection() {
    let mut sim = Sim::with(|config| config.close_timeout = Duration::from_secs(120));
    for (error, end) in [
        (None, ConnectionEnd::ByPeer),
        (
            Some("reset".to_owned()),
            ConnectionEnd::TransportError("reset".to_owned()),
        ),
    ] {
        let mut conn = sim.connect(0);
        sim.login(&mut conn, 0, 4, DeviceType::Desktop);
        sim.send(&mut conn, 10, &logout(2));
        let notice = close_notice(&mut conn);
        events(&mut conn);
        conn.handle_end(error, &mut sim.state);
        assert_eq!(conn.phase(), Phase::Closed);
        assert_eq!(closed_event(&mut conn), (end, Some(notice)));
    }
}

#[test]
fn a_zero_close_timeout_closes_as_soon_as_the_notification_is_out() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    sim.login(&mut conn, 0, 4, DeviceType::Desktop);
    sim.send(&mut conn, 10, &logout(2));
    assert_eq!(conn.next_deadline(), Some(sim.at(10)));
    close_notice(&mut conn);
    sim.timeout(&mut conn, sim.at(10));
    assert_eq!(conn.phase(), Phase::Closed);
}

#[test]
fn a_framing_violation_before_login_drops_the_connection() {
    let mut sim = Sim::new();
    for transport in [TransportKind::Tcp, TransportKind::WebSocket] {
        let mut conn = sim.connect_over(0, transport);
        events(&mut conn);
        let what = "length prefix 16385 exceeds max 16384".to_owned();
        conn.handle_violation(sim.at(1), what.clone(), &mut sim.state);
        assert_eq!(conn.poll_transmit(), None);
        assert_eq!(conn.phase(), Phase::Closed);
        assert_eq!(
            closed_event(&mut conn),
            (ConnectionEnd::FramingViolation(what), None)
        );
    }
}

/// An oversize WebSocket message reaches the machine as a violation too: the same rule.
#[test]
fn a_framing_violation_after_login_closes_with_200_and_1200() {
    let mut sim = Sim::new();
    for transport in [TransportKind::Tcp, TransportKind::WebSocket] {
        let mut conn = sim.connect_over(0, transport);
        let session_id = sim.login(&mut conn, 0, 1, DeviceType::Desktop);
        events(&mut conn);
        let what = "inbound message of 65 bytes exceeds max 64".to_owned();
        conn.handle_violation(sim.at(1), what, &mut sim.state);
        let notice = close_notice(&mut conn);
        assert_eq!(
            notice,
            CloseNotice::new(SessionCloseStatus::SERVER_ERROR)
                .with_code(ResponseStatusCode::SERVER_INTERNAL_ERROR)
        );
        assert!(events(&mut conn).iter().any(|e| matches!(
            e,
            GatewayEvent::SessionClosed { session_id: id, notified: true, .. } if *id == session_id
        )));
        assert!(sim.state.sessions().is_empty());
    }
}

#[test]
fn a_client_going_away_takes_its_session_with_it() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    let session_id = sim.login(&mut conn, 0, 2, DeviceType::Desktop);
    events(&mut conn);
    conn.handle_end(None, &mut sim.state);
    assert_eq!(conn.phase(), Phase::Closed);
    assert_eq!(conn.poll_transmit(), None);
    assert!(sim.state.sessions().is_empty());
    assert_eq!(
        events(&mut conn),
        [
            GatewayEvent::SessionClosed {
                connection: conn.connection_id(),
                session_id,
                user_id: 2,
                reason: SessionCloseStatus::CONNECTION_CLOSED.into(),
                notified: false,
            },
            GatewayEvent::ConnectionClosed {
                connection: conn.connection_id(),
                end: ConnectionEnd::ByPeer,
                notified: None,
            }
        ]
    );
}

#[test]
fn a_second_login_on_the_same_device_type_kicks_the_first_with_500() {
    let mut sim = Sim::new();
    let mut first = sim.connect(0);
    let first_id = sim.login(&mut first, 0, 1, DeviceType::Desktop);
    let mut phone = sim.connect(0);
    sim.login(&mut phone, 0, 1, DeviceType::Android);
    let mut second = sim.connect(0);
    let second_id = sim.login(&mut second, 5, 1, DeviceType::Desktop);
    assert_ne!(first_id, second_id);
    // The earlier session is gone from the registry at once; its connection is told.
    let ids: Vec<i32> = sim.state.sessions().iter().map(|s| s.session_id).collect();
    assert!(ids.contains(&second_id) && !ids.contains(&first_id));
    let kick = Dispatch {
        connection: first.connection_id(),
        command: Command::Close(SessionCloseStatus::DISCONNECTED_BY_CLIENT.into()),
    };
    assert_eq!(dispatches(&mut second), std::slice::from_ref(&kick));
    assert!(dispatches(&mut phone).is_empty());

    events(&mut first);
    sim.deliver(kick, 5, &mut [&mut first, &mut phone]);
    assert_eq!(
        close_notice(&mut first),
        CloseNotice::new(SessionCloseStatus::DISCONNECTED_BY_CLIENT)
    );
    assert!(events(&mut first).iter().any(|e| matches!(
        e,
        GatewayEvent::SessionClosed { session_id, notified: true, .. } if *session_id == first_id
    )));
    assert_eq!(sim.state.sessions().len(), 2);
    assert_eq!(phone.poll_transmit(), None);
}

#[test]
fn with_allow_both_a_second_login_kicks_no_one() {
    let mut sim = Sim::with(|config| config.login_conflict = LoginConflictPolicy::AllowBoth);
    let mut first = sim.connect(0);
    sim.login(&mut first, 0, 1, DeviceType::Desktop);
    let mut second = sim.connect(0);
    sim.login(&mut second, 0, 1, DeviceType::Desktop);
    assert!(dispatches(&mut second).is_empty());
    assert_eq!(sim.state.sessions().len(), 2);
}

#[test]
fn the_decline_policy_refuses_a_second_login_with_2100() {
    let mut sim = Sim::with(|config| config.login_conflict = LoginConflictPolicy::DeclineNew);
    let mut first = sim.connect(0);
    sim.login(&mut first, 0, 1, DeviceType::Desktop);
    let mut second = sim.connect(0);
    sim.send(
        &mut second,
        1,
        &login_request(8, 1, None, DeviceType::Desktop),
    );
    let refused = only_notification(&mut second);
    assert_eq!((refused.request_id, refused.code), (Some(8), Some(2100)));
    assert!(second.session().is_none());
    assert!(dispatches(&mut second).is_empty());
    assert_eq!(sim.state.sessions().len(), 1);
}

#[test]
fn private_messages_reach_every_device_of_the_recipient_and_the_senders_others() {
    let mut sim = Sim::new();
    let mut sender = sim.connect(0);
    sim.login(&mut sender, 0, 1, DeviceType::Desktop);
    let mut senders_phone = sim.connect(0);
    sim.login(&mut senders_phone, 0, 1, DeviceType::Android);
    let mut desktop = sim.connect(0);
    sim.login(&mut desktop, 0, 2, DeviceType::Desktop);
    let mut phone = sim.connect(0);
    sim.login(&mut phone, 0, 2, DeviceType::Android);
    let mut bystander = sim.connect(0);
    sim.login(&mut bystander, 0, 3, DeviceType::Desktop);

    let sent_request = message(31, Some(2), None);
    sim.send(&mut sender, 40, &sent_request);
    let ok = only_notification(&mut sender);
    assert_eq!((ok.request_id, ok.code), (Some(31), Some(1000)));
    let Some(Data {
        kind: Some(DataKind::Long(message_id)),
    }) = ok.data
    else {
        panic!("the response carries the message id: {ok:?}");
    };

    let pushes = dispatches(&mut sender);
    let mut reached: Vec<u64> = pushes.iter().map(|d| d.connection).collect();
    reached.sort_unstable();
    let mut expected = vec![
        senders_phone.connection_id(),
        desktop.connection_id(),
        phone.connection_id(),
    ];
    expected.sort_unstable();
    assert_eq!(reached, expected);
    // One encoding for every recipient.
    let Command::Push(body) = pushes[0].command.clone() else {
        panic!("a push: {pushes:?}");
    };
    assert!(pushes
        .iter()
        .all(|d| d.command == Command::Push(body.clone())));
    let push = TurmsNotification::decode(body.clone()).unwrap();
    assert_eq!(
        (push.requester_id, push.request_id, push.code),
        (Some(1), None, None)
    );
    assert_eq!(push.timestamp, EPOCH_MILLIS + 40);
    let mut relayed = sent_request;
    if let Some(Kind::CreateMessageRequest(m)) = &mut relayed.kind {
        m.message_id = Some(message_id);
        m.delivery_date = Some(EPOCH_MILLIS + 40);
    }
    assert_eq!(push.relayed_request, Some(relayed));

    for dispatch in pushes {
        sim.deliver(
            dispatch,
            41,
            &mut [&mut senders_phone, &mut desktop, &mut phone],
        );
    }
    for conn in [&mut senders_phone, &mut desktop, &mut phone] {
        assert_eq!(conn.poll_transmit().as_ref(), Some(&body));
    }
    assert_eq!(bystander.poll_transmit(), None);
    let stored = sim.state.messages();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].id, stored[0].sender_id, stored[0].recipient_id),
        (Some(message_id), Some(1), Some(2))
    );
}

#[test]
fn group_messages_reach_the_other_members() {
    let mut sim = Sim::new();
    sim.state.add_group(100, [1, 2]);
    sim.state.add_group(100, [3]);
    let mut members = Vec::new();
    for user in [1, 2, 3, 4] {
        let mut conn = sim.connect(0);
        sim.login(&mut conn, 0, user, DeviceType::Desktop);
        members.push(conn);
    }
    sim.send(&mut members[0], 1, &message(7, None, Some(100)));
    assert_eq!(only_notification(&mut members[0]).code, Some(1000));
    let pushes = dispatches(&mut members[0]);
    let reached: Vec<u64> = pushes.iter().map(|d| d.connection).collect();
    // Not to the sender, not to non-members.
    assert_eq!(
        reached,
        [members[1].connection_id(), members[2].connection_id()]
    );
    let Command::Push(body) = &pushes[0].command else {
        panic!("a push: {pushes:?}");
    };
    assert!(pushes
        .iter()
        .all(|d| d.command == Command::Push(body.clone())));
    let push = TurmsNotification::decode(body.clone()).unwrap();
    assert_eq!(push.requester_id, Some(1));
    let Some(Kind::CreateMessageRequest(relayed)) = push.relayed_request.and_then(|r| r.kind)
    else {
        panic!("not a message");
    };
    assert_eq!(relayed.group_id, Some(100));
    assert_eq!(relayed.text.as_deref(), Some("message 7"));
    assert_eq!(sim.state.groups()[&100], [1, 2, 3]);
    assert_eq!(sim.state.messages()[0].group_id, Some(100));
}

#[test]
fn system_and_targetless_messages_get_1102() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    sim.login(&mut conn, 0, 1, DeviceType::Desktop);
    sim.send(&mut conn, 1, &message(1, None, None));
    let refused = only_notification(&mut conn);
    assert_eq!(refused.code, Some(1102));
    assert_eq!(
        refused.reason.as_deref(),
        Some("The recipientId must not be null for private messages")
    );
    let mut system = message(2, Some(2), None);
    if let Some(Kind::CreateMessageRequest(m)) = &mut system.kind {
        m.is_system_message = Some(true);
    }
    sim.send(&mut conn, 2, &system);
    let refused = only_notification(&mut conn);
    assert_eq!(refused.code, Some(1102));
    assert_eq!(
        refused.reason.as_deref(),
        Some("Users cannot send the system message")
    );
    assert!(sim.state.messages().is_empty());
    assert!(dispatches(&mut conn).is_empty());
}

#[test]
fn query_messages_answers_from_the_store() {
    let mut sim = Sim::new();
    let mut alice = sim.connect(0);
    sim.login(&mut alice, 0, 1, DeviceType::Desktop);
    let mut bob = sim.connect(0);
    sim.login(&mut bob, 0, 2, DeviceType::Desktop);
    for (id, millis) in [(1, 10), (2, 20), (3, 30)] {
        sim.send(&mut alice, millis, &message(id, Some(2), None));
        assert_eq!(only_notification(&mut alice).code, Some(1000));
    }
    let query =
        |request_id, q: QueryMessagesRequest| request(request_id, Kind::QueryMessagesRequest(q));
    sim.send(
        &mut bob,
        40,
        &query(
            10,
            QueryMessagesRequest {
                from_ids: vec![1],
                descending: Some(true),
                max_count: Some(2),
                ..QueryMessagesRequest::default()
            },
        ),
    );
    let found = only_notification(&mut bob);
    assert_eq!((found.request_id, found.code), (Some(10), Some(1000)));
    let Some(Data {
        kind: Some(DataKind::Messages(messages)),
    }) = found.data
    else {
        panic!("expected data.messages: {found:?}");
    };
    let dates: Vec<_> = messages.messages.iter().map(|m| m.delivery_date).collect();
    assert_eq!(dates, [Some(EPOCH_MILLIS + 30), Some(EPOCH_MILLIS + 20)]);
    let texts: Vec<_> = messages
        .messages
        .iter()
        .filter_map(|m| m.text.as_deref())
        .collect();
    assert_eq!(texts, ["message 3", "message 2"]);
    assert!(messages.messages.iter().all(|m| m.sender_id == Some(1)));

    // With totals: grouped by where they came from, counted beyond max_count.
    sim.send(
        &mut bob,
        45,
        &query(
            12,
            QueryMessagesRequest {
                with_total: true,
                max_count: Some(1),
                ..QueryMessagesRequest::default()
            },
        ),
    );
    let found = only_notification(&mut bob);
    let Some(Data {
        kind: Some(DataKind::MessagesWithTotalList(list)),
    }) = found.data
    else {
        panic!("expected data.messages_with_total_list: {found:?}");
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
    assert_eq!(from_alice.messages[0].text.as_deref(), Some("message 1"));

    // Nothing matches: NO_CONTENT, as turms-service answers.
    sim.send(
        &mut bob,
        50,
        &query(
            11,
            QueryMessagesRequest {
                are_group_messages: Some(true),
                ..QueryMessagesRequest::default()
            },
        ),
    );
    let empty = only_notification(&mut bob);
    assert_eq!(
        (empty.request_id, empty.code, empty.data),
        (Some(11), Some(1001), None)
    );
}

#[test]
fn unscripted_requests_get_no_content() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    sim.login(&mut conn, 0, 1, DeviceType::Desktop);
    sim.send(&mut conn, 1, &query_profiles(5));
    let answer = only_notification(&mut conn);
    assert_eq!(
        (answer.request_id, answer.code, answer.reason, answer.data),
        (Some(5), Some(1001), None, None)
    );
}

#[test]
fn a_request_body_that_does_not_decode_gets_1100_with_the_decode_error() {
    let mut sim = Sim::new();
    let mut conn = sim.connect(0);
    sim.login(&mut conn, 0, 1, DeviceType::Desktop);
    // request_id 5, then a QueryUserProfilesRequest (field 100) whose body is a lone key:
    // the gateway reads the envelope, turms-service fails to decode the body.
    sim.send_raw(&mut conn, 1, b"\x08\x05\xa2\x06\x01\x08");
    let refused = only_notification(&mut conn);
    assert_eq!((refused.request_id, refused.code), (Some(5), Some(1100)));
    assert!(refused.reason.is_some_and(|r| !r.is_empty()));
}

#[test]
fn scripts_answer_ignore_or_close() {
    let mut sim = Sim::new();
    sim.state.set_script(
        |session: &Session, request: &TurmsRequest| match request.kind {
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
    );
    let mut conn = sim.connect(0);
    sim.login(&mut conn, 0, 1, DeviceType::Desktop);
    sim.send(&mut conn, 1, &query_profiles(3));
    let answer = only_notification(&mut conn);
    assert_eq!(
        (answer.request_id, answer.code, answer.reason.as_deref()),
        (Some(3), Some(2301), Some("user 1 may not look"))
    );
    assert_eq!(
        answer.data,
        Some(Data {
            kind: Some(DataKind::String("extra".to_owned()))
        })
    );
    let update = request(4, Kind::UpdateUserRequest(UpdateUserRequest::default()));
    sim.send(&mut conn, 2, &update);
    assert_eq!(conn.poll_transmit(), None);
    // Messages fall through to the built-in handling.
    sim.send(&mut conn, 3, &message(5, Some(2), None));
    assert_eq!(only_notification(&mut conn).code, Some(1000));
    // Scripts change at run time.
    sim.state.set_script(|_: &Session, _: &TurmsRequest| {
        Some(Reply::code(ResponseStatusCode::ALREADY_UP_TO_DATE))
    });
    sim.send(&mut conn, 4, &message(6, Some(2), None));
    assert_eq!(only_notification(&mut conn).code, Some(1002));
    sim.state.clear_script();
    sim.send(&mut conn, 5, &query_profiles(7));
    assert_eq!(only_notification(&mut conn).code, Some(1001));

    sim.state.set_script(|session: &Session, _: &TurmsRequest| {
        (session.user_id == 9).then(|| {
            CloseNotice::new(SessionCloseStatus::USER_IS_BLOCKED)
                .with_code(ResponseStatusCode::from_i32(1300))
                .with_reason("blocked")
                .into()
        })
    });
    let mut blocked = sim.connect(0);
    sim.login(&mut blocked, 6, 9, DeviceType::Desktop);
    sim.send(&mut blocked, 7, &update);
    assert_eq!(
        close_notice(&mut blocked),
        CloseNotice::new(SessionCloseStatus::USER_IS_BLOCKED)
            .with_code(ResponseStatusCode::from_i32(1300))
            .with_reason("blocked")
    );
    assert_eq!(blocked.phase(), Phase::Closing);
}

#[test]
fn admin_pushes_and_closes_reach_their_targets() {
    let mut sim = Sim::new();
    let mut desktop = sim.connect(0);
    let desktop_id = sim.login(&mut desktop, 0, 1, DeviceType::Desktop);
    let mut phone = sim.connect(0);
    sim.login(&mut phone, 0, 1, DeviceType::Ios);
    let mut other = sim.connect(0);
    sim.login(&mut other, 0, 2, DeviceType::Ios);

    let body = Bytes::from_static(b"\x08\x63");
    let to_user = sim.state.push(SessionTarget::User(1), &body);
    assert_eq!(to_user.len(), 2);
    for dispatch in to_user {
        sim.deliver(dispatch, 1, &mut [&mut desktop, &mut phone, &mut other]);
    }
    assert_eq!(desktop.poll_transmit().as_ref(), Some(&body));
    assert_eq!(phone.poll_transmit().as_ref(), Some(&body));
    assert_eq!(other.poll_transmit(), None);
    assert_eq!(
        sim.state
            .push(SessionTarget::UserDevice(2, DeviceType::Ios), &body)
            .iter()
            .map(|d| d.connection)
            .collect::<Vec<_>>(),
        [other.connection_id()]
    );
    assert!(sim.state.push(SessionTarget::User(3), &body).is_empty());
    assert_eq!(sim.state.push(SessionTarget::All, &body).len(), 3);

    let notice = CloseNotice::new(SessionCloseStatus::DISCONNECTED_BY_ADMIN)
        .with_code(ResponseStatusCode::from_i32(1234))
        .with_reason("kicked");
    let closes = sim.state.close(SessionTarget::Session(desktop_id), &notice);
    // Gone from the registry at once, before the connection hears of it.
    assert_eq!(sim.state.sessions().len(), 2);
    assert_eq!(
        closes,
        [Dispatch {
            connection: desktop.connection_id(),
            command: Command::Close(notice.clone()),
        }]
    );
    for dispatch in closes {
        sim.deliver(dispatch, 2, &mut [&mut desktop]);
    }
    assert_eq!(close_notice(&mut desktop), notice);
    assert!(sim
        .state
        .close(SessionTarget::Session(desktop_id), &notice)
        .is_empty());
    assert_eq!(
        sim.state
            .close(
                SessionTarget::All,
                &SessionCloseStatus::DISCONNECTED_BY_ADMIN.into()
            )
            .len(),
        2
    );
    assert!(sim.state.sessions().is_empty());
}

#[test]
fn admin_closes_carry_any_status_code_and_reason() {
    let mut sim = Sim::new();
    let statuses = SessionCloseStatus::all().chain([SessionCloseStatus::from_i32(999)]);
    for (i, status) in statuses.enumerate() {
        let mut conn = sim.connect_over(0, [TransportKind::Tcp, TransportKind::WebSocket][i % 2]);
        let session_id = sim.login(&mut conn, 0, 50, DeviceType::Desktop);
        let notice = if status.as_i32() == 999 {
            // A status alone, and an unknown one.
            CloseNotice::new(status)
        } else {
            CloseNotice::new(status)
                .with_code(ResponseStatusCode::from_i32(1000 + i as i32))
                .with_reason(format!("because {status}"))
        };
        let target = match i % 3 {
            0 => SessionTarget::Session(session_id),
            1 => SessionTarget::UserDevice(50, DeviceType::Desktop),
            _ => SessionTarget::User(50),
        };
        let closes = sim.state.close(target, &notice);
        assert_eq!(closes.len(), 1, "{status}");
        assert!(sim.state.sessions().is_empty());
        for dispatch in closes {
            sim.deliver(dispatch, 1, &mut [&mut conn]);
        }
        assert_eq!(close_notice(&mut conn), notice);
        assert_eq!(conn.phase(), Phase::Closing);
    }
    assert!(sim
        .state
        .close(
            SessionTarget::All,
            &SessionCloseStatus::DISCONNECTED_BY_ADMIN.into()
        )
        .is_empty());
}

#[test]
fn shutdown_closes_sessions_with_201_and_ends_the_rest() {
    let mut sim = Sim::new();
    let mut logged_in = sim.connect(0);
    sim.login(&mut logged_in, 0, 1, DeviceType::Desktop);
    let mut anonymous = sim.connect(0);
    events(&mut anonymous);
    for conn in [&mut logged_in, &mut anonymous] {
        conn.handle_command(sim.at(1), Command::Shutdown, &mut sim.state);
    }
    assert_eq!(
        close_notice(&mut logged_in),
        CloseNotice::new(SessionCloseStatus::SERVER_CLOSED)
    );
    assert_eq!(anonymous.poll_transmit(), None);
    assert_eq!(anonymous.phase(), Phase::Closed);
    assert_eq!(
        closed_event(&mut anonymous),
        (ConnectionEnd::ByGateway, None)
    );
    assert!(sim.state.sessions().is_empty());
}

#[test]
fn connections_are_numbered_and_reported_as_they_open() {
    let mut sim = Sim::new();
    let mut first = sim.connect(0);
    let mut second = sim.connect_over(0, TransportKind::WebSocket);
    assert_eq!((first.connection_id(), second.connection_id()), (1, 2));
    assert!(matches!(
        &events(&mut second)[..],
        [GatewayEvent::ConnectionOpened {
            connection: 2,
            transport: TransportKind::WebSocket,
            ..
        }]
    ));
    assert_eq!(events(&mut first).len(), 1);
}
