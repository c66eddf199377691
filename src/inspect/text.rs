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
/// the JSON output holds it. The message's text is split at its top-level keys, not read back,
/// and only as far as the line shows it: a long message costs no more than a short one.
fn write_rest(message: Option<&MessageJson>, shown: &[&str], out: &mut impl Write) -> fmt::Result {
    let Some(message) = message else {
        return Ok(());
    };
    let mut rest = String::new();
    // Characters in `rest`; past the limit the line is cut whatever follows.
    let mut chars = 0;
    let mut members = Members::of(message.as_str());
    while let Some(key) = members.next_key() {
        if shown.contains(&key) {
            members.skip_value();
            continue;
        }
        rest.push(if rest.is_empty() { '{' } else { ',' });
        let member = members.take_member(MAX_PAYLOAD_CHARS.saturating_sub(chars));
        rest.push_str(member);
        chars += 1 + member.chars().count();
        if chars > MAX_PAYLOAD_CHARS {
            break;
        }
    }
    if rest.is_empty() {
        return Ok(());
    }
    if chars <= MAX_PAYLOAD_CHARS {
        rest.push('}');
    }
    write!(out, " {}", Shortened(&rest, MAX_PAYLOAD_CHARS))
}

/// The members of a JSON object's text, one key at a time.
///
/// The text is what serde_json wrote (valid, compact), so a value ends at the first `,` or `}`
/// outside strings and nested brackets.
struct Members<'a> {
    text: &'a str,
    /// Where the next member, or the value of the current one, starts.
    at: usize,
    /// Where the current member (its key) starts.
    member: usize,
}

impl<'a> Members<'a> {
    fn of(object: &'a str) -> Members<'a> {
        let at = usize::from(object.starts_with('{'));
        Members {
            text: object,
            at,
            member: at,
        }
    }

    /// The next member's key; its value is then skipped or taken.
    fn next_key(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        if bytes.get(self.at) != Some(&b'"') {
            return None;
        }
        self.member = self.at;
        let key_end = string_end(bytes, self.at + 1)?;
        // Past the closing quote and the colon.
        self.at = key_end + 2;
        Some(&self.text[self.member + 1..key_end])
    }

    /// Moves past the current value.
    fn skip_value(&mut self) {
        self.at = self.value_end(usize::MAX);
        self.past_comma();
    }

    /// The current member's text, `"key":value`, or its first `chars` characters and more
    /// when it is longer (then the scan stops there).
    fn take_member(&mut self, chars: usize) -> &'a str {
        // `chars + 1` characters fit in at most four times as many bytes: a member that has not
        // ended within them has more than `chars` characters.
        let mut limit = self.member.saturating_add((chars + 1).saturating_mul(4));
        let end = self.value_end(limit);
        if end >= limit {
            while !self.text.is_char_boundary(limit) {
                limit -= 1;
            }
            self.at = self.text.len();
            return &self.text[self.member..limit];
        }
        self.at = end;
        self.past_comma();
        &self.text[self.member..end]
    }

    /// Where the current value ends (at its `,` or the object's `}`), or `limit` if that comes
    /// first.
    fn value_end(&self, limit: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut depth = 0usize;
        let mut at = self.at;
        while at < bytes.len().min(limit) {
            match bytes[at] {
                b'"' => match string_end(bytes, at + 1) {
                    Some(end) => at = end,
                    None => return bytes.len(),
                },
                b'{' | b'[' => depth += 1,
                b',' | b'}' if depth == 0 => return at,
                b'}' | b']' => depth -= 1,
                _ => {}
            }
            at += 1;
        }
        at.min(bytes.len())
    }

    fn past_comma(&mut self) {
        if self.text.as_bytes().get(self.at) == Some(&b',') {
            self.at += 1;
        }
    }
}

/// The index of the quote that closes the string whose contents start at `from`.
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return Some(at),
            _ => at += 1,
        }
    }
    None
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
        let mut members = Members::of(text);
        let mut all = Vec::new();
        while let Some(key) = members.next_key() {
            all.push((key, members.take_member(usize::MAX / 8)));
        }
        all
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
        let message = MessageJson(json.into());
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

    /// A JSON value as serde_json writes it: strings with quotes, escapes, brackets, commas and
    /// characters of every width, nested in arrays and objects.
    fn json_value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let string = "[a-z\"\\\\{}\\[\\],:é😀 ]{0,300}"
            .prop_map(|text| serde_json::to_string(&text).unwrap());
        let leaf = prop_oneof![string, (0u64..u64::MAX).prop_map(|n| n.to_string())];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                proptest::collection::vec(("[a-z_]{1,8}", inner), 0..4).prop_map(|fields| {
                    let fields: Vec<String> = fields
                        .into_iter()
                        .map(|(key, value)| format!("\"{key}\":{value}"))
                        .collect();
                    format!("{{{}}}", fields.join(","))
                }),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn the_rest_is_the_whole_rest_cut(
            fields in proptest::collection::vec(
                (proptest::sample::select(vec!["request_id", "code", "reason", "data", "timestamp", "x"]), json_value()),
                0..8,
            )
        ) {
            let members: Vec<String> = fields
                .iter()
                .map(|(key, value)| format!("\"{key}\":{value}"))
                .collect();
            let object = format!("{{{}}}", members.join(","));
            // The members split back into what they were made of.
            let split: Vec<(&str, &str)> = self::members(&object);
            let keys: Vec<&str> = fields.iter().map(|(key, _)| *key).collect();
            proptest::prop_assert_eq!(split.iter().map(|(key, _)| *key).collect::<Vec<_>>(), keys);
            proptest::prop_assert_eq!(
                split.iter().map(|(_, member)| member.to_string()).collect::<Vec<_>>(),
                members.clone()
            );
            // The rest, scanned only as far as it shows, is the whole rest cut.
            let kept: Vec<&String> = members
                .iter()
                .zip(&fields)
                .filter(|(_, (key, _))| !NOTIFICATION_SHOWN.contains(key))
                .map(|(member, _)| member)
                .collect();
            let whole = format!(
                "{{{}}}",
                kept.iter().map(|member| member.as_str()).collect::<Vec<_>>().join(",")
            );
            let expected = if kept.is_empty() {
                String::new()
            } else {
                format!(" {}", Shortened(&whole, MAX_PAYLOAD_CHARS))
            };
            proptest::prop_assert_eq!(rest(&object), expected);
        }
    }
}
