//! One test per rule of the client session, each driving the machine with frames the crate
//! builds and with explicit times: no socket, no sleep.

use std::time::{Duration, Instant};

use bytes::Bytes;
use prost::Message;

use super::*;
use crate::codec::{notification_to_bytes, request_to_bytes};
use crate::frame::{MalformedFrame, RequestKind, ServerFrame};
use crate::proto::turms_notification::{data, Data};
use crate::proto::turms_request::Kind;
use crate::proto::{
    CreateMessageRequest, DeviceType, TurmsNotification, TurmsRequest, UserSession, UserStatus,
};
use crate::role::{self, Role};
use crate::status::{ResponseStatusCode, SessionCloseStatus};
use crate::transport::TransportError;

const TIMEOUT: Duration = Duration::from_secs(60);
const GRACE: Duration = Duration::from_secs(1);
const INTERVAL: Duration = Duration::from_secs(10);
const MS: Duration = Duration::from_millis(1);

fn config() -> Config {
    Config::default()
        .request_timeout(TIMEOUT)
        .session_info_grace(GRACE)
        .heartbeat_interval(INTERVAL)
        .seed(1)
}

// ---------------------------------------------------------------------------------------------
// Frames, as the crate builds and classifies them

fn classify(notification: TurmsNotification) -> Result<ServerFrame, MalformedFrame> {
    role::Client::classify(notification_to_bytes(&notification))
}

fn answer(
    request_id: i64,
    code: i32,
    data: Option<data::Kind>,
) -> Result<ServerFrame, MalformedFrame> {
    classify(TurmsNotification {
        timestamp: 1_700_000_000_000,
        request_id: Some(request_id),
        code: Some(code),
        data: data.map(|kind| Data { kind: Some(kind) }),
        ..Default::default()
    })
}

fn ok(request_id: i64) -> Result<ServerFrame, MalformedFrame> {
    answer(request_id, 1000, None)
}

fn refusal(request_id: i64, code: i32, reason: &str) -> Result<ServerFrame, MalformedFrame> {
    classify(TurmsNotification {
        request_id: Some(request_id),
        code: Some(code),
        reason: Some(reason.into()),
        ..Default::default()
    })
}

fn session_info() -> Result<ServerFrame, MalformedFrame> {
    classify(TurmsNotification {
        timestamp: 1_700_000_000_000,
        data: Some(Data {
            kind: Some(data::Kind::UserSession(UserSession {
                session_id: "4242".into(),
                server_id: "gw-1".into(),
                ..Default::default()
            })),
        }),
        ..Default::default()
    })
}

fn close(
    status: i32,
    code: Option<i32>,
    reason: Option<&str>,
) -> Result<ServerFrame, MalformedFrame> {
    classify(TurmsNotification {
        timestamp: 1_700_000_000_000,
        close_status: Some(status),
        code,
        reason: reason.map(str::to_owned),
        ..Default::default()
    })
}

fn heartbeat_ack() -> Result<ServerFrame, MalformedFrame> {
    role::Client::classify(Bytes::new())
}

fn message_to(recipient: i64) -> Kind {
    Kind::CreateMessageRequest(CreateMessageRequest {
        recipient_id: Some(recipient),
        text: Some("hi".into()),
        ..Default::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Reading the machine's outputs

fn sent(session: &mut ClientSession) -> Vec<Bytes> {
    std::iter::from_fn(|| session.poll_transmit()).collect()
}

/// The one request the machine queued.
fn sent_request(session: &mut ClientSession) -> TurmsRequest {
    let sent = sent(session);
    assert_eq!(sent.len(), 1, "{sent:?}");
    TurmsRequest::decode(sent[0].clone()).expect("a request")
}

fn outcomes(session: &mut ClientSession) -> Vec<Outcome> {
    std::iter::from_fn(|| session.poll_outcome()).collect()
}

/// The one outcome there is, which must be `call`'s.
fn outcome(session: &mut ClientSession, call: CallId) -> Result<Completion, ClientError> {
    let mut outcomes = outcomes(session);
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    let outcome = outcomes.remove(0);
    assert_eq!(outcome.call, call);
    outcome.result
}

fn events(session: &mut ClientSession) -> Vec<Event> {
    std::iter::from_fn(|| session.poll_event()).collect()
}

fn closes(events: &[Event]) -> Vec<&CloseInfo> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::SessionClosed(info) => Some(info),
            _ => None,
        })
        .collect()
}

