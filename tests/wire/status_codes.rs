//! The status tables checked against the published reference (`tests/data/turms-status-codes.zh.md`),
//! the server enum (`tests/data/server-status-codes.tsv`: every value of turms-server-common's
//! `ResponseStatusCode.java` with its HTTP status and default reason) and the protobuf enums, plus
//! the lossless wrapping.
//!
//! The tables are generated from `proto/turms/wire/status.proto` (its values and their options),
//! so these tests check that file: the reference and the server enum are compared both with the
//! generated tables and, by name and number, with the prost enums themselves.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use turms_wire::proto::wire as proto;
use turms_wire::status::{
    Category, CloseGroup, OfficialClient, Recommendation, ResponseStatusCode, SessionCloseStatus,
    StatusClass,
};

const ZH_REFERENCE: &str = include_str!("../data/turms-status-codes.zh.md");
const SERVER_ENUM: &str = include_str!("../data/server-status-codes.tsv");

/// The text between the line starting with `from` and the next line starting with `to`.
fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no section {from:?}"));
    let rest = &text[start..];
    let end = rest[from.len()..]
        .find(to)
        .map_or(rest.len(), |i| i + from.len());
    &rest[..end]
}

/// The data rows of the markdown tables in `text`, as trimmed cells (header and rule skipped).
fn table_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        let cells: Vec<String> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        if !in_table {
            in_table = true; // the header row
            continue;
        }
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue; // the rule under the header
        }
        rows.push(cells);
    }
    rows
}

/// A reference row: (category as written, carried down over empty cells; name; number; meaning).
struct RefRow {
    category: String,
    name: String,
    number: i32,
    meaning: String,
}

fn reference_rows(text: &str) -> Vec<RefRow> {
    let mut category = String::new();
    table_rows(text)
        .into_iter()
        .map(|cells| {
            assert_eq!(cells.len(), 4, "unexpected row {cells:?}");
            if !cells[0].is_empty() {
                category.clone_from(&cells[0]);
            }
            RefRow {
                category: category.clone(),
                name: cells[1].clone(),
                number: cells[2].parse().expect("number column"),
                meaning: cells[3].clone(),
            }
        })
        .collect()
}

const NEWER_SERVER_CODES: [i32; 18] = [
    1500, 4200, 4201, 7100, 7200, 8000, 8100, 8101, 8102, 8103, 8104, 8105, 8200, 8201, 8202, 8203,
    8204, 8205,
];
const UNLISTED_CLIENT_LOCAL_CODES: [i32; 4] = [10, 80, 90, 91];
const ADMIN_ONLY_CODES: [i32; 15] = [
    1300, 1301, 1302, 1303, 1304, 1310, 1320, 1321, 1322, 1400, 1401, 1500, 1800, 1801, 1802,
];

#[test]
fn table_counts() {
    assert_eq!(ResponseStatusCode::all().len(), 207);
    assert_eq!(ResponseStatusCode::all().count(), 207);
    assert_eq!(SessionCloseStatus::all().len(), 14);
    let server = ResponseStatusCode::all()
        .filter(|c| c.is_server_code())
        .count();
    assert_eq!(server, 192);
    let local = ResponseStatusCode::all()
        .filter(|c| c.is_client_local())
        .count();
    assert_eq!(local, 15);
    let numbers: Vec<i32> = ResponseStatusCode::all().map(|c| c.as_i32()).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "ascending");
    let constants: BTreeSet<&str> = ResponseStatusCode::all()
        .map(|c| c.constant_name().unwrap())
        .collect();
    assert_eq!(constants.len(), 207, "constant names are unique");
}

