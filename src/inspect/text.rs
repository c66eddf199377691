//! The one-line text form of a [`FrameRecord`].

use std::fmt::{self, Write};

use super::{FrameRecord, MessageJson, NotificationSummary, Outcome, RequestSummary};

/// How much of the message's remaining JSON a line shows.
const MAX_PAYLOAD_CHARS: usize = 240;
/// How much of a reason a line shows.
const MAX_REASON_CHARS: usize = 120;

/// Envelope keys already shown on a notification line.
const NOTIFICATION_SHOWN: &[&str] = &[
    "request_id",
    "requester_id",
    "code",
    "reason",
    "close_status",
];
/// Envelope keys already shown on a request line.
const REQUEST_SHOWN: &[&str] = &["request_id"];

impl fmt::Display for FrameRecord {
    /// The record as one readable line, without a line break.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "#{}", self.index)?;
        match &self.outcome {
            Outcome::Notification(n) => write_notification(n, out),
            Outcome::Request(r) => write_request(r, out),
            Outcome::Error(e) => {
                write!(out, " error {}/{}: {}", e.layer.as_str(), e.kind, e.detail)
            }
        }
    }
}

fn write_notification(n: &NotificationSummary, out: &mut impl Write) -> fmt::Result {
    write!(out, " {}", n.class)?;
    if let Some(id) = n.request_id {
        write!(out, " request_id={id}")?;
    }
    if let Some(id) = n.requester_id {
        write!(out, " requester_id={id}")?;
    }
    if let Some(code) = n.code {
        write!(out, " code={}", code.as_i32())?;
        if let Some(name) = code.name() {
            write!(out, " {name}")?;
        }
        if let Some(category) = code.category() {
            write!(out, " ({})", category.en())?;
        }
    }
    if let Some(status) = n.close_status {
        write!(out, " close_status={}", status.as_i32())?;
        if let Some(name) = status.name() {
            write!(out, " {name}")?;
        }
    }
    if let Some(reason) = &n.reason {
        write!(out, " reason={:?}", Shortened(reason, MAX_REASON_CHARS))?;
    }
    if let Some(kind) = n.relayed_kind {
        write!(out, " relayed={kind}")?;
    }
    if let Some(kind) = n.data_kind {
        write!(out, " data={kind}")?;
    }
    write_rest(n.message.as_ref(), NOTIFICATION_SHOWN, out)
}

fn write_request(r: &RequestSummary, out: &mut impl Write) -> fmt::Result {
    write!(out, " {}", r.class_name())?;
    if let Some(id) = r.request_id {
        write!(out, " request_id={id}")?;
    }
    if let Some(kind) = r.kind {
        write!(out, " kind={kind}")?;
    }
    if let Some(rejection) = &r.gateway_rejection {
        write!(out, " [gateway would refuse: {rejection}]")?;
    }
    write_rest(r.message.as_ref(), REQUEST_SHOWN, out)
}

/// The message's JSON without the keys the line already shows, shortened, in field order as
/// the JSON output holds it. The message's text is split at its top-level keys, not read back.
fn write_rest(message: Option<&MessageJson>, shown: &[&str], out: &mut impl Write) -> fmt::Result {
    let Some(message) = message else {
        return Ok(());
    };
    let mut rest = String::new();
    for (key, member) in Members::of(message.as_str()) {
        if !shown.contains(&key) {
            rest.push(if rest.is_empty() { '{' } else { ',' });
            rest.push_str(member);
        }
    }
    if rest.is_empty() {
        return Ok(());
    }
    rest.push('}');
    write!(out, " {}", Shortened(&rest, MAX_PAYLOAD_CHARS))
}

/// The members of a JSON object's text: each key, and its whole `"key":value` text.
///
/// The text is what serde_json wrote (valid, compact), so a member ends at the first `,` or `}`
/// outside strings and nested brackets.
struct Members<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Members<'a> {
    fn of(object: &'a str) -> Members<'a> {
        Members {
            text: object,
            at: usize::from(object.starts_with('{')),
        }
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        if bytes.get(start) != Some(&b'"') {
            return None;
        }
        let mut key_end = None;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut at = start;
        while let Some(&byte) = bytes.get(at) {
            if in_string {
                match (escaped, byte) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => {
                        in_string = false;
                        key_end.get_or_insert(at);
                    }
                    _ => {}
                }
            } else {
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b',' | b'}' if depth == 0 => break,
                    b'}' | b']' => depth -= 1,
                    _ => {}
                }
            }
            at += 1;
        }
        // Past the comma; the closing brace stops the next call.
        self.at = if bytes.get(at) == Some(&b',') {
            at + 1
        } else {
            at
        };
        let key = &self.text[start + 1..key_end?];
        Some((key, &self.text[start..at]))
    }
}

/// A string cut to at most `.1` characters, with `…` when cut.
struct Shortened<'a>(&'a str, usize);

impl Shortened<'_> {
    fn cut(&self) -> (&str, bool) {
        match self.0.char_indices().nth(self.1) {
            Some((at, _)) => (&self.0[..at], true),
            None => (self.0, false),
        }
    }
}

impl fmt::Display for Shortened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (text, cut) = self.cut();
        f.write_str(text)?;
        if cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Shortened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (text, cut) = self.cut();
        write!(f, "{text:?}")?;
        if cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(text: &str) -> Vec<(&str, &str)> {
        Members::of(text).collect()
    }

    #[test]
    fn members_end_outside_strings_and_brackets() {
        assert_eq!(members("{}"), []);
        assert_eq!(
            members(r#"{"a":1,"b":"x,}\"{","c":{"d":[1,{"e":"]"}],"f":{}},"g":null}"#),
            [
                ("a", r#""a":1"#),
                ("b", r#""b":"x,}\"{""#),
                ("c", r#""c":{"d":[1,{"e":"]"}],"f":{}}"#),
                ("g", r#""g":null"#),
            ]
        );
    }

    fn rest(json: &str) -> String {
        let message = MessageJson(serde_json::value::RawValue::from_string(json.into()).unwrap());
        let mut out = String::new();
        write_rest(Some(&message), NOTIFICATION_SHOWN, &mut out).unwrap();
        out
    }

    #[test]
    fn the_rest_leaves_out_what_the_line_shows_in_field_order() {
        assert_eq!(
            rest(r#"{"timestamp":"1","request_id":"2","code":1000,"data":{"code":1}}"#),
            r#" {"timestamp":"1","data":{"code":1}}"#
        );
        // Only top-level keys are shown on the line; nested ones stay.
        assert_eq!(
            rest(r#"{"relayed_request":{"request_id":"5"},"reason":"x"}"#),
            r#" {"relayed_request":{"request_id":"5"}}"#
        );
        // Nothing left: nothing printed.
        assert_eq!(rest(r#"{"request_id":"2","code":1000}"#), "");
        assert_eq!(rest("{}"), "");
        let mut out = String::new();
        write_rest(None, NOTIFICATION_SHOWN, &mut out).unwrap();
        assert_eq!(out, "");
    }

    #[test]
    fn a_long_rest_is_cut_at_a_character() {
        let text = "é".repeat(400);
        let line = rest(&format!(r#"{{"reason":"r","records":["{text}"]}}"#));
        let shown = format!(
            r#" {{"records":["{}…"#,
            &text[..(MAX_PAYLOAD_CHARS - 13) * 2]
        );
        assert_eq!(line, shown);
        assert_eq!(line.chars().count(), 1 + MAX_PAYLOAD_CHARS + 1);
    }
}
