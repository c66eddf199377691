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
