//! `turms-wire decode`: every frame of a capture, fully decoded, as it arrives.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use turms_wire::inspect::{Boundaries, FrameReader, InputEncoding, MessageType, ReaderOptions};

/// Decode a stream of Turms frames from FILE or standard input.
///
/// Each frame is printed as soon as it has arrived. A frame whose body is not a valid message
/// is reported and the next one follows; a broken length prefix ends the decode (every frame
/// before it is printed first). Exit status 2 if any frame failed.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    turms-wire decode capture.bin\n  \
    turms-wire decode --type request --json < requests.bin\n  \
    turms-wire decode --framing none --input hex <<< '20 01 28 e8 07'\n  \
    nc gateway 11510 < login.bin | turms-wire decode --json")]
pub struct DecodeArgs {
    /// The input; standard input when absent or `-`.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,

    /// What the frames hold: what the gateway sends (notification) or what clients send
    /// (request).
    #[arg(long = "type", value_enum, default_value_t = TypeArg::Notification)]
    message_type: TypeArg,

    /// `tcp`: varint32 length-prefixed frames; `none`: the whole input is one message body
    /// (as a WebSocket binary message is; zero bytes are a heartbeat).
    #[arg(long, value_enum, default_value_t = FramingArg::Tcp)]
    framing: FramingArg,

    /// How the input spells the bytes; whitespace is ignored in hex and base64.
    #[arg(long, value_enum, default_value_t = InputArg::Binary)]
    input: InputArg,

    /// The largest frame accepted, in bytes [default: 8388608 for notifications, 16384 for
    /// requests].
    #[arg(long, value_name = "BYTES")]
    max_frame: Option<usize>,

    /// Print one JSON object per frame and line.
    #[arg(long)]
    json: bool,
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
        let message_type = match self.message_type {
            TypeArg::Notification => MessageType::Notification,
            TypeArg::Request => MessageType::Request,
        };
        ReaderOptions {
            message_type,
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
                .unwrap_or_else(|| message_type.default_max_frame()),
        }
    }
}

pub fn run(args: &DecodeArgs) -> ExitCode {
    let input: Box<dyn Read> = match &args.file {
        Some(path) if path.as_os_str() != "-" => match File::open(path) {
            Ok(file) => Box::new(file),
            Err(error) => {
                eprintln!("turms-wire decode: {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
        },
        // Unbuffered: each read returns what the pipe holds, so frames are not held back.
        _ => Box::new(io::stdin().lock()),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match decode(input, args.options(), args.json, &mut out) {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(2),
        // Nobody reads the output any more (e.g. `| head`): stop quietly.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            let _ = out.flush();
            eprintln!("turms-wire decode: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Prints every record; `Ok(true)` if any frame failed. Output is flushed whenever the next
/// record needs more input, so each frame shows as soon as it has arrived.
fn decode(
    input: impl Read,
    options: ReaderOptions,
    json: bool,
    out: &mut impl Write,
) -> io::Result<bool> {
    let mut reader = FrameReader::new(input, options);
    let mut failed = false;
    loop {
        while let Some(record) = reader.next_buffered() {
            failed |= record.is_error();
            if json {
                record.write_json(out)?;
            } else {
                record.write_text(out)?;
            }
        }
        out.flush()?;
        if reader.is_finished() {
            return Ok(failed);
        }
        reader.read_more()?;
    }
}
