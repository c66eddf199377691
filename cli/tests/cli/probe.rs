//! `turms-wire probe` end to end: exit status and JSON events against peers on loopback.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::process::Command;
use turms_wire::client::{Client, Event, LoginRequest};
use turms_wire::gateway::{CloseNotice, ScriptedResponse, Session};
use turms_wire::proto::turms_request::Kind;
use turms_wire::proto::TurmsRequest;
use turms_wire::{ResponseStatusCode, SessionCloseStatus};
use turms_wire_test_support::gateway::Scenario;
use turms_wire_test_support::wait::{deadline, next_matching, within};

const BIN: &str = env!("CARGO_BIN_EXE_turms-wire");
/// The probe must have finished well before this, whatever the peer does.
const PROCESS_DEADLINE: Duration = Duration::from_secs(20);

/// Runs the binary with `args`; returns its exit code and its stdout as JSON lines.
async fn run(args: &[&str]) -> (i32, Vec<Value>) {
    let child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn turms-wire");
    let output = deadline(
        PROCESS_DEADLINE,
        "the probe finishing",
        child.wait_with_output(),
    )
    .await
    .expect("probe output");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let lines = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}")))
        .collect();
    (output.status.code().expect("exit code"), lines)
}

/// Runs `probe --server SERVER --user USER --password PASSWORD EXTRA… --json`.
async fn probe_json(server: &str, user: &str, password: &str, extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args = vec![
        "probe",
        "--server",
        server,
        "--user",
        user,
        "--password",
        password,
    ];
    args.extend_from_slice(extra);
    args.push("--json");
    run(&args).await
}

fn events<'a>(lines: &'a [Value], name: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == name).collect()
}

#[tokio::test]
async fn nothing_listening_exits_2_with_a_network_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    for server in [format!("tcp://{addr}"), format!("ws://{addr}")] {
        let (code, lines) = probe_json(&server, "1", "x", &[]).await;
        assert_eq!(code, 2, "{lines:?}");
        let errors = events(&lines, "error");
        assert_eq!(errors.len(), 1, "{lines:?}");
        assert_eq!(errors[0]["code"], 80);
        assert_eq!(errors[0]["code_name"], "NETWORK_ERROR");
        assert!(events(&lines, "connected").is_empty());
    }
}

#[tokio::test]
async fn silent_peer_is_bounded_by_the_timeout_and_exits_2() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = format!("tcp://{}", listener.local_addr().unwrap());
    // Accepts, reads whatever comes, never answers.
    let peer = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut sink = Vec::new();
        let _ = tcp.read_to_end(&mut sink).await;
        sink
    });
    let (code, lines) = probe_json(&server, "1", "x", &["--timeout", "1"]).await;
    assert_eq!(code, 2, "{lines:?}");
    assert_eq!(events(&lines, "connected").len(), 1);
    let errors = events(&lines, "error");
    assert_eq!(errors.len(), 1, "{lines:?}");
    assert_eq!(errors[0]["code_name"], "REQUEST_TIMEOUT");
    assert!(events(&lines, "login").is_empty());
    // The login did go out.
    let received = peer.await.unwrap();
    assert!(received.len() > 12, "{received:?}");
}

#[tokio::test]
async fn peer_dripping_one_byte_at_a_time_cannot_hold_the_probe() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = format!("tcp://{}", listener.local_addr().unwrap());
    let peer = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut login = [0u8; 8];
        let _ = tcp.read(&mut login).await;
        // A frame that declares 100 bytes, sent one byte every 50 ms: the connection is
        // never idle, and never delivers a response.
        let mut drip = vec![100u8];
        drip.extend(std::iter::repeat_n(0x08, 99));
        for byte in drip {
            if tcp.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let (code, lines) = probe_json(&server, "1", "x", &["--timeout", "1"]).await;
    assert_eq!(code, 2, "{lines:?}");
    assert_eq!(events(&lines, "error")[0]["code_name"], "REQUEST_TIMEOUT");
    peer.abort();
}

#[tokio::test]
async fn bad_server_address_exits_2() {
    let (code, lines) = probe_json("http://127.0.0.1:1", "1", "x", &[]).await;
    assert_eq!(code, 2);
    assert_eq!(events(&lines, "error")[0]["code_name"], "ILLEGAL_ARGUMENT");
}