#[test]
fn every_reference_response_code_has_its_name_and_category() {
    let text = ZH_REFERENCE;
    let response = section(text, "## ResponseStatusCode", "## SessionCloseStatus");
    let local = reference_rows(section(response, "### 客户端独有状态码", "### 通用状态码"));
    let common = reference_rows(section(response, "### 通用状态码", "\n## "));
    assert_eq!(local.len(), 11);
    assert_eq!(common.len(), 174);

    let mut listed = BTreeSet::new();
    for (rows, local_section) in [(&local, true), (&common, false)] {
        for row in rows {
            let code = ResponseStatusCode::from_i32(row.number);
            assert!(code.is_known(), "{} missing", row.number);
            assert_eq!(
                code.name(),
                Some(row.name.as_str()),
                "name of {}",
                row.number
            );
            // The schema has the number, under the reference name (client-local codes whose
            // name a server code also has carry `LOCAL_` before it).
            let value = proto::ResponseStatusCode::try_from(row.number)
                .unwrap_or_else(|_| panic!("{} not in status.proto", row.number));
            let value_name = value.as_str_name();
            assert!(
                value_name == format!("RESPONSE_STATUS_CODE_{}", row.name)
                    || value_name == format!("RESPONSE_STATUS_CODE_LOCAL_{}", row.name),
                "{} is {value_name} in status.proto",
                row.number
            );
            let category = code.category().unwrap();
            assert_eq!(category.zh(), row.category, "category of {}", row.number);
            assert!(category.is_from_reference(), "{}", row.number);
            assert_eq!(code.is_client_local(), local_section, "{}", row.number);
            assert_eq!(code.is_server_code(), !local_section, "{}", row.number);
            listed.insert(row.number);
        }
    }

    // Everything the reference does not list is exactly the 22 codes it is known to miss,
    // and their categories are ours.
    let unlisted: BTreeSet<i32> = ResponseStatusCode::all()
        .map(|c| c.as_i32())
        .filter(|n| !listed.contains(n))
        .collect();
    let expected: BTreeSet<i32> = NEWER_SERVER_CODES
        .iter()
        .chain(&UNLISTED_CLIENT_LOCAL_CODES)
        .copied()
        .collect();
    assert_eq!(unlisted, expected);
    for n in unlisted {
        let category = ResponseStatusCode::from_i32(n).category().unwrap();
        assert!(
            !category.is_from_reference(),
            "{n} has a reference category"
        );
    }
}

#[test]
fn every_reference_close_status_has_its_name_group_and_meaning() {
    let text = ZH_REFERENCE;
    let rows = reference_rows(section(text, "## SessionCloseStatus", "\n## "));
    assert_eq!(rows.len(), 14);
    for row in &rows {
        let status = SessionCloseStatus::from_i32(row.number);
        assert_eq!(status.name(), Some(row.name.as_str()), "{}", row.number);
        let value =
            proto::SessionCloseStatus::from_str_name(&format!("SESSION_CLOSE_STATUS_{}", row.name));
        assert_eq!(value.map(|v| v as i32), Some(row.number), "{}", row.name);
        assert_eq!(status.group().zh(), row.category, "{}", row.number);
        assert_eq!(
            status.meaning_zh(),
            Some(row.meaning.as_str()),
            "{}",
            row.number
        );
    }
    let listed: Vec<i32> = rows.iter().map(|r| r.number).collect();
    let all: Vec<i32> = SessionCloseStatus::all().map(|s| s.as_i32()).collect();
    assert_eq!(listed, all);
}

#[test]
fn every_server_code_matches_the_server_enum() {
    let mut lines = SERVER_ENUM.lines();
    assert_eq!(
        lines.next(),
        Some("code\tname\thttp\tdefault_reason"),
        "header"
    );
    let rows: Vec<Vec<&str>> = lines.map(|line| line.split('\t').collect()).collect();
    assert!(rows.iter().all(|row| row.len() == 4), "four columns");
    assert_eq!(rows.len(), 192);
    let mut listed = BTreeSet::new();
    for row in rows {
        let number: i32 = row[0].parse().unwrap();
        let code = ResponseStatusCode::from_i32(number);
        assert_eq!(code.name(), Some(row[1]), "name of {number}");
        assert_eq!(code.constant_name(), Some(row[1]), "{number}");
        let value =
            proto::ResponseStatusCode::from_str_name(&format!("RESPONSE_STATUS_CODE_{}", row[1]));
        assert_eq!(
            value.map(|v| v as i32),
            Some(number),
            "{} in status.proto",
            row[1]
        );
        assert_eq!(
            code.http_status(),
            Some(row[2].parse().unwrap()),
            "HTTP of {number}"
        );
        assert_eq!(code.default_reason(), Some(row[3]), "reason of {number}");
        assert!(code.is_server_code());
        listed.insert(number);
    }
    let server: BTreeSet<i32> = ResponseStatusCode::all()
        .filter(|c| c.is_server_code())
        .map(|c| c.as_i32())
        .collect();
    assert_eq!(server, listed);
}

