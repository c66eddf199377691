//! What the tests of turms-wire share: the library's integration tests, the command-line
//! tool's tests, the benchmarks' corpora and the fuzz targets all use this one crate, so no
//! helper is written twice.
//!
//! * [`pool`]: the schema as prost-reflect sees it.
//! * [`data`]: the files under `tests/data/`, the conformance vectors and `bad/INDEX.json`.
//! * [`dynamic_eq`]: NaN-aware equality of two messages, reporting the first difference.
//! * [`classify`], [`fuzz_checks`]: what a classified frame must say; the fuzz targets' checks.
//! * [`capture_writer`]: pcap and pcapng captures synthesized byte by byte (for the capture
//!   reader's tests, the tool's and the capture benchmark); `capture_check` (feature
//!   `capture`): the capture fuzz target's check.
//! * [`proto_json_eq`]: two proto3 JSON renderings compared as values.
//! * [`requests`], [`notifications`]: the messages the tests send.
//! * [`peer`]: one end of a connection under a test's control, over TCP or WebSocket.
//! * [`wait`]: the one deadline wrapper.
//! * `gateway` (feature `gateway`): a mock gateway started on loopback with its events kept.
//!
//! Of the library's optional features it needs only `ws` (the test peer talks WebSocket as
//! well as TCP), so a test that uses it builds with whatever other features that test requires;
//! the feature `gateway` adds the mock-gateway scenario.

use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, MessageDescriptor};

#[cfg(feature = "capture")]
pub mod capture_check;
pub mod capture_writer;
pub mod classify;
pub mod data;
pub mod dynamic_eq;
pub mod fuzz_checks;
#[cfg(feature = "gateway")]
pub mod gateway;
pub mod notifications;
pub mod peer;
pub mod proto_json_eq;
pub mod requests;
pub mod rng;
pub mod wait;
pub mod ws;

/// The schema (`turms_wire::proto::FILE_DESCRIPTOR_SET`) as prost-reflect sees it, decoded once.
pub fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(turms_wire::proto::FILE_DESCRIPTOR_SET)
            .expect("the built-in descriptor set decodes")
    })
}

/// A message type of the schema by its full name, or a panic naming it.
pub fn message_descriptor(full_name: &str) -> MessageDescriptor {
    pool()
        .get_message_by_name(full_name)
        .unwrap_or_else(|| panic!("{full_name} is not in the descriptor set"))
}
