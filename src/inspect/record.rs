//! One line of output: a frame or an event, with the fields any line may carry.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use serde::ser::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::FrameRecord;
use crate::role::RoleKind;

/// One line of output, as [`RecordWriter`](super::RecordWriter) writes it: a frame (a
/// [`FrameRecord`]) or a named event, with the fields the tool's outputs share.
///
/// The vocabulary, in the order a JSON line holds it:
///
/// | key | set by | meaning |
/// |---|---|---|
/// | `time` | [`at`](Record::at), [`at_unknown_time`](Record::at_unknown_time) | when (RFC 3339, UTC, microseconds), or `null` (also for a time before 1970 or after 9999) |
/// | `conn` | [`conn`](Record::conn) | the connection, numbered from 1 |
/// | `dir` | [`dir`](Record::dir) | `c2s` or `s2c`: the direction, named by the end that receives |
/// | `index`, `class`, …, `message` or `error` | [`frame`](Record::frame) | the frame ([`FrameRecord`]) |
/// | `event` | [`event`](Record::event) | what happened (`open`, `close`, `gap`, …); absent from a line of [`fields`](Record::fields) alone |
/// | any | [`field`](Record::field) | the event's own fields, in the order given |
/// | `request_kind` | [`request_kind`](Record::request_kind) | the request a response answers (`heartbeat` for an ack) |
/// | `latency_ms` | [`latency`](Record::latency) | from that request to its response |
/// | `file` | [`file`](Record::file) | the file the frame came from |
///
/// A text line is the frame's [`Display`](fmt::Display) form or the event's text. A line about
/// a connection starts with the time of day, `#conn` and the direction; a line about a file
/// with `file: `; a response with a latency ends with `<- request_kind after N ms`. The
/// fields are JSON only: the event's text says what matters of them.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use turms_wire::inspect::{OutputFormat, Record, RecordWriter};
/// use turms_wire::role::RoleKind;
///
/// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let gap = Record::event("gap", &"gap: 12 bytes not shown")
///     .at(at)
///     .conn(3)
///     .dir(RoleKind::Client)
///     .field("dropped_bytes", 12u64);
///
/// let mut json = RecordWriter::new(Vec::new(), OutputFormat::Json);
/// json.write(&gap)?;
/// assert_eq!(
///     String::from_utf8(json.into_inner()).unwrap(),
///     "{\"time\":\"2023-11-14T22:13:20.000000Z\",\"conn\":3,\"dir\":\"s2c\",\"event\":\"gap\",\"dropped_bytes\":12}\n"
/// );
///
/// let mut text = RecordWriter::new(Vec::new(), OutputFormat::Text);
/// text.write(&gap)?;
/// assert_eq!(
///     String::from_utf8(text.into_inner()).unwrap(),
///     "22:13:20.000000 #3 s2c gap: 12 bytes not shown\n"
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Record<'a> {
    pub(super) time: Option<SystemTime>,
    /// The line has a time, which is not known (written `"time": null`).
    pub(super) time_unknown: bool,
    pub(super) conn: Option<u64>,
    pub(super) dir: Option<RoleKind>,
    pub(super) body: Body<'a>,
    pub(super) fields: Vec<(&'a str, FieldValue<'a>)>,
    pub(super) request_kind: Option<&'a str>,
    pub(super) latency: Option<Duration>,
    pub(super) file: Option<&'a str>,
}

/// A frame or an event.
#[derive(Clone)]
pub(super) enum Body<'a> {
    Frame(&'a FrameRecord),
    Event {
        name: &'a str,
        text: &'a dyn fmt::Display,
    },
    /// Fields alone, neither a frame nor a named event (a UDP datagram's record).
    Fields {
        text: &'a dyn fmt::Display,
    },
}

impl<'a> Record<'a> {
    /// A line for a frame.
    pub fn frame(record: &'a FrameRecord) -> Record<'a> {
        Record::with_body(Body::Frame(record))
    }

    /// A line for the event `name` (`"open"`, `"close"`, …), whose text line is `text`.
    pub fn event(name: &'a str, text: &'a dyn fmt::Display) -> Record<'a> {
        Record::with_body(Body::Event { name, text })
    }

    /// A line made of its [`field`](Record::field)s alone, neither a frame nor a named event
    /// (a UDP datagram's record: `index`, `transport`, `class`, …), whose text line is `text`.
    pub fn fields(text: &'a dyn fmt::Display) -> Record<'a> {
        Record::with_body(Body::Fields { text })
    }

    fn with_body(body: Body<'a>) -> Record<'a> {
        Record {
            time: None,
            time_unknown: false,
            conn: None,
            dir: None,
            body,
            fields: Vec::new(),
            request_kind: None,
            latency: None,
            file: None,
        }
    }

    /// When it happened.
    #[must_use]
    pub fn at(mut self, time: SystemTime) -> Record<'a> {
        self.time = Some(time);
        self
    }

    /// When it happened is not known (a packet of a capture without a timestamp): the JSON
    /// line says `"time": null`, the text line `--:--:--.------`.
    #[must_use]
    pub fn at_unknown_time(mut self) -> Record<'a> {
        self.time = None;
        self.time_unknown = true;
        self
    }

