//! The one-line text form of a [`FrameRecord`].

use std::fmt::{self, Write};

use serde_json::Value;

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

/// The message's JSON without the keys the line already shows, shortened.
fn write_rest(message: Option<&MessageJson>, shown: &[&str], out: &mut impl Write) -> fmt::Result {
    let Some(Value::Object(mut rest)) = message.map(MessageJson::to_value) else {
        return Ok(());
    };
    rest.retain(|key, _| !shown.contains(&key.as_str()));
    if rest.is_empty() {
        return Ok(());
    }
    let text = Value::Object(rest).to_string();
    write!(out, " {}", Shortened(&text, MAX_PAYLOAD_CHARS))
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
