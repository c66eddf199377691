//! `turms-wire probe` end to end: exit status and JSON events against peers on loopback.

#![cfg(feature = "cli")]

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::process::Command;

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
    let output = tokio::time::timeout(PROCESS_DEADLINE, child.wait_with_output())
        .await
        .expect("probe finished in bounded time")
        .expect("probe output");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let lines = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}")))
        .collect();
    (output.status.code().expect("exit code"), lines)
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
        let (code, lines) = run(&[
            "probe",
            "--server",
            &server,
            "--user",
            "1",
            "--password",
            "x",
            "--json",
        ])
        .await;
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
    let (code, lines) = run(&[
        "probe",
        "--server",
        &server,
        "--user",
        "1",
        "--password",
        "x",
        "--timeout",
        "1",
        "--json",
    ])
    .await;
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
    let (code, lines) = run(&[
        "probe",
        "--server",
        &server,
        "--user",
        "1",
        "--password",
        "x",
        "--timeout",
        "1",
        "--json",
    ])
    .await;
    assert_eq!(code, 2, "{lines:?}");
    assert_eq!(events(&lines, "error")[0]["code_name"], "REQUEST_TIMEOUT");
    peer.abort();
}

#[tokio::test]
async fn bad_server_address_exits_2() {
    let (code, lines) = run(&[
        "probe",
        "--server",
        "http://127.0.0.1:1",
        "--user",
        "1",
        "--password",
        "x",
        "--json",
    ])
    .await;
    assert_eq!(code, 2);
    assert_eq!(events(&lines, "error")[0]["code_name"], "ILLEGAL_ARGUMENT");
}
