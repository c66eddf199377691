//! `turms-wire gateway`: the mock gateway as a command, driven by raw clients over loopback.

use std::net::SocketAddr;

use turms_wire::frame::ServerFrame;
use turms_wire::proto::DeviceType;
use turms_wire_test_support::peer::ClientPeer;
use turms_wire_test_support::requests::{group_message, login_request};
use turms_wire_test_support::wait::bounded;

#[cfg(unix)]
#[tokio::test]
async fn the_command_prints_a_ready_line_serves_logins_and_stops_on_ctrl_c() {
    use std::process::Stdio;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

    bounded(async {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_turms-wire"))
            .args([
                "gateway",
                "--tcp",
                "127.0.0.1:0",
                "--password",
                "123",
                "--server-id",
                "cli-node",
                "--json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).await.unwrap();
        let ready: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(ready["event"], "ready");
        assert!(ready["ws"].is_null());
        let addr: SocketAddr = ready["tcp"].as_str().unwrap().parse().unwrap();

        let mut client = ClientPeer::tcp(addr).await;
        client
            .send(&login_request(1, 8, Some("123"), DeviceType::Desktop))
            .await;
        let ServerFrame::SessionInfo(info) = client.frame().await else {
            panic!("expected session info");
        };
        assert_eq!(info.server_id(), Some("cli-node"));
        assert_eq!(client.response().await.code, Some(1000));

        // Ctrl-C closes the session with SERVER_CLOSED and exits cleanly.
        let interrupted = tokio::process::Command::new("kill")
            .args(["-INT", &child.id().unwrap().to_string()])
            .status()
            .await
            .unwrap();
        assert!(interrupted.success());
        assert_eq!(client.closed().await.close_status, Some(201));
        assert!(child.wait().await.unwrap().success());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .await
            .unwrap();
        assert!(stderr.contains("\"login_ok\""), "{stderr}");
        assert!(stderr.contains("\"close_status\":201"), "{stderr}");
        assert!(stderr.lines().all(|l| l.starts_with('{')), "{stderr}");
        // Nothing else on stdout.
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "");
    })
    .await;
}

#[tokio::test]
async fn the_command_prints_a_plain_ready_line_and_knows_its_groups() {
    use std::process::Stdio;
    use tokio::io::{AsyncBufReadExt, BufReader};

    bounded(async {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_turms-wire"))
            .args(["gateway", "--ws", "127.0.0.1:0", "--group", "5=1, 2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).await.unwrap();
        let addr = line
            .trim_end()
            .strip_prefix("turms-wire mock gateway (in-memory test double) listening: ws=")
            .unwrap_or_else(|| panic!("unexpected ready line {line:?}"));
        let url = format!("ws://{addr}");
        let connect = || ClientPeer::ws(&url);
        let mut alice = connect().await;
        alice.login(1, DeviceType::Desktop).await;
        let mut bob = connect().await;
        bob.login(2, DeviceType::Desktop).await;
        alice.send(&group_message(3, 5, "from the cli")).await;
        assert_eq!(alice.response().await.code, Some(1000));
        let ServerFrame::Push(push) = bob.frame().await else {
            panic!("expected the group message");
        };
        assert_eq!(push.requester_id(), Some(1));
        child.kill().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_command_refuses_bad_arguments() {
    bounded(async {
        for args in [
            &["gateway"][..],
            &["gateway", "--json"],
            &["gateway", "--tcp", "127.0.0.1:0", "--group", "x=1"],
            &["gateway", "--tcp", "127.0.0.1:0", "--group", "1"],
            &["gateway", "--tcp", "127.0.0.1:0", "--idle-timeout", "-1"],
        ] {
            let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_turms-wire"))
                .args(args)
                .output()
                .await
                .unwrap();
            assert!(!output.status.success(), "{args:?}");
            assert!(output.stdout.is_empty(), "{args:?}");
            assert!(!output.stderr.is_empty(), "{args:?}");
        }
    })
    .await;
}
