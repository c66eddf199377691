//! `turms-wire tap` end to end over loopback: an in-test gateway and in-test clients exchange
//! real frames through the built binary. Both sides check that they received exactly the bytes
//! the other sent; the printed lines are checked frame by frame.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};

use bytes::{Bytes, BytesMut};
use prost::Message;
use serde_json::Value;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use turms_wire::codec::{notification_to_bytes, request_to_bytes, write_length_prefix};
use turms_wire::proto::turms_notification::data;
use turms_wire::proto::{DeviceType, TurmsRequest};
use turms_wire_test_support::wait::{self, SAFETY_NET};
use turms_wire_test_support::ws;
use turms_wire_test_support::{notifications, requests};

// Frames, as the bytes each side writes and expects.

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    write_length_prefix(body.len(), &mut out);
    out.extend_from_slice(body);
    out.to_vec()
}

fn login(request_id: i64) -> Bytes {
    request_to_bytes(&requests::login_request(
        request_id,
        42,
        None,
        DeviceType::Desktop,
    ))
}

fn send_message(request_id: i64, text: &str) -> Bytes {
    request_to_bytes(&requests::private_message(request_id, 7, text))
}

fn response(request_id: i64, code: i32) -> Bytes {
    let data = (code == 1000).then_some(data::Kind::Long(99));
    notification_to_bytes(&notifications::response(request_id, code, data))
}

fn push(text: &str) -> Bytes {
    notification_to_bytes(&notifications::push(
        8,
        requests::private_message(5, 7, text),
    ))
}

fn close(status: i32) -> Bytes {
    notification_to_bytes(&notifications::close(status, None, None))
}

// Sockets.

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect through the tap");
    stream.set_read_timeout(Some(SAFETY_NET)).unwrap();
    stream
}

fn accept(listener: &TcpListener) -> TcpStream {
    let (stream, _) = listener.accept().expect("the tap connects upstream");
    stream.set_read_timeout(Some(SAFETY_NET)).unwrap();
    stream
}

/// Reads exactly what the other side sent at this step, and checks it is that.
fn expect_bytes(stream: &mut TcpStream, expected: &[u8], what: &str) {
    let mut got = vec![0; expected.len()];
    stream
        .read_exact(&mut got)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(got, expected, "{what}: bytes differ");
}

/// Reads until the other side closes, and checks that nothing more came than `expected`.
fn expect_rest(stream: &mut TcpStream, expected: &[u8], what: &str) {
    let mut got = Vec::new();
    stream
        .read_to_end(&mut got)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(got, expected, "{what}: bytes differ");
}

/// A gateway that takes one connection and plays `steps` on it: for each, it reads exactly the
/// bytes the client should have sent and writes its answer; then it closes its side and checks
/// the client sends nothing more.
fn scripted_gateway(gateway: TcpListener, steps: Vec<(Vec<u8>, Vec<u8>)>) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut s = accept(&gateway);
        for (step, (expected, answer)) in steps.iter().enumerate() {
            expect_bytes(&mut s, expected, &format!("gateway, step {}", step + 1));
            s.write_all(answer).unwrap();
        }
        s.shutdown(Shutdown::Write).unwrap();
        expect_rest(&mut s, &[], "gateway, end");
    })
}

// The tap process.

struct TapProcess {
    child: Child,
    lines: Receiver<String>,
    addr: SocketAddr,
}

