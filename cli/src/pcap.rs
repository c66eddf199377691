//! `turms-wire decode --pcap`: every Turms connection of a packet capture, both directions.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use clap::Args;
use turms_wire::capture::{
    CaptureDecoder, CaptureError, DecodeConfig, DecodeSummary, Decoded, DecodedKind, DecodedWriter,
};
use turms_wire::inspect::OutputFormat;

/// The classes `--class` takes.
const CLASSES: [&str; 12] = [
    "heartbeat",
    "heartbeat_failure",
    "close",
    "push",
    "response",
    "session_info",
    "notification",
    "request",
    "udp_request",
    "udp_reply",
    "udp_notification",
    "error",
];

/// The options of `decode --pcap`.
#[derive(Debug, Args)]
pub struct PcapArgs {
    /// Read a pcap or pcapng capture (`-`: standard input, as it arrives) and decode both
    /// directions of every Turms connection in it.
    #[arg(long, value_name = "FILE")]
    pub(crate) pcap: Option<PathBuf>,

    /// A server port of Turms over TCP (repeatable; given ports replace the default 11510).
    #[arg(long = "tcp-port", value_name = "PORT", requires = "pcap")]
    tcp_ports: Vec<u16>,

    /// A server port of Turms over WebSocket (repeatable; replaces the default 10510).
    #[arg(long = "ws-port", value_name = "PORT", requires = "pcap")]
    ws_ports: Vec<u16>,

    /// A server port of the UDP signal protocol (repeatable; replaces the default 12510).
    #[arg(long = "udp-port", value_name = "PORT", requires = "pcap")]
    udp_ports: Vec<u16>,

    /// After a hole, or in a connection whose start was not captured, look for a frame
    /// boundary (three whole frames in a row) and decode from there, marking those records
    /// `"resynced": true`.
    #[arg(long, requires = "pcap")]
    resync: bool,

    /// Print only the records of connection N (repeatable); the summary counts everything.
    #[arg(long = "conn", value_name = "N", requires = "pcap")]
    conns: Vec<u64>,

    /// Print only the frames and datagrams of CLASS (repeatable; `error` for records that
    /// failed); the summary counts everything.
    #[arg(long = "class", value_name = "CLASS", requires = "pcap", value_parser = CLASSES)]
    classes: Vec<String>,
}

/// Standard output, shared by the record writer and the reader (which flushes it before it
/// waits for more input).
#[derive(Clone)]
struct Shared(Rc<RefCell<BufWriter<Box<dyn Write>>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.borrow_mut().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// The capture, read after flushing what was printed: every record completed by what was
/// read so far is out before the next read waits (on a pipe, for the next packet).
struct FlushingReader<R> {
    input: R,
    out: Shared,
}

impl<R: Read> Read for FlushingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // A failed flush shows again at the next write, which ends the run.
        let _ = self.out.flush();
        self.input.read(buf)
    }
}

pub fn run(
    pcap: &PcapArgs,
    max_frame: Option<usize>,
    path: &Path,
    format: OutputFormat,
) -> ExitCode {
    let mut config = DecodeConfig::default();
    for (ports, given) in [
        (&mut config.capture.tcp_ports, &pcap.tcp_ports),
        (&mut config.capture.ws_ports, &pcap.ws_ports),
        (&mut config.capture.udp_ports, &pcap.udp_ports),
    ] {
        if !given.is_empty() {
            *ports = given.iter().copied().collect();
        }
    }
    config.capture.resync = pcap.resync;
    if let Some(max) = max_frame {
        config.max_request_frame = max;
        config.max_notification_frame = max;
    }
    let shown = path.display();
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        // Unbuffered: the reader reads what the pipe holds, and prints what it completes.
        Box::new(io::stdin().lock())
    } else {
        match File::open(path) {
            Ok(file) => Box::new(file),
            Err(error) => {
                eprintln!("turms-wire decode: {shown}: {error}");
                return ExitCode::FAILURE;
            }
        }
    };
    let out = Shared(Rc::new(RefCell::new(crate::stdout_lines())));
    let input = FlushingReader {
        input,
        out: out.clone(),
    };
    let decoder = match CaptureDecoder::new(input, config) {
        Ok(decoder) => decoder,
        Err(error) => {
            eprintln!("turms-wire decode: {shown}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut writer = DecodedWriter::new(out, format);
    match decode(decoder, &mut writer, pcap) {
        Ok(summary) => {
            let _ = writer.flush();
            report_not_decoded(&summary, pcap.resync);
            match summary.capture_error {
                Some(CaptureError::Io { .. }) => ExitCode::FAILURE,
                _ if summary.failed() => ExitCode::from(2),
                _ => ExitCode::SUCCESS,
            }
        }
        // Nobody reads the output any more (e.g. `| head`): stop quietly.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("turms-wire decode: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the records the filters keep (the summary and the capture's own error always);
/// returns the summary, with what only writing found counted in.
fn decode(
    decoder: CaptureDecoder<impl Read>,
    writer: &mut DecodedWriter<Shared>,
    pcap: &PcapArgs,
) -> io::Result<DecodeSummary> {
    let mut last = DecodeSummary::default();
    for decoded in decoder {
        if let DecodedKind::End(summary) = &decoded.kind {
            last = writer.completed(summary);
        }
        if keep(&decoded, pcap) {
            writer.write(&decoded)?;
        } else {
            writer.skip(&decoded);
        }
    }
    writer.flush()?;
    Ok(last)
}

fn keep(decoded: &Decoded, pcap: &PcapArgs) -> bool {
    let Some(conn) = decoded.conn else {
        // The capture's error and the summary are about the whole capture.
        return true;
    };
    if !pcap.conns.is_empty() && !pcap.conns.contains(&conn.0) {
        return false;
    }
    pcap.classes.is_empty()
        || decoded
            .class_name()
            .is_some_and(|class| pcap.classes.iter().any(|c| c == class))
}

/// One line on standard error when connections were not (wholly) decoded.
fn report_not_decoded(summary: &DecodeSummary, resync: bool) {
    let total = summary.not_decoded_total();
    if total == 0 {
        return;
    }
    let reasons: Vec<String> = summary
        .not_decoded
        .iter()
        .map(|(why, n)| format!("{n} {}", why.replace('_', " ")))
        .collect();
    let hint = if !resync && summary.not_decoded.contains_key("start_not_captured") {
        "; --resync decodes them from the first frame boundary found"
    } else {
        ""
    };
    eprintln!(
        "turms-wire decode: {total} connection{} not (wholly) decoded: {}{hint}",
        if total == 1 { "" } else { "s" },
        reasons.join(", ")
    );
}