#[test]
fn client_local_codes_have_no_server_data() {
    for code in ResponseStatusCode::all().filter(|c| c.is_client_local()) {
        assert!(code.as_i32() < 1000);
        assert_eq!(code.http_status(), None, "{code}");
        assert_eq!(code.default_reason(), None, "{code}");
    }
    for code in ResponseStatusCode::all().filter(|c| c.is_server_code()) {
        assert!(code.as_i32() >= 1000);
        assert!(!code.is_client_local());
    }
}

#[test]
fn lossless_at_the_edges() {
    for n in [i32::MIN, -100, -1, 0, 1, 2, 999, 7777, 1_000_000, i32::MAX] {
        let code = ResponseStatusCode::from_i32(n);
        assert_eq!(code.as_i32(), n);
        assert_eq!(i32::from(ResponseStatusCode::from(n)), n);
        let back: i32 = code.into();
        assert_eq!(back, n);
        let status = SessionCloseStatus::from(n);
        assert_eq!(status.as_i32(), n);
        assert_eq!(i32::from(status), n);
    }
    for n in [i32::MIN, -1, 0, 7777, i32::MAX] {
        let code = ResponseStatusCode::from_i32(n);
        assert!(!code.is_known());
        assert_eq!(code.name(), None);
        assert_eq!(code.category(), None);
        assert_eq!(code.meaning_en(), None);
        assert_eq!(code.to_proto(), None);
        assert_eq!(code.to_string(), format!("{n} (unknown)"));
        let status = SessionCloseStatus::from_i32(n);
        assert!(!status.is_known());
        assert_eq!(status.recommendation(), None);
        assert!(!status.sent_by_gateway());
        assert_eq!(status.to_string(), format!("{n} (unknown)"));
    }
    assert_eq!(std::mem::size_of::<ResponseStatusCode>(), 4);
    assert_eq!(std::mem::size_of::<SessionCloseStatus>(), 4);
}

proptest! {
    #[test]
    fn any_response_code_round_trips_and_is_consistent(n in any::<i32>()) {
        let code = ResponseStatusCode::from_i32(n);
        prop_assert_eq!(code.as_i32(), n);
        prop_assert_eq!(i32::from(ResponseStatusCode::from(n)), n);
        prop_assert!(code.to_string().starts_with(&n.to_string()));
        prop_assert_eq!(format!("{code:?}"), code.to_string());
        prop_assert_eq!(code.name().is_some(), code.is_known());
        prop_assert_eq!(code.to_proto().is_some(), code.is_known());
        if let Some(p) = code.to_proto() {
            prop_assert_eq!(ResponseStatusCode::from(p), code);
        }
        // TryFrom is to_proto with 0 as `Unspecified`, and gives the code back when it fails.
        match proto::ResponseStatusCode::try_from(code) {
            Ok(p) => {
                prop_assert!(code.is_known() || n == 0);
                prop_assert_eq!(ResponseStatusCode::from(p), code);
            }
            Err(error) => {
                prop_assert!(!code.is_known() && n != 0);
                prop_assert_eq!(error.code(), code);
            }
        }
        let predicates = [
            code.is_success(),
            code.is_client_request_error(),
            code.is_server_error(),
            code.is_admin_api(),
            code.is_business_error(),
            code.is_client_local(),
            code.is_unknown_class(),
        ];
        prop_assert_eq!(predicates.iter().filter(|p| **p).count(), 1);
        let index = StatusClass::ALL.iter().position(|c| *c == code.class()).unwrap();
        prop_assert!(predicates[index]);
    }

    #[test]
    fn any_close_status_round_trips_and_is_consistent(n in any::<i32>()) {
        let status = SessionCloseStatus::from_i32(n);
        prop_assert_eq!(status.as_i32(), n);
        prop_assert_eq!(i32::from(SessionCloseStatus::from(n)), n);
        prop_assert!(status.to_string().starts_with(&n.to_string()));
        prop_assert_eq!(status.name().is_some(), status.is_known());
        prop_assert_eq!(status.recommendation().is_some(), status.is_known());
        prop_assert_eq!(status.to_proto().is_some(), status.is_known());
        match proto::SessionCloseStatus::try_from(status) {
            Ok(p) => {
                prop_assert!(status.is_known() || n == 0);
                prop_assert_eq!(SessionCloseStatus::from(p), status);
            }
            Err(error) => {
                prop_assert!(!status.is_known() && n != 0);
                prop_assert_eq!(error.code(), status);
            }
        }
        if !(100..800).contains(&n) {
            prop_assert_eq!(status.group(), CloseGroup::Unknown);
        }
    }
}