fn spawn_tap(upstream: SocketAddr, extra: &[&str]) -> (Child, BufReader<ChildStdout>) {
    let upstream = upstream.to_string();
    let mut args = vec!["tap", "--listen", "127.0.0.1:0", "--upstream", &upstream];
    args.extend_from_slice(extra);
    let mut child = Command::new(env!("CARGO_BIN_EXE_turms-wire"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run turms-wire tap");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    (child, stdout)
}

fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

impl TapProcess {
    /// Starts `tap --json` and reads its listening line.
    fn start(upstream: SocketAddr, extra: &[&str]) -> TapProcess {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        let (child, mut stdout) = spawn_tap(upstream, &args);
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let first = json(&first);
        assert_eq!(first["event"], "listening", "{first}");
        assert_eq!(first["upstream"], upstream.to_string());
        let addr = first["addr"].as_str().unwrap().parse().unwrap();
        TapProcess {
            child,
            lines: forward_lines(stdout),
            addr,
        }
    }

    fn next(&self) -> Value {
        json(&wait::recv(&self.lines, "the tap prints a line"))
    }

    /// Lines up to and including the close event of each of `conns`.
    fn until_closed(&self, conns: usize) -> Vec<Value> {
        let mut lines = Vec::new();
        let mut closed = 0;
        while closed < conns {
            let line = self.next();
            if line["event"] == "close" {
                closed += 1;
            }
            lines.push(line);
        }
        lines
    }

    /// Sends SIGINT and returns the remaining lines and the exit status.
    fn interrupt(mut self) -> (Vec<Value>, ExitStatus) {
        sigint(&self.child);
        let status = self.child.wait().unwrap();
        let rest = self.lines.iter().map(|line| json(&line)).collect();
        (rest, status)
    }
}

impl Drop for TapProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward_lines(stdout: BufReader<ChildStdout>) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in stdout.lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn sigint(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

/// The frame lines of one connection and direction, in order.
fn frames<'a>(lines: &'a [Value], conn: u64, dir: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["conn"] == conn && l["dir"] == dir && l.get("index").is_some())
        .collect()
}

fn events(lines: &[Value], conn: u64) -> Vec<&Value> {
    lines
        .iter()
        .filter(|l| l["conn"] == conn && l.get("event").is_some())
        .collect()
}

fn assert_indices(frames: &[&Value]) {
    for (i, frame) in frames.iter().enumerate() {
        assert_eq!(frame["index"], i, "{frame}");
        let time = frame["time"].as_str().unwrap();
        assert!(
            time.ends_with('Z') && time.len() == 27,
            "RFC 3339 with µs: {time}"
        );
    }
}

#[test]
fn tcp_session_is_forwarded_byte_exact_printed_and_summarised() {
    let gateway = TcpListener::bind("127.0.0.1:0").unwrap();
    let tap = TapProcess::start(gateway.local_addr().unwrap(), &[]);

    let client_1 = [framed(&login(1)), framed(&[])].concat();
    let gateway_1 = [framed(&response(1, 1000)), framed(&[])].concat();
    let client_2 = framed(&send_message(2, "hi 👋"));
    let gateway_2 = [
        framed(&response(2, 1000)),
        framed(&push("yo")),
        framed(&close(500)),
    ]
    .concat();

    let server = scripted_gateway(
        gateway,
        vec![
            (client_1.clone(), gateway_1.clone()),
            (client_2.clone(), gateway_2.clone()),
        ],
    );
    let mut client = connect(tap.addr);
    let client_addr = client.local_addr().unwrap();
    client.write_all(&client_1).unwrap();
    expect_bytes(&mut client, &gateway_1, "client, step 1");
    client.write_all(&client_2).unwrap();
    expect_rest(&mut client, &gateway_2, "client, end");
    client.shutdown(Shutdown::Write).unwrap();
    server.join().unwrap();

    let lines = tap.until_closed(1);
    let conn_events = events(&lines, 1);
    assert_eq!(conn_events.first().unwrap()["event"], "open");
    assert_eq!(conn_events[0]["peer"], client_addr.to_string());
    let last = conn_events.last().unwrap();
    assert_eq!(last["event"], "close");
    assert_eq!(last["c2s_bytes"], client_1.len() + client_2.len());
    assert_eq!(last["s2c_bytes"], gateway_1.len() + gateway_2.len());

    let c2s = frames(&lines, 1, "c2s");
    assert_indices(&c2s);
    let classes: Vec<_> = c2s.iter().map(|f| f["class"].as_str().unwrap()).collect();
    assert_eq!(classes, ["request", "heartbeat", "request"]);
    assert_eq!(c2s[0]["kind"], "create_session_request");
    assert_eq!(c2s[0]["request_id"], 1);
    assert_eq!(c2s[2]["kind"], "create_message_request");
    assert_eq!(c2s[2]["message"]["create_message_request"]["text"], "hi 👋");

    let s2c = frames(&lines, 1, "s2c");
    assert_indices(&s2c);
    let classes: Vec<_> = s2c.iter().map(|f| f["class"].as_str().unwrap()).collect();
    assert_eq!(
        classes,
        ["response", "heartbeat", "response", "push", "close"]
    );
    let paired: Vec<_> = s2c.iter().map(|f| f["request_kind"].as_str()).collect();
    assert_eq!(
        paired,
        [
            Some("create_session_request"),
            Some("heartbeat"),
            Some("create_message_request"),
            None,
            None
        ]
    );
    for frame in &s2c[..3] {
        assert!(frame["latency_ms"].as_f64().unwrap() >= 0.0, "{frame}");
    }
    assert!(s2c[3].get("latency_ms").is_none());
    assert_eq!(s2c[0]["code_name"], "OK");
    assert_eq!(s2c[3]["relayed_kind"], "create_message_request");
    assert_eq!(s2c[4]["close_status_name"], "DISCONNECTED_BY_CLIENT");

    let (rest, status) = tap.interrupt();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest.len(), 1, "{rest:?}");
    let summary = &rest[0];
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["connections"], 1);
    assert_eq!(summary["c2s"]["frames"], 3);
    assert_eq!(summary["s2c"]["frames"], 5);
    assert_eq!(summary["c2s"]["bytes"], client_1.len() + client_2.len());
    assert_eq!(summary["s2c"]["bytes"], gateway_1.len() + gateway_2.len());
    assert_eq!(summary["c2s"]["errors"], 0);
    assert_eq!(summary["responses_by_code"], serde_json::json!({"1000": 2}));
    assert_eq!(summary["closes_by_status"], serde_json::json!({"500": 1}));
    assert_eq!(summary["not_shown"]["chunks"], 0);
}