// ---------------------------------------------------------------------------------------------
// Against the mock gateway (in this process)

async fn mock_gateway() -> Scenario {
    Scenario::start(|gateway| gateway.password("123")).await
}

#[tokio::test]
async fn login_message_and_logout_exit_0_on_both_transports() {
    let gateway = mock_gateway().await;
    for server in gateway.urls() {
        // User 2 is online to receive the message.
        let (bob, mut bob_events) = Client::connect(&server).await.unwrap();
        bob.login(LoginRequest::new(2).password("123"))
            .await
            .unwrap();
        let (code, lines) = probe_json(
            &server,
            "1",
            "123",
            &["--to", "2", "--text", "hello", "--timeout", "5"],
        )
        .await;
        assert_eq!(code, 0, "{lines:?}");
        let order: Vec<&str> = lines
            .iter()
            .map(|l| l["event"].as_str().unwrap())
            .filter(|e| *e != "session_info")
            .collect();
        assert_eq!(
            order,
            ["connected", "login", "response", "closed", "disconnected"],
            "{lines:?}"
        );
        let connected = &events(&lines, "connected")[0];
        assert_eq!(connected["server"], server.as_str());
        assert_eq!(
            connected["transport"],
            if server.starts_with("tcp") {
                "tcp"
            } else {
                "ws"
            }
        );
        let login = &events(&lines, "login")[0];
        assert_eq!(
            (&login["code"], &login["code_name"]),
            (&1000.into(), &"OK".into())
        );
        let info = &events(&lines, "session_info")[0];
        assert!(info["session_id"].as_str().unwrap().parse::<i32>().unwrap() > 0);
        assert_eq!(info["server_id"], "turms-wire-mock");
        let response = &events(&lines, "response")[0];
        assert_eq!(response["request_kind"], "create_message_request");
        assert_eq!(response["code"], 1000);
        let message_id: i64 = response["data"]["long"].as_str().unwrap().parse().unwrap();
        let closed = &events(&lines, "closed")[0];
        assert_eq!(closed["close_status"], 500);
        assert_eq!(closed["close_status_name"], "DISCONNECTED_BY_CLIENT");

        // Bob got the message the probe sent.
        let push = next_matching(
            async || bob_events.recv().await,
            |event| match event {
                Event::Push(push) => Some(push),
                _ => None,
            },
        )
        .await;
        assert_eq!(push.requester_id, Some(1));
        let Some(Kind::CreateMessageRequest(message)) = &push.request.kind else {
            panic!("{push:?}")
        };
        assert_eq!(message.message_id, Some(message_id));
        assert_eq!(message.text.as_deref(), Some("hello"));
        bob.logout().await.unwrap();
    }
    gateway.shutdown().await;
}

