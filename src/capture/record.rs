//! Decoded captures written by the crate's one record writer ([`crate::inspect`]): the lines
//! `turms-wire decode --pcap` prints, as JSON or text.

use std::fmt;
use std::io::{self, Write};

use serde_json::value::{to_raw_value, RawValue};
use serde_json::{json, Value};

use super::decode::{CapturedDatagram, CapturedFrame, Classified, Decoded, DecodedKind};
use super::summary::DecodeSummary;
use super::udp::Datagram;
use crate::inspect::{
    inspect_client_frame, inspect_server_frame, ErrorLayer, FieldValue, FrameError, FrameRecord,
    OutputFormat, Record, RecordWriter,
};
use crate::udp::{UdpRequestType, UdpSignalReply};

impl CapturedFrame {
    /// The frame fully decoded, as `turms-wire decode --json` shows it (an envelope that does
    /// not classify, or a payload that does not decode, is an error record).
    pub fn inspect(&self) -> FrameRecord {
        match &self.frame {
            Ok(Classified::Server(frame)) => inspect_server_frame(self.index, frame),
            Ok(Classified::Client(frame)) => inspect_client_frame(self.index, frame),
            Err(malformed) => {
                FrameRecord::failed(self.index, FrameError::malformed(&malformed.error))
            }
        }
    }
}

/// Writes [`Decoded`] records with a [`RecordWriter`], and counts what only the full decode
/// finds: frames whose envelope classifies but whose payload does not decode. The summary it
/// writes counts them among the `message` errors.
#[derive(Debug)]
pub struct DecodedWriter<W> {
    writer: RecordWriter<W>,
    payload_errors: u64,
}

impl<W: Write> DecodedWriter<W> {
    /// A writer of `format` lines to `out` (give it a buffered writer).
    pub fn new(out: W, format: OutputFormat) -> DecodedWriter<W> {
        DecodedWriter {
            writer: RecordWriter::new(out, format),
            payload_errors: 0,
        }
    }

    /// Writes one record; returns whether it is an error record (a frame, datagram or stream
    /// that failed, or the capture's own error).
    pub fn write(&mut self, decoded: &Decoded) -> io::Result<bool> {
        let mut failed = false;
        let result = with_record(decoded, self.payload_errors, |record, error| {
            failed = error;
            self.writer.write(record)
        });
        self.count(decoded, failed);
        result.map(|()| failed)
    }

    /// Counts a record without writing it (one a filter leaves out), so that the summary still
    /// counts everything; returns whether it would have been an error record.
    pub fn skip(&mut self, decoded: &Decoded) -> bool {
        let failed = match &decoded.kind {
            DecodedKind::Frame(frame) => match &frame.frame {
                Ok(Classified::Server(frame)) => frame.decode().is_err(),
                Ok(Classified::Client(frame)) => frame.decode().is_err(),
                Err(_) => true,
            },
            DecodedKind::Datagram(datagram) => datagram.datagram.is_err(),
            DecodedKind::StreamError { .. } | DecodedKind::Error(_) => true,
            _ => false,
        };
        self.count(decoded, failed);
        failed
    }

    fn count(&mut self, decoded: &Decoded, failed: bool) {
        if let DecodedKind::Frame(CapturedFrame { frame: Ok(_), .. }) = decoded.kind {
            self.payload_errors += u64::from(failed);
        }
    }

    /// Frames whose payload did not decode so far.
    pub fn payload_errors(&self) -> u64 {
        self.payload_errors
    }

    /// A summary with the payload errors found while writing counted in.
    pub fn completed(&self, summary: &DecodeSummary) -> DecodeSummary {
        with_payload_errors(summary, self.payload_errors)
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }

    /// The record writer underneath.
    pub fn get_mut(&mut self) -> &mut RecordWriter<W> {
        &mut self.writer
    }

    /// Gives the underlying writer back.
    pub fn into_inner(self) -> W {
        self.writer.into_inner()
    }
}

