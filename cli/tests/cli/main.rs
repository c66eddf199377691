//! The command-line tool end to end: the built `turms-wire` binary, one module per command.
//!
//! One test binary; run one module with `cargo test -p turms-wire-cli --test cli <module>`.

mod code;
mod decode;
mod gateway;
mod pcap;
mod pcap_synth;
mod probe;
mod tap;

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs the built binary with `args`, and `stdin` on its standard input (closed when `None`).
pub fn turms_wire(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_turms-wire"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run turms-wire");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        // Written from a thread so a full stdout pipe cannot deadlock the two.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().expect("turms-wire output")
}
