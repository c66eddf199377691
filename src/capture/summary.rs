//! What a whole decode counted, yielded last.

use std::collections::BTreeMap;
use std::fmt;

use super::{CaptureError, RoleKind, Summary};
use crate::status::{ResponseStatusCode, SessionCloseStatus};

/// A count per direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirectionCounts {
    /// Client to server.
    pub c2s: u64,
    /// Server to client.
    pub s2c: u64,
}

impl DirectionCounts {
    /// The count of the direction `receiver` receives.
    pub fn of(&self, receiver: RoleKind) -> u64 {
        match receiver {
            RoleKind::Gateway => self.c2s,
            RoleKind::Client => self.s2c,
        }
    }

    pub(crate) fn add(&mut self, receiver: RoleKind) {
        match receiver {
            RoleKind::Gateway => self.c2s += 1,
            RoleKind::Client => self.s2c += 1,
        }
    }
}

/// The counters of a whole decode: the reader's, and what its frames and datagrams were.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeSummary {
    /// The reader's counters: packets, what was ignored and why, connections, holes, bytes.
    pub capture: Summary,
    /// Connections by transport: `tcp`, `ws`, `udp`.
    pub connections_by_transport: BTreeMap<&'static str, u64>,
    /// How connections ended, by [`CloseHow::as_str`](super::CloseHow::as_str).
    pub connections_ended: BTreeMap<&'static str, u64>,
    /// TCP and WebSocket frames, errors included.
    pub frames: DirectionCounts,
    /// UDP datagrams, errors included.
    pub datagrams: DirectionCounts,
    /// Frames and datagrams by class (`request`, `response`, …, `udp_request`, …); errors are
    /// not counted here.
    pub classes: BTreeMap<&'static str, u64>,
    /// Frames and datagrams that failed, by layer: `framing` (the rest of the direction is
    /// lost), `message` (that frame only), `udp`.
    pub errors: BTreeMap<&'static str, u64>,
    /// Responses and heartbeat failures by code (`None`: without a code).
    pub responses_by_code: BTreeMap<Option<i32>, u64>,
    /// Close notifications by close status.
    pub closes_by_status: BTreeMap<i32, u64>,
    /// Connections not (wholly) decoded, by why: `start_not_captured`, `stopped_at_gap`
    /// (without resynchronisation), `tls`, `no_boundary_found` (with it).
    pub not_decoded: BTreeMap<&'static str, u64>,
    /// PROXY protocol headers skipped.
    pub proxy_headers: u64,
    /// Frame boundaries found again after a hole or an uncaptured start.
    pub resyncs: u64,
    /// Why the capture could not be read to its end (truncated, malformed, unreadable).
    pub capture_error: Option<CaptureError>,
}

impl DecodeSummary {
    /// Connections not (wholly) decoded, all reasons together.
    pub fn not_decoded_total(&self) -> u64 {
        self.not_decoded.values().sum()
    }

    /// Frames and datagrams that failed, all layers together.
    pub fn errors_total(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Whether anything was not decoded: a frame or datagram failed, a hole was found, a
    /// connection (or part of one) could not be decoded, or the capture could not be read to
    /// its end (`turms-wire decode --pcap` exits with 2).
    pub fn failed(&self) -> bool {
        self.errors_total() > 0
            || self.capture.gaps > 0
            || self.not_decoded_total() > 0
            || self.capture_error.is_some()
    }

    pub(crate) fn add_not_decoded(&mut self, why: &'static str) {
        *self.not_decoded.entry(why).or_default() += 1;
    }
}

/// `name n, name n, …`, or `none`.
fn counts<K: fmt::Display>(
    out: &mut fmt::Formatter<'_>,
    counts: impl IntoIterator<Item = (K, u64)>,
) -> fmt::Result {
    let mut any = false;
    for (name, n) in counts {
        if n == 0 {
            continue;
        }
        write!(out, "{}{name} {n}", if any { ", " } else { "" })?;
        any = true;
    }
    if !any {
        write!(out, "none")?;
    }
    Ok(())
}

/// The summary as the text output prints it: `summary`, then one indented line per count; no
/// final line break.
impl fmt::Display for DecodeSummary {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let capture = &self.capture;
        let ignored = &capture.ignored;
        write!(out, "summary")?;
        write!(
            out,
            "\n  packets: {} ({} ignored: ",
            capture.packets,
            ignored.total()
        )?;
        counts(
            out,
            [
                ("other_port", ignored.other_port),
                ("not_ip", ignored.not_ip),
                ("not_tcp_or_udp", ignored.not_tcp_or_udp),
                ("fragment", ignored.fragment),
                ("unsupported_link_type", ignored.unsupported_link_type),
                ("truncated", ignored.truncated),
                ("malformed", ignored.malformed),
                ("unknown_interface", ignored.unknown_interface),
                ("no_connection", ignored.no_connection),
                ("after_close", ignored.after_close),
            ],
        )?;
        write!(out, ")\n  connections: {} (", capture.connections)?;
        counts(
            out,
            self.connections_by_transport.iter().map(|(k, v)| (k, *v)),
        )?;
        write!(out, "), ended: ")?;
        counts(out, self.connections_ended.iter().map(|(k, v)| (k, *v)))?;
        for (name, dir) in [("c2s", RoleKind::Gateway), ("s2c", RoleKind::Client)] {
            write!(
                out,
                "\n  {name}: {} frames, {} datagrams",
                self.frames.of(dir),
                self.datagrams.of(dir)
            )?;
        }
        write!(out, "\n  classes: ")?;
        counts(out, self.classes.iter().map(|(k, v)| (k, *v)))?;
        write!(out, "\n  errors: ")?;
        counts(out, self.errors.iter().map(|(k, v)| (k, *v)))?;
        write!(out, "\n  responses by code:")?;
        for (code, n) in &self.responses_by_code {
            match code {
                Some(code) => {
                    let name = ResponseStatusCode::from_i32(*code).name().unwrap_or("");
                    write!(out, "\n    {code} {name}: {n}")?;
                }
                None => write!(out, "\n    none: {n}")?,
            }
        }
        write!(out, "\n  closes by status:")?;
        for (status, n) in &self.closes_by_status {
            let name = SessionCloseStatus::from_i32(*status).name().unwrap_or("");
            write!(out, "\n    {status} {name}: {n}")?;
        }
        write!(
            out,
            "\n  gaps: {} ({} bytes missing); {} bytes captured twice, {} segments out of order",
            capture.gaps,
            capture.missing_bytes,
            capture.duplicate_bytes,
            capture.out_of_order_segments
        )?;
        write!(out, "\n  not decoded: ")?;
        counts(out, self.not_decoded.iter().map(|(k, v)| (k, *v)))?;
        write!(
            out,
            "\n  proxy headers: {}, resyncs: {}",
            self.proxy_headers, self.resyncs
        )?;
        if let Some(error) = &self.capture_error {
            write!(out, "\n  capture error: {error}")?;
        }
        Ok(())
    }
}