fn with_payload_errors(summary: &DecodeSummary, payload_errors: u64) -> DecodeSummary {
    let mut summary = summary.clone();
    if payload_errors > 0 {
        *summary.errors.entry("message").or_default() += payload_errors;
    }
    summary
}

impl Decoded {
    /// Writes this record as one line with `writer` (JSON or text, as the writer is set).
    pub fn write_to<W: Write>(&self, writer: &mut RecordWriter<W>) -> io::Result<()> {
        with_record(self, 0, |record, _| writer.write(record))
    }
}

/// Renders `decoded` as a [`Record`] (which borrows what is rendered here) and hands it to
/// `write`, with whether it is an error record.
fn with_record<T>(
    decoded: &Decoded,
    payload_errors: u64,
    write: impl FnOnce(&Record<'_>, bool) -> T,
) -> T {
    match &decoded.kind {
        DecodedKind::Frame(frame) => {
            let record = frame.inspect();
            let mut line = common(decoded, Record::frame(&record));
            if frame.resynced {
                line = line.field("resynced", true);
            }
            if let Some(answer) = frame.answers {
                line = line.request_kind(answer.request_kind);
                if let Some(latency) = answer.latency {
                    line = line.latency(latency);
                }
            }
            write(&line, record.is_error())
        }
        DecodedKind::StreamError { index, error } => {
            let record = FrameRecord::failed(
                *index,
                FrameError {
                    layer: ErrorLayer::Framing,
                    kind: error.kind_name(),
                    detail: error.to_string(),
                },
            );
            let line = common(decoded, Record::frame(&record));
            write(&line, true)
        }
        DecodedKind::Datagram(datagram) => {
            let text = DatagramText(datagram);
            let line = datagram_fields(common(decoded, Record::fields(&text)), datagram);
            write(&line, datagram.datagram.is_err())
        }
        DecodedKind::Open {
            peer,
            server,
            transport,
        } => {
            let text = format!("open from {peer} to {server} ({transport})");
            let line = common(decoded, Record::event("open", &text))
                .field("peer", peer.to_string())
                .field("server", server.to_string())
                .field("transport", transport.as_str());
            write(&line, false)
        }
        DecodedKind::Http { start_line } => {
            let text = format!("http {start_line}");
            let line = common(decoded, Record::event("http", &text))
                .field("start_line", start_line.as_str());
            write(&line, false)
        }
        DecodedKind::WebSocketText { size } => {
            let text = format!("websocket text message of {size} bytes (Turms ignores text)");
            let line = common(decoded, Record::event("websocket_text", &text)).field("size", *size);
            write(&line, false)
        }
        DecodedKind::WebSocketClose { code, reason } => {
            let text = match (code, reason) {
                (Some(code), Some(reason)) => format!("websocket close {code} {reason:?}"),
                _ => "websocket close".to_owned(),
            };
            let line = common(decoded, Record::event("websocket_close", &text))
                .field("code", *code)
                .field("reason", reason.as_deref());
            write(&line, false)
        }
        DecodedKind::Gap { missing_bytes } => {
            let text = format!(
                "gap: {missing_bytes} bytes were not captured; the frame they cut is not shown"
            );
            let line =
                common(decoded, Record::event("gap", &text)).field("missing_bytes", *missing_bytes);
            write(&line, false)
        }
        DecodedKind::StartNotCaptured => {
            let text = "start not captured: where its frames begin is unknown";
            let line = common(decoded, Record::event("start_not_captured", &text));
            write(&line, false)
        }
        DecodedKind::Tls => {
            let text = "tls: the client's first bytes are a TLS ClientHello; not decoded";
            let line = common(decoded, Record::event("tls", &text));
            write(&line, false)
        }
        DecodedKind::Proxy(header) => {
            let source = header.source.map(|a| a.to_string());
            let destination = header.destination.map(|a| a.to_string());
            let text = format!(
                "proxy protocol v{} header from {} (skipped)",
                header.version,
                source.as_deref().unwrap_or("an unnamed source")
            );
            let line = common(decoded, Record::event("proxy", &text))
                .field("destination", destination.as_deref())
                .field("source", source.as_deref())
                .field("version", header.version);
            write(&line, false)
        }
        DecodedKind::Resync {
            skipped_bytes,
            found,
        } => {
            let text = if *found {
                format!("resync: a frame boundary after {skipped_bytes} bytes; the frames from it are marked")
            } else {
                format!("resync: no frame boundary found in {skipped_bytes} bytes")
            };
            let line = common(decoded, Record::event("resync", &text))
                .field("found", *found)
                .field("skipped_bytes", *skipped_bytes);
            write(&line, false)
        }
        DecodedKind::Close {
            c2s_bytes,
            s2c_bytes,
            how,
        } => {
            let text = format!(
                "close ({}, {c2s_bytes} bytes c2s, {s2c_bytes} bytes s2c)",
                how.as_str()
            );
            let line = common(decoded, Record::event("close", &text))
                .field("c2s_bytes", *c2s_bytes)
                .field("how", how.as_str())
                .field("s2c_bytes", *s2c_bytes);
            write(&line, false)
        }
        DecodedKind::Error(error) => {
            let text = format!("error: {error}");
            let kind = match error {
                super::CaptureError::Empty => "empty",
                super::CaptureError::NotACapture { .. } => "not_a_capture",
                super::CaptureError::Truncated { .. } => "truncated",
                super::CaptureError::Oversize { .. } => "oversize",
                super::CaptureError::Malformed { .. } => "malformed",
                super::CaptureError::Io { .. } => "io",
                super::CaptureError::ConflictingPort { .. } => "conflicting_port",
            };
            let raw = error_object(ErrorLayer::Capture, kind, error.to_string());
            let line = common(decoded, Record::event("error", &text)).field("error", raw);
            write(&line, true)
        }
        DecodedKind::End(summary) => {
            let summary = with_payload_errors(summary, payload_errors);
            let fields = summary_fields(&summary);
            let mut line = common(decoded, Record::event("summary", &summary));
            for (key, value) in &fields {
                line = line.field(key, &**value);
            }
            write(&line, false)
        }
    }
}

/// The fields every record of a decoded capture may have: time, connection, direction.
fn common<'a>(decoded: &Decoded, mut record: Record<'a>) -> Record<'a> {
    record = match decoded.time {
        Some(time) => record.at(time.to_system_time()),
        None => record.at_unknown_time(),
    };
    if let Some(conn) = decoded.conn {
        record = record.conn(conn.0);
    }
    if let Some(dir) = decoded.dir {
        record = record.dir(dir);
    }
    record
}

