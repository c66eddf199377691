//! `turms-wire code` end to end: the built binary, its output and its exit status.

use std::process::Output;

use serde_json::Value;

fn turms_wire(args: &[&str]) -> Output {
    crate::turms_wire(args, None)
}

/// Runs the command, expects success, and parses each stdout line as a JSON object.
fn json_lines(args: &[&str]) -> Vec<Value> {
    let output = turms_wire(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

#[test]
fn json_for_a_server_code() {
    let records = json_lines(&["code", "3403", "--json"]);
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r["table"], "response");
    assert_eq!(r["number"], 3403);
    assert_eq!(r["name"], "ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED");
    assert_eq!(r["class"], "business_error");
    assert_eq!(r["category"]["zh"], "群组 - 成员相关错误");
    assert_eq!(r["category"]["en"], "group - member error");
    assert_eq!(r["default_reason"], "The group has reached the size limit");
    assert_eq!(r["http_status"], 403);
    assert!(!r["meaning"]["en"].as_str().unwrap().is_empty());
    assert!(!r["meaning"]["zh"].as_str().unwrap().is_empty());
}

#[test]
fn json_for_a_number_in_both_tables() {
    let records = json_lines(&["code", "100", "--json"]);
    assert_eq!(records.len(), 2);
    let response = &records[0];
    assert_eq!(response["table"], "response");
    assert_eq!(response["number"], 100);
    assert_eq!(response["name"], "INVALID_REQUEST");
    assert_eq!(response["class"], "client_local");
    assert_eq!(response["category"]["zh"], "请求相关");
    assert!(response.get("http_status").is_none());
    assert!(response.get("default_reason").is_none());
    let close = &records[1];
    assert_eq!(close["table"], "close");
    assert_eq!(close["number"], 100);
    assert_eq!(close["name"], "ILLEGAL_REQUEST");
    assert_eq!(close["class"], "client_misbehavior");
    assert_eq!(close["category"]["zh"], "客户端非法行为");
    assert_eq!(close["meaning"]["zh"], "非法请求");
    assert_eq!(close["recommendation"], "fix_client");
    assert_eq!(close["sent_by_gateway"], true);
}

#[test]
fn json_for_a_name_on_two_numbers() {
    let records = json_lines(&["code", "INVALID_REQUEST", "--json"]);
    let numbers: Vec<i64> = records
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [1100, 100]);
    assert!(records.iter().all(|r| r["name"] == "INVALID_REQUEST"));
    assert_eq!(records[0]["http_status"], 400);

    // Case does not matter; the LOCAL_ constant finds the client-local code alone.
    assert_eq!(json_lines(&["code", "invalid_request", "--json"]).len(), 2);
    let local = json_lines(&["code", "LOCAL_INVALID_REQUEST", "--json"]);
    assert_eq!(local.len(), 1);
    assert_eq!(local[0]["number"], 100);
}

#[test]
fn close_status_by_name() {
    let records = json_lines(&["code", "heartbeat_timeout", "--json"]);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["table"], "close");
    assert_eq!(records[0]["number"], 110);
    assert_eq!(records[0]["recommendation"], "reconnect");
    let server_unavailable = json_lines(&["code", "202", "--json"]);
    assert_eq!(server_unavailable[0]["sent_by_gateway"], false);
}

#[test]
fn unknown_numbers_and_names_exit_with_1() {
    for args in [
        &["code", "-1"][..],
        &["code", "--", "-1"],
        &["code", "-1", "--json"],
        &["code", "7777"],
        &["code", "0"],
        &["code", "NO_SUCH_CODE"],
        &["code", "99999999999"],
    ] {
        let output = turms_wire(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not a known code"), "{args:?}: {stderr}");
    }
}

#[test]
fn list_has_every_code_once() {
    let records = json_lines(&["code", "--list", "--json"]);
    assert_eq!(records.len(), 207 + 14);
    let responses = records.iter().filter(|r| r["table"] == "response").count();
    let closes = records.iter().filter(|r| r["table"] == "close").count();
    assert_eq!((responses, closes), (207, 14));
    for r in &records {
        for key in ["number", "name", "class", "category", "meaning"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
    }

    let text = turms_wire(&["code", "--list"]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert_eq!(text.lines().count(), 207 + 14);
    assert!(text
        .lines()
        .any(|l| l.contains("1100") && l.contains("INVALID_REQUEST")));
}

#[test]
fn human_output_shows_every_match() {
    let output = turms_wire(&["code", "INVALID_REQUEST"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("response status code 1100 INVALID_REQUEST"));
    assert!(text.contains("response status code 100 INVALID_REQUEST"));
    assert!(text.contains("ResponseStatusCode::LOCAL_INVALID_REQUEST"));
    assert!(text.contains("The client request is invalid"));
}

#[test]
fn bad_usage_is_a_usage_error() {
    assert_eq!(turms_wire(&["code"]).status.code(), Some(2));
    assert_eq!(turms_wire(&["code", "1", "--list"]).status.code(), Some(2));
}
