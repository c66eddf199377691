//! `turms-wire decode --pcap` end to end on real captures (tests/data/captures, recorded with
//! tcpdump and dumpcap while the mock gateway, the probe and the demo ran): the connections,
//! frames, classes, directions, request kinds and latencies each must show. The synthesized
//! captures are in `pcap_synth.rs`.

use std::path::PathBuf;

use serde_json::Value;
use turms_wire_test_support::data::parse_json;

use crate::turms_wire;

/// What a run printed.
pub struct Run {
    pub code: i32,
    pub lines: Vec<Value>,
    pub stderr: String,
}

impl Run {
    /// The last line, the summary.
    pub fn summary(&self) -> &Value {
        let last = self.lines.last().expect("lines");
        assert_eq!(last["event"], "summary", "the summary comes last");
        last
    }

    /// One short line per record (the summary left out): `conn dir #index class kind` for a
    /// frame (`<- request_kind latency` for an answer), `conn dir event` for an event.
    pub fn outline(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter(|line| line["event"] != "summary")
            .map(outline)
            .collect()
    }
}

pub fn outline(line: &Value) -> String {
    let mut out = String::new();
    if let Some(conn) = line["conn"].as_u64() {
        out.push_str(&format!("{conn} "));
    }
    if let Some(dir) = line["dir"].as_str() {
        out.push_str(&format!("{dir} "));
    }
    if let Some(event) = line["event"].as_str() {
        out.push_str(event);
        let detail = match event {
            "open" => format!(" {}", line["transport"].as_str().unwrap()),
            "close" => format!(" {}", line["how"].as_str().unwrap()),
            "http" => format!(" {}", line["start_line"].as_str().unwrap()),
            "websocket_close" => format!(" {}", line["code"]),
            "gap" => format!(" {}", line["missing_bytes"]),
            "proxy" => format!(" v{} {}", line["version"], line["source"]),
            "resync" => format!(" {} {}", line["found"], line["skipped_bytes"]),
            "error" => format!(" {}", line["error"]["kind"].as_str().unwrap()),
            _ => String::new(),
        };
        out.push_str(&detail);
        return out;
    }
    out.push_str(&format!("#{} ", line["index"]));
    if let Some(class) = line["class"].as_str() {
        out.push_str(class);
    } else {
        let error = &line["error"];
        out.push_str(&format!(
            "error {}/{}",
            error["layer"].as_str().unwrap(),
            error["kind"].as_str().unwrap()
        ));
    }
    if let Some(kind) = line["kind"].as_str() {
        out.push_str(&format!(" {kind}"));
    }
    if line["resynced"] == true {
        out.push_str(" resynced");
    }
    if let Some(kind) = line["request_kind"].as_str() {
        out.push_str(&format!(" <- {kind}"));
    }
    if let Some(latency) = line["latency_ms"].as_f64() {
        out.push_str(&format!(" {latency}"));
    }
    out
}