#[tokio::test]
async fn pushes_received_while_waiting_are_printed() {
    let gateway = mock_gateway().await;
    let server = gateway.urls()[0].clone();
    let (alice, _events) = Client::connect(&server).await.unwrap();
    alice
        .login(LoginRequest::new(1).password("123"))
        .await
        .unwrap();
    let probe =
        tokio::spawn(async move { probe_json(&server, "2", "123", &["--wait", "1.5"]).await });
    // Send once the probe's session is there.
    within("the probe logging in", async {
        while !gateway.sessions().iter().any(|s| s.user_id == 2) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    alice
        .send_private_message(2, "are you there?")
        .await
        .unwrap();
    let (code, lines) = probe.await.unwrap();
    assert_eq!(code, 0, "{lines:?}");
    let pushes = events(&lines, "push");
    assert_eq!(pushes.len(), 1, "{lines:?}");
    assert_eq!(pushes[0]["requester_id"], 1);
    assert_eq!(pushes[0]["kind"], "create_message_request");
    assert_eq!(
        pushes[0]["message"]["create_message_request"]["text"],
        "are you there?"
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn wrong_password_exits_1_with_the_code() {
    let gateway = mock_gateway().await;
    for server in gateway.urls() {
        let (code, lines) =
            probe_json(&server, "1", "nope", &["--to", "2", "--text", "never sent"]).await;
        assert_eq!(code, 1, "{lines:?}");
        let login = &events(&lines, "login")[0];
        assert_eq!(login["code"], 2011);
        assert_eq!(login["code_name"], "LOGIN_AUTHENTICATION_FAILED");
        // No message after a refused login, and no logout error.
        assert!(events(&lines, "response").is_empty());
        assert!(events(&lines, "error").is_empty(), "{lines:?}");
    }
    assert!(gateway.messages().is_empty());
    gateway.shutdown().await;
}

#[tokio::test]
async fn refused_message_and_gateway_close_exit_1() {
    let gateway = mock_gateway().await;
    gateway.set_script(|_: &Session, request: &TurmsRequest| match &request.kind {
        Some(Kind::CreateMessageRequest(m)) if m.recipient_id == Some(66) => Some(
            ScriptedResponse::new(ResponseStatusCode::from_i32(5000))
                .reason("blocked")
                .into(),
        ),
        Some(Kind::CreateMessageRequest(_)) => Some(
            CloseNotice::new(SessionCloseStatus::DISCONNECTED_BY_ADMIN)
                .with_reason("bye")
                .into(),
        ),
        _ => None,
    });
    let server = gateway.urls()[0].clone();
    let (code, lines) = probe_json(&server, "1", "123", &["--to", "66", "--text", "x"]).await;
    assert_eq!(code, 1, "{lines:?}");
    let response = &events(&lines, "response")[0];
    assert_eq!(response["code"], 5000);
    assert_eq!(response["reason"], "blocked");
    assert_eq!(response["data"], Value::Null);
    // The session itself ended by our logout.
    assert_eq!(events(&lines, "closed")[0]["close_status"], 500);

    let (code, lines) = probe_json(&server, "1", "123", &["--to", "2", "--text", "x"]).await;
    assert_eq!(code, 1, "{lines:?}");
    let closed = &events(&lines, "closed")[0];
    assert_eq!(closed["close_status"], 600);
    assert_eq!(closed["close_status_name"], "DISCONNECTED_BY_ADMIN");
    assert_eq!(closed["reason"], "bye");
    gateway.shutdown().await;
}

#[tokio::test]
async fn text_output_tells_the_same_story() {
    let gateway = mock_gateway().await;
    let server = gateway.urls()[1].clone();
    let child = Command::new(BIN)
        .args([
            "probe",
            "--server",
            &server,
            "--user",
            "1",
            "--password",
            "123",
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let output = deadline(
        PROCESS_DEADLINE,
        "the probe finishing",
        child.wait_with_output(),
    )
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains(&format!("connected to {server} (ws)")),
        "{text}"
    );
    assert!(text.contains("login: 1000 OK"), "{text}");
    assert!(
        text.contains("session closed: 500 DISCONNECTED_BY_CLIENT"),
        "{text}"
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn demo_tells_the_whole_story_and_exits_0() {
    let child = Command::new(BIN)
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let output = deadline(
        PROCESS_DEADLINE,
        "the demo ending by itself",
        child.wait_with_output(),
    )
    .await
    .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The story, in order: two logins (one per transport), a message relayed as a push, a
    // refused request with its decoded code, a heartbeat, two logouts closed with 500.
    let story = [
        "connects over TCP",
        "alice → #0 request",
        "kind=create_session_request",
        "alice ← #0 session_info",
        "code=1000 OK",
        "bob logs in over WebSocket",
        "bob   → #0 request",
        "kind=create_message_request",
        "bob   ← #2 push requester_id=1 relayed=create_message_request",
        "bob  : message 1 from user 1: \"hello, bob\"",
        "code=2301 NOT_FRIEND_TO_QUERY_USER_PROFILE",
        "bob  : refused with 2301 NOT_FRIEND_TO_QUERY_USER_PROFILE",
        "bob   → #2 heartbeat",
        "bob   ← #4 heartbeat",
        "kind=delete_session_request",
        "alice ← #3 close close_status=500 DISCONNECTED_BY_CLIENT",
        "alice: disconnected",
        "bob   ← #5 close close_status=500 DISCONNECTED_BY_CLIENT",
        "bob  : disconnected",
        "done: 2 sessions, 17 frames on the wire, 1 message delivered",
    ];
    let mut rest = text.as_str();
    for part in story {
        let at = rest
            .find(part)
            .unwrap_or_else(|| panic!("{part:?} missing or out of order in:\n{text}"));
        rest = &rest[at + part.len()..];
    }
}
