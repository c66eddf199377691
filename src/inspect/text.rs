//! The one-line text form of a [`FrameRecord`].

use std::cell::RefCell;
use std::collections::HashMap;
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
        self.write_line(out)
    }
}

impl FrameRecord {
    /// Writes the record's readable line (its `Display` form) to any writer: straight into a
    /// `String`, its many small pieces cost less than through a `Formatter`.
    pub(crate) fn write_line(&self, out: &mut impl Write) -> fmt::Result {
        out.write_char('#')?;
        out.write_str(itoa::Buffer::new().format(self.index))?;
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
    out.write_char(' ')?;
    out.write_str(n.class.as_str())?;
    if let Some(id) = n.request_id {
        out.write_str(" request_id=")?;
        out.write_str(itoa::Buffer::new().format(id))?;
    }
    if let Some(id) = n.requester_id {
        out.write_str(" requester_id=")?;
        out.write_str(itoa::Buffer::new().format(id))?;
    }
    if let Some(code) = n.code {
        out.write_str(" code=")?;
        out.write_str(itoa::Buffer::new().format(code.as_i32()))?;
        if let Some(name) = code.name() {
            out.write_char(' ')?;
            out.write_str(name)?;
        }
        if let Some(category) = code.category() {
            out.write_str(" (")?;
            out.write_str(category.en())?;
            out.write_char(')')?;
        }
    }
    if let Some(status) = n.close_status {
        out.write_str(" close_status=")?;
        out.write_str(itoa::Buffer::new().format(status.as_i32()))?;
        if let Some(name) = status.name() {
            out.write_char(' ')?;
            out.write_str(name)?;
        }
    }
    if let Some(reason) = &n.reason {
        out.write_str(" reason=")?;
        let shortened = Shortened(reason, MAX_REASON_CHARS);
        let (text, cut) = shortened.cut();
        write_debug(text, out)?;
        if cut {
            out.write_str("…")?;
        }
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
    out.write_char(' ')?;
    out.write_str(r.class_name())?;
    if let Some(id) = r.request_id {
        out.write_str(" request_id=")?;
        out.write_str(itoa::Buffer::new().format(id))?;
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
///
/// What is shown is the first [`MAX_PAYLOAD_CHARS`] characters of `{` + the members kept,
/// joined by `,` + `}`, with `…` when that is longer; nothing when no member is kept.
fn write_rest(message: Option<&MessageJson>, shown: &[&str], out: &mut impl Write) -> fmt::Result {
    let Some(message) = message else {
        return Ok(());
    };
    let mut rest = Budget {
        out,
        left: MAX_PAYLOAD_CHARS,
        cut: false,
    };
    let mut members = Members::of(message.as_bytes());
    let mut kept = 0;
    while let Some(key) = members.next_key() {
        if shown.iter().any(|shown| shown.as_bytes() == key) {
            members.skip_value();
            continue;
        }
        if kept == 0 {
            rest.out.write_char(' ')?;
        }
        rest.write(if kept == 0 { "{" } else { "," })?;
        kept += 1;
        // One character more than is left shows whether the member is cut.
        let (member, chars) = members.take_member(rest.left.saturating_add(1));
        rest.write_counted(member, chars)?;
        if rest.cut {
            break;
        }
    }
    if kept > 0 && !rest.cut {
        rest.write("}")?;
    }
    if rest.cut {
        rest.out.write_str("…")?;
    }
    Ok(())
}

/// Writes up to `left` more characters; past that, only notes that text was cut.
struct Budget<'w, W> {
    out: &'w mut W,
    left: usize,
    cut: bool,
}

impl<W: Write> Budget<'_, W> {
    /// Writes `text` of `chars` characters, or as many as are left.
    fn write_counted(&mut self, text: &str, chars: usize) -> fmt::Result {
        if self.cut {
            return Ok(());
        }
        if chars <= self.left {
            self.left -= chars;
            return self.out.write_str(text);
        }
        if chars == self.left + 1 {
            // All but the last character.
            let last = text.char_indices().next_back().map_or(0, |(at, _)| at);
            self.cut = true;
            self.left = 0;
            return self.out.write_str(&text[..last]);
        }
        self.write(text)
    }

    fn write(&mut self, text: &str) -> fmt::Result {
        if self.cut {
            return Ok(());
        }
        // No more characters than bytes: a short text fits without counting.
        if text.len() <= self.left {
            self.left -= text.chars().count();
            return self.out.write_str(text);
        }
        match text.char_indices().nth(self.left) {
            Some((at, _)) => {
                self.cut = true;
                self.left = 0;
                self.out.write_str(&text[..at])
            }
            None => {
                self.left -= text.chars().count();
                self.out.write_str(text)
            }
        }
    }
}

/// The members of a JSON object's text, one key at a time.
///
/// The text is what the JSON writers wrote (valid, compact), so a value ends at the first `,`
/// or `}` outside strings and nested brackets.
struct Members<'a> {
    text: &'a [u8],
    /// Where the next member, or the value of the current one, starts.
    at: usize,
    /// Where the current member (its key) starts.
    member: usize,
}

impl<'a> Members<'a> {
    fn of(object: &'a [u8]) -> Members<'a> {
        let at = usize::from(object.first() == Some(&b'{'));
        Members {
            text: object,
            at,
            member: at,
        }
    }

    /// The next member's key; its value is then skipped or taken.
    fn next_key(&mut self) -> Option<&'a [u8]> {
        let bytes = self.text;
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

    /// The current member's text, `"key":value`, or its first `chars` characters when it is
    /// longer (then the scan stops there, and goes no further); and how many characters that is.
    fn take_member(&mut self, chars: usize) -> (&'a str, usize) {
        let bytes = self.text;
        // The key and the colon are ASCII: one character per byte.
        let mut left = chars.saturating_sub(self.at - self.member);
        let mut at = self.at.min(self.member + chars);
        let mut depth = 0usize;
        let mut in_string = false;
        let end = loop {
            let Some(&byte) = bytes.get(at) else {
                break None;
            };
            if in_string {
                // Eight bytes at a time while they hold no quote or backslash and fewer
                // characters than are left.
                while let Some(word) = bytes.get(at..at + 8) {
                    let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
                    let starts = 8 - continuation_bytes(word);
                    if has_byte(word, b'"') || has_byte(word, b'\\') || starts > left {
                        break;
                    }
                    left -= starts;
                    at += 8;
                }
                let Some(&byte) = bytes.get(at) else {
                    break None;
                };
                if byte & 0xc0 != 0x80 {
                    if left == 0 {
                        break None;
                    }
                    left -= 1;
                }
                at += 1;
                match byte {
                    b'\\' => {
                        // The escaped character is ASCII.
                        if left == 0 {
                            break None;
                        }
                        left -= 1;
                        at += 1;
                    }
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b',' | b'}' if depth == 0 => break Some(at),
                _ => {}
            }
            if left == 0 {
                break None;
            }
            left -= 1;
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth -= 1,
                _ => {}
            }
            at += 1;
        };
        let taken = match end {
            Some(end) => {
                self.at = end;
                self.past_comma();
                &bytes[self.member..end]
            }
            None => {
                self.at = bytes.len();
                &bytes[self.member..at.min(bytes.len())]
            }
        };
        // A cut falls between characters: the text is UTF-8.
        (std::str::from_utf8(taken).unwrap_or_default(), chars - left)
    }

    /// Where the current value ends (at its `,` or the object's `}`), or `limit` if that comes
    /// first.
    fn value_end(&self, limit: usize) -> usize {
        let bytes = self.text;
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
        if self.text.get(self.at) == Some(&b',') {
            self.at += 1;
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether one of the eight bytes of `word` is `byte`.
fn has_byte(word: u64, byte: u8) -> bool {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGH != 0
}

/// How many of the eight bytes of `word` continue a UTF-8 character (0b10xx_xxxx).
fn continuation_bytes(word: u64) -> usize {
    // One bit per continuation byte, at its lowest place; the multiplication adds them up in
    // the top byte.
    let ones = (word & !(word << 1) & HIGH) >> 7;
    (ones.wrapping_mul(ONES) >> 56) as usize
}

/// The index of the quote that closes the string whose contents start at `from`.
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        // Eight bytes at a time up to the next quote or backslash.
        while let Some(word) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            if has_byte(word, b'"') || has_byte(word, b'\\') {
                break;
            }
            at += 8;
        }
        match bytes.get(at)? {
            b'\\' => at += 2,
            b'"' => return Some(at),
            _ => at += 1,
        }
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
        write_debug(text, f)?;
        if cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// Writes `text` as `str`'s `Debug` writes it, in quotes and escaped, but faster where it is
/// not ASCII: whether a character is written as it is (printable, not a grapheme extender) is
/// asked of the standard library once per character and remembered, where
/// `Debug` asks it again for every character, at a cost of hundreds of instructions each.
fn write_debug(text: &str, out: &mut impl Write) -> fmt::Result {
    out.write_char('"')?;
    let bytes = text.as_bytes();
    // `text[run..at]` is written as it is, and not yet.
    let mut run = 0;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        let (c, as_is) = if byte.is_ascii() {
            let as_is = (b' '..=b'~').contains(&byte) && byte != b'"' && byte != b'\\';
            (char::from(byte), as_is)
        } else {
            let c = text[at..].chars().next().unwrap_or_default();
            (c, printable(c))
        };
        if !as_is {
            out.write_str(&text[run..at])?;
            write!(out, "{}", c.escape_debug())?;
            run = at + c.len_utf8();
        }
        at += c.len_utf8();
    }
    out.write_str(&text[run..])?;
    out.write_char('"')
}

/// Whether `Debug` writes a character beyond ASCII as it is.
fn printable(c: char) -> bool {
    /// Characters below this are kept in a table, the rest in a map.
    const TABLE: u32 = 0x1_0000;
    /// By block of 64 characters: which are known, and which of those are written as they are.
    #[derive(Default)]
    struct Known {
        table: Vec<(u64, u64)>,
        beyond: HashMap<u32, (u64, u64)>,
    }
    thread_local! {
        static KNOWN: RefCell<Known> = RefCell::new(Known::default());
    }
    let code = u32::from(c);
    let bit = 1u64 << (code & 63);
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        let entry = if code < TABLE {
            if known.table.is_empty() {
                known.table = vec![(0, 0); (TABLE >> 6) as usize];
            }
            &mut known.table[(code >> 6) as usize]
        } else {
            known.beyond.entry(code >> 6).or_default()
        };
        if entry.0 & bit == 0 {
            // Beyond ASCII, `str`'s `Debug` escapes a character exactly when `escape_debug`
            // does (the quotes it treats differently are ASCII).
            entry.0 |= bit;
            if c.escape_debug().len() == 1 {
                entry.1 |= bit;
            }
        }
        entry.1 & bit != 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(text: &str) -> Vec<(&str, &str)> {
        let mut members = Members::of(text.as_bytes());
        let mut all = Vec::new();
        while let Some(key) = members.next_key() {
            let key = std::str::from_utf8(key).unwrap();
            let (member, chars) = members.take_member(usize::MAX / 8);
            assert_eq!(chars, member.chars().count());
            all.push((key, member));
        }
        all
    }

    proptest::proptest! {
        #[test]
        fn a_reason_is_quoted_as_debug_quotes_it(text in "(\\PC|\\p{M}|[ -~\\x00-\\x1f\\x7f-\\u{a0}\\u{ad}\\u{200b}-\\u{200f}]){0,130}") {
            let shown = format!("{:?}", Shortened(&text, MAX_REASON_CHARS));
            let shortened = Shortened(&text, MAX_REASON_CHARS);
            let (cut, more) = shortened.cut();
            let expected = format!("{cut:?}{}", if more { "…" } else { "" });
            proptest::prop_assert_eq!(shown, expected);
        }
    }

    #[test]
    fn every_character_is_quoted_as_debug_quotes_it() {
        let all: String = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .collect();
        let mut ours = String::new();
        write_debug(&all, &mut ours).unwrap();
        assert!(ours == format!("{all:?}"));
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
        let message = MessageJson(json.as_bytes().to_vec());
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
