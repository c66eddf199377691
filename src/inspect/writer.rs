//! Writing records as JSON lines or text lines.

use std::fmt;
use std::io::{self, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use super::record::{Body, Record};
use super::{Entries, MessageJson};
use crate::json::write_str;

/// How records are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OutputFormat {
    /// Readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Writes [`Record`]s to any [`Write`], one per line, as JSON or as text.
///
/// The writer does not buffer: give it a [`BufWriter`](std::io::BufWriter) (and
/// [`flush`](RecordWriter::flush) it) where lines come fast, or a locked standard stream where
/// each line should go out at once. Records given the same time print it formatted once.
#[derive(Debug)]
pub struct RecordWriter<W> {
    out: W,
    format: OutputFormat,
    /// The last time formatted, and its RFC 3339 text: every frame of a chunk has its time.
    last_time: Option<(SystemTime, String)>,
    /// The JSON line being written, reused from line to line.
    line: Vec<u8>,
    /// The text line being written, reused from line to line.
    text: String,
}

impl<W: Write> RecordWriter<W> {
    /// A writer of `format` lines to `out`.
    pub fn new(out: W, format: OutputFormat) -> RecordWriter<W> {
        RecordWriter {
            out,
            format,
            last_time: None,
            line: Vec::new(),
            text: String::new(),
        }
    }

    /// The format it writes.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Writes one record and its line break (the text of an event may hold line breaks of its
    /// own, as the tap's summary does).
    pub fn write(&mut self, record: &Record<'_>) -> io::Result<()> {
        let time = record
            .time
            .and_then(|time| formatted(&mut self.last_time, time));
        // A time RFC 3339 cannot write (before 1970 or after 9999, which only a damaged
        // capture's timestamps reach) is written as not known.
        let time_unknown = record.time_unknown || (record.time.is_some() && time.is_none());
        match self.format {
            OutputFormat::Json => {
                self.line.clear();
                let mut line = Line {
                    buf: &mut self.line,
                    out: &mut self.out,
                    first: true,
                };
                JsonLine {
                    record,
                    time,
                    time_unknown,
                }
                .write(&mut line)
            }
            OutputFormat::Text => {
                // Formatted into a string, then written at once: the line's many small pieces
                // cost less there than each going through `io::Write`.
                self.text.clear();
                let _ = TextLine {
                    record,
                    time,
                    time_unknown,
                }
                .write(&mut self.text);
                self.text.push('\n');
                self.out.write_all(self.text.as_bytes())
            }
        }
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// The underlying writer, to write to it directly.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Gives the underlying writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// The RFC 3339 text of `time`, from `cache` when it holds the same time; `None` outside the
/// years 1970 to 9999 (humantime's range; RFC 3339 has four-digit years).
fn formatted(cache: &mut Option<(SystemTime, String)>, time: SystemTime) -> Option<&str> {
    /// 9999-12-31T23:59:59Z.
    const LAST_SECOND: u64 = 253_402_300_799;
    let since_epoch = time.duration_since(UNIX_EPOCH).ok()?;
    if since_epoch.as_secs() > LAST_SECOND {
        return None;
    }
    let rfc3339 = |time| humantime::format_rfc3339_micros(time).to_string();
    let entry = cache.get_or_insert_with(|| (time, rfc3339(time)));
    if entry.0 != time {
        *entry = (time, rfc3339(time));
    }
    Some(&entry.1)
}

fn latency_ms(latency: Duration) -> f64 {
    latency.as_micros() as f64 / 1000.0
}

/// A record as one JSON object, in the order of [`Record`]'s table.
struct JsonLine<'r, 'a> {
    record: &'r Record<'a>,
    time: Option<&'r str>,
    time_unknown: bool,
}

impl JsonLine<'_, '_> {
    /// Writes the object and its line break: what serde_json writes for a map of these entries,
    /// with a message's JSON text copied in as it is.
    fn write(&self, line: &mut Line<'_, impl Write>) -> io::Result<()> {
        let record = self.record;
        line.buf.push(b'{');
        if let Some(time) = self.time {
            line.str("time", Some(time))?;
        } else if self.time_unknown {
            line.str("time", None)?;
        }
        if let Some(conn) = record.conn {
            line.uint("conn", Some(conn))?;
        }
        if let Some(dir) = record.dir {
            line.str("dir", Some(dir.inbound_direction()))?;
        }
        match &record.body {
            Body::Frame(frame) => frame.entries(line)?,
            Body::Event { name, .. } => line.str("event", Some(name))?,
            Body::Fields { .. } => {}
        }
        for (name, value) in &record.fields {
            line.entry(name, value)?;
        }
        if let Some(kind) = record.request_kind {
            line.str("request_kind", Some(kind))?;
        }
        if let Some(latency) = record.latency {
            line.entry("latency_ms", &latency_ms(latency))?;
        }
        if let Some(file) = record.file {
            line.str("file", Some(file))?;
        }
        line.buf.extend_from_slice(b"}\n");
        line.out.write_all(line.buf)
    }
}

/// The entries of a JSON line being written: into `buf`, except a message's text, which goes
/// straight to `out` after what `buf` holds.
struct Line<'o, W> {
    buf: &'o mut Vec<u8>,
    out: &'o mut W,
    first: bool,
}

impl<W: Write> Line<'_, W> {
    fn key(&mut self, key: &str) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        write_str(self.buf, key);
        self.buf.push(b':');
    }
}