#[test]
fn class_boundaries() {
    use StatusClass::*;
    let cases = [
        (i32::MIN, Unknown),
        (-1, Unknown),
        (0, Unknown),
        (1, ClientLocal),
        (2, Unknown),
        (10, ClientLocal),
        (80, ClientLocal),
        (100, ClientLocal),
        (104, Unknown),
        (400, ClientLocal),
        (500, ClientLocal),
        (999, Unknown),
        (1000, Success),
        (1099, Success),
        (1100, ClientRequestError),
        (1199, ClientRequestError),
        (1200, ServerError),
        (1299, ServerError),
        (1300, AdminApi),
        (1999, AdminApi),
        (2000, BusinessError),
        (9999, BusinessError),
        (i32::MAX, BusinessError),
    ];
    for (n, class) in cases {
        assert_eq!(ResponseStatusCode::from_i32(n).class(), class, "{n}");
    }
    let keys: Vec<&str> = StatusClass::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        keys,
        [
            "success",
            "client_request_error",
            "server_error",
            "admin_api",
            "business_error",
            "client_local",
            "unknown"
        ]
    );
    // Unknown numbers in the server's ranges still get their class.
    assert_eq!(ResponseStatusCode::from_i32(1003).class(), Success);
    assert!(!ResponseStatusCode::from_i32(1003).is_known());
}

#[test]
fn constants_have_their_numbers_and_work_in_match() {
    assert_eq!(ResponseStatusCode::OK.as_i32(), 1000);
    assert_eq!(ResponseStatusCode::INVALID_REQUEST.as_i32(), 1100);
    assert_eq!(ResponseStatusCode::LOCAL_INVALID_REQUEST.as_i32(), 100);
    assert_eq!(
        ResponseStatusCode::LOCAL_CLIENT_REQUESTS_TOO_FREQUENT.as_i32(),
        101
    );
    assert_eq!(ResponseStatusCode::LOCAL_ILLEGAL_ARGUMENT.as_i32(), 103);
    assert_eq!(
        ResponseStatusCode::ACCEPT_NONEXISTENT_MEETING_INVITATION.as_i32(),
        8205
    );
    assert_eq!(SessionCloseStatus::HEARTBEAT_TIMEOUT.as_i32(), 110);
    assert_eq!(SessionCloseStatus::USER_IS_BLOCKED.as_i32(), 701);

    let describe = |code: ResponseStatusCode| match code {
        ResponseStatusCode::OK => "ok",
        ResponseStatusCode::INVALID_REQUEST => "server",
        ResponseStatusCode::LOCAL_INVALID_REQUEST => "local",
        _ => "other",
    };
    assert_eq!(describe(1000.into()), "ok");
    assert_eq!(describe(1100.into()), "server");
    assert_eq!(describe(100.into()), "local");
    assert_eq!(describe(7777.into()), "other");

    // Every constant's name resolves back to it.
    for code in ResponseStatusCode::all() {
        assert_eq!(
            ResponseStatusCode::from_name(code.constant_name().unwrap()),
            Some(code)
        );
    }
    for status in SessionCloseStatus::all() {
        assert_eq!(
            SessionCloseStatus::from_name(status.name().unwrap()),
            Some(status)
        );
    }
}

