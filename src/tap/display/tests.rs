//! The display's lines in both formats, byte for byte, from a scripted sequence of events with
//! fixed times: what `turms-wire tap` prints must not change when the display is reorganised.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;

use super::{Counters, Display, Event};
use crate::codec::{notification_to_bytes, request_to_bytes, write_length_prefix};
use crate::proto::{
    turms_notification, turms_request, CreateMessageRequest, CreateSessionRequest,
    TurmsNotification, TurmsRequest,
};
use crate::role::RoleKind;
use crate::tap::{OutputFormat, TapConfig};
use crate::transport::TransportKind;

/// A writer whose bytes stay readable after the display that owns it has finished.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    write_length_prefix(body.len(), &mut out);
    out.extend_from_slice(body);
    out.to_vec()
}

fn login(request_id: i64) -> Bytes {
    request_to_bytes(&TurmsRequest {
        request_id: Some(request_id),
        kind: Some(turms_request::Kind::CreateSessionRequest(
            CreateSessionRequest {
                user_id: 42,
                ..Default::default()
            },
        )),
        ..Default::default()
    })
}

fn send_message(request_id: i64, text: &str) -> TurmsRequest {
    TurmsRequest {
        request_id: Some(request_id),
        kind: Some(turms_request::Kind::CreateMessageRequest(
            CreateMessageRequest {
                text: Some(text.into()),
                recipient_id: Some(7),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

fn notification(notification: TurmsNotification) -> Vec<u8> {
    framed(&notification_to_bytes(&notification))
}

fn response(request_id: i64, code: i32) -> Vec<u8> {
    notification(TurmsNotification {
        timestamp: 1_700_000_000_000,
        request_id: Some(request_id),
        code: Some(code),
        data: (code == 1000).then(|| turms_notification::Data {
            kind: Some(turms_notification::data::Kind::Long(99)),
        }),
        ..Default::default()
    })
}

fn peer(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// An unfragmented WebSocket frame.
fn ws_frame(opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    crate::transport::test_frame(opcode, payload, true, mask)
}

/// Runs a display over the events `script` makes (`at(micros)`: that long after a fixed start)
/// and returns what it printed, with the time of the two lines stamped by the wall clock (the
/// listening line and the summary) masked.
fn run(
    transport: TransportKind,
    format: OutputFormat,
    script: impl FnOnce(&dyn Fn(u64) -> Instant) -> Vec<Event>,
) -> String {
    let config = TapConfig {
        transport,
        format,
        ..TapConfig::new("gateway.test:11510")
    };
    let counters = Counters::default();
    counters.connections.store(3, Ordering::Relaxed);
    counters.bytes[0].store(120, Ordering::Relaxed);
    counters.bytes[1].store(340, Ordering::Relaxed);
    counters.dropped_chunks.store(1, Ordering::Relaxed);
    counters.dropped_bytes.store(7, Ordering::Relaxed);
    let out = Shared::default();
    let mut display = Display::new(out.clone(), &config, Arc::new(counters));
    let start = Instant::now();
    // 2024-05-06T07:08:09.123456Z
    let epoch = SystemTime::UNIX_EPOCH + Duration::from_micros(1_714_979_289_123_456);
    display.started = (epoch, start);
    let at = move |micros: u64| start + Duration::from_micros(micros);
    let events = script(&at);
    let (sender, receiver) = mpsc::channel(events.len() + 1);
    for event in events {
        sender.try_send(event).unwrap();
    }
    sender.try_send(Event::Finish).unwrap();
    display.run(receiver);
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    text.lines()
        .map(|line| match line.find("\"time\":\"") {
            Some(at)
                if line.contains("\"event\":\"listening\"")
                    || line.contains("\"event\":\"summary\"") =>
            {
                let start = at + "\"time\":\"".len();
                format!("{}<now>{}\n", &line[..start], &line[start + 27..])
            }
            _ => format!("{line}\n"),
        })
        .collect()
}

/// Requests and responses, heartbeats and acks, an orphan response, a push, a broken body, a
/// heartbeat failure, a close notification, a gap, an unreachable upstream, a framing error
/// and a connection that ends inside a frame.
fn tcp_script(at: &dyn Fn(u64) -> Instant) -> Vec<Event> {
    let data = |conn, dir, micros, bytes: Vec<u8>, dropped_before| Event::Data {
        conn,
        dir,
        at: at(micros),
        bytes: Bytes::from(bytes),
        dropped_before,
    };
    let c2s = RoleKind::Gateway;
    let s2c = RoleKind::Client;
    let push = notification(TurmsNotification {
        timestamp: 1_700_000_000_001,
        requester_id: Some(8),
        relayed_request: Some(send_message(5, "hi \"there\"")),
        ..Default::default()
    });
    let close = notification(TurmsNotification {
        timestamp: 1_700_000_000_002,
        close_status: Some(500),
        reason: Some("bye".into()),
        ..Default::default()
    });
    let heartbeat_failure = notification(TurmsNotification {
        request_id: Some(-100),
        code: Some(1100),
        ..Default::default()
    });
    let mut requests = framed(&login(1));
    requests.extend(framed(&[]));
    requests.extend(framed(&request_to_bytes(&send_message(2, "hello"))));
    let mut answers = response(1, 1000);
    answers.extend(framed(&[]));
    answers.extend(response(99, 1000));
    answers.extend(push);
    answers.extend(framed(&[0x0e]));
    let mut later = framed(&[]);
    later.extend([0x0a, 0x01]);
    vec![
        Event::Listening { addr: peer(11511) },
        Event::Open {
            conn: 1,
            at: at(0),
            peer: peer(50_000),
            server: "127.0.0.1:11510".into(),
        },
        data(1, c2s, 1_000, requests, 0),
        data(1, s2c, 2_500, answers, 0),
        data(1, s2c, 3_000, response(2, 2011), 0),
        data(1, c2s, 4_000, later, 0),
        data(1, s2c, 4_500, heartbeat_failure, 0),
        data(1, s2c, 5_000, close, 0),
        Event::Open {
            conn: 2,
            at: at(6_000),
            peer: peer(50_001),
            server: "gateway.test:11510".into(),
        },
        Event::UpstreamFailed {
            conn: 2,
            at: at(6_100),
            error: "connection refused".into(),
        },
        Event::Close {
            conn: 2,
            at: at(6_200),
            peer: peer(50_001),
            bytes: [0, 0],
            undelivered: [0, 0],
        },
        Event::Open {
            conn: 3,
            at: at(7_000),
            peer: peer(50_002),
            server: "127.0.0.1:11510".into(),
        },
        data(3, c2s, 7_100, vec![0xff; 6], 0),
        data(3, c2s, 7_200, framed(&[]), 0),
        data(3, s2c, 7_300, framed(&[]), 7),
        data(3, s2c, 7_400, framed(&[]), 0),
        Event::Close {
            conn: 3,
            at: at(7_500),
            peer: peer(50_002),
            bytes: [6, 2],
            undelivered: [0, 0],
        },
        Event::Close {
            conn: 1,
            at: at(9_000),
            peer: peer(50_000),
            bytes: [30, 60],
            undelivered: [0, 3],
        },
    ]
}

/// An upgrade, binary messages both ways, a text message, close frames with and without a
/// status, and a refused upgrade.
fn ws_script(at: &dyn Fn(u64) -> Instant) -> Vec<Event> {
    let data = |conn, dir, micros, bytes: Vec<u8>| Event::Data {
        conn,
        dir,
        at: at(micros),
        bytes: Bytes::from(bytes),
        dropped_before: 0,
    };
    let c2s = RoleKind::Gateway;
    let s2c = RoleKind::Client;
    let mask = Some([0x12, 0x34, 0x56, 0x78]);
    let upgrade = "GET / HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let switching =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                     Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    let mut requests = upgrade.as_bytes().to_vec();
    requests.extend(ws_frame(0x2, &login(1), mask));
    requests.extend(ws_frame(0x2, &[], mask));
    requests.extend(ws_frame(0x1, b"hello", mask));
    let mut goodbye = 1000u16.to_be_bytes().to_vec();
    goodbye.extend_from_slice(b"done");
    requests.extend(ws_frame(0x8, &goodbye, mask));
    let mut answers = switching.as_bytes().to_vec();
    answers.extend(ws_frame(
        0x2,
        &notification_to_bytes(&TurmsNotification {
            request_id: Some(1),
            code: Some(1000),
            ..Default::default()
        }),
        None,
    ));
    answers.extend(ws_frame(0x2, &[], None));
    answers.extend(ws_frame(0x8, &[], None));
    vec![
        Event::Listening { addr: peer(10511) },
        Event::Open {
            conn: 1,
            at: at(0),
            peer: peer(50_000),
            server: "127.0.0.1:10510".into(),
        },
        data(1, c2s, 100, requests),
        data(1, s2c, 350, answers),
        Event::Close {
            conn: 1,
            at: at(400),
            peer: peer(50_000),
            bytes: [400, 200],
            undelivered: [0, 0],
        },
        Event::Open {
            conn: 2,
            at: at(1_000),
            peer: peer(50_001),
            server: "127.0.0.1:10510".into(),
        },
        data(2, c2s, 1_100, upgrade.as_bytes().to_vec()),
        data(
            2,
            s2c,
            1_200,
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        data(2, c2s, 1_300, b"more".to_vec()),
        Event::Close {
            conn: 2,
            at: at(1_400),
            peer: peer(50_001),
            bytes: [150, 40],
            undelivered: [0, 0],
        },
    ]
}

#[test]
fn tcp_lines_as_json() {
    let printed = run(TransportKind::Tcp, OutputFormat::Json, tcp_script);
    let expected = r#"{"time":"<now>","event":"listening","addr":"127.0.0.1:11511","transport":"tcp","upstream":"gateway.test:11510"}
{"time":"2024-05-06T07:08:09.123456Z","conn":1,"event":"open","peer":"127.0.0.1:50000","server":"127.0.0.1:11510","transport":"tcp"}
{"time":"2024-05-06T07:08:09.124456Z","conn":1,"dir":"c2s","index":0,"class":"request","request_id":1,"kind":"create_session_request","gateway_rejection":null,"size":6,"message":{"request_id":"1","create_session_request":{"user_id":"42"}}}
{"time":"2024-05-06T07:08:09.124456Z","conn":1,"dir":"c2s","index":1,"class":"heartbeat","request_id":null,"kind":null,"gateway_rejection":null,"size":0,"message":null}
{"time":"2024-05-06T07:08:09.124456Z","conn":1,"dir":"c2s","index":2,"class":"request","request_id":2,"kind":"create_message_request","gateway_rejection":null,"size":13,"message":{"request_id":"2","create_message_request":{"recipient_id":"7","text":"hello"}}}
{"time":"2024-05-06T07:08:09.125956Z","conn":1,"dir":"s2c","index":0,"class":"response","request_id":1,"requester_id":null,"code":1000,"code_name":"OK","code_category":"success response","close_status":null,"close_status_name":null,"reason":null,"relayed_kind":null,"data_kind":"long","size":16,"message":{"timestamp":"1700000000000","request_id":"1","code":1000,"data":{"long":"99"}},"request_kind":"create_session_request","latency_ms":1.5}
{"time":"2024-05-06T07:08:09.125956Z","conn":1,"dir":"s2c","index":1,"class":"heartbeat","request_id":null,"requester_id":null,"code":null,"code_name":null,"code_category":null,"close_status":null,"close_status_name":null,"reason":null,"relayed_kind":null,"data_kind":null,"size":0,"message":null,"request_kind":"heartbeat","latency_ms":1.5}
{"time":"2024-05-06T07:08:09.125956Z","conn":1,"dir":"s2c","index":2,"class":"response","request_id":99,"requester_id":null,"code":1000,"code_name":"OK","code_category":"success response","close_status":null,"close_status_name":null,"reason":null,"relayed_kind":null,"data_kind":"long","size":16,"message":{"timestamp":"1700000000000","request_id":"99","code":1000,"data":{"long":"99"}}}
{"time":"2024-05-06T07:08:09.125956Z","conn":1,"dir":"s2c","index":3,"class":"push","request_id":null,"requester_id":8,"code":null,"code_name":null,"code_category":null,"close_status":null,"close_status_name":null,"reason":null,"relayed_kind":"create_message_request","data_kind":null,"size":29,"message":{"timestamp":"1700000000001","requester_id":"8","relayed_request":{"request_id":"5","create_message_request":{"recipient_id":"7","text":"hi \"there\""}}}}
{"time":"2024-05-06T07:08:09.125956Z","conn":1,"dir":"s2c","index":4,"error":{"layer":"message","kind":"invalid_wire_type","detail":"invalid wire type 6 for field 1 at byte 0 in TurmsNotification"}}
{"time":"2024-05-06T07:08:09.126456Z","conn":1,"dir":"s2c","index":5,"class":"response","request_id":2,"requester_id":null,"code":2011,"code_name":"LOGIN_AUTHENTICATION_FAILED","code_category":"user - login error","close_status":null,"close_status_name":null,"reason":null,"relayed_kind":null,"data_kind":null,"size":12,"message":{"timestamp":"1700000000000","request_id":"2","code":2011},"request_kind":"create_message_request","latency_ms":2.0}
{"time":"2024-05-06T07:08:09.127456Z","conn":1,"dir":"c2s","index":3,"class":"heartbeat","request_id":null,"kind":null,"gateway_rejection":null,"size":0,"message":null}
{"time":"2024-05-06T07:08:09.127956Z","conn":1,"dir":"s2c","index":6,"class":"heartbeat_failure","request_id":-100,"requester_id":null,"code":1100,"code_name":"INVALID_REQUEST","code_category":"client request error","close_status":null,"close_status_name":null,"reason":null,"relayed_kind":null,"data_kind":null,"size":14,"message":{"request_id":"-100","code":1100},"request_kind":"heartbeat","latency_ms":0.5}
{"time":"2024-05-06T07:08:09.128456Z","conn":1,"dir":"s2c","index":7,"class":"close","request_id":null,"requester_id":null,"code":null,"code_name":null,"code_category":null,"close_status":500,"close_status_name":"DISCONNECTED_BY_CLIENT","reason":"bye","relayed_kind":null,"data_kind":null,"size":15,"message":{"timestamp":"1700000000002","reason":"bye","close_status":500}}
{"time":"2024-05-06T07:08:09.129456Z","conn":2,"event":"open","peer":"127.0.0.1:50001","server":"gateway.test:11510","transport":"tcp"}
{"time":"2024-05-06T07:08:09.129556Z","conn":2,"event":"upstream_error","error":"connection refused","upstream":"gateway.test:11510"}
{"time":"2024-05-06T07:08:09.129656Z","conn":2,"event":"close","c2s_bytes":0,"peer":"127.0.0.1:50001","s2c_bytes":0}
{"time":"2024-05-06T07:08:09.130456Z","conn":3,"event":"open","peer":"127.0.0.1:50002","server":"127.0.0.1:11510","transport":"tcp"}
{"time":"2024-05-06T07:08:09.130556Z","conn":3,"dir":"c2s","index":0,"error":{"layer":"framing","kind":"varint_too_long","detail":"varint length prefix longer than 5 bytes"}}
{"time":"2024-05-06T07:08:09.130756Z","conn":3,"dir":"s2c","event":"gap","dropped_bytes":7}
{"time":"2024-05-06T07:08:09.130956Z","conn":3,"event":"close","c2s_bytes":6,"peer":"127.0.0.1:50002","s2c_bytes":2}
{"time":"2024-05-06T07:08:09.132456Z","conn":1,"dir":"s2c","event":"gap","dropped_bytes":3}
{"time":"2024-05-06T07:08:09.132456Z","conn":1,"dir":"c2s","index":4,"error":{"layer":"framing","kind":"truncated_frame","detail":"stream ended inside a frame: 1 of 10 byte(s) received"}}
{"time":"2024-05-06T07:08:09.132456Z","conn":1,"event":"close","c2s_bytes":30,"peer":"127.0.0.1:50000","s2c_bytes":60}
{"time":"<now>","event":"summary","c2s":{"bytes":120,"errors":2,"frames":4,"gaps":0},"closes_by_status":{"500":1},"connections":3,"not_shown":{"bytes":7,"chunks":1,"events":0},"responses_by_code":{"1000":2,"1100":1,"2011":1},"s2c":{"bytes":340,"errors":1,"frames":7,"gaps":2}}
"#;
    assert_eq!(printed, expected, "\n{printed}");
}

#[test]
fn tcp_lines_as_text() {
    let printed = run(TransportKind::Tcp, OutputFormat::Text, tcp_script);
    let expected = r#"listening on 127.0.0.1:11511, forwarding to gateway.test:11510 (tcp)
07:08:09.123456 #1 open from 127.0.0.1:50000 to 127.0.0.1:11510 (tcp)
07:08:09.124456 #1 c2s #0 request request_id=1 kind=create_session_request {"create_session_request":{"user_id":"42"}}
07:08:09.124456 #1 c2s #1 heartbeat
07:08:09.124456 #1 c2s #2 request request_id=2 kind=create_message_request {"create_message_request":{"recipient_id":"7","text":"hello"}}
07:08:09.125956 #1 s2c #0 response request_id=1 code=1000 OK (success response) data=long {"timestamp":"1700000000000","data":{"long":"99"}} <- create_session_request after 1.500 ms
07:08:09.125956 #1 s2c #1 heartbeat <- heartbeat after 1.500 ms
07:08:09.125956 #1 s2c #2 response request_id=99 code=1000 OK (success response) data=long {"timestamp":"1700000000000","data":{"long":"99"}}
07:08:09.125956 #1 s2c #3 push requester_id=8 relayed=create_message_request {"timestamp":"1700000000001","relayed_request":{"request_id":"5","create_message_request":{"recipient_id":"7","text":"hi \"there\""}}}
07:08:09.125956 #1 s2c #4 error message/invalid_wire_type: invalid wire type 6 for field 1 at byte 0 in TurmsNotification
07:08:09.126456 #1 s2c #5 response request_id=2 code=2011 LOGIN_AUTHENTICATION_FAILED (user - login error) {"timestamp":"1700000000000"} <- create_message_request after 2.000 ms
07:08:09.127456 #1 c2s #3 heartbeat
07:08:09.127956 #1 s2c #6 heartbeat_failure request_id=-100 code=1100 INVALID_REQUEST (client request error) <- heartbeat after 0.500 ms
07:08:09.128456 #1 s2c #7 close close_status=500 DISCONNECTED_BY_CLIENT reason="bye" {"timestamp":"1700000000002"}
07:08:09.129456 #2 open from 127.0.0.1:50001 to gateway.test:11510 (tcp)
07:08:09.129556 #2 upstream gateway.test:11510 unreachable: connection refused
07:08:09.129656 #2 close (0 bytes c2s, 0 bytes s2c)
07:08:09.130456 #3 open from 127.0.0.1:50002 to 127.0.0.1:11510 (tcp)
07:08:09.130556 #3 c2s #0 error framing/varint_too_long: varint length prefix longer than 5 bytes
07:08:09.130756 #3 s2c gap: 7 bytes were forwarded but not shown; this direction is no longer decoded
07:08:09.130956 #3 close (6 bytes c2s, 2 bytes s2c)
07:08:09.132456 #1 s2c gap: 3 bytes were forwarded but not shown; this direction is no longer decoded
07:08:09.132456 #1 c2s #4 error framing/truncated_frame: stream ended inside a frame: 1 of 10 byte(s) received
07:08:09.132456 #1 close (30 bytes c2s, 60 bytes s2c)
summary
  connections: 3
  c2s: 4 frames, 120 bytes, 2 errors, 0 gaps
  s2c: 7 frames, 340 bytes, 1 errors, 2 gaps
  responses by code:
    1000 OK: 2
    1100 INVALID_REQUEST: 1
    2011 LOGIN_AUTHENTICATION_FAILED: 1
  closes by status:
    500 DISCONNECTED_BY_CLIENT: 1
  not shown (display behind): 1 chunks, 7 bytes, 0 events
"#;
    assert_eq!(printed, expected, "\n{printed}");
}

#[test]
fn websocket_lines_as_json() {
    let printed = run(TransportKind::WebSocket, OutputFormat::Json, ws_script);
    let expected = r#"{"time":"<now>","event":"listening","addr":"127.0.0.1:10511","transport":"ws","upstream":"gateway.test:11510"}
{"time":"2024-05-06T07:08:09.123456Z","conn":1,"event":"open","peer":"127.0.0.1:50000","server":"127.0.0.1:10510","transport":"ws"}
{"time":"2024-05-06T07:08:09.123556Z","conn":1,"dir":"c2s","event":"http","start_line":"GET / HTTP/1.1"}
{"time":"2024-05-06T07:08:09.123556Z","conn":1,"dir":"c2s","index":0,"class":"request","request_id":1,"kind":"create_session_request","gateway_rejection":null,"size":6,"message":{"request_id":"1","create_session_request":{"user_id":"42"}}}
{"time":"2024-05-06T07:08:09.123556Z","conn":1,"dir":"c2s","index":1,"class":"heartbeat","request_id":null,"kind":null,"gateway_rejection":null,"size":0,"message":null}
{"time":"2024-05-06T07:08:09.123556Z","conn":1,"dir":"c2s","event":"websocket_text","size":5}
{"time":"2024-05-06T07:08:09.123556Z","conn":1,"dir":"c2s","event":"websocket_close","code":1000,"reason":"done"}
{"time":"2024-05-06T07:08:09.123806Z","conn":1,"dir":"s2c","event":"http","start_line":"HTTP/1.1 101 Switching Protocols"}
{"time":"2024-05-06T07:08:09.123806Z","conn":1,"dir":"s2c","index":0,"class":"response","request_id":1,"requester_id":null,"code":1000,"code_name":"OK","code_category":"success response","close_status":null,"close_status_name":null,"reason":null,"relayed_kind":null,"data_kind":null,"size":5,"message":{"request_id":"1","code":1000},"request_kind":"create_session_request","latency_ms":0.25}
{"time":"2024-05-06T07:08:09.123806Z","conn":1,"dir":"s2c","index":1,"class":"heartbeat","request_id":null,"requester_id":null,"code":null,"code_name":null,"code_category":null,"close_status":null,"close_status_name":null,"reason":null,"relayed_kind":null,"data_kind":null,"size":0,"message":null,"request_kind":"heartbeat","latency_ms":0.25}
{"time":"2024-05-06T07:08:09.123806Z","conn":1,"dir":"s2c","event":"websocket_close","code":null,"reason":null}
{"time":"2024-05-06T07:08:09.123856Z","conn":1,"event":"close","c2s_bytes":400,"peer":"127.0.0.1:50000","s2c_bytes":200}
{"time":"2024-05-06T07:08:09.124456Z","conn":2,"event":"open","peer":"127.0.0.1:50001","server":"127.0.0.1:10510","transport":"ws"}
{"time":"2024-05-06T07:08:09.124556Z","conn":2,"dir":"c2s","event":"http","start_line":"GET / HTTP/1.1"}
{"time":"2024-05-06T07:08:09.124656Z","conn":2,"dir":"s2c","index":0,"error":{"layer":"framing","kind":"upgrade_refused","detail":"upgrade refused: HTTP/1.1 403 Forbidden"}}
{"time":"2024-05-06T07:08:09.124856Z","conn":2,"event":"close","c2s_bytes":150,"peer":"127.0.0.1:50001","s2c_bytes":40}
{"time":"<now>","event":"summary","c2s":{"bytes":120,"errors":0,"frames":2,"gaps":0},"closes_by_status":{},"connections":3,"not_shown":{"bytes":7,"chunks":1,"events":0},"responses_by_code":{"1000":1},"s2c":{"bytes":340,"errors":1,"frames":2,"gaps":0}}
"#;
    assert_eq!(printed, expected, "\n{printed}");
}

#[test]
fn websocket_lines_as_text() {
    let printed = run(TransportKind::WebSocket, OutputFormat::Text, ws_script);
    let expected = r#"listening on 127.0.0.1:10511, forwarding to gateway.test:11510 (ws)
07:08:09.123456 #1 open from 127.0.0.1:50000 to 127.0.0.1:10510 (ws)
07:08:09.123556 #1 c2s http GET / HTTP/1.1
07:08:09.123556 #1 c2s #0 request request_id=1 kind=create_session_request {"create_session_request":{"user_id":"42"}}
07:08:09.123556 #1 c2s #1 heartbeat
07:08:09.123556 #1 c2s websocket text message of 5 bytes (Turms ignores text)
07:08:09.123556 #1 c2s websocket close 1000 "done"
07:08:09.123806 #1 s2c http HTTP/1.1 101 Switching Protocols
07:08:09.123806 #1 s2c #0 response request_id=1 code=1000 OK (success response) <- create_session_request after 0.250 ms
07:08:09.123806 #1 s2c #1 heartbeat <- heartbeat after 0.250 ms
07:08:09.123806 #1 s2c websocket close
07:08:09.123856 #1 close (400 bytes c2s, 200 bytes s2c)
07:08:09.124456 #2 open from 127.0.0.1:50001 to 127.0.0.1:10510 (ws)
07:08:09.124556 #2 c2s http GET / HTTP/1.1
07:08:09.124656 #2 s2c #0 error framing/upgrade_refused: upgrade refused: HTTP/1.1 403 Forbidden
07:08:09.124856 #2 close (150 bytes c2s, 40 bytes s2c)
summary
  connections: 3
  c2s: 2 frames, 120 bytes, 0 errors, 0 gaps
  s2c: 2 frames, 340 bytes, 1 errors, 0 gaps
  responses by code:
    1000 OK: 1
  closes by status:
  not shown (display behind): 1 chunks, 7 bytes, 0 events
"#;
    assert_eq!(printed, expected, "\n{printed}");
}