#[test]
fn garbage_is_forwarded_unchanged_and_reported_once() {
    let gateway = TcpListener::bind("127.0.0.1:0").unwrap();
    let tap = TapProcess::start(gateway.local_addr().unwrap(), &[]);

    // Client: a good heartbeat, then a 6-byte length prefix, then more of anything.
    let client_1 = [&[0x00][..], &[0xff; 6], b"after the error"].concat();
    let client_2 = b"\x00\x00 still garbage".to_vec();
    // Gateway: a frame whose body is not a notification, a heartbeat, then a prefix over
    // the limit (8 MiB).
    let gateway_1 = [
        &[0x02, 0x0e, 0x0e][..],
        &[0x00],
        &[0x80, 0x80, 0x80, 0x10],
        b"x",
    ]
    .concat();
    let gateway_2 = b"\x00\x00\x00".to_vec();

    let server = scripted_gateway(
        gateway,
        vec![
            (client_1.clone(), gateway_1.clone()),
            (client_2.clone(), gateway_2.clone()),
        ],
    );
    let mut client = connect(tap.addr);
    client.write_all(&client_1).unwrap();
    expect_bytes(&mut client, &gateway_1, "client, step 1");
    client.write_all(&client_2).unwrap();
    expect_rest(&mut client, &gateway_2, "client, end");
    client.shutdown(Shutdown::Write).unwrap();
    server.join().unwrap();

    let lines = tap.until_closed(1);
    let c2s = frames(&lines, 1, "c2s");
    assert_indices(&c2s);
    assert_eq!(c2s.len(), 2, "{c2s:?}");
    assert_eq!(c2s[0]["class"], "heartbeat");
    assert_eq!(c2s[1]["error"]["layer"], "framing");
    assert_eq!(c2s[1]["error"]["kind"], "varint_too_long");

    let s2c = frames(&lines, 1, "s2c");
    assert_indices(&s2c);
    assert_eq!(s2c.len(), 3, "{s2c:?}");
    assert_eq!(s2c[0]["error"]["layer"], "message");
    assert_eq!(s2c[0]["error"]["kind"], "invalid_wire_type");
    assert_eq!(s2c[1]["class"], "heartbeat");
    assert_eq!(s2c[2]["error"]["layer"], "framing");
    assert_eq!(s2c[2]["error"]["kind"], "frame_too_large");
    assert_eq!(events(&lines, 1).last().unwrap()["event"], "close");

    let (rest, status) = tap.interrupt();
    assert!(status.success());
    assert_eq!(rest[0]["c2s"]["errors"], 1);
    assert_eq!(rest[0]["s2c"]["errors"], 2);
    assert_eq!(rest[0]["c2s"]["bytes"], client_1.len() + client_2.len());
}