/// A session logged in at `t0` (session info first, as the gateway sends it), with every
/// output of the login drained.
fn logged_in(config: Config, t0: Instant) -> ClientSession {
    let mut session = ClientSession::new(config, t0);
    let login = session.login(&LoginRequest::new(1), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    session.handle_frame(session_info(), t0);
    session.handle_frame(ok(id), t0);
    assert!(matches!(
        outcome(&mut session, login),
        Ok(Completion::LoggedIn(_))
    ));
    events(&mut session);
    session
}

fn expect_long(result: Result<Completion, ClientError>) -> i64 {
    match result {
        Ok(Completion::Answered(answer)) => answer.expect_long().unwrap(),
        other => panic!("not an answer: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Login

#[test]
fn login_with_session_info_before_the_response() {
    let t0 = Instant::now();
    let mut session = ClientSession::new(config(), t0);
    let login = session
        .login(
            &LoginRequest::new(7)
                .password("pw")
                .device_type(DeviceType::Android),
            t0,
        )
        .unwrap();
    assert_eq!(session.state(), SessionState::LoggingIn);
    let request = sent_request(&mut session);
    let request_id = request.request_id.unwrap();
    assert!(request_id > 0);
    // What goes on the wire: version 1, status AVAILABLE by default.
    let Some(Kind::CreateSessionRequest(create)) = request.kind else {
        panic!("not a login: {request:?}")
    };
    assert_eq!((create.version, create.user_id), (1, 7));
    assert_eq!(create.password.as_deref(), Some("pw"));
    assert_eq!(create.user_status, Some(UserStatus::Available as i32));
    assert_eq!(create.device_type, DeviceType::Android as i32);

    session.handle_frame(session_info(), t0 + MS);
    assert!(outcomes(&mut session).is_empty(), "no response yet");
    session.handle_frame(ok(request_id), t0 + 2 * MS);
    let Ok(Completion::LoggedIn(logged_in)) = outcome(&mut session, login) else {
        panic!("not logged in")
    };
    assert_eq!(logged_in.response.code(), ResponseStatusCode::OK);
    assert_eq!(logged_in.response.request_id(), request_id);
    let info = logged_in.session.expect("session info");
    assert_eq!(info.session_id(), Some("4242"));
    assert_eq!(info.session_id_number(), Some(4242));
    assert_eq!(info.server_id(), Some("gw-1"));
    assert_eq!(session.session_info(), Some(&info));
    assert_eq!(session.state(), SessionState::Open);
    // The session info is reported as it arrives.
    assert!(
        matches!(&events(&mut session)[..], [Event::SessionInfo(reported)] if *reported == info)
    );
}

#[test]
fn login_with_session_info_after_the_response() {
    let t0 = Instant::now();
    let mut session = ClientSession::new(config(), t0);
    let login = session.login(&LoginRequest::new(1), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    session.handle_frame(ok(id), t0 + MS);
    // Open at once (requests may go), but the login waits for its session info.
    assert_eq!(session.state(), SessionState::Open);
    assert!(outcomes(&mut session).is_empty());
    assert!(session.request(message_to(2), t0 + MS).is_ok());
    sent(&mut session);
    session.handle_frame(session_info(), t0 + 2 * MS);
    let Ok(Completion::LoggedIn(logged_in)) = outcome(&mut session, login) else {
        panic!("not logged in")
    };
    let info = logged_in.session.expect("session info");
    assert_eq!(info.session_id(), Some("4242"));
    assert_eq!(info.server_id(), Some("gw-1"));
}

#[test]
fn login_without_session_info_completes_when_the_grace_runs_out() {
    let t0 = Instant::now();
    let mut session = ClientSession::new(config(), t0);
    let login = session.login(&LoginRequest::new(1), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    let answered = t0 + 5 * MS;
    session.handle_frame(ok(id), answered);
    assert_eq!(session.poll_timeout(), Some(answered + GRACE));
    session.handle_timeout(answered + GRACE - MS);
    assert!(
        outcomes(&mut session).is_empty(),
        "the grace has not run out"
    );
    session.handle_timeout(answered + GRACE);
    let Ok(Completion::LoggedIn(logged_in)) = outcome(&mut session, login) else {
        panic!("not logged in")
    };
    assert!(logged_in.session.is_none());
    assert_eq!(session.state(), SessionState::Open);
}

#[test]
fn refused_login_leaves_the_connection_usable() {
    let t0 = Instant::now();
    let mut session = ClientSession::new(config(), t0);
    let login = session.login(&LoginRequest::new(1), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    session.handle_frame(refusal(id, 2011, "no match"), t0 + MS);
    let error = outcome(&mut session, login).unwrap_err();
    assert_eq!(error.code().as_i32(), 2011);
    assert!(error.is_server_refusal());
    assert_eq!(error.reason(), Some("no match"));
    assert_eq!(session.state(), SessionState::Connected);
    assert!(!session.is_closed());
    // Another try goes out and opens the session.
    let again = session.login(&LoginRequest::new(1), t0 + 2 * MS).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    session.handle_frame(session_info(), t0 + 3 * MS);
    session.handle_frame(ok(id), t0 + 3 * MS);
    assert!(matches!(
        outcome(&mut session, again),
        Ok(Completion::LoggedIn(_))
    ));
    assert_eq!(session.state(), SessionState::Open);
}

#[test]
fn second_login_is_300_and_sends_nothing() {
    let t0 = Instant::now();
    let mut session = ClientSession::new(config(), t0);
    session.login(&LoginRequest::new(1), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    // While the first is in flight, and once it opened the session.
    let error = session.login(&LoginRequest::new(1), t0).unwrap_err();
    assert!(matches!(error, ClientError::SessionAlreadyEstablished));
    assert_eq!(error.code().as_i32(), 300);
    session.handle_frame(ok(id), t0);
    let error = session.login(&LoginRequest::new(1), t0).unwrap_err();
    assert_eq!(error.code().as_i32(), 300);
    assert!(sent(&mut session).is_empty());
}

#[test]
fn calls_before_login_are_301_and_send_nothing() {
    let t0 = Instant::now();
    let mut session = ClientSession::new(config(), t0);
    for error in [
        session.request(message_to(2), t0).unwrap_err(),
        session.heartbeat(t0).unwrap_err(),
        session.logout(t0).unwrap_err(),
    ] {
        assert!(matches!(error, ClientError::NotLoggedIn), "{error}");
        assert_eq!(error.code().as_i32(), 301);
    }
    // Login and logout have their own calls, before login too.
    for kind in [
        Kind::CreateSessionRequest(Default::default()),
        Kind::DeleteSessionRequest(Default::default()),
    ] {
        let error = session.request(kind, t0).unwrap_err();
        assert_eq!(error.code(), ResponseStatusCode::LOCAL_INVALID_REQUEST);
    }
    assert!(sent(&mut session).is_empty());
    // While the login is in flight too: the login must be the first frame.
    session.login(&LoginRequest::new(1), t0).unwrap();
    assert!(matches!(
        session.request(message_to(2), t0),
        Err(ClientError::NotLoggedIn)
    ));
    assert_eq!(sent(&mut session).len(), 1);
}

#[test]
fn calls_after_the_close_are_301_with_the_close() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    session.handle_frame(close(600, None, None), t0);
    for error in [
        session.login(&LoginRequest::new(1), t0).unwrap_err(),
        session.request(message_to(2), t0).unwrap_err(),
        session.heartbeat(t0).unwrap_err(),
        session.logout(t0).unwrap_err(),
    ] {
        assert_eq!(error.code().as_i32(), 301, "{error}");
        assert!(
            matches!(&error, ClientError::SessionClosed(info) if info.status().as_i32() == 600)
        );
    }
    assert!(sent(&mut session).is_empty());
}

#[test]
fn login_and_logout_are_not_generic_requests() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    for kind in [
        Kind::CreateSessionRequest(Default::default()),
        Kind::DeleteSessionRequest(Default::default()),
    ] {
        let error = session.request(kind, t0).unwrap_err();
        assert_eq!(error.code(), ResponseStatusCode::LOCAL_INVALID_REQUEST);
        assert!(matches!(
            error,
            ClientError::InvalidRequest {
                problem: InvalidRequest::SessionRequest(_)
            }
        ));
    }
    assert!(sent(&mut session).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Requests

#[test]
fn responses_resolve_their_own_calls_in_any_order() {
    const N: usize = 1000;
    let t0 = Instant::now();
    let mut session = logged_in(config().max_pending_requests(N), t0);
    let calls: Vec<(CallId, i64)> = (0..N as i64)
        .map(|recipient| {
            let call = session.request(message_to(recipient), t0).unwrap();
            (call, sent_request(&mut session).request_id.unwrap())
        })
        .collect();
    // Answered in a scrambled order (7919 is prime to N), each with 1_000_000 + its position.
    for k in 0..N {
        let position = k * 7919 % N;
        let (_, id) = calls[position];
        session.handle_frame(
            answer(
                id,
                1000,
                Some(data::Kind::Long(1_000_000 + position as i64)),
            ),
            t0,
        );
    }
    let outcomes = outcomes(&mut session);
    assert_eq!(outcomes.len(), N);
    for outcome in outcomes {
        let position = calls
            .iter()
            .position(|&(call, _)| call == outcome.call)
            .unwrap();
        assert_eq!(expect_long(outcome.result), 1_000_000 + position as i64);
    }
    assert!(events(&mut session).is_empty(), "no orphans");
}

#[test]
fn request_ids_are_positive_distinct_and_written_first() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let mut ids = Vec::new();
    for recipient in 0..500 {
        session.request(message_to(recipient), t0).unwrap();
        let body = sent(&mut session).remove(0);
        // Field 1 (tag 08) first, then the kind: the order the gateway parses.
        assert_eq!(body[0], 0x08);
        let request = TurmsRequest::decode(body.clone()).unwrap();
        assert_eq!(request_to_bytes(&request), body);
        ids.push(request.request_id.unwrap());
    }
    assert!(ids.iter().all(|&id| id > 0));
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 500);
}

#[test]
fn orphan_responses_are_events() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    session.handle_frame(refusal(-1, 1106, "not allowed"), t0);
    session.handle_frame(ok(12345), t0);
    let orphans: Vec<(i64, Option<i32>)> = events(&mut session)
        .into_iter()
        .map(|event| match event {
            Event::OrphanResponse(response) => (
                response.request_id(),
                response.code().map(ResponseStatusCode::as_i32),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(orphans, [(-1, Some(1106)), (12345, Some(1000))]);
    assert!(outcomes(&mut session).is_empty());
}

#[test]
fn request_times_out_at_its_deadline_and_not_before() {
    let t0 = Instant::now();
    let mut session = logged_in(config().no_heartbeats(), t0);
    let sent_at = t0 + Duration::from_secs(3);
    let call = session.request(message_to(2), sent_at).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    assert_eq!(session.poll_timeout(), Some(sent_at + TIMEOUT));
    session.handle_timeout(sent_at + TIMEOUT - Duration::from_nanos(1));
    assert!(outcomes(&mut session).is_empty());
    session.handle_timeout(sent_at + TIMEOUT);
    let error = outcome(&mut session, call).unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::REQUEST_TIMEOUT);
    let ClientError::RequestTimeout {
        request_id,
        timeout,
    } = error
    else {
        panic!("{error:?}")
    };
    assert_eq!((request_id, timeout), (id, TIMEOUT));
    // The late answer is an orphan; the session goes on.
    session.handle_frame(ok(id), sent_at + TIMEOUT + MS);
    assert!(
        matches!(&events(&mut session)[..], [Event::OrphanResponse(r)] if r.request_id() == id)
    );
    assert_eq!(session.state(), SessionState::Open);
    assert_eq!(session.poll_timeout(), None);
}

#[test]
fn response_without_a_code_fails_the_call_with_missing_code() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let call = session.request(message_to(2), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    session.handle_frame(
        classify(TurmsNotification {
            request_id: Some(id),
            ..Default::default()
        }),
        t0,
    );
    let error = outcome(&mut session, call).unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::INVALID_NOTIFICATION);
    assert!(matches!(error, ClientError::MissingCode { request_id } if request_id == id));
    assert_eq!(session.state(), SessionState::Open);
}

#[test]
fn an_answer_arriving_at_the_deadline_is_too_late() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let call = session.request(message_to(2), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    // The driver did not wake for the deadline: the frame's time settles it all the same.
    session.handle_frame(ok(id), t0 + TIMEOUT);
    assert!(matches!(
        outcome(&mut session, call),
        Err(ClientError::RequestTimeout { .. })
    ));
    assert!(matches!(
        &events(&mut session)[..],
        [Event::OrphanResponse(_)]
    ));
}

#[test]
fn unanswered_login_times_out_and_closes_the_connection() {
    let t0 = Instant::now();
    let mut session = ClientSession::new(config(), t0);
    let login = session.login(&LoginRequest::new(1), t0).unwrap();
    sent(&mut session);
    session.handle_timeout(t0 + TIMEOUT - MS);
    assert!(!session.is_closed());
    session.handle_timeout(t0 + TIMEOUT);
    let error = outcome(&mut session, login).unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::REQUEST_TIMEOUT);
    let info = session.close_info().expect("closed").clone();
    assert_eq!(info.origin, CloseOrigin::Local);
    assert_eq!(info.status(), SessionCloseStatus::CONNECTION_CLOSED);
    assert_eq!(closes(&events(&mut session)), [&info]);
    assert_eq!(session.state(), SessionState::Closed);
}

#[test]
fn abandoned_login_closes_the_connection_once_it_went_out() {
    let t0 = Instant::now();
    let mut session = ClientSession::new(config(), t0);
    let login = session.login(&LoginRequest::new(1), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    session.cancel(login);
    assert_eq!(session.close_info().unwrap().origin, CloseOrigin::Local);
    assert!(outcomes(&mut session).is_empty(), "nobody waits for it");
    // What the server says now belongs to no session.
    session.handle_frame(ok(id), t0);
    assert_eq!(closes(&events(&mut session)).len(), 1);

    // Abandoned before it left: never sent, and nothing to close.
    let mut session = ClientSession::new(config(), t0);
    let login = session.login(&LoginRequest::new(1), t0).unwrap();
    session.cancel(login);
    assert!(sent(&mut session).is_empty());
    assert_eq!(session.state(), SessionState::Connected);
    assert!(session.login(&LoginRequest::new(1), t0).is_ok());
}

#[test]
fn abandoned_request_is_forgotten_and_its_answer_an_orphan() {
    let t0 = Instant::now();
    let mut session = logged_in(config().max_pending_requests(1), t0);
    let call = session.request(message_to(2), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    session.cancel(call);
    // Its place in the pending table is free again.
    let unsent = session.request(message_to(3), t0).unwrap();
    session.cancel(unsent);
    assert!(
        sent(&mut session).is_empty(),
        "a request abandoned before it left is not sent"
    );
    session.handle_frame(ok(id), t0);
    assert!(outcomes(&mut session).is_empty());
    assert!(
        matches!(&events(&mut session)[..], [Event::OrphanResponse(r)] if r.request_id() == id)
    );
    assert_eq!(session.state(), SessionState::Open);
}

#[test]
fn pending_cap_is_101_and_sends_nothing() {
    let t0 = Instant::now();
    let mut session = logged_in(config().max_pending_requests(2), t0);
    session.request(message_to(1), t0).unwrap();
    session.request(message_to(2), t0).unwrap();
    let ids: Vec<i64> = sent(&mut session)
        .into_iter()
        .map(|body| TurmsRequest::decode(body).unwrap().request_id.unwrap())
        .collect();
    let error = session.request(message_to(3), t0).unwrap_err();
    assert_eq!(
        error.code(),
        ResponseStatusCode::LOCAL_CLIENT_REQUESTS_TOO_FREQUENT
    );
    assert!(matches!(
        error,
        ClientError::TooManyPendingRequests { limit: 2 }
    ));
    assert!(sent(&mut session).is_empty());
    // An answer frees a place.
    session.handle_frame(ok(ids[0]), t0);
    assert!(session.request(message_to(3), t0).is_ok());
    // Heartbeats have a cap of their own.
    session.heartbeat(t0).unwrap();
    session.heartbeat(t0).unwrap();
    assert_eq!(session.heartbeat(t0).unwrap_err().code().as_i32(), 101);
}

#[test]
fn oversized_request_is_refused_before_anything_is_sent() {
    let t0 = Instant::now();
    let mut session = logged_in(config().max_outbound_frame(64), t0);
    let long = Kind::CreateMessageRequest(CreateMessageRequest {
        recipient_id: Some(2),
        text: Some("x".repeat(100)),
        ..Default::default()
    });
    let error = session.request(long, t0).unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::LOCAL_INVALID_REQUEST);
    assert!(matches!(
        error,
        ClientError::InvalidRequest {
            problem: InvalidRequest::TooLarge { max: 64, len } } if len > 64
    ));
    assert!(sent(&mut session).is_empty());
    // Nothing waits: the next wake-up is the heartbeat check, not a request deadline.
    assert_eq!(session.poll_timeout(), Some(t0 + INTERVAL / 10));

    // A login too large leaves the session where it was.
    let mut session = ClientSession::new(config().max_outbound_frame(8), t0);
    let error = session
        .login(&LoginRequest::new(1).password("long enough"), t0)
        .unwrap_err();
    assert_eq!(error.code(), ResponseStatusCode::LOCAL_INVALID_REQUEST);
    assert_eq!(session.state(), SessionState::Connected);
    assert!(sent(&mut session).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Heartbeats

#[test]
fn heartbeat_is_due_only_after_the_idle_interval() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let period = INTERVAL / 10;
    // Checked every tenth of the interval.
    assert_eq!(session.poll_timeout(), Some(t0 + period));
    // A request at 5 s counts as activity.
    session.request(message_to(2), t0 + 5 * period).unwrap();
    sent(&mut session);
    let mut beats = Vec::new();
    let mut now = t0;
    while now < t0 + 3 * INTERVAL {
        now = session.poll_timeout().unwrap().min(t0 + 3 * INTERVAL);
        session.handle_timeout(now);
        if let Some(body) = session.poll_transmit() {
            assert!(body.is_empty());
            beats.push(now - t0);
        }
    }
    // Idle from 5 s: more than 10 s idle at the check of 16 s; then again 11 s later.
    assert_eq!(beats, [Duration::from_secs(16), Duration::from_secs(27)]);
}

#[test]
fn heartbeats_go_out_only_while_open() {
    let t0 = Instant::now();
    let later = t0 + 10 * INTERVAL;
    // Connected: nothing to wake for, nothing sent however long it stays idle.
    let mut session = ClientSession::new(config(), t0);
    assert_eq!(session.poll_timeout(), None);
    session.handle_timeout(later);
    assert!(sent(&mut session).is_empty());
    // Logging out: none either.
    let mut session = logged_in(config(), t0);
    session.logout(t0).unwrap();
    sent(&mut session);
    session.handle_timeout(t0 + 2 * INTERVAL);
    assert!(sent(&mut session).is_empty());
    // Without heartbeats by themselves: none while open.
    let mut session = logged_in(config().no_heartbeats(), t0);
    assert_eq!(session.poll_timeout(), None);
    session.handle_timeout(later);
    assert!(sent(&mut session).is_empty());
}

#[test]
fn heartbeat_ack_completes_every_waiting_heartbeat() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let first = session.heartbeat(t0).unwrap();
    let second = session.heartbeat(t0 + MS).unwrap();
    assert_eq!(sent(&mut session), [Bytes::new(), Bytes::new()]);
    session.handle_frame(heartbeat_ack(), t0 + 2 * MS);
    let outcomes = outcomes(&mut session);
    assert_eq!(
        outcomes.iter().map(|o| o.call).collect::<Vec<_>>(),
        [first, second]
    );
    assert!(outcomes
        .iter()
        .all(|o| matches!(o.result, Ok(Completion::HeartbeatAcked))));
    assert!(matches!(&events(&mut session)[..], [Event::HeartbeatAck]));
}

#[test]
fn heartbeat_failure_fails_them_with_its_code_and_reason() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    for (code, reason) in [(2104, None), (1201, Some("shutting down"))] {
        let call = session.heartbeat(t0).unwrap();
        sent(&mut session);
        session.handle_frame(
            classify(TurmsNotification {
                request_id: Some(-100),
                code: Some(code),
                reason: reason.map(str::to_owned),
                ..Default::default()
            }),
            t0,
        );
        let error = outcome(&mut session, call).unwrap_err();
        assert_eq!(error.code().as_i32(), code);
        assert_eq!(error.reason(), reason);
        assert!(error.is_server_refusal());
        assert!(matches!(error, ClientError::HeartbeatRefused { .. }));
        let [Event::HeartbeatFailure {
            code: reported,
            reason: said,
        }] = &events(&mut session)[..]
        else {
            panic!("no heartbeat failure reported")
        };
        assert_eq!(reported.map(ResponseStatusCode::as_i32), Some(code));
        assert_eq!(said.as_deref(), reason);
    }
    // A failure nobody waits for is reported all the same.
    session.handle_frame(refusal(-100, 1201, "shutting down"), t0);
    let [Event::HeartbeatFailure { code, reason }] = &events(&mut session)[..] else {
        panic!("no heartbeat failure reported")
    };
    assert_eq!(code.map(ResponseStatusCode::as_i32), Some(1201));
    assert_eq!(reason.as_deref(), Some("shutting down"));
    assert!(outcomes(&mut session).is_empty());
    // A heartbeat failure does not end the session.
    assert_eq!(session.state(), SessionState::Open);
}

#[test]
fn unanswered_heartbeat_times_out_with_102() {
    let t0 = Instant::now();
    let mut session = logged_in(config().no_heartbeats(), t0);
    let call = session.heartbeat(t0).unwrap();
    session.handle_timeout(t0 + TIMEOUT);
    let error = outcome(&mut session, call).unwrap_err();
    assert!(matches!(
        error,
        ClientError::RequestTimeout { request_id: 0, .. }
    ));
    assert!(!session.is_closed());
}

// ---------------------------------------------------------------------------------------------
// Logout and close

#[test]
fn logout_completes_on_the_500_close() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let logout = session.logout(t0).unwrap();
    let request = sent_request(&mut session);
    assert!(matches!(request.kind, Some(Kind::DeleteSessionRequest(_))));
    assert!(request.request_id.unwrap() > 0);
    assert_eq!(session.state(), SessionState::LoggingOut);
    // Meanwhile: no requests, and a second logout sends nothing and waits for the same close.
    assert!(matches!(
        session.request(message_to(2), t0),
        Err(ClientError::NotLoggedIn)
    ));
    let again = session.logout(t0).unwrap();
    assert!(sent(&mut session).is_empty());

    session.handle_frame(close(500, None, None), t0 + MS);
    let outcomes = outcomes(&mut session);
    assert_eq!(outcomes.len(), 2);
    for (outcome, call) in outcomes.into_iter().zip([logout, again]) {
        assert_eq!(outcome.call, call);
        let Ok(Completion::LoggedOut(info)) = outcome.result else {
            panic!("{:?}", outcome.result)
        };
        assert_eq!(info.status(), SessionCloseStatus::DISCONNECTED_BY_CLIENT);
        assert_eq!(info.origin, CloseOrigin::Server);
    }
    // 500 is reported, not 300 (upstream #1612), and once, whatever the connection does next.
    let expected = session.close_info().unwrap().clone();
    assert_eq!(
        expected.status(),
        SessionCloseStatus::DISCONNECTED_BY_CLIENT
    );
    session.handle_connection_lost(None);
    assert_eq!(closes(&events(&mut session)), [&expected]);
}

#[test]
fn logout_completes_when_the_connection_drops() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let logout = session.logout(t0).unwrap();
    let request = sent_request(&mut session);
    assert!(matches!(request.kind, Some(Kind::DeleteSessionRequest(_))));
    session.handle_connection_lost(None);
    let Ok(Completion::LoggedOut(info)) = outcome(&mut session, logout) else {
        panic!("the logout did not complete")
    };
    assert_eq!(info.status(), SessionCloseStatus::CONNECTION_CLOSED);
    assert_eq!(info.origin, CloseOrigin::Transport);
    assert_eq!(closes(&events(&mut session)), [&info]);
    assert_eq!(session.state(), SessionState::Closed);
}

#[test]
fn logout_times_out_with_102_and_closes_locally() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let logout = session.logout(t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    assert_eq!(session.poll_timeout(), Some(t0 + TIMEOUT));
    session.handle_timeout(t0 + TIMEOUT);
    let error = outcome(&mut session, logout).unwrap_err();
    assert!(matches!(error, ClientError::RequestTimeout { request_id, .. } if request_id == id));
    assert_eq!(session.close_info().unwrap().origin, CloseOrigin::Local);
    assert_eq!(closes(&events(&mut session)).len(), 1);
}

#[test]
fn server_close_is_reported_first_and_never_replaced() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    session.handle_frame(close(201, Some(1200), Some("restarting")), t0);
    let expected = CloseInfo {
        notice: crate::frame::CloseNotice::new(SessionCloseStatus::SERVER_CLOSED)
            .with_code(ResponseStatusCode::SERVER_INTERNAL_ERROR)
            .with_reason("restarting"),
        origin: CloseOrigin::Server,
    };
    assert_eq!(session.close_info(), Some(&expected));
    // Then the gateway drops the connection, as it does: nothing changes, nothing is reported.
    session.handle_connection_lost(Some(TransportError::Io(
        std::io::ErrorKind::ConnectionReset.into(),
    )));
    session.close();
    assert_eq!(session.close_info(), Some(&expected));
    let events = events(&mut session);
    assert!(
        matches!(&events[..], [Event::SessionClosed(info)] if *info == expected),
        "{events:?}"
    );
}

#[test]
fn every_close_status_reaches_the_waiting_calls_and_is_reported_once() {
    let statuses = SessionCloseStatus::all()
        .map(SessionCloseStatus::as_i32)
        .chain([0, 999]);
    for status in statuses {
        let t0 = Instant::now();
        let mut session = logged_in(config(), t0);
        let pending = session.request(message_to(2), t0).unwrap();
        sent(&mut session);
        let reason = format!("reason for {status}");
        session.handle_frame(close(status, Some(1200 + status % 7), Some(&reason)), t0);
        let expected = CloseInfo {
            notice: crate::frame::CloseNotice::new(SessionCloseStatus::from_i32(status))
                .with_code(ResponseStatusCode::from_i32(1200 + status % 7))
                .with_reason(reason.clone()),
            origin: CloseOrigin::Server,
        };
        let error = outcome(&mut session, pending).unwrap_err();
        assert_eq!(error.code().as_i32(), 301, "status {status}");
        assert!(matches!(&error, ClientError::SessionClosed(info) if *info == expected));
        assert_eq!(session.close_info(), Some(&expected));
        assert_eq!(
            expected.recommendation(),
            SessionCloseStatus::from_i32(status).recommendation()
        );
        assert_eq!(session.state(), SessionState::Closed);
        // Then the gateway drops the connection, as it does: no transport error, no second
        // close.
        session.handle_connection_lost(Some(TransportError::Io(
            std::io::ErrorKind::ConnectionReset.into(),
        )));
        let reported = events(&mut session);
        assert!(
            matches!(&reported[..], [Event::SessionClosed(info)] if *info == expected),
            "status {status}: {reported:?}"
        );
    }
}

#[test]
fn dropped_connection_is_300_from_the_transport() {
    let t0 = Instant::now();
    // Failed: the error first, then the close.
    let mut session = logged_in(config(), t0);
    session.handle_connection_lost(Some(TransportError::Io(
        std::io::ErrorKind::ConnectionReset.into(),
    )));
    let info = session.close_info().unwrap().clone();
    assert_eq!(info.status(), SessionCloseStatus::CONNECTION_CLOSED);
    assert_eq!(info.origin, CloseOrigin::Transport);
    let reported = events(&mut session);
    assert!(
        matches!(&reported[..], [Event::TransportError(_), Event::SessionClosed(i)] if *i == info),
        "{reported:?}"
    );
    // Closed by the peer: the close alone.
    let mut session = logged_in(config(), t0);
    session.handle_connection_lost(None);
    let reported = events(&mut session);
    assert!(
        matches!(&reported[..], [Event::SessionClosed(i)] if i.origin == CloseOrigin::Transport),
        "{reported:?}"
    );
}

#[test]
fn local_close_is_300_from_local() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    session.close();
    let info = session.close_info().unwrap().clone();
    assert_eq!(info.status(), SessionCloseStatus::CONNECTION_CLOSED);
    assert_eq!(info.origin, CloseOrigin::Local);
    assert_eq!(closes(&events(&mut session)), [&info]);
    assert_eq!(session.poll_timeout(), None);
}

#[test]
fn every_close_path_fails_waiting_calls_with_301() {
    type ClosePath = fn(&mut ClientSession, Instant);
    let paths: [(ClosePath, CloseOrigin); 3] = [
        (
            |s, now| s.handle_frame(close(600, None, None), now),
            CloseOrigin::Server,
        ),
        (
            |s, _| s.handle_connection_lost(None),
            CloseOrigin::Transport,
        ),
        (|s, _| s.close(), CloseOrigin::Local),
    ];
    for (path, origin) in paths {
        let t0 = Instant::now();
        let mut session = logged_in(config(), t0);
        let request = session.request(message_to(2), t0).unwrap();
        let heartbeat = session.heartbeat(t0).unwrap();
        path(&mut session, t0 + MS);
        let failed = outcomes(&mut session);
        assert_eq!(
            failed.iter().map(|o| o.call).collect::<Vec<_>>(),
            [request, heartbeat],
            "{origin:?}"
        );
        for outcome in failed {
            let error = outcome.result.unwrap_err();
            assert_eq!(error.code().as_i32(), 301, "{origin:?}");
            assert!(matches!(&error, ClientError::SessionClosed(info) if info.origin == origin));
        }
        assert!(
            sent(&mut session).is_empty(),
            "nothing is sent after the close"
        );
    }
}

#[test]
fn frames_after_the_close_belong_to_no_session() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    session.close();
    events(&mut session);
    session.handle_frame(session_info(), t0);
    session.handle_frame(ok(1), t0);
    assert!(events(&mut session).is_empty());
    assert!(outcomes(&mut session).is_empty());
}