#[test]
fn clashing_names() {
    let pairs = [
        ("INVALID_REQUEST", 1100, 100),
        ("CLIENT_REQUESTS_TOO_FREQUENT", 1101, 101),
        ("ILLEGAL_ARGUMENT", 1102, 103),
    ];
    for (name, server, local) in pairs {
        let server_code = ResponseStatusCode::from_i32(server);
        let local_code = ResponseStatusCode::from_i32(local);
        assert_eq!(server_code.name(), Some(name));
        assert_eq!(local_code.name(), Some(name));
        assert_eq!(server_code.constant_name(), Some(name));
        let local_constant = format!("LOCAL_{name}");
        assert_eq!(local_code.constant_name(), Some(local_constant.as_str()));
        assert_eq!(ResponseStatusCode::from_name(name), Some(server_code));
        assert_eq!(
            ResponseStatusCode::from_name(&name.to_lowercase()),
            Some(server_code)
        );
        assert_eq!(
            ResponseStatusCode::from_name(&local_constant),
            Some(local_code)
        );
        let all: Vec<i32> = ResponseStatusCode::all_with_name(name)
            .map(ResponseStatusCode::as_i32)
            .collect();
        assert_eq!(all, [server, local]);
        let all: Vec<i32> = ResponseStatusCode::all_with_name(&local_constant)
            .map(ResponseStatusCode::as_i32)
            .collect();
        assert_eq!(all, [local]);
    }
    // No other name is shared.
    let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for code in ResponseStatusCode::all() {
        *by_name.entry(code.name().unwrap()).or_default() += 1;
    }
    let shared: Vec<&str> = by_name
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(
        shared,
        [
            "CLIENT_REQUESTS_TOO_FREQUENT",
            "ILLEGAL_ARGUMENT",
            "INVALID_REQUEST"
        ]
    );

    let ok: Vec<i32> = ResponseStatusCode::all_with_name("ok")
        .map(ResponseStatusCode::as_i32)
        .collect();
    assert_eq!(ok, [1000]);
    assert_eq!(ResponseStatusCode::all_with_name("NOPE").count(), 0);
    assert_eq!(ResponseStatusCode::from_name(""), None);
    assert_eq!(ResponseStatusCode::from_name("NOPE"), None);
    assert_eq!(
        SessionCloseStatus::from_name("heartbeat_timeout"),
        Some(SessionCloseStatus::HEARTBEAT_TIMEOUT)
    );
    assert_eq!(SessionCloseStatus::from_name("OK"), None);
}

#[test]
fn retired_codes_and_official_clients() {
    let retired: Vec<i32> = ResponseStatusCode::all()
        .filter(|c| c.is_retired())
        .map(|c| c.as_i32())
        .collect();
    assert_eq!(retired, [400, 500]);
    assert_eq!(
        ResponseStatusCode::from_i32(400).name(),
        Some("MESSAGE_IS_REJECTED")
    );
    assert_eq!(
        ResponseStatusCode::from_i32(500).name(),
        Some("QUERY_PROFILE_URL_TO_UPDATE_BEFORE_LOGIN")
    );
    assert!(!ResponseStatusCode::from_i32(7777).is_retired());

    let unknown_to_clients: Vec<i32> = ResponseStatusCode::all()
        .filter(|c| !c.known_by_official_clients())
        .map(|c| c.as_i32())
        .collect();
    let mut expected = vec![400, 500];
    expected.extend(ADMIN_ONLY_CODES);
    assert_eq!(unknown_to_clients, expected);

    // Each official client has 177 server codes (§6.2).
    let per_client = ResponseStatusCode::all()
        .filter(|c| c.is_server_code() && c.known_by_official_clients())
        .count();
    assert_eq!(per_client, 177);
    assert_eq!(
        ResponseStatusCode::from_i32(80).official_clients(),
        [OfficialClient::Swift]
    );
    assert_eq!(
        ResponseStatusCode::from_i32(10).official_clients(),
        OfficialClient::ALL
    );
    assert!(ResponseStatusCode::from_i32(7777)
        .official_clients()
        .is_empty());
}