fn datagram_fields<'a>(line: Record<'a>, datagram: &'a CapturedDatagram) -> Record<'a> {
    let line = line
        .field("index", datagram.index)
        .field("transport", "udp");
    match &datagram.datagram {
        Ok(read) => {
            let line = line.field("class", read.class_name());
            match read {
                Datagram::Request(request) => line
                    .field(
                        "signal",
                        match request.kind {
                            UdpRequestType::Heartbeat => "heartbeat",
                            UdpRequestType::GoOffline => "go_offline",
                        },
                    )
                    .field("user_id", request.user_id)
                    .field("device_type", request.device_type.as_str_name())
                    .field("session_id", request.session_id),
                Datagram::Reply(UdpSignalReply::Ok) => line
                    .field("code", FieldValue::Null)
                    .field("code_name", "OK"),
                Datagram::Reply(UdpSignalReply::Code(code)) => line
                    .field("code", code.as_i32())
                    .field("code_name", code.name()),
                Datagram::Notification(_) => line.field("notification", "open_connection"),
            }
        }
        Err(error) => line.field(
            "error",
            error_object(ErrorLayer::Udp, error.kind_name(), error.to_string()),
        ),
    }
}

/// `{"layer", "kind", "detail"}`, in that order, as a frame's error prints.
fn error_object(layer: ErrorLayer, kind: &'static str, detail: String) -> Box<RawValue> {
    let error = FrameError {
        layer,
        kind,
        detail,
    };
    to_raw_value(&error).expect("an error serializes")
}