impl<W: Write> Entries for Line<'_, W> {
    type Error = io::Error;

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key);
        serde_json::to_writer(&mut *self.buf, value).map_err(io::Error::from)
    }

    fn int(&mut self, key: &str, value: Option<i64>) -> io::Result<()> {
        self.key(key);
        match value {
            Some(value) => CompactFormatter.write_i64(self.buf, value),
            None => CompactFormatter.write_null(self.buf),
        }
    }

    fn uint(&mut self, key: &str, value: Option<u64>) -> io::Result<()> {
        self.key(key);
        match value {
            Some(value) => CompactFormatter.write_u64(self.buf, value),
            None => CompactFormatter.write_null(self.buf),
        }
    }

    fn str(&mut self, key: &str, value: Option<&str>) -> io::Result<()> {
        self.key(key);
        match value {
            Some(value) => write_str(self.buf, value),
            None => self.buf.extend_from_slice(b"null"),
        }
        Ok(())
    }

    fn message(&mut self, key: &str, message: Option<&MessageJson>) -> io::Result<()> {
        self.key(key);
        let Some(message) = message else {
            self.buf.extend_from_slice(b"null");
            return Ok(());
        };
        // The text is most of the line: written where it is, not copied into the line first.
        self.out.write_all(self.buf)?;
        self.buf.clear();
        self.out.write_all(message.as_bytes())
    }
}

/// A record as one line of text, without its line break.
struct TextLine<'r, 'a> {
    record: &'r Record<'a>,
    time: Option<&'r str>,
    time_unknown: bool,
}

impl TextLine<'_, '_> {
    fn write(&self, out: &mut impl fmt::Write) -> fmt::Result {
        let record = self.record;
        if let Some(file) = record.file {
            write!(out, "{file}: ")?;
        }
        // Lines about the whole run (a listening line, a summary) are their text alone.
        if let Some(conn) = record.conn {
            if let Some(time) = self.time {
                write!(out, "{} ", time_of_day(time))?;
            } else if self.time_unknown {
                write!(out, "--:--:--.------ ")?;
            }
            write!(out, "#{conn} ")?;
            if let Some(dir) = record.dir {
                write!(out, "{} ", dir.inbound_direction())?;
            }
        }
        match &record.body {
            Body::Frame(frame) => frame.write_line(out)?,
            Body::Event { text, .. } | Body::Fields { text } => write!(out, "{text}")?,
        }
        if let Some(latency) = record.latency {
            let kind = record.request_kind.unwrap_or("request");
            write!(out, " <- {kind} after {:.3} ms", latency_ms(latency))?;
        }
        Ok(())
    }
}