// ---------------------------------------------------------------------------------------------
// What is reported

#[test]
fn pushes_are_decoded() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let relayed = TurmsRequest {
        request_id: Some(555),
        kind: Some(message_to(1)),
        custom_attributes: Vec::new(),
    };
    session.handle_frame(
        classify(TurmsNotification {
            requester_id: Some(2),
            relayed_request: Some(relayed.clone()),
            ..Default::default()
        }),
        t0,
    );
    let [Event::Push(push)] = &events(&mut session)[..] else {
        panic!("no push")
    };
    assert_eq!(push.requester_id, Some(2));
    assert_eq!(push.kind, Some(RequestKind::CREATE_MESSAGE_REQUEST));
    assert_eq!(*push.request, relayed);
}

#[test]
fn undecodable_push_is_reported_with_its_frame() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    // requester_id 2, relayed_request holding a kind whose body is one invalid byte.
    let broken = Bytes::from_static(&[0x50, 0x02, 0x62, 0x03, 0x42, 0x01, 0xff]);
    session.handle_frame(role::Client::classify(broken.clone()), t0);
    let [Event::UndecodablePush { frame, error }] = &events(&mut session)[..] else {
        panic!("not reported as undecodable")
    };
    assert_eq!(frame.clone().into_bytes(), broken);
    assert!(!error.to_string().is_empty());
    assert_eq!(session.state(), SessionState::Open);
}