#[test]
fn concurrent_connections_are_kept_apart() {
    const CLIENTS: i64 = 8;
    let gateway = TcpListener::bind("127.0.0.1:0").unwrap();
    let tap = TapProcess::start(gateway.local_addr().unwrap(), &[]);

    // The gateway answers every request with a response to its id.
    let server = thread::spawn(move || {
        let handlers: Vec<JoinHandle<()>> = (0..CLIENTS)
            .map(|_| {
                let mut s = accept(&gateway);
                thread::spawn(move || {
                    let mut prefix = [0u8; 1];
                    s.read_exact(&mut prefix).unwrap();
                    let mut body = vec![0; prefix[0] as usize];
                    s.read_exact(&mut body).unwrap();
                    let request = TurmsRequest::decode(&body[..]).unwrap();
                    let id = request.request_id.unwrap();
                    s.write_all(&framed(&response(id, 1000 + id as i32)))
                        .unwrap();
                    s.shutdown(Shutdown::Write).unwrap();
                    expect_rest(&mut s, &[], "gateway, end");
                })
            })
            .collect();
        for handler in handlers {
            handler.join().unwrap();
        }
    });
    let clients: Vec<JoinHandle<(SocketAddr, i64)>> = (1..=CLIENTS)
        .map(|id| {
            let addr = tap.addr;
            thread::spawn(move || {
                let mut client = connect(addr);
                let local = client.local_addr().unwrap();
                client
                    .write_all(&framed(&send_message(id, &format!("n{id}"))))
                    .unwrap();
                expect_rest(
                    &mut client,
                    &framed(&response(id, 1000 + id as i32)),
                    "client",
                );
                client.shutdown(Shutdown::Write).unwrap();
                (local, id)
            })
        })
        .collect();
    let ids: BTreeMap<String, i64> = clients
        .into_iter()
        .map(|c| {
            let (addr, id) = c.join().unwrap();
            (addr.to_string(), id)
        })
        .collect();
    server.join().unwrap();

    let lines = tap.until_closed(CLIENTS as usize);
    let mut conns = Vec::new();
    for open in lines.iter().filter(|l| l["event"] == "open") {
        let conn = open["conn"].as_u64().unwrap();
        let id = ids[open["peer"].as_str().unwrap()];
        conns.push(conn);
        let c2s = frames(&lines, conn, "c2s");
        assert_eq!(c2s.len(), 1);
        assert_eq!(c2s[0]["index"], 0);
        assert_eq!(c2s[0]["request_id"], id);
        assert_eq!(
            c2s[0]["message"]["create_message_request"]["text"],
            format!("n{id}")
        );
        let s2c = frames(&lines, conn, "s2c");
        assert_eq!(s2c.len(), 1);
        assert_eq!(s2c[0]["index"], 0);
        assert_eq!(s2c[0]["request_id"], id);
        assert_eq!(s2c[0]["code"], 1000 + id);
        assert_eq!(s2c[0]["request_kind"], "create_message_request");
    }
    conns.sort();
    assert_eq!(conns, (1..=CLIENTS as u64).collect::<Vec<_>>());
}

#[test]
fn a_display_that_falls_behind_never_holds_up_the_traffic() {
    const ROUND_TRIPS: usize = 3000;
    let gateway = TcpListener::bind("127.0.0.1:0").unwrap();
    // A queue of one chunk, and nobody reads the output until the traffic is over: the pipe
    // fills, the display blocks, and chunks must be dropped from it, not from the traffic.
    let (child, mut stdout) = spawn_tap(gateway.local_addr().unwrap(), &["--json", "--queue", "1"]);
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let addr: SocketAddr = json(&first)["addr"].as_str().unwrap().parse().unwrap();

    let server = thread::spawn(move || {
        let mut s = accept(&gateway);
        let mut byte = [0u8; 1];
        for _ in 0..ROUND_TRIPS {
            s.read_exact(&mut byte).unwrap();
            assert_eq!(byte, [0]);
            s.write_all(&[0]).unwrap();
        }
        expect_rest(&mut s, &[], "gateway, end");
    });
    let mut client = connect(addr);
    client.set_nodelay(true).unwrap();
    for _ in 0..ROUND_TRIPS {
        client.write_all(&[0]).unwrap();
        expect_bytes(&mut client, &[0], "heartbeat ack");
    }
    client.shutdown(Shutdown::Write).unwrap();
    expect_rest(&mut client, &[], "client, end");
    server.join().unwrap();

    // Now read what was printed.
    let tap = TapProcess {
        child,
        lines: forward_lines(stdout),
        addr,
    };
    let lines = tap.until_closed(1);
    let mut gaps = 0;
    for dir in ["c2s", "s2c"] {
        let shown = frames(&lines, 1, dir);
        assert_indices(&shown);
        assert!(shown.iter().all(|f| f["class"] == "heartbeat"));
        let gap: Vec<_> = events(&lines, 1)
            .into_iter()
            .filter(|e| e["event"] == "gap" && e["dir"] == dir)
            .collect();
        assert!(gap.len() <= 1, "a gap is reported once: {gap:?}");
        if gap.len() == 1 {
            gaps += 1;
            assert!(gap[0]["dropped_bytes"].as_u64().unwrap() > 0);
            assert!(shown.len() < ROUND_TRIPS);
        } else {
            assert_eq!(shown.len(), ROUND_TRIPS);
        }
    }
    assert!(gaps > 0, "the display kept up after all");
    let (rest, status) = tap.interrupt();
    assert!(status.success());
    let summary = &rest[0];
    assert!(summary["not_shown"]["chunks"].as_u64().unwrap() > 0);
    assert_eq!(summary["c2s"]["bytes"], ROUND_TRIPS);
    assert_eq!(summary["s2c"]["bytes"], ROUND_TRIPS);
    assert_eq!(
        summary["c2s"]["gaps"].as_u64().unwrap() + summary["s2c"]["gaps"].as_u64().unwrap(),
        gaps
    );
}