    /// The connection it belongs to.
    #[must_use]
    pub fn conn(mut self, conn: u64) -> Record<'a> {
        self.conn = Some(conn);
        self
    }

    /// The direction, by the end that receives: [`RoleKind::Gateway`] for `c2s`,
    /// [`RoleKind::Client`] for `s2c`.
    #[must_use]
    pub fn dir(mut self, receiver: RoleKind) -> Record<'a> {
        self.dir = Some(receiver);
        self
    }

    /// Adds a field, after those added before.
    #[must_use]
    pub fn field(mut self, name: &'a str, value: impl Into<FieldValue<'a>>) -> Record<'a> {
        self.fields.push((name, value.into()));
        self
    }

    /// The kind of the request a response answers (`heartbeat` for a heartbeat ack); `None`
    /// adds nothing.
    #[must_use]
    pub fn request_kind(mut self, kind: Option<&'a str>) -> Record<'a> {
        self.request_kind = kind;
        self
    }

    /// How long the response took after its request (written in milliseconds, to the
    /// microsecond).
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Record<'a> {
        self.latency = Some(latency);
        self
    }

    /// The file the frame came from.
    #[must_use]
    pub fn file(mut self, path: &'a str) -> Record<'a> {
        self.file = Some(path);
        self
    }
}

impl fmt::Debug for Record<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Record");
        debug
            .field("time", &self.time)
            .field("conn", &self.conn)
            .field("dir", &self.dir);
        match &self.body {
            Body::Frame(record) => debug.field("frame", record),
            Body::Event { name, text } => {
                debug.field("event", name).field("text", &text.to_string())
            }
            Body::Fields { text } => debug.field("text", &text.to_string()),
        };
        debug
            .field("fields", &self.fields)
            .field("request_kind", &self.request_kind)
            .field("latency", &self.latency)
            .field("file", &self.file)
            .finish()
    }
}

/// The value of an event's field.
#[derive(Clone, Debug)]
pub enum FieldValue<'a> {
    /// `null` (an absent value).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    Uint(u64),
    /// A number (`null` when not finite, as serde_json writes it).
    Float(f64),
    /// A string.
    Str(Cow<'a, str>),
    /// JSON written beforehand (a message's proto3 JSON), embedded as is.
    Json(Cow<'a, RawValue>),
}

impl PartialEq for FieldValue<'_> {
    /// JSON written beforehand compares as text.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FieldValue::Null, FieldValue::Null) => true,
            (FieldValue::Bool(a), FieldValue::Bool(b)) => a == b,
            (FieldValue::Int(a), FieldValue::Int(b)) => a == b,
            (FieldValue::Uint(a), FieldValue::Uint(b)) => a == b,
            (FieldValue::Float(a), FieldValue::Float(b)) => a == b,
            (FieldValue::Str(a), FieldValue::Str(b)) => a == b,
            (FieldValue::Json(a), FieldValue::Json(b)) => a.get() == b.get(),
            _ => false,
        }
    }
}

impl Serialize for FieldValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldValue::Null => serializer.serialize_none(),
            FieldValue::Bool(value) => serializer.serialize_bool(*value),
            FieldValue::Int(value) => serializer.serialize_i64(*value),
            FieldValue::Uint(value) => serializer.serialize_u64(*value),
            FieldValue::Float(value) => serializer.serialize_f64(*value),
            FieldValue::Str(value) => serializer.serialize_str(value),
            FieldValue::Json(value) => value.serialize(serializer),
        }
    }
}

impl From<bool> for FieldValue<'_> {
    fn from(value: bool) -> Self {
        FieldValue::Bool(value)
    }
}

macro_rules! from_integers {
    ($variant:ident as $wide:ty: $($int:ty),*) => {
        $(
            impl From<$int> for FieldValue<'_> {
                fn from(value: $int) -> Self {
                    FieldValue::$variant(<$wide>::from(value))
                }
            }
        )*
    };
}

from_integers!(Int as i64: i8, i16, i32, i64);
from_integers!(Uint as u64: u8, u16, u32, u64);

impl From<usize> for FieldValue<'_> {
    fn from(value: usize) -> Self {
        // usize is at most 64 bits wide on every platform Rust supports.
        FieldValue::Uint(value as u64)
    }
}

impl From<f64> for FieldValue<'_> {
    fn from(value: f64) -> Self {
        FieldValue::Float(value)
    }
}

impl<'a> From<&'a str> for FieldValue<'a> {
    fn from(value: &'a str) -> Self {
        FieldValue::Str(Cow::Borrowed(value))
    }
}

impl From<String> for FieldValue<'_> {
    fn from(value: String) -> Self {
        FieldValue::Str(Cow::Owned(value))
    }
}

impl<'a> From<&'a RawValue> for FieldValue<'a> {
    fn from(value: &'a RawValue) -> Self {
        FieldValue::Json(Cow::Borrowed(value))
    }
}

impl From<Box<RawValue>> for FieldValue<'_> {
    fn from(value: Box<RawValue>) -> Self {
        FieldValue::Json(Cow::Owned(value))
    }
}

impl<'a, T: Into<FieldValue<'a>>> From<Option<T>> for FieldValue<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(FieldValue::Null, Into::into)
    }
}