#[test]
fn malformed_frame_is_reported_and_the_session_goes_on() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    let call = session.request(message_to(2), t0).unwrap();
    let id = sent_request(&mut session).request_id.unwrap();
    session.handle_frame(
        role::Client::classify(Bytes::from_static(&[0xff, 0xff, 0xff])),
        t0,
    );
    let [Event::InvalidFrame(malformed)] = &events(&mut session)[..] else {
        panic!("not reported")
    };
    assert_eq!(&malformed.bytes[..], [0xff, 0xff, 0xff]);
    session.handle_frame(answer(id, 1000, Some(data::Kind::Long(9))), t0);
    assert_eq!(expect_long(outcome(&mut session, call)), 9);
}

#[test]
fn session_info_and_other_notifications_are_events() {
    let t0 = Instant::now();
    let mut session = logged_in(config(), t0);
    session.handle_frame(session_info(), t0);
    session.handle_frame(
        classify(TurmsNotification {
            timestamp: 2,
            data: Some(Data {
                kind: Some(data::Kind::String("news".into())),
            }),
            ..Default::default()
        }),
        t0,
    );
    let events = events(&mut session);
    let [Event::SessionInfo(info), Event::Notification(notification)] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(info.session_id(), Some("4242"));
    assert_eq!(notification.timestamp(), 2);
}