/// `HH:MM:SS.ffffff` of an RFC 3339 time.
fn time_of_day(rfc3339: &str) -> &str {
    rfc3339.get(11..26).unwrap_or(rfc3339)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use bytes::Bytes;
    use prost::Message;
    use serde_json::value::RawValue;

    use super::*;
    use crate::inspect::{inspect_notification, FieldValue};
    use crate::proto::TurmsNotification;
    use crate::role::RoleKind;

    fn written(format: OutputFormat, records: &[Record<'_>]) -> String {
        let mut writer = RecordWriter::new(Vec::new(), format);
        for record in records {
            writer.write(record).unwrap();
        }
        String::from_utf8(writer.into_inner()).unwrap()
    }

    /// 2023-11-14T22:13:20.000250Z
    fn at(micros: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_micros(micros)
    }

    fn response() -> crate::inspect::FrameRecord {
        let body = TurmsNotification {
            request_id: Some(5),
            code: Some(1000),
            ..Default::default()
        };
        inspect_notification(2, Bytes::from(body.encode_to_vec()))
    }

    #[test]
    fn a_frame_line_wraps_the_frame_record_in_the_common_fields() {
        let frame = response();
        let object = serde_json::to_string(&frame).unwrap();
        let inner = &object[1..object.len() - 1];
        let line = Record::frame(&frame)
            .at(at(250))
            .conn(7)
            .dir(RoleKind::Client)
            .request_kind(Some("create_message_request"))
            .latency(Duration::from_micros(1_234));
        assert_eq!(
            written(OutputFormat::Json, std::slice::from_ref(&line)),
            format!(
                "{{\"time\":\"2023-11-14T22:13:20.000250Z\",\"conn\":7,\"dir\":\"s2c\",{inner},\
                 \"request_kind\":\"create_message_request\",\"latency_ms\":1.234}}\n"
            )
        );
        assert_eq!(
            written(OutputFormat::Text, &[line]),
            format!("22:13:20.000250 #7 s2c {frame} <- create_message_request after 1.234 ms\n")
        );

        // Alone, it is exactly `decode`'s line; with a file, the file follows it.
        let alone = Record::frame(&frame);
        assert_eq!(
            written(OutputFormat::Json, std::slice::from_ref(&alone)),
            format!("{object}\n")
        );
        assert_eq!(written(OutputFormat::Text, &[alone]), format!("{frame}\n"));
        let in_file = Record::frame(&frame).file("a.bin");
        assert_eq!(
            written(OutputFormat::Json, std::slice::from_ref(&in_file)),
            format!("{{{inner},\"file\":\"a.bin\"}}\n")
        );
        assert_eq!(
            written(OutputFormat::Text, &[in_file]),
            format!("a.bin: {frame}\n")
        );
    }

    #[test]
    fn times_rfc_3339_cannot_write_are_written_as_not_known() {
        let last = SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_799);
        let line = |time| Record::event("gap", &"gap").at(time).conn(1);
        assert_eq!(
            written(OutputFormat::Json, &[line(last)]),
            "{\"time\":\"9999-12-31T23:59:59.000000Z\",\"conn\":1,\"event\":\"gap\"}\n"
        );
        let unwritable = [
            last + Duration::from_secs(1),
            SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) << 20),
            SystemTime::UNIX_EPOCH - Duration::from_micros(1),
        ];
        for time in unwritable {
            // Twice: the second comes from the writer's cache of the last time.
            let records = [line(time), line(time)];
            assert_eq!(
                written(OutputFormat::Json, &records),
                "{\"time\":null,\"conn\":1,\"event\":\"gap\"}\n".repeat(2),
                "{time:?}"
            );
            assert_eq!(
                written(OutputFormat::Text, &records),
                "--:--:--.------ #1 gap\n".repeat(2)
            );
        }
    }

    #[test]
    fn a_latency_without_a_kind_answers_a_request() {
        let frame = response();
        let line = Record::frame(&frame)
            .conn(1)
            .latency(Duration::from_micros(500));
        let text = written(OutputFormat::Text, std::slice::from_ref(&line));
        assert_eq!(text, format!("#1 {frame} <- request after 0.500 ms\n"));
        let json = written(OutputFormat::Json, &[line]);
        assert!(json.ends_with(",\"latency_ms\":0.5}\n"), "{json}");
        assert!(!json.contains("request_kind"), "{json}");
    }

    #[test]
    fn event_fields_keep_their_order_and_json_embeds_as_is() {
        let raw = RawValue::from_string("{\"float_value\":0.1,\"b\":[1,2]}".to_owned()).unwrap();
        let line = Record::event("probe", &"a probe")
            .field("null", FieldValue::Null)
            .field("bool", true)
            .field("int", -3i32)
            .field("uint", u64::MAX)
            .field("float", 2.5)
            .field("str", "quote \" and ✓")
            .field("owned", String::from("x"))
            .field("absent", None::<&str>)
            .field("message", raw);
        assert_eq!(
            written(OutputFormat::Json, std::slice::from_ref(&line)),
            "{\"event\":\"probe\",\"null\":null,\"bool\":true,\"int\":-3,\
             \"uint\":18446744073709551615,\"float\":2.5,\"str\":\"quote \\\" and ✓\",\
             \"owned\":\"x\",\"absent\":null,\"message\":{\"float_value\":0.1,\"b\":[1,2]}}\n"
        );
        // Fields are JSON only: the text line is the event's text.
        assert_eq!(written(OutputFormat::Text, &[line]), "a probe\n");
    }

    #[test]
    fn lines_about_a_connection_start_with_its_time_and_number() {
        let text = "open from 127.0.0.1:5";
        let records = [
            Record::event("listening", &"listening on …").at(at(0)),
            Record::event("open", &text).at(at(1)).conn(2),
            Record::event("gap", &"gap")
                .at(at(1))
                .conn(2)
                .dir(RoleKind::Gateway),
            Record::event("close", &"close").conn(2),
        ];
        assert_eq!(
            written(OutputFormat::Text, &records),
            "listening on …\n22:13:20.000001 #2 open from 127.0.0.1:5\n\
             22:13:20.000001 #2 c2s gap\n#2 close\n"
        );
        let json = written(OutputFormat::Json, &records);
        let lines: Vec<&str> = json.lines().collect();
        assert_eq!(
            lines[0],
            "{\"time\":\"2023-11-14T22:13:20.000000Z\",\"event\":\"listening\"}"
        );
        assert_eq!(
            lines[2],
            "{\"time\":\"2023-11-14T22:13:20.000001Z\",\"conn\":2,\"dir\":\"c2s\",\"event\":\"gap\"}"
        );
        assert_eq!(lines[3], "{\"conn\":2,\"event\":\"close\"}");
    }

    #[test]
    fn each_time_is_written_as_given() {
        // The cache of the last time must not stick: alternate between two.
        let records: Vec<Record<'_>> = [0, 0, 999_999, 0, 1_000_000]
            .into_iter()
            .map(|micros| Record::event("tick", &"tick").at(at(micros)))
            .collect();
        let json = written(OutputFormat::Json, &records);
        let times: Vec<&str> = json.lines().map(|line| &line[9..36]).collect();
        assert_eq!(
            times,
            [
                "2023-11-14T22:13:20.000000Z",
                "2023-11-14T22:13:20.000000Z",
                "2023-11-14T22:13:20.999999Z",
                "2023-11-14T22:13:20.000000Z",
                "2023-11-14T22:13:21.000000Z",
            ]
        );
    }

    #[test]
    fn the_writer_reports_write_errors() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        for format in [OutputFormat::Json, OutputFormat::Text] {
            let mut writer = RecordWriter::new(Closed, format);
            let error = writer.write(&Record::event("x", &"x")).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{format:?}");
        }
    }
}
