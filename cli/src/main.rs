//! `turms-wire`: command-line tools for the Turms wire protocol.
//!
//! Each subcommand is one [`Command`] variant and one module holding its arguments and `run`.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod code;
mod decode;
mod demo;
mod gateway;
mod pcap;
mod probe;
mod tap;

/// Tools for the Turms instant-messaging wire protocol.
#[derive(Debug, Parser)]
#[command(name = "turms-wire", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Explain a response status code or session close status, by number or by name.
    Code(code::CodeArgs),
    /// Decode a stream of frames (a capture, a pipe) and print each one as it arrives.
    Decode(decode::DecodeArgs),
    /// Forward connections to a gateway unchanged and print every frame passing through.
    Tap(tap::TapArgs),
    /// Run an in-memory mock Turms gateway on TCP and/or WebSocket, for testing IM clients.
    Gateway(gateway::GatewayArgs),
    /// Log in to a gateway, optionally send a message, and print every frame and event.
    Probe(probe::ProbeArgs),
    /// Start a mock gateway and two clients in this process and show every frame between them.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Code(args) => code::run(&args),
        Command::Decode(args) => decode::run(&args),
        Command::Tap(args) => tap::run(&args),
        Command::Gateway(args) => gateway::run(args),
        Command::Probe(args) => probe::run(&args),
        Command::Demo(args) => demo::run(&args),
    }
}

/// Standard output for a stream of lines: buffered in large blocks and written straight to the
/// file descriptor. The standard library's `Stdout` is line-buffered: every block written
/// through it is searched for its last line break and split there, which costs more than
/// printing many small records. Where the descriptor cannot be duplicated, plain `Stdout`.
fn stdout_lines() -> BufWriter<Box<dyn Write>> {
    const CAPACITY: usize = 64 * 1024;
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() {
            return BufWriter::with_capacity(CAPACITY, Box::new(std::fs::File::from(fd)));
        }
    }
    BufWriter::with_capacity(CAPACITY, Box::new(io::stdout().lock()))
}
