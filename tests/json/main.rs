//! The library's tests of the proto3 JSON mapping (feature `json`): the conformance vectors
//! and every message of the schema.
//!
//! One test binary; run one module with `cargo test --test json --features json <module>`.

mod conformance_messages;
mod message_props;
mod wire_writer;
