//! The session rules as state machines without I/O (feature `session`, which pulls no
//! runtime).
//!
//! A machine takes events (a classified frame, a call from the user, the current time as a
//! value the caller supplies) and returns actions (frames to send, a response to deliver, an
//! event to report, a deadline to wake at, a close). It never reads a socket, sleeps or spawns:
//! the async [`client`](crate::client) and the mock [`gateway`](crate::gateway) are thin
//! drivers that move bytes and time between a machine and a
//! [`Connection`](crate::transport::Connection), and anyone can drive a machine from another
//! runtime or a simulator. Because time is a value, every timeout is testable without
//! sleeping.
//!
//! * [`client`]: the client end of a session, [`ClientSession`](client::ClientSession).
//! * [`gateway`]: the mock gateway's rules, [`GatewaySession`](gateway::GatewaySession) (one
//!   per connection) and [`GatewayState`](gateway::GatewayState) (what its connections share).

pub mod client;
pub mod gateway;
