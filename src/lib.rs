//! turms-wire: the Turms wire protocol.
#![warn(missing_docs)]

pub mod codec;
pub mod proto;
pub mod status;
#[cfg(feature = "ws")]
pub mod ws;

pub use status::{ResponseStatusCode, SessionCloseStatus};