#[test]
fn close_groups_and_recommendations() {
    use CloseGroup::*;
    use Recommendation::*;
    let expected = [
        (100, ClientMisbehavior, FixClient, true),
        (110, ClientMisbehavior, Reconnect, true),
        (111, ClientMisbehavior, Reconnect, true),
        (112, ClientMisbehavior, Reconnect, true),
        (200, Server, Reconnect, true),
        (201, Server, Reconnect, true),
        (202, Server, Reconnect, false),
        (300, Network, Reconnect, false),
        (400, Unknown, Reconnect, true),
        (500, User, StayOffline, true),
        (501, User, StayOffline, true),
        (600, Admin, StayOffline, true),
        (700, UserStatus, StayOffline, true),
        (701, UserStatus, StayOffline, true),
    ];
    let all: Vec<i32> = SessionCloseStatus::all().map(|s| s.as_i32()).collect();
    assert_eq!(all, expected.map(|e| e.0));
    for (n, group, recommendation, sent) in expected {
        let status = SessionCloseStatus::from_i32(n);
        assert_eq!(status.group(), group, "{n}");
        assert_eq!(status.recommendation(), Some(recommendation), "{n}");
        assert_eq!(status.sent_by_gateway(), sent, "{n}");
    }
    for (n, group) in [
        (150, ClientMisbehavior),
        (299, Server),
        (450, Unknown),
        (799, UserStatus),
        (800, Unknown),
        (99, Unknown),
        (0, Unknown),
        (-1, Unknown),
    ] {
        let status = SessionCloseStatus::from_i32(n);
        assert_eq!(status.group(), group, "{n}");
        assert_eq!(status.recommendation(), None, "{n}");
    }
    let keys: Vec<&str> = CloseGroup::ALL.iter().map(|g| g.as_str()).collect();
    assert_eq!(
        keys,
        [
            "client_misbehavior",
            "server",
            "network",
            "unknown",
            "user",
            "admin",
            "user_status"
        ]
    );
    assert_eq!(Reconnect.as_str(), "reconnect");
    assert_eq!(FixClient.as_str(), "fix_client");
    assert_eq!(StayOffline.as_str(), "stay_offline");
}

#[test]
fn display_and_debug() {
    let cases = [
        (1100, "1100 INVALID_REQUEST"),
        (100, "100 INVALID_REQUEST"),
        (1000, "1000 OK"),
        (7777, "7777 (unknown)"),
        (0, "0 (unknown)"),
        (-1, "-1 (unknown)"),
    ];
    for (n, text) in cases {
        let code = ResponseStatusCode::from_i32(n);
        assert_eq!(code.to_string(), text);
        assert_eq!(format!("{code:?}"), text);
    }
    assert_eq!(
        SessionCloseStatus::HEARTBEAT_TIMEOUT.to_string(),
        "110 HEARTBEAT_TIMEOUT"
    );
    assert_eq!(
        format!("{:?}", SessionCloseStatus::from_i32(999)),
        "999 (unknown)"
    );
    assert_eq!(
        format!("{:?}", Some(SessionCloseStatus::SWITCH)),
        "Some(112 SWITCH)"
    );
    assert_eq!(Category::Success.to_string(), "success response");
    assert_eq!(format!("{:#}", Category::Success), "成功响应");
}

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn every_code_has_meanings_and_a_category() {
    for code in ResponseStatusCode::all() {
        let en = code.meaning_en().unwrap();
        let zh = code.meaning_zh().unwrap();
        assert!(en.len() > 10 && !has_cjk(en), "{code}: {en}");
        assert!(has_cjk(zh), "{code}: {zh}");
        let category = code.category().unwrap();
        assert!(
            !category.en().is_empty() && has_cjk(category.zh()),
            "{code}"
        );
    }
    for status in SessionCloseStatus::all() {
        let en = status.meaning_en().unwrap();
        let zh = status.meaning_zh().unwrap();
        assert!(en.len() > 10 && !has_cjk(en), "{status}: {en}");
        assert!(has_cjk(zh), "{status}: {zh}");
        assert!(has_cjk(status.group().zh()));
    }
    // Every category is used, and labels are unique.
    let used: BTreeSet<&str> = ResponseStatusCode::all()
        .map(|c| c.category().unwrap().en())
        .collect();
    let all_en: BTreeSet<&str> = Category::ALL.iter().map(|c| c.en()).collect();
    let all_zh: BTreeSet<&str> = Category::ALL.iter().map(|c| c.zh()).collect();
    assert_eq!(used, all_en);
    assert_eq!(all_en.len(), Category::ALL.len());
    assert_eq!(all_zh.len(), Category::ALL.len());
}