// WebSocket.

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn upgrade_request() -> Vec<u8> {
    format!(
        "GET / HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn websocket_session_is_forwarded_byte_exact_and_printed() {
    let gateway = TcpListener::bind("127.0.0.1:0").unwrap();
    let tap = TapProcess::start(gateway.local_addr().unwrap(), &["--ws"]);

    let mask = Some([0x12, 0x34, 0x56, 0x78]);
    let binary = OpCode::Data(Data::Binary);
    let login = login(1);
    let client_1 = upgrade_request();
    let gateway_1 = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(KEY.as_bytes())
    )
    .into_bytes();
    let client_2 = [
        // The login request in two fragments, with a ping between them.
        ws::frame(binary, &login[..3], false, mask),
        ws::frame(OpCode::Control(Control::Ping), b"p", true, mask),
        ws::frame(OpCode::Data(Data::Continue), &login[3..], true, mask),
        ws::frame(OpCode::Data(Data::Text), b"ignored", true, mask),
        // A heartbeat.
        ws::frame(binary, &[], true, mask),
    ]
    .concat();
    let gateway_2 = [
        ws::frame(binary, &response(1, 1000), true, None),
        ws::frame(binary, &[], true, None),
        ws::frame(binary, &close(500), true, None),
        ws::frame(OpCode::Control(Control::Close), b"\x03\xe8", true, None),
    ]
    .concat();
    let client_3 = ws::frame(OpCode::Control(Control::Close), b"\x03\xe8", true, mask);

    // The upgrade, the messages, the close frame (not answered).
    let server = scripted_gateway(
        gateway,
        vec![
            (client_1.clone(), gateway_1.clone()),
            (client_2.clone(), gateway_2.clone()),
            (client_3.clone(), Vec::new()),
        ],
    );
    let mut client = connect(tap.addr);
    client.write_all(&client_1).unwrap();
    expect_bytes(&mut client, &gateway_1, "client, upgrade");
    client.write_all(&client_2).unwrap();
    expect_bytes(&mut client, &gateway_2, "client, messages");
    client.write_all(&client_3).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    expect_rest(&mut client, &[], "client, end");
    server.join().unwrap();

    let lines = tap.until_closed(1);
    let c2s = frames(&lines, 1, "c2s");
    assert_indices(&c2s);
    let classes: Vec<_> = c2s.iter().map(|f| f["class"].as_str().unwrap()).collect();
    assert_eq!(classes, ["request", "heartbeat"]);
    assert_eq!(c2s[0]["kind"], "create_session_request");
    let s2c = frames(&lines, 1, "s2c");
    assert_indices(&s2c);
    let classes: Vec<_> = s2c.iter().map(|f| f["class"].as_str().unwrap()).collect();
    assert_eq!(classes, ["response", "heartbeat", "close"]);
    assert_eq!(s2c[0]["request_kind"], "create_session_request");
    assert_eq!(s2c[1]["request_kind"], "heartbeat");

    let named = |dir: &str| -> Vec<String> {
        events(&lines, 1)
            .into_iter()
            .filter(|e| e["dir"] == dir)
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(named("c2s"), ["http", "websocket_text", "websocket_close"]);
    assert_eq!(named("s2c"), ["http", "websocket_close"]);
    let heads: Vec<_> = events(&lines, 1)
        .into_iter()
        .filter(|e| e["event"] == "http")
        .map(|e| e["start_line"].as_str().unwrap())
        .collect();
    assert_eq!(
        heads,
        ["GET / HTTP/1.1", "HTTP/1.1 101 Switching Protocols"]
    );
    let ws_close = events(&lines, 1)
        .into_iter()
        .find(|e| e["event"] == "websocket_close" && e["dir"] == "s2c")
        .unwrap();
    assert_eq!(ws_close["code"], 1000);

    let (rest, status) = tap.interrupt();
    assert!(status.success());
    assert_eq!(rest[0]["c2s"]["frames"], 2);
    assert_eq!(rest[0]["s2c"]["frames"], 3);
    assert_eq!(rest[0]["closes_by_status"], serde_json::json!({"500": 1}));
}

#[test]
fn a_refused_websocket_upgrade_is_reported_once_and_forwarded() {
    let gateway = TcpListener::bind("127.0.0.1:0").unwrap();
    let tap = TapProcess::start(gateway.local_addr().unwrap(), &["--ws"]);
    let request = upgrade_request();
    let refusal = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno".to_vec();
    let (r, f) = (request.clone(), refusal.clone());
    let server = thread::spawn(move || {
        let mut s = accept(&gateway);
        expect_bytes(&mut s, &r, "gateway");
        s.write_all(&f).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        expect_rest(&mut s, b"\x82\x00 not websocket", "gateway, end");
    });
    let mut client = connect(tap.addr);
    client.write_all(&request).unwrap();
    expect_bytes(&mut client, &refusal, "client");
    client.write_all(b"\x82\x00 not websocket").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    expect_rest(&mut client, &[], "client, end");
    server.join().unwrap();

    let lines = tap.until_closed(1);
    let s2c = frames(&lines, 1, "s2c");
    assert_eq!(s2c.len(), 1, "{s2c:?}");
    assert_eq!(s2c[0]["error"]["kind"], "upgrade_refused");
    assert!(frames(&lines, 1, "c2s").is_empty());
}

#[test]
fn text_output_names_the_address_and_ends_with_a_summary() {
    let gateway = TcpListener::bind("127.0.0.1:0").unwrap();
    let (mut child, mut stdout) = spawn_tap(gateway.local_addr().unwrap(), &[]);
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let addr: SocketAddr = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("{first}"))
        .parse()
        .unwrap();
    assert!(first.contains(&format!("forwarding to {}", gateway.local_addr().unwrap())));

    let server = thread::spawn(move || {
        let mut s = accept(&gateway);
        expect_bytes(&mut s, &[0], "gateway");
        s.write_all(&framed(&response(-100, 2104))).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        expect_rest(&mut s, &[], "gateway, end");
    });
    let mut client = connect(addr);
    client.write_all(&[0]).unwrap();
    expect_rest(&mut client, &framed(&response(-100, 2104)), "client");
    client.shutdown(Shutdown::Write).unwrap();
    server.join().unwrap();

    let lines = forward_lines(stdout);
    let mut seen = Vec::new();
    while !seen.last().is_some_and(|l: &String| l.contains(" close (")) {
        seen.push(wait::recv(&lines, "a line"));
    }
    assert!(seen[0].contains(" #1 open from 127.0.0.1:"), "{seen:?}");
    assert!(
        seen.iter().any(|l| l.contains(" #1 c2s #0 heartbeat")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(
            |l| l.contains(" #1 s2c #0 heartbeat_failure request_id=-100 code=2104")
                && l.contains("<- heartbeat after ")
        ),
        "{seen:?}"
    );
    sigint(&child);
    assert!(child.wait().unwrap().success());
    let summary: Vec<String> = lines.iter().collect();
    let summary = summary.join("\n");
    assert!(summary.starts_with("summary\n"), "{summary}");
    assert!(summary.contains("  connections: 1\n"), "{summary}");
    assert!(
        summary.contains("  c2s: 1 frames, 1 bytes, 0 errors, 0 gaps"),
        "{summary}"
    );
    assert!(
        summary.contains("    2104 UPDATE_HEARTBEAT_OF_NONEXISTENT_SESSION: 1"),
        "{summary}"
    );
}

#[test]
fn an_unreachable_upstream_is_reported_and_the_client_let_go() {
    // A port that was just free: nothing listens there.
    let upstream = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let tap = TapProcess::start(upstream, &[]);
    let mut client = connect(tap.addr);
    let mut rest = Vec::new();
    // The tap drops the client: end of stream (or a reset, if the byte below arrived first).
    let _ = client.write_all(&[0]);
    let _ = client.read_to_end(&mut rest);
    assert!(rest.is_empty());
    let lines = tap.until_closed(1);
    let names: Vec<_> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(names, ["open", "upstream_error", "close"]);
    assert_eq!(lines[1]["upstream"], upstream.to_string());
    assert!(!lines[1]["error"].as_str().unwrap().is_empty());
}
