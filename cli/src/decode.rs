//! `turms-wire decode`: every frame of a capture, fully decoded, as it arrives.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use turms_wire::inspect::{
    Boundaries, FrameReader, InputEncoding, OutputFormat, ReaderOptions, Record, RecordWriter,
};
use turms_wire::role::RoleKind;

/// Decode a stream of Turms frames from FILEs or standard input, or every Turms connection of
/// a packet capture (--pcap).
///
/// Each frame is printed as soon as it has arrived. A frame whose body is not a valid message
/// is reported and the next one follows; a broken length prefix ends the decode (every frame
/// before it is printed first). Exit status 2 if any frame failed.
///
/// With --pcap, both directions of every TCP, WebSocket and UDP connection on the server ports
/// are decoded, with their time, connection number and direction, and responses are paired
/// with their requests. Exit status 2 also when a hole was found or a connection could not be
/// decoded; 1 when the input is not a capture.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    turms-wire decode capture.bin\n  \
    turms-wire decode --type request --json < requests.bin\n  \
    turms-wire decode --framing none --input hex <<< '20 01 28 e8 07'\n  \
    nc gateway 11510 < login.bin | turms-wire decode --json\n  \
    turms-wire decode --pcap turms.pcapng --json\n  \
    tcpdump -U -i any -w - port 11510 | turms-wire decode --pcap -")]
pub struct DecodeArgs {
    /// The input; standard input when absent or `-`. With `--framing none` each FILE is one
    /// message body (its name is printed with its record); with `--framing tcp` the FILEs are
    /// read as one stream, as `cat` joins them.
    #[arg(value_name = "FILE", conflicts_with = "pcap")]
    files: Vec<PathBuf>,

    #[command(flatten)]
    pub(crate) capture: crate::pcap::PcapArgs,

    /// What the frames hold: what the gateway sends (notification) or what clients send
    /// (request).
    #[arg(long = "type", value_enum, default_value_t = TypeArg::Notification, conflicts_with = "pcap")]
    message_type: TypeArg,

    /// `tcp`: varint32 length-prefixed frames; `none`: the whole input is one message body
    /// (as a WebSocket binary message is; zero bytes are a heartbeat).
    #[arg(long, value_enum, default_value_t = FramingArg::Tcp, conflicts_with = "pcap")]
    framing: FramingArg,

    /// How the input spells the bytes; whitespace is ignored in hex and base64.
    #[arg(long, value_enum, default_value_t = InputArg::Binary, conflicts_with = "pcap")]
    input: InputArg,

    /// The largest frame accepted, in bytes [default: 8388608 for notifications, 16384 for
    /// requests; with --pcap, both directions' limit].
    #[arg(long, value_name = "BYTES")]
    pub(crate) max_frame: Option<usize>,

    /// Print one JSON object per frame and line.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TypeArg {
    Notification,
    Request,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FramingArg {
    Tcp,
    None,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InputArg {
    Binary,
    Hex,
    Base64,
}

impl DecodeArgs {
    fn options(&self) -> ReaderOptions {
        let receiver = match self.message_type {
            TypeArg::Notification => RoleKind::Client,
            TypeArg::Request => RoleKind::Gateway,
        };
        ReaderOptions {
            receiver,
            boundaries: match self.framing {
                FramingArg::Tcp => Boundaries::LengthPrefixed,
                FramingArg::None => Boundaries::WholeInput,
            },
            encoding: match self.input {
                InputArg::Binary => InputEncoding::Binary,
                InputArg::Hex => InputEncoding::Hex,
                InputArg::Base64 => InputEncoding::Base64,
            },
            max_frame: self
                .max_frame
                .unwrap_or_else(|| receiver.limits().max_inbound_frame()),
        }
    }
}

pub fn run(args: &DecodeArgs) -> ExitCode {
    let format = if args.json {
        OutputFormat::Json
    } else {
        OutputFormat::Text
    };
    if let Some(path) = &args.capture.pcap {
        return crate::pcap::run(&args.capture, args.max_frame, path, format);
    }
    let options = args.options();
    let mut out = RecordWriter::new(crate::stdout_lines(), format);
    let result = if args.files.len() > 1 && options.boundaries == Boundaries::WholeInput {
        decode_each_file(&args.files, options, &mut out)
    } else {
        decode(Files::new(&args.files), options, &mut out, None)
    };
    match result {
        Ok(Outcome { failed: false, .. }) => ExitCode::SUCCESS,
        Ok(Outcome { failed: true, .. }) => ExitCode::from(2),
        // Nobody reads the output any more (e.g. `| head`): stop quietly.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            let _ = out.flush();
            eprintln!("turms-wire decode: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What a decode run found.
struct Outcome {
    /// Some frame failed.
    failed: bool,
    /// The index the next record would have had.
    next_index: u64,
}

/// One message body per file, numbered on from file to file; each file's name is printed
/// with its record.
fn decode_each_file(
    files: &[PathBuf],
    options: ReaderOptions,
    out: &mut RecordWriter<impl Write>,
) -> io::Result<Outcome> {
    let mut total = Outcome {
        failed: false,
        next_index: 0,
    };
    for path in files {
        let file = File::open(path).map_err(|e| with_path(path, e))?;
        let outcome = decode(file, options, out, Some((path, total.next_index)))?;
        total.failed |= outcome.failed;
        total.next_index = outcome.next_index;
    }
    Ok(total)
}

/// Prints every record of `input`. Output is flushed whenever the next record needs more
/// input, so each frame shows as soon as it has arrived.
fn decode(
    input: impl Read,
    options: ReaderOptions,
    out: &mut RecordWriter<impl Write>,
    file: Option<(&Path, u64)>,
) -> io::Result<Outcome> {
    let mut reader =
        FrameReader::new(input, options).with_first_index(file.map_or(0, |(_, index)| index));
    let path = file.map(|(path, _)| path.to_string_lossy());
    let mut failed = false;
    loop {
        while let Some(record) = reader.next_buffered() {
            failed |= record.is_error();
            let line = Record::frame(&record);
            match &path {
                Some(path) => out.write(&line.file(path))?,
                None => out.write(&line)?,
            }
        }
        out.flush()?;
        if reader.is_finished() {
            return Ok(Outcome {
                failed,
                next_index: reader.next_index(),
            });
        }
        reader.read_more()?;
    }
}

fn with_path(path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

/// The files one after another, as one stream (as `cat` joins them); standard input when
/// there are none. Each file is opened when the previous one has ended.
struct Files<'a> {
    rest: std::slice::Iter<'a, PathBuf>,
    current: Option<Box<dyn Read + 'a>>,
}

impl<'a> Files<'a> {
    fn new(paths: &'a [PathBuf]) -> Files<'a> {
        let current: Option<Box<dyn Read>> = if paths.is_empty() {
            // Unbuffered: each read returns what the pipe holds, so frames are not held back.
            Some(Box::new(io::stdin().lock()))
        } else {
            None
        };
        Files {
            rest: paths.iter(),
            current,
        }
    }
}

impl Read for Files<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(current) = &mut self.current {
                let read = current.read(buf)?;
                if read > 0 || buf.is_empty() {
                    return Ok(read);
                }
            }
            let Some(path) = self.rest.next() else {
                return Ok(0);
            };
            self.current = Some(if path.as_os_str() == "-" {
                Box::new(io::stdin().lock())
            } else {
                Box::new(File::open(path).map_err(|e| with_path(path, e))?)
            });
        }
    }
}
