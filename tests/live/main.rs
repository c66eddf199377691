//! The library's tests over loopback connections (features `client`, `gateway`): the client
//! against scripted gateways, the mock gateway against raw clients, both end to end, and the
//! WebSocket adapter.
//!
//! One test binary; run one module with
//! `cargo test --test live --features client,gateway <module>`.

mod client;
mod client_gateway_e2e;
mod gateway;
mod ws;