/// A datagram's text line.
struct DatagramText<'a>(&'a CapturedDatagram);

impl fmt::Display for DatagramText<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let datagram = self.0;
        write!(out, "#{} ", datagram.index)?;
        match &datagram.datagram {
            Ok(Datagram::Request(request)) => write!(
                out,
                "udp_request {} user_id={} device_type={} session_id={}",
                request.kind.as_str(),
                request.user_id,
                request.device_type.as_str_name(),
                request.session_id
            ),
            Ok(Datagram::Reply(UdpSignalReply::Ok)) => write!(out, "udp_reply OK (empty)"),
            Ok(Datagram::Reply(UdpSignalReply::Code(code))) => {
                write!(out, "udp_reply code={code}")
            }
            Ok(Datagram::Notification(_)) => write!(out, "udp_notification OPEN_CONNECTION"),
            Err(error) => write!(out, "error udp/{}: {error}", error.kind_name()),
        }
    }
}

/// The summary's fields, in alphabetical order at every level (as the tap's summary).
fn summary_fields(summary: &DecodeSummary) -> Vec<(&'static str, Box<RawValue>)> {
    let capture = &summary.capture;
    let ignored = &capture.ignored;
    let map = |counts: &std::collections::BTreeMap<&'static str, u64>| -> Value {
        counts
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect()
    };
    let by_code: Value = summary
        .responses_by_code
        .iter()
        .map(|(code, n)| {
            (
                code.map_or_else(|| "none".to_owned(), |c| c.to_string()),
                json!(n),
            )
        })
        .collect();
    let by_status: Value = summary
        .closes_by_status
        .iter()
        .map(|(status, n)| (status.to_string(), json!(n)))
        .collect();
    let fields = [
        (
            "capture_error",
            json!(summary.capture_error.as_ref().map(|e| e.to_string())),
        ),
        ("classes", map(&summary.classes)),
        ("closes_by_status", by_status),
        ("connections", json!(capture.connections)),
        (
            "connections_by_transport",
            map(&summary.connections_by_transport),
        ),
        ("connections_ended", map(&summary.connections_ended)),
        (
            "datagrams",
            json!({"c2s": summary.datagrams.c2s, "s2c": summary.datagrams.s2c}),
        ),
        ("duplicate_bytes", json!(capture.duplicate_bytes)),
        ("errors", map(&summary.errors)),
        (
            "frames",
            json!({"c2s": summary.frames.c2s, "s2c": summary.frames.s2c}),
        ),
        ("gaps", json!(capture.gaps)),
        (
            "ignored",
            json!({
                "after_close": ignored.after_close,
                "fragment": ignored.fragment,
                "malformed": ignored.malformed,
                "no_connection": ignored.no_connection,
                "not_ip": ignored.not_ip,
                "not_tcp_or_udp": ignored.not_tcp_or_udp,
                "other_port": ignored.other_port,
                "truncated": ignored.truncated,
                "unknown_interface": ignored.unknown_interface,
                "unsupported_link_type": ignored.unsupported_link_type,
            }),
        ),
        ("missing_bytes", json!(capture.missing_bytes)),
        ("not_decoded", map(&summary.not_decoded)),
        (
            "out_of_order_segments",
            json!(capture.out_of_order_segments),
        ),
        ("packets", json!(capture.packets)),
        ("proxy_headers", json!(summary.proxy_headers)),
        ("resyncs", json!(summary.resyncs)),
        ("responses_by_code", by_code),
        ("stream_bytes", json!(capture.stream_bytes)),
    ];
    fields
        .into_iter()
        .map(|(key, value)| (key, to_raw_value(&value).expect("JSON values serialize")))
        .collect()
}
