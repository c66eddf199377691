//! What the tests of turms-wire share: the library's integration tests, the command-line
//! tool's tests and the fuzz targets all use this one crate, so no helper is written twice.
//!
//! Of the library's optional features it needs only `ws` (the test peer talks WebSocket as
//! well as TCP), so a test that uses it builds with whatever other features that test requires.

pub mod classify;
pub mod data;
pub mod dynamic_eq;
pub mod fuzz_checks;
pub mod peer;
pub mod proto_json_eq;
pub mod requests;
pub mod wait;