/// `decode --pcap PATH --json ARGS…`.
pub fn decode_pcap(path: &str, args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut all = vec!["decode", "--pcap", path, "--json"];
    all.extend_from_slice(args);
    let output = turms_wire(&all, stdin.as_deref());
    let lines = output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(parse_json)
        .collect();
    Run {
        code: output.status.code().expect("an exit code"),
        lines,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A capture given on standard input.
pub fn decode_bytes(capture: &[u8], args: &[&str]) -> Run {
    decode_pcap("-", args, Some(capture.to_vec()))
}

fn captures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/captures")
}

fn decode_committed(name: &str, args: &[&str]) -> Run {
    let path = captures_dir().join(name);
    decode_pcap(path.to_str().unwrap(), args, None)
}

/// What `probe` does on one connection (login, one message, logout; the gateway closes with
/// RST), with the latencies of its two answers.
fn probe_session(conn: u64, ws: bool, latencies: [f64; 2]) -> Vec<String> {
    let [login, message] = latencies;
    let mut lines = vec![format!("{conn} open {}", if ws { "ws" } else { "tcp" })];
    if ws {
        lines.push(format!("{conn} c2s http GET / HTTP/1.1"));
        lines.push(format!("{conn} s2c http HTTP/1.1 101 Switching Protocols"));
    }
    lines.extend([
        format!("{conn} c2s #0 request create_session_request"),
        format!("{conn} s2c #0 session_info"),
        format!("{conn} s2c #1 response <- create_session_request {login}"),
        format!("{conn} c2s #1 request create_message_request"),
        format!("{conn} s2c #2 response <- create_message_request {message}"),
        format!("{conn} c2s #2 request delete_session_request"),
        format!("{conn} s2c #3 close"),
    ]);
    if ws {
        lines.push(format!("{conn} s2c websocket_close 1000"));
        lines.push(format!("{conn} c2s websocket_close 1000"));
    }
    lines.push(format!("{conn} close rst"));
    lines
}

/// Checks what every clean run shares: exit 0, nothing on standard error, open before the
/// records of a connection, the summary's counts.
fn check_clean(run: &Run, connections: u64, frames: (u64, u64)) {
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let summary = run.summary();
    assert_eq!(summary["connections"], connections);
    assert_eq!(summary["frames"]["c2s"], frames.0);
    assert_eq!(summary["frames"]["s2c"], frames.1);
    assert_eq!(summary["errors"], serde_json::json!({}));
    assert_eq!(summary["gaps"], 0);
    assert_eq!(summary["not_decoded"], serde_json::json!({}));
    // Every record has a time, in capture order.
    let times: Vec<&str> = run
        .lines
        .iter()
        .map(|l| l["time"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn probe_captures_over_tcp_and_websocket_ipv4_and_ipv6_pcap_ethernet_sll_sll2() {
    // (file, over WebSocket, the two latencies: from tshark's frame times, to the microsecond)
    let cases = [
        ("tcp-ipv4-lo.pcap", false, [0.212, 0.033]),
        ("ws-ipv6-lo-nano.pcap", true, [0.194, 0.032]),
        ("tcp-ipv6-any-sll.pcap", false, [0.231, 0.021]),
        ("ws-ipv4-any-sll2.pcap", true, [0.25, 0.022]),
    ];
    for (file, ws, latencies) in cases {
        let run = decode_committed(file, &[]);
        check_clean(&run, 1, (3, 4));
        assert_eq!(run.outline(), probe_session(1, ws, latencies), "{file}");
        let open = &run.lines[0];
        let v6 = file.contains("ipv6");
        let peer = open["peer"].as_str().unwrap();
        assert_eq!(peer.starts_with('['), v6, "{file}: {peer}");
        let port = if ws { ":10510" } else { ":11510" };
        assert!(open["server"].as_str().unwrap().ends_with(port), "{file}");
        let summary = run.summary();
        assert_eq!(summary["classes"]["request"], 3);
        assert_eq!(summary["responses_by_code"]["1000"], 2);
        assert_eq!(summary["closes_by_status"]["500"], 1);
        assert_eq!(summary["connections_ended"]["rst"], 1);
    }
}

#[test]
fn a_pcapng_of_two_interfaces_decodes_each_connection_once() {
    let run = decode_committed("both-lo-any.pcapng", &[]);
    check_clean(&run, 2, (6, 8));
    let mut expected = probe_session(1, false, [0.165, 0.019]);
    expected.extend(probe_session(2, true, [0.051, 0.019]));
    assert_eq!(run.outline(), expected);
    assert_eq!(run.summary()["ignored"]["after_close"], 34);
}

/// The demo's story: alice over TCP (conn 1), bob over WebSocket (conn 2).
fn demo_story(latencies: [f64; 5]) -> Vec<String> {
    let [alice_login, bob_login, message, refused, heartbeat] = latencies;
    [
        "1 open tcp",
        "2 open ws",
        "2 c2s http GET / HTTP/1.1",
        "2 s2c http HTTP/1.1 101 Switching Protocols",
        "1 c2s #0 request create_session_request",
        "1 s2c #0 session_info",
        &format!("1 s2c #1 response <- create_session_request {alice_login}"),
        "2 c2s #0 request create_session_request",
        "2 s2c #0 session_info",
        &format!("2 s2c #1 response <- create_session_request {bob_login}"),
        "1 c2s #1 request create_message_request",
        &format!("1 s2c #2 response <- create_message_request {message}"),
        "2 s2c #2 push",
        "2 c2s #1 request query_user_profiles_request",
        &format!("2 s2c #3 response <- query_user_profiles_request {refused}"),
        "2 c2s #2 heartbeat",
        &format!("2 s2c #4 heartbeat <- heartbeat {heartbeat}"),
        "1 c2s #2 request delete_session_request",
        "1 s2c #3 close",
        "1 close rst",
        "2 c2s #3 request delete_session_request",
        "2 s2c #5 close",
        "2 s2c websocket_close 1000",
        "2 c2s websocket_close 1000",
        "2 close rst",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn demo_captures_pcapng_on_lo_and_on_any_as_sll2() {
    let cases = [
        ("demo-lo.pcapng", [0.058, 0.088, 0.026, 0.024, 0.008], false),
        (
            "demo-any-sll2.pcapng",
            [0.062, 0.087, 0.025, 0.016, 0.008],
            true,
        ),
    ];
    for (file, latencies, tcp_v6) in cases {
        let run = decode_committed(file, &[]);
        check_clean(&run, 2, (7, 10));
        assert_eq!(run.outline(), demo_story(latencies), "{file}");
        assert_eq!(
            run.lines[0]["peer"].as_str().unwrap().starts_with('['),
            tcp_v6
        );
        assert_eq!(
            run.lines[1]["peer"].as_str().unwrap().starts_with('['),
            !tcp_v6
        );
        let summary = run.summary();
        assert_eq!(summary["responses_by_code"]["2301"], 1, "{file}");
        assert_eq!(summary["classes"]["push"], 1);
        assert_eq!(summary["classes"]["heartbeat"], 2);
        // The refusal's reason and code name are in its record.
        let refusal = run
            .lines
            .iter()
            .find(|l| l["code"] == 2301)
            .expect("the refused query");
        assert_eq!(refusal["code_name"], "NOT_FRIEND_TO_QUERY_USER_PROFILE");
        assert_eq!(refusal["reason"], "alice and bob are not friends yet");
    }
}

#[test]
fn a_real_tls_client_is_reported_and_skipped() {
    let run = decode_committed("tls-lo.pcap", &[]);
    assert_eq!(run.code, 2, "a connection could not be decoded");
    let outline = run.outline();
    assert_eq!(outline[..3], ["1 open tcp", "1 c2s tls", "1 close rst"]);
    assert_eq!(outline[3..], probe_session(2, false, [1.774, 0.022])[..]);
    assert_eq!(run.summary()["not_decoded"]["tls"], 1);
    assert!(
        run.stderr
            .contains("1 connection not (wholly) decoded: 1 tls"),
        "{}",
        run.stderr
    );
}

#[test]
fn conn_and_class_keep_only_their_records_and_the_summary_counts_everything() {
    let all = decode_committed("demo-lo.pcapng", &[]);
    let run = decode_committed("demo-lo.pcapng", &["--conn", "2", "--class", "response"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.outline(),
        [
            "2 s2c #1 response <- create_session_request 0.088",
            "2 s2c #3 response <- query_user_profiles_request 0.024",
        ]
    );
    assert_eq!(run.summary(), all.summary());
    let run = decode_committed(
        "demo-lo.pcapng",
        &["--class", "push", "--class", "heartbeat"],
    );
    assert_eq!(
        run.outline(),
        [
            "2 s2c #2 push",
            "2 c2s #2 heartbeat",
            "2 s2c #4 heartbeat <- heartbeat 0.008"
        ]
    );
    let run = decode_committed("demo-lo.pcapng", &["--conn", "1"]);
    assert!(run
        .lines
        .iter()
        .all(|l| l["conn"] == 1 || l["event"] == "summary"));
    assert_eq!(run.lines.len(), 9 + 1);
}

#[test]
fn text_output_prints_as_the_tap_does() {
    let path = captures_dir().join("tcp-ipv4-lo.pcap");
    let output = turms_wire(&["decode", "--pcap", path.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "08:36:17.258649 #1 open from 127.0.0.1:59606 to 127.0.0.1:11510 (tcp)"
    );
    assert!(lines[3].starts_with("08:36:17.259386 #1 s2c #1 response request_id="));
    assert!(
        lines[3].ends_with("<- create_session_request after 0.212 ms"),
        "{}",
        lines[3]
    );
    assert_eq!(
        lines[8],
        "08:36:17.264951 #1 close (rst, 63 bytes c2s, 97 bytes s2c)"
    );
    assert_eq!(lines[9], "summary");
    assert!(text.contains("\n  connections: 1 (tcp 1), ended: rst 1\n"));
}