/// Every value of the protobuf enums, read from the compiled descriptor so that none can hide,
/// maps to the code of the same name and back, and every code of the tables is one of them.
#[test]
fn proto_enums_agree_with_the_tables_by_number_and_name() {
    let pool = turms_wire_test_support::pool();
    let values = |name: &str| -> Vec<(i32, String)> {
        pool.get_enum_by_name(name)
            .unwrap_or_else(|| panic!("{name}"))
            .values()
            .map(|v| (v.number(), v.name().to_owned()))
            .collect()
    };

    // Proto -> table -> proto.
    let response = values("turms.wire.ResponseStatusCode");
    for (n, value_name) in &response {
        let p = proto::ResponseStatusCode::from_str_name(value_name).unwrap();
        assert_eq!(p as i32, *n);
        let code = ResponseStatusCode::from(p);
        assert_eq!(code.as_i32(), *n);
        assert_eq!(proto::ResponseStatusCode::try_from(code), Ok(p));
        if *n == 0 {
            assert!(!code.is_known(), "0 is no code");
            assert_eq!(code.to_proto(), None);
        } else {
            assert!(code.is_known(), "{value_name}");
            assert_eq!(code.to_proto(), Some(p));
            assert_eq!(
                Some(value_name.as_str()),
                code.constant_name()
                    .map(|c| format!("RESPONSE_STATUS_CODE_{c}"))
                    .as_deref()
            );
        }
    }
    let close = values("turms.wire.SessionCloseStatus");
    for (n, value_name) in &close {
        let p = proto::SessionCloseStatus::from_str_name(value_name).unwrap();
        assert_eq!(p as i32, *n);
        let status = SessionCloseStatus::from(p);
        assert_eq!(status.as_i32(), *n);
        assert_eq!(proto::SessionCloseStatus::try_from(status), Ok(p));
        if *n == 0 {
            assert!(!status.is_known(), "0 is no status");
            assert_eq!(status.to_proto(), None);
        } else {
            assert_eq!(status.to_proto(), Some(p));
            assert_eq!(
                Some(value_name.as_str()),
                status
                    .name()
                    .map(|s| format!("SESSION_CLOSE_STATUS_{s}"))
                    .as_deref()
            );
        }
    }

    // Table -> proto, and nothing else: the tables are the values but 0, in their order.
    let numbers = |values: &[(i32, String)]| -> Vec<i32> {
        values.iter().map(|v| v.0).filter(|n| *n != 0).collect()
    };
    let table: Vec<i32> = ResponseStatusCode::all().map(i32::from).collect();
    assert_eq!(table, numbers(&response));
    let table: Vec<i32> = SessionCloseStatus::all().map(i32::from).collect();
    assert_eq!(table, numbers(&close));
    for code in ResponseStatusCode::all() {
        let p = proto::ResponseStatusCode::try_from(code).unwrap();
        assert_eq!(
            p.as_str_name(),
            format!("RESPONSE_STATUS_CODE_{}", code.constant_name().unwrap())
        );
    }

    // A number the enums do not have is a typed error carrying the code.
    for n in [-1, 2, 1003, 7777] {
        let code = ResponseStatusCode::from_i32(n);
        let error = proto::ResponseStatusCode::try_from(code).unwrap_err();
        assert_eq!(error.code(), code);
        let status = SessionCloseStatus::from_i32(n);
        let error = proto::SessionCloseStatus::try_from(status).unwrap_err();
        assert_eq!(error.code(), status);
    }
}
